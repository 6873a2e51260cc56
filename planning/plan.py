"""Simulation-verified planning (no file I/O): forecast → Erlang requirement → roster → twin, and
back to the requirement wherever the twin misses a target, until the targets hold.

The first iteration is the plain two-step method: Erlang C per interval, then a roster covering
it. Erlang judges each interval alone, with exponential handle times, agents answering at once
and no breaks; the twin replays the roster itself through the live routing policy, so it sees
what Erlang cannot (accept delay, breaks, lumpy coverage, abandonment, small-interval noise).

The rule, per interval, staffing group and channel of the group (a group mixing channels is
judged on each channel's own target): the cell **misses** when the upper bound of the 95 %
confidence interval of its service level is below the target, or when the mean over
replications is below the target by more than `tolerance`. The CI rule alone would let a few
replications excuse any shortfall (a t interval over 2-3 runs is very wide); the tolerance alone
would chase noise. Cells with fewer than `MIN_OFFERED` contacts per replication are not judged.

For every missed interval and group the requirement becomes one more agent than the twin had
there (`max(required, scheduled) + 1`): asking for one more than already required would change
nothing where the roster had a surplus. Requirements only grow, and the roster is solved again.
The loop stops when no cell misses, when the iteration budget is spent, when raising the
requirement leaves the roster unchanged (the agents, contracts or rules leave no room), when the
roster falls short of the raised requirement and misses no fewer intervals than before (the
agents' hours are only being moved from one shortfall to another), or when no roster is found
for the raised requirement. The plan is the iteration missing the fewest cells (the earliest,
hence cheapest, of equals).

The twin simulates every rostered agent as present outside the roster's breaks, so the plan
staffs on-seat agents (no shrinkage gross-up): absence and training are not simulated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from simulations.kpi import summarise
from simulations.loading import Forecast, demand, merged_profile
from simulations.model import Behaviour
from simulations.replications import Job, run_all
from simulations.scenario import ScenarioCase
from simulations.staff import Profile
from simulations.staff import Shift as TwinShift
from vero.kernel.centre import Centre
from vero.kernel.errors import VeroError
from wfm.scheduler.inputs import Agent, Requirements, Rules, ShiftTemplates
from wfm.scheduler.model import Roster
from wfm.scheduler.problem import Problem, build_problem
from wfm.scheduler.roster import make_roster
from wfm.staffing_plan import PlanOptions, plan_group

MIN_OFFERED = 1.0  # contacts per replication below which an interval's service level is noise
STOP_MET = "targets met"
STOP_BUDGET = "iteration budget spent"
STOP_STUCK = "roster unchanged after raising the requirement (agents, contracts or rules bind)"
STOP_SHORT = "raising no longer helps: the agents cannot cover the raised requirement"


@dataclass(frozen=True)
class PlanSettings:
    """How hard to look: twin replications, iterations, solver limits and the miss tolerance."""

    replications: int = 5
    max_iterations: int = 5
    time_limit: float = 60.0
    gap: float = 0.01
    solver: str = "highs"
    seed: int = 1
    tolerance: float = 0.05
    workers: int = 1
    scheduler: str | None = None  # a dask.distributed scheduler for the replications
    staffing: PlanOptions = PlanOptions(model="erlang-c", shrinkage=0.0)
    behaviour: Behaviour = field(default_factory=lambda: Behaviour(patience={"voice": 120.0}))


@dataclass(frozen=True)
class Iteration:
    """One pass: the requirement the roster covered, the roster, and what the twin saw.

    `service`: per group and channel, offered, service_level (mean) and service_level_ci
    (95 % half-width) over replications. `intervals`: the same per interval_start, group and
    channel, with the target and whether the cell `missed`."""

    number: int
    requirements: Requirements
    problem: Problem
    roster: Roster
    days: tuple[dt.date, ...]
    service: pd.DataFrame
    intervals: pd.DataFrame

    @property
    def required_hours(self) -> float:
        """Agent-hours the requirement asks for."""
        return sum(self.requirements.required.values()) * self.requirements.interval_minutes / 60

    @property
    def rostered_hours(self) -> float:
        """Paid work hours of the shifts on the simulated days."""
        return sum(s.work_minutes for s in self.roster.shifts if s.day in self.days) / 60

    @property
    def short_hours(self) -> float:
        """Agent-hours the roster could not cover."""
        return self.roster.under_staffed() * self.requirements.interval_minutes / 60

    def misses(self) -> pd.DataFrame:
        """The missed cells, one row per interval and group (channels pooled)."""
        missed = self.intervals[self.intervals["missed"]]
        return missed.drop_duplicates(["interval_start", "group"])[["interval_start", "group"]]


@dataclass(frozen=True)
class PlanResult:
    staffing: pd.DataFrame  # the Erlang table (`wfm.staffing_plan.OUTPUT_COLUMNS`)
    iterations: tuple[Iteration, ...]
    stop: str

    @property
    def two_step(self) -> Iteration:
        """The first iteration: Erlang C per interval, then a covering roster."""
        return self.iterations[0]

    @property
    def best(self) -> Iteration:
        """The plan: fewest missed cells, earliest of equals."""
        return min(self.iterations, key=lambda i: (len(i.misses()), i.number))


def erlang_requirements(
    forecast: Forecast, centre: Centre, options: PlanOptions
) -> tuple[pd.DataFrame, Requirements]:
    """The Erlang table per interval and group, and the roster's requirement from it."""
    rows = forecast.rows
    table = pd.concat(
        [
            plan_group(rows[rows["group"] == group], group, centre, options)
            for group in sorted(rows["group"].unique())
        ],
        ignore_index=True,
    )
    keys = zip(table["interval_start"], table["group"], table["required_agents"], strict=True)
    required = {
        (pd.Timestamp(start).to_pydatetime(), group): float(value) for start, group, value in keys
    }
    return table, Requirements(int(table["interval_minutes"].iloc[0]), required)


