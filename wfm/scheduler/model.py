"""The roster MILP (pure: no file I/O). Named agents choose at most one shift a day and a break
position inside it; working agents of each group set are split between their groups; coverage
gaps are slack.

Size is kept down where aggregation is exact: a break is chosen per agent, day and break start
(`b`), linked to whichever shift is chosen that day; the group split `z` is per group set, not per
agent; rest conflicts are one row per distinct shift end.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import time
from collections import defaultdict
from dataclasses import dataclass, field

import pulp

from wfm.scheduler.inputs import PART_TIME_DAY, Agent, Weights
from wfm.scheduler.problem import DAYS, Problem
from wfm.scheduler.solver import SolveInfo, solve
from wfm.scheduler.start import Counts, Plan, greedy_plan, work_slots
from wfm.scheduler.templates import ShiftOption
from wfm.scheduler.week import fairness_kinds

FAMILIES = ("contract", "days-off", "rest", "unavailability", "pins")


@dataclass(frozen=True)
class Shift:
    """One agent's shift. `segments`: (start, end, group) of the work time, breaks excluded."""

    agent_id: str
    day: dt.date
    start: dt.datetime
    end: dt.datetime
    break_start: dt.datetime | None
    break_end: dt.datetime | None
    work_minutes: int
    segments: tuple[tuple[dt.datetime, dt.datetime, str], ...]


@dataclass(frozen=True)
class Coverage:
    interval_start: dt.datetime
    group: str
    required: float
    scheduled: int


@dataclass(frozen=True)
class Shortfall:
    """One group's under-staffing: how many of its intervals fall short, by how many agent-hours
    in all, and the interval with the largest gap (the one a planner looks at first)."""

    group: str
    intervals: int
    agent_hours: float
    worst: Coverage


@dataclass(frozen=True)
class ShortSpan:
    """Back-to-back under-staffed intervals of one group, `end` exclusive; `missing`: agents
    short in its worst interval."""

    group: str
    start: dt.datetime
    end: dt.datetime
    missing: float


@dataclass(frozen=True)
class Roster:
    """The result: shifts sorted by agent and start, coverage per interval and group."""

    status: str
    shifts: tuple[Shift, ...]
    coverage: tuple[Coverage, ...]
    info: SolveInfo
    size: dict[str, int] = field(default_factory=dict)

    def unmet(self) -> list[Coverage]:
        return [c for c in self.coverage if c.scheduled < c.required - 1e-6]

    def under_staffed(self) -> float:
        """Missing agent-intervals (fractional requirements count their fraction)."""
        return sum(c.required - c.scheduled for c in self.unmet())

    def short_spans(self, slot_minutes: int) -> list[ShortSpan]:
        """Every under-staffed interval, back-to-back ones of a group merged, by group and time:
        the list a planner reads to hire, add overtime or move a shift."""
        step = dt.timedelta(minutes=slot_minutes)
        spans: list[ShortSpan] = []
        for c in sorted(self.unmet(), key=lambda c: (c.group, c.interval_start)):
            missing = c.required - c.scheduled
            last = spans[-1] if spans else None
            if last is not None and last.group == c.group and last.end == c.interval_start:
                spans[-1] = dataclasses.replace(
                    last, end=c.interval_start + step, missing=max(last.missing, missing)
                )
            else:
                spans.append(ShortSpan(c.group, c.interval_start, c.interval_start + step, missing))
        return spans

    def shortfalls(self, slot_minutes: int) -> list[Shortfall]:
        """Per group (sorted by name), the under-staffing of the week; empty when all is covered."""
        short: dict[str, list[Coverage]] = defaultdict(list)
        for c in self.unmet():
            short[c.group].append(c)
        return [
            Shortfall(
                group,
                len(cells),
                sum(c.required - c.scheduled for c in cells) * slot_minutes / 60,
                max(cells, key=lambda c: (c.required - c.scheduled, -c.interval_start.timestamp())),
            )
            for group, cells in sorted(short.items())
        ]


