"""Simulation-verified planning (no file I/O): forecast → Erlang requirement → roster → twin, and
back to the requirement, until every staffed interval meets its target in the twin.

The first iteration is the plain two-step method: Erlang per interval, then a roster covering
it. Erlang judges each interval alone, with exponential handle times, agents answering at once,
no breaks and no queue carried over from the interval before; the twin replays the roster
itself through the live routing policy, so it sees what Erlang cannot (accept delay, breaks,
lumpy coverage, abandonment, carry-over, small-interval noise).

The rule, per interval, staffing group and channel of the group (a group mixing channels is
judged on each channel's own target): the cell **meets** its target when the mean service
level over replications reaches the target AND at least `MET_SHARE` of the replications reach
it on their own (a replication without a contact in the cell meets it). Cells with fewer than
`MIN_OFFERED` contacts per replication on average are not judged.

Then the requirement moves, per interval and group, from what the twin had there (the roster's
agents plus any overtime): a missed cell asks for one agent more, and that level becomes the
cell's floor (the twin showed one agent fewer is not enough); once no cell misses, a cell with a
surplus (even its weakest fifth of replications is half-way from the target to 100 %) asks for
one agent fewer, never below its floor. Fixing and cutting take turns, so every cut is judged
from a plan that met every target, which stays the best so far until a cheaper one does.
The cuts are where the saving over two-step comes from:
Erlang per interval over-staffs where a queue drains into the next interval or a shift's
shape already gives spare hands. This is the simulation-based staffing of Atlason, Epelman and
Henderson (2004) with a finite-difference step in place of their sub-gradient cut.

Where the agents on hand cannot cover the requirement, the plan says what would: with a hire
contract, hypothetical agents of that contract per group (`hire-<group>-<k>` rows of the roster,
as few as the sizing search finds); without one, overtime for the uncovered intervals. Either
is simulated with the roster, so the twin verifies the change too.

The loop stops when every cell meets its target and no requirement can come down, when the
iteration budget is spent, or when nothing changes (the agents, contracts or rules leave no
room). A roster falling short does not stop it: the hires or the overtime cover the rest.
The plan is the iteration missing the fewest cells, then with the fewest agent-hours.

The twin simulates every rostered agent as present outside the roster's breaks, so the plan
staffs on-seat agents (no shrinkage gross-up): absence and training are not simulated.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from simulations.kpi import COUNTS, figures, summarise
from simulations.loading import Forecast, demand, merged_profile
from simulations.model import Behaviour, Closing
from simulations.replications import Job, run_all
from simulations.scenario import ScenarioCase, channel_patience, closed_spans
from simulations.staff import Profile, group_profile, shifts_from_staffing
from simulations.staff import Shift as TwinShift
from vero.kernel.centre import Centre
from vero.kernel.errors import VeroError
from wfm.scheduler.inputs import Agent, Contract, Requirements, Rules, ShiftTemplates
from wfm.scheduler.model import Roster
from wfm.scheduler.problem import Problem, build_problem
from wfm.scheduler.roster import make_roster
from wfm.staffing_plan import PlanOptions, plan_group

FRESH_SEED_OFFSET = 1000  # the seed of the check on fresh replications, after the loop
MIN_OFFERED = 1.0  # contacts per replication below which an interval's service level is noise
MET_SHARE = 0.8  # share of replications that must meet the target on their own
SURPLUS = 0.5  # a surplus: the weakest fifth is this share of the way from the target to 100 %
MAX_SIZING = 6  # roster solves per iteration when sizing hires
STOP_MET = "targets met"
STOP_BUDGET = "iteration budget spent"
STOP_STUCK = "nothing changed after adjusting the requirement (agents, contracts or rules bind)"

HIRE = "hire-"  # id prefix of hypothetical agents
Cell = tuple[dt.datetime, str]  # interval start, staffing group


@dataclass(frozen=True)
class PlanSettings:
    """How hard to look: twin replications, iterations, solver limits; what may change
    (`hire`: the contract of hypothetical hires, None: overtime instead; `hire_groups`: what a
    hire for a group can do, by default what most agents on hand in that group can, else the
    group alone); the twin's behaviour (None: `centre_behaviour`)."""

    replications: int = 5
    max_iterations: int = 8
    time_limit: float = 60.0
    gap: float = 0.01
    solver: str = "highs"
    seed: int = 1
    workers: int = 1
    scheduler: str | None = None  # a dask.distributed scheduler for the replications
    staffing: PlanOptions = PlanOptions(model="erlang-c", shrinkage=0.0)
    behaviour: Behaviour | None = None
    hire: Contract | None = None
    hire_groups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Overtime:
    """Extra agents of a group over a span the roster leaves uncovered."""

    group: str
    start: dt.datetime
    end: dt.datetime
    agents: int

    @property
    def hours(self) -> float:
        return self.agents * (self.end - self.start).total_seconds() / 3600