def twin_staff(
    roster: Roster, forecast: Forecast, centre: Centre
) -> tuple[tuple[TwinShift, ...], dict[str, Profile]]:
    """The roster's shifts on the forecast days in twin seconds (an agent switching groups works
    one twin shift per segment, as `simulations.loading.load_roster` reads a roster file), and
    each agent's profile from the groups rostered."""

    def seconds(moment: dt.datetime) -> float:
        return (moment - forecast.origin).total_seconds()

    days = set(forecast.days)
    shifts: list[TwinShift] = []
    groups: dict[str, list[str]] = {}
    for s in roster.shifts:
        if s.day not in days:
            continue
        names = list(dict.fromkeys(g for _, _, g in s.segments))
        if len(names) == 1:
            pause = (
                (seconds(s.break_start), seconds(s.break_end))
                if s.break_start is not None and s.break_end is not None
                else ()
            )
            shifts.append(TwinShift(s.agent_id, names[0], seconds(s.start), seconds(s.end), *pause))
        else:
            shifts += [TwinShift(s.agent_id, g, seconds(a), seconds(b)) for a, b, g in s.segments]
        own = groups.setdefault(s.agent_id, [])
        own += [g for g in names if g not in own]
    return tuple(shifts), {agent: merged_profile(centre, own) for agent, own in groups.items()}


def simulate(
    roster: Roster,
    forecast: Forecast,
    centre: Centre,
    settings: PlanSettings,
    name: str,
    done: Callable[[], None] | None = None,
) -> pd.DataFrame:
    """Replicated twin runs of a roster: `kpi.tally` counts with each contact's staffing group."""
    shifts, profiles = twin_staff(roster, forecast, centre)
    case = ScenarioCase(
        name, centre.model_dump(), tuple(demand(forecast)), shifts, profiles, settings.behaviour
    )
    bin_seconds = int(forecast.rows["interval_minutes"].iloc[0]) * 60.0
    jobs = [
        Job(case, k, settings.seed, 0.0, forecast.end_seconds, bin_seconds)
        for k in range(settings.replications)
    ]
    counts, _ = run_all(jobs, settings.workers, done, settings.scheduler)
    counts["group"] = [
        centre.staffing_group(c, q, lang)
        for c, q, lang in zip(counts["channel"], counts["queue"], counts["language"], strict=True)
    ]
    return counts