def rest_minutes(problem: Problem, relaxed: frozenset[str] = frozenset()) -> float:
    return 0.0 if "rest" in relaxed else problem.rules.min_rest_hours * 60


def allowed_options(
    problem: Problem, agent: Agent, relaxed: frozenset[str] = frozenset()
) -> list[ShiftOption]:
    """The shifts an agent may take: contract day length, availability, rest, pins."""
    slot = problem.slot_minutes
    lengths = agent.contract.lengths
    blocked = (
        []
        if "unavailability" in relaxed
        else [(problem.minutes(a), problem.minutes(b)) for a, b in agent.unavailable]
    )
    earliest = -float("inf")
    if agent.last_shift_end is not None:
        earliest = problem.minutes(agent.last_shift_end) + rest_minutes(problem, relaxed)
    pins = (
        {}
        if "pins" in relaxed
        else {(p.day - problem.week_start).days: p for p in problem.pins if p.agent_id == agent.id}
    )
    chosen = []
    for option in problem.options:
        start, end = option.start * slot, option.end * slot
        pin = pins.get(option.day)
        if lengths is not None and option.work * slot not in lengths:
            continue
        if (
            option.work * slot > PART_TIME_DAY
            or start < earliest
            or any(a < end and b > start for a, b in blocked)
        ):
            continue
        if pin is not None and (
            pin.start_minute is None
            or start - option.day * 24 * 60 != pin.start_minute
            or pin.work_minutes not in (None, option.work * slot)
        ):
            continue
        chosen.append(option)
    return chosen


Terms = list[tuple[pulp.LpVariable, int]]


def add_breaks(
    lp: pulp.LpProblem,
    problem: Problem,
    name: str,
    options: list[ShiftOption],
    shifts: dict[ShiftOption, pulp.LpVariable],
    upper: int,
    working: dict[tuple[int, tuple[str, ...]], Terms],
    groups: tuple[str, ...],
) -> dict[int, pulp.LpVariable]:
    """Breaks of one day's shifts (of an agent, or counted for a class of agents): one per
    break-needing shift, each at a start that some chosen shift allows; a break takes its
    slots out of `working`."""
    allowing: dict[int, list[pulp.LpVariable]] = defaultdict(list)
    for option in options:
        for offset in option.break_offsets:
            allowing[option.start + offset].append(shifts[option])
    brk = problem.templates.break_minutes // problem.slot_minutes
    breaks = {}
    for start in sorted(allowing):
        breaks[start] = var = pulp.LpVariable(f"b_{name}_{start}", 0, upper, pulp.LpInteger)
        lp += var <= pulp.lpSum(allowing[start]), f"break_fits_{name}_{start}"
        for s in range(start, start + brk):
            working[s, groups].append((var, -1))
    if breaks:
        needing = [shifts[o] for o in options if o.break_offsets]
        lp += pulp.lpSum(breaks.values()) == pulp.lpSum(needing), f"one_break_{name}"
    return breaks