@dataclass(frozen=True)
class Iteration:
    """One pass: the requirement the roster covered, the roster (hires included), the overtime
    and what the twin saw.

    `service`: per group and channel, offered, service_level (mean), service_level_ci (95 %
    half-width) and abandonment over replications. `intervals`: per interval_start, group and
    channel, the same plus met_share (replications meeting the target), the target and
    whether the cell `missed`."""

    number: int
    requirements: Requirements
    problem: Problem
    roster: Roster
    days: tuple[dt.date, ...]
    service: pd.DataFrame
    intervals: pd.DataFrame
    overtime: tuple[Overtime, ...] = ()

    @property
    def required_hours(self) -> float:
        """Agent-hours the requirement asks for."""
        return sum(self.requirements.required.values()) * self.requirements.interval_minutes / 60

    @property
    def rostered_hours(self) -> float:
        """Paid work hours of the shifts on the simulated days."""
        return sum(s.work_minutes for s in self.roster.shifts if s.day in self.days) / 60

    @property
    def agent_hours(self) -> float:
        """Rostered hours plus overtime: the hours the plan pays for on the simulated days."""
        return self.rostered_hours + sum(o.hours for o in self.overtime)

    @property
    def short_hours(self) -> float:
        """Agent-hours the roster could not cover."""
        return self.roster.under_staffed() * self.requirements.interval_minutes / 60

    @property
    def hires(self) -> dict[tuple[str, str], int]:
        """Hypothetical hires per groups ('+'-joined) and contract."""
        counts: dict[tuple[str, str], int] = {}
        for agent in self.problem.agents:
            if agent.id.startswith(HIRE):
                key = ("+".join(agent.groups), agent.contract.text)
                counts[key] = counts.get(key, 0) + 1
        return counts

    @property
    def headcount(self) -> int:
        return len(self.problem.agents)

    def misses(self) -> pd.DataFrame:
        """The missed cells, one row per interval and group (channels pooled)."""
        missed = self.intervals[self.intervals["missed"]]
        return missed.drop_duplicates(["interval_start", "group"])[["interval_start", "group"]]


@dataclass(frozen=True)
class PlanResult:
    staffing: pd.DataFrame  # the Erlang table (`wfm.staffing_plan.OUTPUT_COLUMNS`)
    iterations: tuple[Iteration, ...]
    stop: str
    # the plan's roster by the same rule on replications it never saw (`fresh_misses`)
    fresh_misses: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def two_step(self) -> Iteration:
        """The first iteration: Erlang per interval, then a covering roster."""
        return self.iterations[0]

    @property
    def best(self) -> Iteration:
        """The plan: fewest missed cells, then fewest agent-hours, earliest of equals."""
        return min(self.iterations, key=lambda i: (len(i.misses()), i.agent_hours, i.number))


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


def centre_behaviour(centre: Centre, forecast: Forecast) -> Behaviour:
    """The twin's callers abandon after the patience staffing assumes per channel, and the
    centre closes at its hours, the agents on shift serving who is still queued."""
    return Behaviour(
        patience=channel_patience(centre), closing=Closing("serve", closed_spans(centre, forecast))
    )