def assess(
    counts: pd.DataFrame, forecast: Forecast, centre: Centre, tolerance: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Service level with CIs per group and channel, and per interval with the miss rule."""
    service = summarise(counts, ["group", "channel"])
    cells = summarise(counts, ["bin", "group", "channel"])
    minutes = int(forecast.rows["interval_minutes"].iloc[0])
    cells.insert(
        0,
        "interval_start",
        [forecast.origin + dt.timedelta(minutes=int(b) * minutes) for b in cells["bin"]],
    )
    cells["target"] = [centre.channels[c].service_level for c in cells["channel"]]
    level, half = cells["service_level"], cells["service_level_ci"].fillna(0.0)
    judged = (cells["offered"] >= MIN_OFFERED) & level.notna()
    cells["missed"] = judged & (
        (level + half < cells["target"]) | (level < cells["target"] - tolerance)
    )
    keep = ["offered", "service_level", "service_level_ci"]
    return (
        service[["group", "channel", *keep]],
        cells[["interval_start", "group", "channel", *keep, "target", "missed"]],
    )


def raise_requirements(
    requirements: Requirements, roster: Roster, misses: pd.DataFrame
) -> Requirements:
    """One agent more than the roster scheduled (or required, if more) in each missed interval
    and group."""
    scheduled = {(c.interval_start, c.group): c.scheduled for c in roster.coverage}
    required = dict(requirements.required)
    for start, group in zip(misses["interval_start"], misses["group"], strict=True):
        key = (start, group)
        required[key] = max(required.get(key, 0.0), float(scheduled.get(key, 0))) + 1.0
    return Requirements(requirements.interval_minutes, required)


def plan(
    forecast: Forecast,
    centre: Centre,
    agents: tuple[Agent, ...],
    templates: ShiftTemplates,
    rules: Rules,
    week_start: dt.date,
    settings: PlanSettings,
    step: Callable[[str], None] | None = None,
    done: Callable[[], None] | None = None,
) -> PlanResult:
    """Run the loop described in the module docstring. `step` hears what is being done,
    `done` is called after each twin replication."""
    tell = step or (lambda _: None)
    table, requirements = erlang_requirements(forecast, centre, settings.staffing)
    iterations: list[Iteration] = []
    stop = STOP_BUDGET
    for number in range(1, settings.max_iterations + 1):
        tell(f"iteration {number}: solving the roster")
        problem = build_problem(
            centre, requirements, agents, templates, rules, week_start=week_start
        )
        try:
            roster = make_roster(problem, settings.solver, settings.time_limit, settings.gap)
        except VeroError as exc:
            if not iterations:
                raise
            stop = f"no roster for the raised requirement: {exc.message}"
            break
        if iterations and roster.shifts == iterations[-1].roster.shifts:
            stop = STOP_STUCK
            break
        tell(f"iteration {number}: simulating {settings.replications} replications")
        counts = simulate(roster, forecast, centre, settings, f"iteration {number}", done)
        service, intervals = assess(counts, forecast, centre, settings.tolerance)
        current = Iteration(
            number, requirements, problem, roster, tuple(forecast.days), service, intervals
        )
        iterations.append(current)
        misses = current.misses()
        if misses.empty:
            stop = STOP_MET
            break
        if (
            len(iterations) > 1
            and current.short_hours > 0
            and len(misses) >= len(iterations[-2].misses())
        ):
            stop = STOP_SHORT
            break
        requirements = raise_requirements(requirements, roster, misses)
    return PlanResult(table, tuple(iterations), stop)
