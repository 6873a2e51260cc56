"""`vero plan` against the two-step method, each judged by the same twin rule.

Two weeks: the reference cosmetics centre's week (the demand of `benchmarks/simulation.py`,
every channel and staffing group) and a US-bank-derived week (the last Monday-Friday of the
fpp2 bank calls in ../shared/data, 30-minute counts at a tenth of the volume as the forecast,
one voice group). Nobody is on hand: every agent is a hire on one contract (`--hire`,
full-time by default), so headcount and agent-hours are what each method asks for.

- two-step: Erlang C per interval (on-seat, no shrinkage), then the fewest hires
  whose roster covers that requirement (the sizing search of the plan). As it stands it misses
  the rule, so it is also staffed for every channel's target raised by 0.05, 0.10, ... (at most
  0.99) until it meets the rule, the way a planner using two-step would have to: that is the
  peer of the key ratio.
- verified: `planning.plan.plan`, which starts from the plain two-step roster and moves the
  requirement where the twin shows a miss or a surplus.

All are judged by the plan's rule (`planning.plan`): every interval with contacts meets its
channel's target in the twin's mean AND in at least 80 % of replications, on the same seeds;
the misses on fresh seeds are printed beside. Last line: verified / two-step agent-hours on
each week, both meeting the rule (goal <= 0.95).

Usage: .venv/bin/python benchmarks/plan.py [--replications N] [--iterations N] [--time-limit S]
       [--hire full-time|part-time:H] [--only reference|bank]
       [--data ../shared/data/us-bank-calls/calls_5min_long.csv]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.simulation import MONDAY, week_forecast  # noqa: E402
from benchmarks.support.bank import bank_calls, bank_centre  # noqa: E402
from planning.plan import (  # noqa: E402
    MIN_OFFERED,
    Iteration,
    PlanSettings,
    assess,
    erlang_requirements,
    first_hires,
    fresh_misses,
    hire_groups,
    plan,
    simulate,
    sized_roster,
)
from planning.report import changes  # noqa: E402
from simulations.loading import Forecast  # noqa: E402
from vero.kernel.centre import Centre, load_centre, parse_centre  # noqa: E402
from wfm.scheduler.inputs import Agent, Rules, ShiftTemplates, parse_contract  # noqa: E402
from wfm.scheduler.problem import Problem, build_problem  # noqa: E402
from wfm.staffing_plan import PlanOptions  # noqa: E402

BANK_WEEK = dt.date(2003, 10, 20)  # the data's last Monday-Friday
BANK_AHT = 240.0  # seconds; the data hold arrivals only (an assumption, stated in the output)
# The bank's week at a tenth of its volume (its intraday and day-of-week shape, peak about 185
# calls per half hour): the full volume (about 600 agents) takes the roster minutes per solve.
BANK_SCALE = 0.1
MARGINS = (
    0.05,
    0.1,
    0.15,
    0.19,
)  # raises of the two-step's Erlang target tried until it meets the rule
# Reference centre hires: back-office staff also answer the digital channels. (Bilingual voice
# hires were tried: the router offers them Indonesian calls as readily as English ones, so the
# English queue waited behind the larger one and the plan did not converge.)
POOLS = {"backoffice": ("backoffice", "digital")}


def forecast_of(rows: pd.DataFrame, centre: Centre) -> Forecast:
    first = min(t.date() for t in rows["interval_start"])
    return Forecast(rows, dt.datetime.combine(first, dt.time(0), centre.tz))


@dataclass(frozen=True)
class Week:
    centre: Centre
    forecast: Forecast
    templates: ShiftTemplates
    start: dt.date
    hire_groups: Mapping[str, tuple[str, ...]]  # what a hire for each group can do


def reference_week() -> Week:
    centre = load_centre(None)
    templates = ShiftTemplates.model_validate(
        {"starts": {"from": "08:00", "to": "12:30", "every": 30}, "work_hours": [5, 7, 8]}
    )
    return Week(centre, forecast_of(week_forecast(centre), centre), templates, MONDAY, POOLS)


def bank_week(path: Path) -> Week:
    centre = bank_centre(
        {"target_seconds": 20, "service_level": 0.8, "patience_seconds": 180}, "benchmarks/plan.py"
    )
    calls = pd.read_csv(path, parse_dates=["start"])
    week = calls[
        (calls["start"].dt.date >= BANK_WEEK)
        & (calls["start"].dt.date < BANK_WEEK + dt.timedelta(days=5))
        & (calls["start"].dt.hour < 21)
    ]
    volume = week.groupby(week["start"].dt.floor("30min"))["calls"].sum()
    rows = pd.DataFrame(
        {
            "interval_start": [t.tz_localize(centre.tz).to_pydatetime() for t in volume.index],
            "interval_minutes": 30,
            "channel": "voice",
            "queue": "general",
            "language": "en",
            "group": "all",
            "volume": volume.to_numpy(dtype=float) * BANK_SCALE,
            "aht_seconds": BANK_AHT,
        }
    )
    templates = ShiftTemplates.model_validate(
        {"starts": {"from": "07:00", "to": "12:30", "every": 30}, "work_hours": [5, 7, 8]}
    )
    return Week(centre, forecast_of(rows, centre), templates, BANK_WEEK, {})


def intervals_in(cells: pd.DataFrame) -> int:
    """How many (interval, group) the missed cells span (a group's channels count once)."""
    return int(cells.drop_duplicates(["interval_start", "group"]).shape[0])


def two_step_at(week: Week, settings: PlanSettings, margin: float) -> Iteration:
    """The two-step method staffed for every channel's service-level target raised by `margin`
    (at most 0.99), the way a planner would make it meet the rule, judged against the real
    targets in the twin."""
    assert settings.hire is not None
    raw = week.centre.model_dump()
    for spec in raw["channels"].values():
        spec["service_level"] = min(0.99, spec["service_level"] + margin)
    stricter = parse_centre(raw, source="benchmarks/plan.py")
    _, requirements = erlang_requirements(week.forecast, stricter, settings.staffing)
    pools = hire_groups((), tuple(week.centre.staffing_groups), week.hire_groups)

    def build(people: tuple[Agent, ...]) -> Problem:
        return build_problem(
            week.centre, requirements, people, week.templates, Rules(), week_start=week.start
        )

    start = first_hires(requirements, (), settings.hire)
    problem, roster, _ = sized_roster(build, (), start, settings.hire, pools, settings)
    counts = simulate(
        roster, week.forecast, week.centre, settings, "two-step", None, (), problem.agents
    )
    service, cells = assess(counts, week.forecast, week.centre, settings.replications)
    days = tuple(week.forecast.days)
    return Iteration(0, requirements, problem, roster, days, service, cells)


def row(label: str, it: Iteration, cells: int, fresh: pd.DataFrame) -> None:
    """One plan's line; `fresh`: the cells it misses on seeds the plan never saw."""
    print(
        f"{label:28} {it.headcount:7d} {it.agent_hours:8.1f} {it.required_hours:11.1f} "
        f"{len(it.misses()):>8d} of {cells} {intervals_in(fresh):>15d}"
    )


def compare(name: str, week: Week, settings: PlanSettings) -> tuple[float, float, bool, bool]:
    """Plan one week, find the two-step's margin that meets the rule, print all three; the
    verified agent-hours over the met two-step's and over the plain two-step's, and whether the
    verified plan and the met two-step meet every target."""
    started = time.perf_counter()
    result = plan(
        week.forecast,
        week.centre,
        (),
        week.templates,
        Rules(),
        week.start,
        settings,
        step=progress(started),
    )
    two, best = result.two_step, result.best
    for margin in MARGINS:
        met = two_step_at(week, settings, margin)
        print(f"  two-step at target +{margin:.2f}: {len(met.misses())} missed cells", flush=True)
        if met.misses().empty:
            break
    seconds = time.perf_counter() - started
    print(f"\n== {name}: {len(result.iterations)} iterations; {result.stop}; {seconds:.0f} s")
    cells = len(two.intervals[two.intervals["offered"] >= MIN_OFFERED])
    print(
        f"{'':28} {'agents':>7} {'agent-h':>8} {'required h':>11} {'missed cells':>15} "
        f"{'on fresh seeds':>15}"
    )
    for label, it in (("two-step at the target", two), (f"two-step at target +{margin:.2f}", met)):
        row(label, it, cells, fresh_misses(it, week.forecast, week.centre, settings))
    row(f"verified (iteration {best.number})", best, cells, result.fresh_misses)  # plan's check
    print("  the plan's hires: " + "; ".join(changes(best, "en")))
    for it in result.iterations:
        print(
            f"  iteration {it.number}: {it.headcount} agents, {it.agent_hours:.1f} h, "
            f"{len(it.misses())} missed cells"
        )
    return (
        best.agent_hours / met.agent_hours,
        best.agent_hours / two.agent_hours,
        best.misses().empty,
        met.misses().empty,
    )


def progress(started: float) -> Callable[[str], None]:
    def tell(text: str) -> None:
        print(f"  {time.perf_counter() - started:5.0f} s {text}", flush=True)

    return tell


def main() -> None:
    parser = argparse.ArgumentParser(description="vero plan against the two-step method")
    parser.add_argument("--replications", type=int, default=5)
    parser.add_argument("--iterations", type=int, default=8)
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", choices=["reference", "bank"])
    parser.add_argument("--data", type=Path, default=bank_calls(), help="calls_5min_long.csv")
    parser.add_argument(
        "--hire", default="full-time", help="the hires' contract (full-time, part-time:H, ...)"
    )
    args = parser.parse_args()
    staffing = PlanOptions(model="erlang-c", shrinkage=0.0)
    settings = PlanSettings(
        replications=args.replications,
        max_iterations=args.iterations,
        time_limit=args.time_limit,
        gap=0.02,
        workers=args.workers,
        staffing=staffing,
        hire=parse_contract(args.hire),
    )
    print(
        f"two-step: {staffing.model} per 30-min interval (on-seat, no shrinkage), then the "
        f"fewest {args.hire} hires covering it; both judged in the twin ({args.replications} "
        "replications, same seeds): every interval's mean SL >= target and >= 80 % of "
        f"replications at target; bank: {BANK_SCALE:.0%} of its volume, AHT assumed "
        f"{BANK_AHT:.0f} s"
    )
    weeks = {"reference": reference_week, "bank": lambda: bank_week(args.data.resolve())}
    key, plain = [], []
    for name, load in weeks.items():
        if args.only and name != args.only:
            continue
        week = load()
        ratio, raw, met, peer_met = compare(
            name, week, dataclasses.replace(settings, hire_groups=week.hire_groups)
        )
        flags = ("" if met else ", plan misses") + ("" if peer_met else ", two-step misses")
        key.append(f"{name} {ratio:.3f}{flags}")
        plain.append(f"{name} {raw:.3f}")
    print(
        "against the plain two-step (which misses the rule): "
        + ", ".join(plain)
        + f"; {staffing.model}, judged by the same twin rule"
    )
    print(
        "verified/two-step agent-hours, both meeting the twin rule: "
        + ", ".join(key)
        + " (goal <= 0.95)"
    )


if __name__ == "__main__":
    main()