def twin_staff(
    roster: Roster,
    forecast: Forecast,
    centre: Centre,
    overtime: tuple[Overtime, ...] = (),
    agents: tuple[Agent, ...] = (),
) -> tuple[tuple[TwinShift, ...], dict[str, Profile]]:
    """The roster's shifts on the forecast days in twin seconds (an agent switching groups works
    one twin shift per segment, as `simulations.loading.load_roster` reads a roster file), plus
    the overtime as extra agents of its group. Each agent's profile comes from all the groups
    (and languages) of `agents`, as `vero simulate --agents` reads them: the router offers an
    agent whatever the agent can do, whichever group the roster counted the shift in (this is
    the pooling per-group Erlang cannot see); an agent not in `agents` from the groups rostered.
    """

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
    known = {a.id: a for a in agents}
    profiles = {
        agent: (
            merged_profile(centre, list(known[agent].groups), "", ";".join(known[agent].languages))
            if agent in known
            else merged_profile(centre, own)
        )
        for agent, own in groups.items()
    }
    extra = shifts_from_staffing(
        [(seconds(o.start), (o.end - o.start).total_seconds(), o.group, o.agents) for o in overtime]
    )
    for twin_shift in extra:
        name = f"overtime {twin_shift.agent}"
        shifts.append(dataclasses.replace(twin_shift, agent=name))
        profiles[name] = group_profile(centre, twin_shift.group)
    return tuple(shifts), profiles