def add_coverage(
    lp: pulp.LpProblem,
    problem: Problem,
    working: dict[tuple[int, tuple[str, ...]], Terms],
    z: dict[tuple[int, tuple[str, ...], str], pulp.LpVariable],
) -> pulp.LpAffineExpression:
    """Per slot and group: supply + slacks = required (`coverage_cost`); returns their cost.

    Agents with the same groups are interchangeable for coverage, so the multi-skilled are
    split between groups per group set, not per agent: integer `z[slot, groups, group]` sum to
    the working agents of that group set. This is exact (any integer split can be handed back
    to named agents, see `assign_groups`) and far smaller than a per-agent split. `z` is
    integer because requirements are fractional: a fractional split would cover two groups'
    fractions with one agent."""
    weights = problem.rules.weights
    supply: dict[tuple[int, str], Terms] = defaultdict(list)
    for (s, groups), terms in sorted(working.items()):
        if len(groups) == 1:
            supply[s, groups[0]] += terms
            continue
        for g in groups:
            z[s, groups, g] = var = pulp.LpVariable(
                f"z_{s}_{'+'.join(groups)}_{g}", 0, cat=pulp.LpInteger
            )
            supply[s, g].append((var, 1))
        lp += (
            (pulp.lpSum(z[s, groups, g] for g in groups) == pulp.LpAffineExpression(terms)),
            f"split_{s}_{'+'.join(groups)}",
        )
    costs, offsets = [], 0.0
    for s, g in sorted(set(supply) | set(problem.required)):
        base, offset, slacks = coverage_cost(
            problem.required.get((s, g), 0.0), weights, (s, g) in supply
        )
        terms = list(supply.get((s, g), []))
        for slack in slacks:
            var = pulp.LpVariable(
                f"{slack.name}_{s}_{g}", 0, None if math.isinf(slack.upper) else slack.upper
            )
            terms.append((var, slack.sign))
            costs.append((var, slack.cost))
        offsets += offset
        lp += pulp.LpAffineExpression(terms) == base, f"cover_{s}_{g}"
    return pulp.LpAffineExpression(costs, constant=offsets)


@dataclass(frozen=True)
class Slack:
    """One piece of a cell's coverage cost: `sign` +1 stands in for missing agents, -1 for
    surplus ones; up to `upper` of them at `cost` each."""

    name: str
    sign: int
    upper: float
    cost: float


def coverage_cost(
    required: float, weights: Weights, staffed: bool
) -> tuple[int, float, list[Slack]]:
    """A cell's coverage cost as: supply + sum(sign * slack) = base, costing offset +
    sum(cost * slack). `staffed`: some agent can work the cell.

    Supply is a whole number of agents, so the cost (under x missing + over x surplus) is only
    ever paid at whole supplies; a plain relaxation staffs exactly 3.4 agents at no cost. Here
    supply is measured from the whole number below the requirement and the cost between the two
    whole numbers around it is their chord (the `step` slack): exact at every whole supply, and
    the LP bound pays for the fraction too. The pieces are convex, so an LP takes them in order."""
    base = math.floor(required)
    short = required - base
    offset = weights.under * short
    slacks = [Slack("under", 1, base, weights.under)] if base > 0 else []
    if staffed:
        if short:
            slacks.append(Slack("step", -1, 1, weights.over * (1 - short) - offset))
        slacks.append(Slack("over", -1, math.inf, weights.over))
    return base, offset, slacks


