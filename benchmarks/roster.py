"""Roster weeks at two scales, 7 days x 48 half-hour intervals, 4 groups:

- reference: 150 agents, a synthetic day shape, 44 shift templates, 60 s (HiGHS, and CBC on the
  same two-stage solve as the peer);
- us-bank: 600 agents, the weekday arrival shape of the US bank's calls (mean of the final 8
  weeks per weekday and half-hour; weekends 0.6 of the weekday mean, the bank has none), 300 s.

Requirements are scaled to 90% of the agents' contract hours, so both weeks are tight. A third
line times the diagnosis of contradictory rules before solving, at 160 agents. The time
includes building the models and the constructive start. Last line: gap to the bound at each
scale against the goal (<= 1%).

Usage: .venv/bin/python benchmarks/roster.py [--only reference|us-bank|diagnosis] [calls.csv]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.support.bank import bank_calls  # noqa: E402
from vero.kernel.centre import load_centre  # noqa: E402
from wfm.scheduler.check import check_roster  # noqa: E402
from wfm.scheduler.diagnose import pre_solve  # noqa: E402
from wfm.scheduler.inputs import Agent, Requirements, Rules, ShiftTemplates, parse_contract  # noqa: E402
from wfm.scheduler.problem import Problem, build_problem  # noqa: E402
from wfm.scheduler.roster import solve_roster  # noqa: E402

GAP = 0.01
GROUPS = ("voice-id", "voice-en", "digital", "b2b")
SHARES = (0.45, 0.15, 0.3, 0.1)
WEEK = dt.date(2026, 11, 30)
BANK_WEEKS = 8
WEEKEND = 0.6  # weekend demand against the weekday mean, in both weeks


def reference_shape(moment: dt.datetime) -> float:
    hour = moment.hour + moment.minute / 60
    return 1.2 - abs(hour - 13) / 10


def bank_shape(path: Path):
    """Mean calls per weekday and half-hour of the final `BANK_WEEKS` weeks of the bank data."""
    calls: dict[tuple[dt.date, int], float] = defaultdict(float)
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            start = dt.datetime.fromisoformat(row["start"])
            calls[start.date(), start.hour * 2 + start.minute // 30] += float(row["calls"])
    days = sorted({day for day, _ in calls})[-5 * BANK_WEEKS :]
    mean: dict[tuple[int, int], float] = defaultdict(float)
    for (day, half), value in calls.items():
        if day in days:
            mean[day.weekday(), half] += value / BANK_WEEKS
    weekday = {h: sum(mean[d, h] for d in range(5)) / 5 for h in range(48)}

    def shape(moment: dt.datetime) -> float:
        half = moment.hour * 2 + moment.minute // 30
        return weekday[half] if moment.weekday() >= 5 else mean[moment.weekday(), half]

    return shape


def week(rng: random.Random, agents_count: int, shape) -> Problem:
    centre = load_centre(None)
    agents = []
    for i in range(agents_count):
        groups = {rng.choices(GROUPS, SHARES)[0]}
        if rng.random() < 0.3:
            groups.add(rng.choice(GROUPS))
        contract = rng.choices(["5x8", "6x7", "full-time", "part-time:20"], [4, 3, 2, 1])[0]
        wish = frozenset({rng.randrange(7)})
        agents.append(
            Agent(
                f"a{i:03d}",
                f"Agent {i}",
                tuple(sorted(groups)),
                parse_contract(contract),
                preferred_days_off=wish,
            )
        )
    supply = sum(a.contract.weekly_minutes for a in agents) / 30  # agent-slots a week
    origin = dt.datetime.combine(WEEK, dt.time(0), centre.tz)
    weights = {}
    for slot in range(7 * 48):
        start = origin + dt.timedelta(minutes=30 * slot)
        if centre.is_open(start):
            weights[start] = shape(start) * (WEEKEND if start.weekday() >= 5 else 1)
    scale = 0.9 * supply / sum(weights.values())
    required = {
        (t, g): round(scale * w * share * rng.uniform(0.85, 1.15), 2)
        for t, w in weights.items()
        for g, share in zip(GROUPS, SHARES, strict=True)
    }
    templates = ShiftTemplates.model_validate(
        {"starts": {"from": "08:00", "to": "13:00", "every": 30}, "work_hours": [5, 6, 7, 8]}
    )
    return build_problem(
        centre, Requirements(30, required), tuple(agents), templates, Rules(), week_start=WEEK
    )


def run(name: str, problem: Problem, solvers: tuple[str, ...], limit: float) -> list[str]:
    figures = []
    for solver in solvers:
        roster = solve_roster(problem, solver, limit, GAP)
        info = roster.info
        valid = not check_roster(problem, roster.shifts) if roster.shifts else False
        gap = "-" if info.gap is None else f"{info.gap:.2%}"
        objective = "-" if info.objective is None else f"{info.objective:.1f}"
        bound = "-" if info.bound is None else f"{info.bound:.1f}"
        size = ", ".join(f"{k} {v}" for k, v in roster.size.items())
        print(
            f"{name:9} {len(problem.agents):6} {solver:6} {roster.status:9} {objective:>10} "
            f"{bound:>10} {gap:>7} {info.seconds:7.1f} {roster.under_staffed():7.1f} "
            f"{str(valid):>5}  {size}",
            flush=True,
        )
        met = info.gap is not None and info.gap <= GAP and info.seconds <= limit and valid
        figures.append(
            f"{name} {len(problem.agents)} agents {solver} gap {gap} in {info.seconds:.0f}s "
            f"(limit {limit:g}s, {'meets' if met else 'misses'})"
        )
    return figures


def diagnosis(rng: random.Random) -> str:
    """160 agents with up to 7 days worked before the week in a Monday-Friday centre: the
    contradictions named before any solve (the solver's own diagnosis took 146 s on 14)."""
    reference = load_centre(None)
    weekdays = reference.model_copy(
        update={
            "opening_hours": {d: ("08:00", "21:00") for d in ("mon", "tue", "wed", "thu", "fri")}
        }
    )
    origin = dt.datetime.combine(WEEK, dt.time(0), weekdays.tz)
    required = {
        (origin + dt.timedelta(minutes=30 * s), "voice-id"): 2.0
        for s in range(5 * 48)
        if weekdays.is_open(origin + dt.timedelta(minutes=30 * s))
    }
    agents = tuple(
        Agent(
            f"d{i:03d}",
            f"Agent {i}",
            ("voice-id",),
            parse_contract(rng.choice(["5x8", "part-time:20"])),
            worked_days_before=rng.randrange(8),
        )
        for i in range(160)
    )
    started = time.perf_counter()
    problem = build_problem(
        weekdays, Requirements(30, required), agents, ShiftTemplates(), Rules(), week_start=WEEK
    )
    issues = pre_solve(problem)
    seconds = time.perf_counter() - started
    for line in issues:
        print(f"  {line}")
    return f"diagnosis {len(agents)} agents: {len(issues)} causes named in {seconds:.2f}s"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", choices=("reference", "us-bank", "diagnosis"))
    parser.add_argument("data", nargs="?", type=Path, default=bank_calls())
    args = parser.parse_args()
    print(
        f"{'week':9} {'agents':>6} {'solver':6} {'status':9} {'objective':>10} {'bound':>10} "
        f"{'gap':>7} {'seconds':>7} {'under':>7} {'valid':>5}  model size"
    )
    figures = []
    if args.only in (None, "reference"):
        problem = week(random.Random(7), 150, reference_shape)
        figures += run("reference", problem, ("highs", "cbc"), 60.0)
    if args.only in (None, "us-bank"):
        problem = week(random.Random(7), 600, bank_shape(args.data))
        figures += run("us-bank", problem, ("highs",), 300.0)
    if args.only in (None, "diagnosis"):
        print(diagnosis(random.Random(7)))
    print(f"roster goal gap <= {GAP:.0%}: " + "; ".join(figures))


if __name__ == "__main__":
    main()