def simulate(
    roster: Roster,
    forecast: Forecast,
    centre: Centre,
    settings: PlanSettings,
    name: str,
    done: Callable[[], None] | None = None,
    overtime: tuple[Overtime, ...] = (),
    agents: tuple[Agent, ...] = (),
) -> pd.DataFrame:
    """Replicated twin runs of a roster (see `twin_staff`): `kpi.tally` counts with each
    contact's staffing group."""
    shifts, profiles = twin_staff(roster, forecast, centre, overtime, agents)
    behaviour = settings.behaviour or centre_behaviour(centre, forecast)
    case = ScenarioCase(
        name, centre.model_dump(), tuple(demand(forecast)), shifts, profiles, behaviour
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
    counts: pd.DataFrame, forecast: Forecast, centre: Centre, replications: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Service level with CIs and abandonment per group and channel, and per interval with the
    rule of the module docstring (`missed`) and the surplus test (`surplus`)."""
    keep = ["offered", "service_level", "service_level_ci", "abandonment"]
    service = summarise(counts, ["group", "channel"])[["group", "channel", *keep]]
    by = ["bin", "group", "channel"]
    cells = summarise(counts, by)[[*by, *keep]]
    cells["offered"] = (
        counts.groupby(by)["offered"].sum().reindex(pd.MultiIndex.from_frame(cells[by])).to_numpy()
        / replications
    )
    targets = {name: channel.service_level for name, channel in centre.channels.items()}
    cells["target"] = cells["channel"].map(targets)
    summed = counts.groupby(["replication", *by], as_index=False)[list(COUNTS)].sum()
    runs = pd.concat([summed[by], figures(summed)["service_level"]], axis=1)
    runs["failed"] = runs["service_level"] < runs["channel"].map(targets) - 1e-9
    stats = runs.groupby(by).agg(
        failed=("failed", "sum"), levels=("service_level", lambda s: tuple(s.fillna(1.0)))
    )
    stats = stats.reindex(pd.MultiIndex.from_frame(cells[by]))
    cells["met_share"] = 1.0 - stats["failed"].to_numpy() / replications
    # replications without a contact in the cell meet it: pad with 1.0 to `replications` values
    weakest = [
        float(np.quantile(list(levels) + [1.0] * (replications - len(levels)), 1 - MET_SHARE))
        for levels in stats["levels"]
    ]
    level, target = cells["service_level"], cells["target"]
    judged = (cells["offered"] >= MIN_OFFERED) & level.notna()
    cells["missed"] = judged & ((level < target - 1e-9) | (cells["met_share"] < MET_SHARE))
    cells["surplus"] = judged & (np.array(weakest) >= target + SURPLUS * (1 - target))
    minutes = int(forecast.rows["interval_minutes"].iloc[0])
    cells.insert(
        0,
        "interval_start",
        [forecast.origin + dt.timedelta(minutes=int(b) * minutes) for b in cells["bin"]],
    )
    return service, cells.drop(columns="bin")


def present(roster: Roster, overtime: tuple[Overtime, ...], minutes: int) -> dict[Cell, int]:
    """Agents the twin had per interval and group: the roster's plus overtime."""
    have = {(c.interval_start, c.group): c.scheduled for c in roster.coverage}
    step = dt.timedelta(minutes=minutes)
    for o in overtime:
        at = o.start
        while at < o.end:
            have[at, o.group] = have.get((at, o.group), 0) + o.agents
            at += step
    return have


def adjust_requirements(
    requirements: Requirements,
    have: Mapping[Cell, int],
    intervals: pd.DataFrame,
    floors: dict[Cell, float],
    cut: bool = True,
) -> Requirements:
    """One agent more than the twin had where a cell missed, which becomes its floor (a step
    of two where the mean was far below overshot: the bank week needed 57 agents instead of
    54); if `cut`, one fewer where every judged channel of the cell has a surplus, never below
    the floor."""
    required = dict(requirements.required)
    cells = intervals.groupby(["interval_start", "group"]).agg(
        missed=("missed", "any"), surplus=("surplus", "all")
    )
    for (start, group), row in cells.iterrows():
        key = (pd.Timestamp(start).to_pydatetime(), str(group))
        had = float(have.get(key, 0))
        if row["missed"]:
            floors[key] = max(floors.get(key, 0.0), had + 1.0)
            required[key] = max(required.get(key, 0.0), had) + 1.0
        elif cut and row["surplus"]:
            lower = max(floors.get(key, 0.0), min(math.ceil(required.get(key, 0.0)), had) - 1.0)
            if lower < required.get(key, 0.0):
                required[key] = lower
    return Requirements(requirements.interval_minutes, required)


def hire_groups(
    agents: tuple[Agent, ...], groups: tuple[str, ...], given: Mapping[str, tuple[str, ...]]
) -> dict[str, tuple[str, ...]]:
    """What a hire for each group can do: as given, else the commonest groups of the agents on
    hand in that group (the first seen of equals), else the group alone."""
    pools: dict[str, tuple[str, ...]] = {}
    for group in groups:
        seen = Counter(a.groups for a in agents if group in a.groups)
        pools[group] = given.get(group) or (seen.most_common(1)[0][0] if seen else (group,))
    return pools


def hire_rows(
    hires: Mapping[str, int], contract: Contract, pools: Mapping[str, tuple[str, ...]]
) -> tuple[Agent, ...]:
    """Hypothetical agents: `hires[group]` of `contract` who can do `pools[group]`."""
    return tuple(
        Agent(f"{HIRE}{group}-{k}", f"New {group} agent {k}", pools[group], contract)
        for group, count in sorted(hires.items())
        for k in range(1, count + 1)
    )


def first_hires(
    requirements: Requirements, agents: tuple[Agent, ...], contract: Contract
) -> dict[str, int]:
    """Hires per group to reach the required agent-hours with the agents on hand (whose hours
    are split evenly between their groups): where the sizing search starts."""
    hours: dict[str, float] = {}
    for (_, group), value in requirements.required.items():
        hours[group] = hours.get(group, 0.0) + value * requirements.interval_minutes / 60
    for agent in agents:
        for group in agent.groups:
            hours[group] = hours.get(group, 0.0) - agent.contract.weekly_minutes / 60 / len(
                agent.groups
            )
    per_hire = contract.weekly_minutes / 60
    return {group: max(0, math.ceil(h / per_hire)) for group, h in hours.items()}


def over_hours(roster: Roster, minutes: int) -> dict[str, float]:
    """Agent-hours scheduled above the requirement, per group."""
    over: dict[str, float] = {}
    for c in roster.coverage:
        if c.scheduled > c.required:
            over[c.group] = over.get(c.group, 0.0) + (c.scheduled - c.required) * minutes / 60
    return over


def solve(problem: Problem, settings: PlanSettings) -> Roster:
    return make_roster(problem, settings.solver, settings.time_limit, settings.gap)


def sized_roster(
    build: Callable[[tuple[Agent, ...]], Problem],
    agents: tuple[Agent, ...],
    hires: Mapping[str, int],
    contract: Contract,
    pools: Mapping[str, tuple[str, ...]],
    settings: PlanSettings,
) -> tuple[Problem, Roster, dict[str, int]]:
    """The fewest hires per group (found in `MAX_SIZING` roster solves, from `hires`) whose
    roster covers the requirement: add hires where the roster falls short, drop some where the
    surplus is a contract's hours or more, never back to a count known to fall short. Without
    a covering roster in the budget, the last one."""
    per_hire = contract.weekly_minutes / 60
    known_short: dict[str, int] = {}
    tried = dict(hires)
    best: tuple[Problem, Roster, dict[str, int]] | None = None
    for _ in range(MAX_SIZING):
        problem = build(agents + hire_rows(tried, contract, pools))
        roster = solve(problem, settings)
        last = (problem, roster, tried)
        short = {s.group: s.agent_hours for s in roster.shortfalls(problem.slot_minutes)}
        if not short and (best is None or sum(tried.values()) < sum(best[2].values())):
            best = last
        over = over_hours(roster, problem.slot_minutes)
        sized = dict(tried)
        for group in problem.groups:
            count = tried.get(group, 0)
            if group in short:
                known_short[group] = max(known_short.get(group, -1), count)
                sized[group] = count + math.ceil(short[group] / per_hire)
            elif count and over.get(group, 0.0) >= per_hire:
                drop = max(1, int(over[group] / per_hire / 2))
                sized[group] = max(known_short.get(group, -1) + 1, count - drop)
        if sized == tried:
            break
        tried = sized
    return best or last


def overtime_for(roster: Roster, minutes: int) -> tuple[Overtime, ...]:
    """Overtime filling every interval the roster leaves under its requirement, as runs of
    consecutive intervals per group and number of extra agents."""
    step = dt.timedelta(minutes=minutes)
    spans: list[Overtime] = []
    for c in sorted(roster.unmet(), key=lambda c: (c.group, c.interval_start)):
        extra = math.ceil(c.required - c.scheduled - 1e-6)
        last = spans[-1] if spans else None
        if last and last.group == c.group and last.end == c.interval_start and last.agents == extra:
            spans[-1] = dataclasses.replace(last, end=c.interval_start + step)
        else:
            spans.append(Overtime(c.group, c.interval_start, c.interval_start + step, extra))
    return tuple(spans)


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
    minutes = requirements.interval_minutes
    hires = first_hires(requirements, agents, settings.hire) if settings.hire else {}
    pools = hire_groups(agents, tuple(centre.staffing_groups), settings.hire_groups)
    floors: dict[Cell, float] = {}
    iterations: list[Iteration] = []
    stop = STOP_BUDGET
    for number in range(1, settings.max_iterations + 1):
        tell(f"iteration {number}: solving the roster")

        def build(people: tuple[Agent, ...], wanted: Requirements = requirements) -> Problem:
            return build_problem(centre, wanted, people, templates, rules, week_start=week_start)

        try:
            if settings.hire:
                problem, roster, hires = sized_roster(
                    build, agents, hires, settings.hire, pools, settings
                )
            else:
                problem = build(agents)
                roster = solve(problem, settings)
        except VeroError as exc:
            if not iterations:
                raise
            stop = f"no roster for the adjusted requirement: {exc.message}"
            break
        overtime = () if settings.hire else overtime_for(roster, minutes)
        previous = iterations[-1] if iterations else None
        if previous and roster.shifts == previous.roster.shifts and overtime == previous.overtime:
            stop = STOP_STUCK
            break
        tell(f"iteration {number}: simulating {settings.replications} replications")
        counts = simulate(
            roster,
            forecast,
            centre,
            settings,
            f"iteration {number}",
            done,
            overtime,
            problem.agents,
        )
        service, intervals = assess(counts, forecast, centre, settings.replications)
        current = Iteration(
            number,
            requirements,
            problem,
            roster,
            tuple(forecast.days),
            service,
            intervals,
            overtime,
        )
        iterations.append(current)
        misses = current.misses()
        have = present(roster, overtime, minutes)
        adjusted = adjust_requirements(requirements, have, intervals, floors, cut=misses.empty)
        if misses.empty and adjusted.required == requirements.required:
            stop = STOP_MET
            break
        requirements = adjusted
    best = PlanResult(table, tuple(iterations), stop).best
    tell(f"checking iteration {best.number} on {settings.replications} fresh replications")
    return PlanResult(
        table, tuple(iterations), stop, fresh_misses(best, forecast, centre, settings, done)
    )


def fresh_misses(
    iteration: Iteration,
    forecast: Forecast,
    centre: Centre,
    settings: PlanSettings,
    done: Callable[[], None] | None = None,
) -> pd.DataFrame:
    """The cells an iteration misses by the same rule on seeds the loop never used: every
    iteration shares one set of random numbers (so that they compare fairly), and a plan
    fitted to them may still miss on others."""
    fresh = replace(settings, seed=settings.seed + FRESH_SEED_OFFSET)
    counts = simulate(
        iteration.roster,
        forecast,
        centre,
        fresh,
        "fresh seeds",
        done,
        iteration.overtime,
        iteration.problem.agents,
    )
    _, cells = assess(counts, forecast, centre, fresh.replications)
    return cells[cells["missed"]]