class RosterModel:
    """Builds the MILP for a problem; `relaxed` drops whole rule families (for diagnosis)."""

    def __init__(self, problem: Problem, relaxed: frozenset[str] = frozenset()) -> None:
        self.problem = problem
        self.relaxed = relaxed
        self.lp = pulp.LpProblem("roster", pulp.LpMinimize)
        self.x: dict[tuple[int, ShiftOption], pulp.LpVariable] = {}
        self.b: dict[tuple[int, int, int], pulp.LpVariable] = {}
        self.z: dict[tuple[int, tuple[str, ...], str], pulp.LpVariable] = {}
        self.pattern: dict[int, pulp.LpVariable] = {}
        self.free: dict[tuple[int, int], pulp.LpVariable] = {}
        self.working: dict[tuple[int, tuple[str, ...]], Terms] = defaultdict(list)
        self.options = [allowed_options(problem, agent, relaxed) for agent in problem.agents]
        self._build()

    # --- construction -----------------------------------------------------------------

    def _build(self) -> None:
        penalties: list[tuple[pulp.LpVariable, float]] = []
        for a, agent in enumerate(self.problem.agents):
            penalties += self._agent(a, agent)
        self.lp += pulp.LpAffineExpression(penalties) + self._coverage()

    def _agent(self, a: int, agent: Agent) -> list[tuple[pulp.LpVariable, float]]:
        problem, lp = self.problem, self.lp
        by_day: dict[int, list[ShiftOption]] = defaultdict(list)
        for option in self.options[a]:
            self.x[a, option] = var = pulp.LpVariable(
                f"x_{a}_{option.day}_{option.start}_{option.work}", cat=pulp.LpBinary
            )
            by_day[option.day].append(option)
            for s in range(option.start, option.end):
                self.working[s, agent.groups].append((var, 1))
        work = {d: pulp.lpSum(self.x[a, o] for o in by_day[d]) for d in range(DAYS)}
        for d in range(DAYS):
            if by_day[d]:
                lp += work[d] <= 1, f"one_shift_{a}_{d}"
            breaks = add_breaks(
                self.lp,
                self.problem,
                f"{a}_{d}",
                by_day[d],
                {o: self.x[a, o] for o in by_day[d]},
                1,
                self.working,
                agent.groups,
            )
            self.b.update({(a, d, start): var for start, var in breaks.items()})
        if "pins" not in self.relaxed:
            for pin in problem.pins:
                day = (pin.day - problem.week_start).days
                if pin.agent_id == agent.id and pin.start_minute is not None:
                    lp += work[day] == 1, f"pin_{a}_{day}"
        if "contract" not in self.relaxed:
            self._contract(a, agent)
        if "days-off" not in self.relaxed:
            self._days_off(a, agent, work, by_day)
        self._rest(a, by_day)
        return self._fairness(a, agent) + [
            (self.x[a, o], problem.rules.weights.preference)
            for o in self.options[a]
            if problem.date(o.day).weekday() in agent.preferred_days_off
        ]

    def _fairness(self, a: int, agent: Agent) -> list[tuple[pulp.LpVariable, float]]:
        """Weekend and late shifts above the agent's fair share cost the fairness weight each."""
        penalties = []
        for fair in fairness_kinds(self.problem, agent, self.options[a]):
            excess = pulp.LpVariable(f"{fair.kind}_excess_{a}", 0)
            self.lp += (
                excess
                >= pulp.lpSum(self.x[a, o] for o in self.options[a] if o in fair.options)
                - fair.share,
                f"fair_{fair.kind}_{a}",
            )
            penalties.append((excess, self.problem.rules.weights.fairness))
        return penalties

    def _contract(self, a: int, agent: Agent) -> None:
        """Part-time: exact weekly minutes. Fixed patterns: exact count of shifts per length,
        chosen between two patterns (full-time) by one binary (1: the second pattern)."""
        slot, lp, contract = self.problem.slot_minutes, self.lp, agent.contract
        if not contract.patterns:
            lp += (
                (
                    pulp.lpSum(self.x[a, o] * (o.work * slot) for o in self.options[a])
                    == contract.weekly_minutes
                ),
                f"contract_hours_{a}",
            )
            return
        if len(contract.patterns) == 2:
            self.pattern[a] = pulp.LpVariable(f"pattern_{a}", cat=pulp.LpBinary)
        counts = [dict(pattern) for pattern in contract.patterns]
        for length in sorted(contract.lengths or ()):
            shifts = pulp.lpSum(self.x[a, o] for o in self.options[a] if o.work * slot == length)
            first = counts[0].get(length, 0)
            if a in self.pattern:
                second = counts[1].get(length, 0)
                lp += (
                    shifts == first + (second - first) * self.pattern[a],
                    f"contract_{a}_{length}",
                )
            else:
                lp += shifts == first, f"contract_{a}_{length}"

    def _days_off(
        self,
        a: int,
        agent: Agent,
        work: dict[int, pulp.LpAffineExpression],
        by_day: dict[int, list[ShiftOption]],
    ) -> None:
        rules, lp = self.problem.rules, self.lp
        per_day = self.problem.slots_per_day
        overnight = {
            d: [self.x[a, o] for o in by_day[d] if o.end > (d + 1) * per_day] for d in range(DAYS)
        }
        if any(overnight.values()):
            for d in range(DAYS):
                self.free[a, d] = free = pulp.LpVariable(f"free_{a}_{d}", cat=pulp.LpBinary)
                lp += free <= 1 - work[d], f"free_{a}_{d}"
                if d > 0 and overnight[d - 1]:
                    lp += free <= 1 - pulp.lpSum(overnight[d - 1]), f"free_tail_{a}_{d}"
            lp += (
                pulp.lpSum(self.free[a, d] for d in range(DAYS)) >= rules.days_off_per_week,
                f"days_off_{a}",
            )
        else:
            lp += pulp.lpSum(work.values()) <= DAYS - rules.days_off_per_week, f"days_off_{a}"
        longest = rules.max_consecutive_days
        prior = min(agent.worked_days_before, longest)
        for first in range(-prior, DAYS - longest):
            window = [work[d] for d in range(max(first, 0), first + longest + 1)]
            lp += (pulp.lpSum(window) <= longest - max(0, -first)), f"consecutive_{a}_{first}"

    def _rest(self, a: int, by_day: dict[int, list[ShiftOption]]) -> None:
        """Shifts on nearby days never overlap and leave the minimum rest between them."""
        slot, rest = self.problem.slot_minutes, rest_minutes(self.problem, self.relaxed)
        for d in range(DAYS):
            ends = sorted({o.end for o in by_day[d]})
            for later in (d + 1, d + 2):
                for end in ends:
                    clash = [
                        self.x[a, o]
                        for o in by_day.get(later, [])
                        if o.start * slot < end * slot + rest
                    ]
                    if clash:
                        before = [self.x[a, o] for o in by_day[d] if o.end >= end]
                        self.lp += (pulp.lpSum(before + clash) <= 1, f"rest_{a}_{d}_{later}_{end}")

    def _coverage(self) -> pulp.LpAffineExpression:
        return add_coverage(self.lp, self.problem, self.working, self.z)

    # --- warm start, solving and reading ----------------------------------------------

    def size(self) -> dict[str, int]:
        variables = self.lp.variables()
        return {
            "variables": len(variables),
            "integers": sum(1 for v in variables if v.cat == pulp.LpInteger),
            "constraints": len(self.lp.constraints),
            "shift_vars": len(self.x),
            "break_vars": len(self.b),
            "split_vars": len(self.z),
        }

    def start(self, plan: Plan, counts: Counts) -> dict[pulp.LpVariable, float]:
        """Every integer variable's value in a given roster (the constructive one)."""
        per_day, slot = self.problem.slots_per_day, self.problem.slot_minutes
        values = {var: 0.0 for var in [*self.x.values(), *self.b.values(), *self.z.values()]}
        for (s, groups, g), var in self.z.items():
            values[var] = counts.get((s, groups, g), 0)
        for a, week in plan.items():
            for option, brk in week:
                values[self.x[a, option]] = 1
                if brk is not None:
                    values[self.b[a, option.day, brk]] = 1
            if a in self.pattern:
                lengths = sorted(o.work * slot for o, _ in week)
                first = sorted(
                    m for m, c in self.problem.agents[a].contract.patterns[0] for _ in range(c)
                )
                values[self.pattern[a]] = float(lengths != first)
        for (a, d), var in self.free.items():
            busy = any(o.day == d or (o.day == d - 1 and o.end > d * per_day) for o, _ in plan[a])
            values[var] = float(not busy)
        return values

    def solve(self, solver: str = "highs", time_limit: float = 60, gap: float = 0.01) -> Roster:
        """One solve from the constructive roster (when the rules are not relaxed), so the
        solver starts from a valid roster and only improves it; the constructive time counts."""
        started = time.perf_counter()
        size = self.size()
        greedy = None if self.relaxed else greedy_plan(self.problem, self.options)
        start = self.start(*greedy) if greedy else {}
        spent = time.perf_counter() - started
        info = solve(self.lp, solver, max(time_limit - spent, 1.0), gap, start)
        info = dataclasses.replace(info, seconds=info.seconds + spent)
        if info.status not in ("optimal", "feasible"):
            return Roster(info.status, (), (), info, size)
        plan = self._plan()
        counts = {key: round(var.varValue or 0) for key, var in self.z.items()}
        shifts = shifts_from_plan(self.problem, plan, counts)
        return Roster(info.status, shifts, coverage(self.problem, shifts), info, size)

    def _plan(self) -> Plan:
        breaks = {(a, d): s for (a, d, s), v in self.b.items() if (v.varValue or 0) > 0.5}
        plan: Plan = defaultdict(list)
        for (a, option), var in sorted(self.x.items(), key=lambda item: item[0]):
            if (var.varValue or 0) > 0.5:
                plan[a].append((option, breaks[a, option.day] if option.break_offsets else None))
        return dict(plan)


