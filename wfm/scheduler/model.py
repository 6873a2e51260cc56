"""The roster MILP (pure: no file I/O). Named agents choose at most one shift a day and a break
position inside it; working agent-slots are assigned to one group; coverage gaps are slack.

Size is kept down where aggregation is exact: a break is chosen per agent, day and break start
(`b`), linked to whichever shift is chosen that day; the group assignment `y` exists only for
agents with more than one group; rest conflicts are one row per distinct shift end.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import pulp

from wfm.scheduler.inputs import Agent, parse_hhmm
from wfm.scheduler.problem import DAYS, Problem
from wfm.scheduler.solver import SolveInfo, solve
from wfm.scheduler.templates import ShiftOption

FAMILIES = ("contract", "days-off", "rest", "unavailability", "pins")
FEASIBILITY_SHARE = 0.3  # at most this share of the time limit goes to finding a first roster
PART_TIME_DAY = 480  # longest work day (minutes) of a part-time agent


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


def rest_minutes(problem: Problem, relaxed: frozenset[str] = frozenset()) -> float:
    return 0.0 if "rest" in relaxed else problem.rules.min_rest_hours * 60


def allowed_options(problem: Problem, agent: Agent,
                    relaxed: frozenset[str] = frozenset()) -> list[ShiftOption]:
    """The shifts an agent may take: contract day length, availability, rest, pins."""
    slot = problem.slot_minutes
    lengths = agent.contract.lengths
    blocked = [] if "unavailability" in relaxed else [
        (problem.minutes(a), problem.minutes(b)) for a, b in agent.unavailable]
    earliest = -float("inf")
    if agent.last_shift_end is not None:
        earliest = problem.minutes(agent.last_shift_end) + rest_minutes(problem, relaxed)
    pins = {} if "pins" in relaxed else {
        (p.day - problem.week_start).days: p for p in problem.pins if p.agent_id == agent.id}
    chosen = []
    for option in problem.options:
        start, end = option.start * slot, option.end * slot
        pin = pins.get(option.day)
        if lengths is not None and option.work * slot not in lengths:
            continue
        if (option.work * slot > PART_TIME_DAY or start < earliest
                or any(a < end and b > start for a, b in blocked)):
            continue
        if pin is not None and (pin.start_minute is None
                                or start - option.day * 24 * 60 != pin.start_minute
                                or pin.work_minutes not in (None, option.work * slot)):
            continue
        chosen.append(option)
    return chosen


class RosterModel:
    """Builds the MILP for a problem; `relaxed` drops whole rule families (for diagnosis)."""

    def __init__(self, problem: Problem, relaxed: frozenset[str] = frozenset()) -> None:
        self.problem = problem
        self.relaxed = relaxed
        self.lp = pulp.LpProblem("roster", pulp.LpMinimize)
        self.x: dict[tuple[int, ShiftOption], pulp.LpVariable] = {}
        self.b: dict[tuple[int, int, int], pulp.LpVariable] = {}
        self.y: dict[tuple[int, int, str], pulp.LpVariable] = {}
        self.on: dict[tuple[int, int], list[tuple[pulp.LpVariable, int]]] = defaultdict(list)
        self.options = [allowed_options(problem, agent, relaxed) for agent in problem.agents]
        self._build()

    # --- construction -----------------------------------------------------------------

    def _build(self) -> None:
        weights = self.problem.rules.weights
        penalties: list[tuple[pulp.LpVariable, float]] = []
        fairness = [pulp.LpVariable("max_weekend", 0), pulp.LpVariable("max_late", 0)]
        for a, agent in enumerate(self.problem.agents):
            penalties += self._agent(a, agent, fairness)
        penalties += self._coverage()
        penalties += [(v, weights.fairness) for v in fairness]
        self.lp += pulp.LpAffineExpression(penalties)

    def _agent(self, a: int, agent: Agent,
               fairness: list[pulp.LpVariable]) -> list[tuple[pulp.LpVariable, float]]:
        problem, lp = self.problem, self.lp
        by_day: dict[int, list[ShiftOption]] = defaultdict(list)
        for option in self.options[a]:
            self.x[a, option] = var = pulp.LpVariable(
                f"x_{a}_{option.day}_{option.start}_{option.work}", cat=pulp.LpBinary)
            by_day[option.day].append(option)
            for s in range(option.start, option.end):
                self.on[a, s].append((var, 1))
        work = {d: pulp.lpSum(self.x[a, o] for o in by_day[d]) for d in range(DAYS)}
        for d in range(DAYS):
            if by_day[d]:
                lp += work[d] <= 1, f"one_shift_{a}_{d}"
            self._breaks(a, d, by_day[d])
        if "pins" not in self.relaxed:
            for pin in problem.pins:
                day = (pin.day - problem.week_start).days
                if pin.agent_id == agent.id and pin.start_minute is not None:
                    lp += work[day] == 1, f"pin_{a}_{day}"
        if "contract" not in self.relaxed:
            self._contract(a, agent, work)
        if "days-off" not in self.relaxed:
            self._days_off(a, agent, work, by_day)
        self._rest(a, by_day)
        weekend = [self.x[a, o] for o in self.options[a] if problem.date(o.day).weekday() >= 5]
        late_end = parse_hhmm(problem.rules.late_shift_end)
        late = [self.x[a, o] for o in self.options[a]
                if o.end * problem.slot_minutes - o.day * 24 * 60 > late_end]
        lp += fairness[0] >= pulp.lpSum(weekend), f"fair_weekend_{a}"
        lp += fairness[1] >= pulp.lpSum(late), f"fair_late_{a}"
        weight = problem.rules.weights.preference
        return [(self.x[a, o], weight) for o in self.options[a]
                if problem.date(o.day).weekday() in agent.preferred_days_off]

    def _breaks(self, a: int, d: int, options: list[ShiftOption]) -> None:
        """One break per break-needing shift, at a start one of the chosen shift allows."""
        allowing: dict[int, list[pulp.LpVariable]] = defaultdict(list)
        for option in options:
            for offset in option.break_offsets:
                allowing[option.start + offset].append(self.x[a, option])
        if not allowing:
            return
        brk = self.problem.templates.break_minutes // self.problem.slot_minutes
        for start in sorted(allowing):
            self.b[a, d, start] = var = pulp.LpVariable(f"b_{a}_{d}_{start}", cat=pulp.LpBinary)
            self.lp += var <= pulp.lpSum(allowing[start]), f"break_fits_{a}_{d}_{start}"
            for s in range(start, start + brk):
                self.on[a, s].append((var, -1))
        needing = [self.x[a, o] for o in options if o.break_offsets]
        self.lp += (pulp.lpSum(self.b[a, d, s] for s in sorted(allowing))
                    == pulp.lpSum(needing)), f"one_break_{a}_{d}"

    def _contract(self, a: int, agent: Agent, work: dict[int, pulp.LpAffineExpression]) -> None:
        """Part-time: exact weekly minutes. Fixed patterns: exact count of shifts per length,
        chosen between two patterns (full-time) by one binary."""
        slot, lp, contract = self.problem.slot_minutes, self.lp, agent.contract
        if not contract.patterns:
            lp += (pulp.lpSum(self.x[a, o] * (o.work * slot) for o in self.options[a])
                   == contract.weekly_minutes), f"contract_hours_{a}"
            return
        choice = pulp.LpVariable(f"pattern_{a}", cat=pulp.LpBinary) \
            if len(contract.patterns) == 2 else None
        counts = [dict(pattern) for pattern in contract.patterns]
        for length in sorted(contract.lengths or ()):
            shifts = pulp.lpSum(self.x[a, o] for o in self.options[a] if o.work * slot == length)
            first = counts[0].get(length, 0)
            if choice is None:
                lp += shifts == first, f"contract_{a}_{length}"
            else:
                second = counts[1].get(length, 0)
                lp += shifts == first + (second - first) * choice, f"contract_{a}_{length}"

    def _days_off(self, a: int, agent: Agent, work: dict[int, pulp.LpAffineExpression],
                  by_day: dict[int, list[ShiftOption]]) -> None:
        rules, lp = self.problem.rules, self.lp
        per_day = self.problem.slots_per_day
        overnight = {d: [self.x[a, o] for o in by_day[d] if o.end > (d + 1) * per_day]
                     for d in range(DAYS)}
        if any(overnight.values()):
            free = [pulp.LpVariable(f"free_{a}_{d}", cat=pulp.LpBinary) for d in range(DAYS)]
            for d in range(DAYS):
                lp += free[d] <= 1 - work[d], f"free_{a}_{d}"
                if d > 0 and overnight[d - 1]:
                    lp += free[d] <= 1 - pulp.lpSum(overnight[d - 1]), f"free_tail_{a}_{d}"
            lp += pulp.lpSum(free) >= rules.days_off_per_week, f"days_off_{a}"
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
                    clash = [self.x[a, o] for o in by_day.get(later, [])
                             if o.start * slot < end * slot + rest]
                    if clash:
                        before = [self.x[a, o] for o in by_day[d] if o.end >= end]
                        self.lp += (pulp.lpSum(before + clash) <= 1,
                                    f"rest_{a}_{d}_{later}_{end}")

    def _coverage(self) -> list[tuple[pulp.LpVariable, float]]:
        """Per slot and group: supply + under - over = required; multi-skilled agents split."""
        problem, weights = self.problem, self.problem.rules.weights
        supply: dict[tuple[int, str], list[tuple[pulp.LpVariable, int]]] = defaultdict(list)
        for (a, s), terms in sorted(self.on.items(), key=lambda item: item[0]):
            groups = problem.agents[a].groups
            if len(groups) == 1:
                supply[s, groups[0]] += terms
                continue
            for g in groups:
                self.y[a, s, g] = var = pulp.LpVariable(f"y_{a}_{s}_{g}", cat=pulp.LpBinary)
                supply[s, g].append((var, 1))
            self.lp += (pulp.lpSum(self.y[a, s, g] for g in groups)
                        == pulp.LpAffineExpression(terms)), f"assign_{a}_{s}"
        penalties = []
        for s, g in sorted(set(supply) | set(problem.required)):
            required = problem.required.get((s, g), 0.0)
            terms = list(supply.get((s, g), []))
            under = pulp.LpVariable(f"under_{s}_{g}", 0, required) if required > 0 else None
            over = pulp.LpVariable(f"over_{s}_{g}", 0) if terms else None
            if under is not None:
                terms.append((under, 1))
                penalties.append((under, weights.under))
            if over is not None:
                terms.append((over, -1))
                penalties.append((over, weights.over))
            self.lp += pulp.LpAffineExpression(terms) == required, f"cover_{s}_{g}"
        return penalties

    # --- solving and reading ----------------------------------------------------------

    def size(self) -> dict[str, int]:
        variables = self.lp.variables()
        return {"variables": len(variables),
                "binaries": sum(1 for v in variables if v.cat == pulp.LpInteger),
                "constraints": len(self.lp.constraints),
                "shift_vars": len(self.x), "break_vars": len(self.b), "group_vars": len(self.y)}

    def solve(self, solver: str = "highs", time_limit: float = 60, gap: float = 0.01) -> Roster:
        """HiGHS: two phases, find any rule-abiding roster (no objective: each agent alone is
        easy), then optimise from it, so a roster comes back even when the time runs out.
        CBC finds its own first roster (feasibility pump) in a single solve."""
        size = self.size()
        if solver == "cbc":
            info = solve(self.lp, solver, time_limit, gap)
            return self._roster(info, size)
        objective = self.lp.objective
        self.lp.setObjective(pulp.LpAffineExpression())
        first = solve(self.lp, solver, time_limit * FEASIBILITY_SHARE, 0.0)
        self.lp.setObjective(objective)
        if first.status not in ("optimal", "feasible"):
            return Roster(first.status, (), (), first, size)
        start = {v: round(v.varValue or 0) for v in self.lp.variables() if v.cat == pulp.LpInteger}
        info = solve(self.lp, solver, max(time_limit - first.seconds, 1.0), gap, start)
        return self._roster(dataclasses.replace(info, seconds=info.seconds + first.seconds), size)

    def _roster(self, info: SolveInfo, size: dict[str, int]) -> Roster:
        if info.status not in ("optimal", "feasible"):
            return Roster(info.status, (), (), info, size)
        shifts = self._shifts()
        return Roster(info.status, shifts, coverage(self.problem, shifts), info, size)

    def _chosen(self, var: pulp.LpVariable) -> bool:
        return (var.varValue or 0) > 0.5

    def _shifts(self) -> tuple[Shift, ...]:
        problem, slot = self.problem, self.problem.slot_minutes
        brk = problem.templates.break_minutes // slot
        breaks = {(a, d): s for (a, d, s), v in self.b.items() if self._chosen(v)}
        shifts = []
        for (a, option), var in sorted(self.x.items(), key=lambda item: item[0]):
            if not self._chosen(var):
                continue
            agent = problem.agents[a]
            break_start = breaks[a, option.day] if option.break_offsets else None
            resting = set() if break_start is None else set(range(break_start, break_start + brk))
            segments: list[list] = []
            for s in range(option.start, option.end):
                if s in resting:
                    continue
                group = agent.groups[0] if len(agent.groups) == 1 else next(
                    g for g in agent.groups if self._chosen(self.y[a, s, g]))
                if segments and segments[-1][1] == s and segments[-1][2] == group:
                    segments[-1][1] = s + 1
                else:
                    segments.append([s, s + 1, group])
            shifts.append(Shift(
                agent.id, problem.date(option.day), problem.time(option.start),
                problem.time(option.end),
                problem.time(break_start) if break_start is not None else None,
                problem.time(break_start + brk) if break_start is not None else None,
                option.work * slot,
                tuple((problem.time(s), problem.time(e), g) for s, e, g in segments)))
        return tuple(sorted(shifts, key=lambda sh: (sh.agent_id, sh.start)))


def coverage(problem: Problem, shifts: tuple[Shift, ...]) -> tuple[Coverage, ...]:
    """Required vs scheduled agents per interval and group, from the shifts' group segments."""
    slot = problem.slot_minutes
    scheduled: dict[tuple[int, str], int] = defaultdict(int)
    for shift in shifts:
        for start, end, group in shift.segments:
            for s in range(round(problem.minutes(start)) // slot,
                           round(problem.minutes(end)) // slot):
                scheduled[s, group] += 1
    keys = sorted(set(scheduled) | set(problem.required))
    return tuple(Coverage(problem.time(s), g, problem.required.get((s, g), 0.0),
                          scheduled.get((s, g), 0)) for s, g in keys)