def assign_groups(problem: Problem, plan: Plan, counts: Counts) -> dict[tuple[int, int], str]:
    """The group each working agent covers per slot, meeting the per-group-set split `counts`;
    an agent keeps the previous slot's group when the split allows, so segments stay long."""
    brk = problem.templates.break_minutes // problem.slot_minutes
    working: dict[int, list[int]] = defaultdict(list)
    for a in sorted(plan):
        for choice in plan[a]:
            for s in work_slots(choice, brk):
                working[s].append(a)
    group_of: dict[tuple[int, int], str] = {}
    for s in sorted(working):
        left = defaultdict(int, {(k, g): n for (t, k, g), n in counts.items() if t == s})
        pending = []
        for a in working[s]:
            groups = problem.agents[a].groups
            previous = group_of.get((a, s - 1))
            if len(groups) == 1:
                group_of[a, s] = groups[0]
            elif previous is not None and left[groups, previous] > 0:
                group_of[a, s] = previous
            else:
                pending.append(a)
                continue
            left[groups, group_of[a, s]] -= 1
        for a in pending:
            groups = problem.agents[a].groups
            group_of[a, s] = next((g for g in groups if left[groups, g] > 0), groups[0])
            left[groups, group_of[a, s]] -= 1
    return group_of


def shifts_from_plan(problem: Problem, plan: Plan, counts: Counts) -> tuple[Shift, ...]:
    """Shift records (breaks and group segments) of a plan, sorted by agent and start."""
    brk = problem.templates.break_minutes // problem.slot_minutes
    group_of = assign_groups(problem, plan, counts)
    shifts = []
    for a in sorted(plan):
        agent = problem.agents[a]
        for option, break_start in plan[a]:
            segments: list[list] = []
            for s in work_slots((option, break_start), brk):
                if segments and segments[-1][1] == s and segments[-1][2] == group_of[a, s]:
                    segments[-1][1] = s + 1
                else:
                    segments.append([s, s + 1, group_of[a, s]])
            shifts.append(
                Shift(
                    agent.id,
                    problem.date(option.day),
                    problem.time(option.start),
                    problem.time(option.end),
                    problem.time(break_start) if break_start is not None else None,
                    problem.time(break_start + brk) if break_start is not None else None,
                    option.work * problem.slot_minutes,
                    tuple((problem.time(s), problem.time(e), g) for s, e, g in segments),
                )
            )
    return tuple(sorted(shifts, key=lambda sh: (sh.agent_id, sh.start)))


def coverage(problem: Problem, shifts: tuple[Shift, ...]) -> tuple[Coverage, ...]:
    """Required vs scheduled agents per interval and group, from the shifts' group segments."""
    slot = problem.slot_minutes
    scheduled: dict[tuple[int, str], int] = defaultdict(int)
    for shift in shifts:
        for start, end, group in shift.segments:
            for s in range(
                round(problem.minutes(start)) // slot, round(problem.minutes(end)) // slot
            ):
                scheduled[s, group] += 1
    keys = sorted(set(scheduled) | set(problem.required))
    return tuple(
        Coverage(problem.time(s), g, problem.required.get((s, g), 0.0), scheduled.get((s, g), 0))
        for s, g in keys
    )
