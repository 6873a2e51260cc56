"""Column generation over weekly patterns, the standard method for tour scheduling with named
agents.

A pattern is a whole rule-abiding week of one agent class (interchangeable agents: same groups,
contract, allowed shifts, pins, history and wishes), breaks placed. The master LP lets each class
pick as many patterns as it has members and pays under/over coverage; pricing finds, per class,
the week of least reduced cost with the exact dynamic programme of `week.best_week` (a shift is
valued by the coverage duals of its worked slots, its break at the cheapest allowed start).

Bound: whatever the columns so far, LP value + sum over classes of members x (least reduced cost,
if negative) is a valid lower bound (Lagrangian), because pricing is exact; when no column prices
out it equals the LP value. The roster is then the master solved as a MIP over the generated
columns, started from the constructive roster (whose weeks are columns), so it is always valid.
The LP is solved by highspy whatever the MIP solver, as it is re-solved warm after each round.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass

import highspy
import numpy as np
import pulp

from wfm.scheduler.model import allowed_options, rounding_cut
from wfm.scheduler.problem import DAYS, Problem
from wfm.scheduler.solver import SEED, SolveInfo, gap_between, solve
from wfm.scheduler.start import Counts, Plan, work_slots
from wfm.scheduler.templates import ShiftOption
from wfm.scheduler.week import Choice, Fairness, best_week, fairness_kinds, week_cost

REDUCED_COST_EPS = 1e-6


@dataclass(frozen=True)
class AgentClass:
    members: tuple[int, ...]
    groups: tuple[str, ...]
    options: tuple[ShiftOption, ...]
    kinds: tuple[Fairness, ...]


@dataclass
class Column:
    cost: float
    lower: float
    upper: float
    integer: bool
    rows: dict[int, float]
    week: tuple[int, tuple[Choice, ...]] | None = None  # (class, week) of a pattern column


@dataclass(frozen=True)
class PatternResult:
    info: SolveInfo
    plan: Plan
    counts: Counts
    size: dict[str, int]


def pattern_classes(problem: Problem) -> list[AgentClass]:
    """Agents are interchangeable when every input of their pattern set and its costs is equal."""
    found: dict[tuple, list[int]] = defaultdict(list)
    for a, agent in enumerate(problem.agents):
        pinned = frozenset(p.day for p in problem.pins
                           if p.agent_id == agent.id and p.start_minute is not None)
        key = (agent.groups, agent.contract, tuple(allowed_options(problem, agent)), pinned,
               agent.preferred_days_off, agent.worked_days_before)
        found[key].append(a)
    classes = []
    for (groups, _, options, *_), members in sorted(found.items(), key=lambda item: item[1]):
        kinds = fairness_kinds(problem, problem.agents[members[0]], list(options))
        classes.append(AgentClass(tuple(members), groups, options, tuple(kinds)))
    return classes


class Master:
    """The master problem as plain columns over numbered rows, solved as an LP by highspy
    (kept warm between pricing rounds) and at the end as a MIP by the chosen solver."""

    def __init__(self, problem: Problem, classes: list[AgentClass]) -> None:
        self.problem, self.classes = problem, classes
        self.brk = problem.templates.break_minutes // problem.slot_minutes
        self.row_lower: list[float] = []
        self.row_upper: list[float] = []
        self.columns: list[Column] = []
        self.known: set[tuple[int, tuple[Choice, ...]]] = set()
        self.convexity = [self._row(len(c.members), len(c.members)) for c in classes]
        weights = problem.rules.weights
        slots: dict[tuple[str, ...], set[int]] = defaultdict(set)
        for cls in classes:
            for option in cls.options:
                slots[cls.groups].update(range(option.start, option.end))
        cells = {(s, g) for groups, used in slots.items() for s in used for g in groups}
        self.cover = {}
        for s, g in sorted(cells | {key for key, value in problem.required.items() if value}):
            required = problem.required.get((s, g), 0.0)
            self.cover[s, g] = row = self._row(required, required)
            under = over = None
            if required > 0:
                under = self._column(weights.under, 0, required, False, {row: 1})
            if (s, g) in cells:
                over = self._column(weights.over, 0, np.inf, False, {row: -1})
            cut = rounding_cut(required, weights.under, weights.over)
            if cut is not None and under is not None and over is not None:
                cut_row = self._row(cut[2], np.inf)
                self.columns[under].rows[cut_row] = cut[0]
                self.columns[over].rows[cut_row] = cut[1]
        # the row a worked slot of a group set adds to: coverage, or the split of a group set
        self.target: dict[tuple[str, ...], dict[int, int]] = {}
        self.split: dict[tuple[int, tuple[str, ...], str], int] = {}
        for groups, used in sorted(slots.items()):
            if len(groups) == 1:
                self.target[groups] = {s: self.cover[s, groups[0]] for s in used}
                continue
            self.target[groups] = {s: self._row(0, 0) for s in sorted(used)}
            for s in sorted(used):
                for g in groups:
                    self.split[s, groups, g] = self._column(
                        0, 0, np.inf, True, {self.target[groups][s]: -1, self.cover[s, g]: 1})

    def _row(self, lower: float, upper: float) -> int:
        self.row_lower.append(lower)
        self.row_upper.append(upper)
        return len(self.row_lower) - 1

    def _column(self, cost: float, lower: float, upper: float, integer: bool,
                rows: dict[int, float], week=None) -> int:
        self.columns.append(Column(cost, lower, upper, integer, rows, week))
        return len(self.columns) - 1

    def add_week(self, k: int, week: tuple[Choice, ...]) -> int | None:
        """A pattern column of class `k` (None when it is there already)."""
        if (k, week) in self.known:
            return None
        self.known.add((k, week))
        cls = self.classes[k]
        agent = self.problem.agents[cls.members[0]]
        rows = {self.convexity[k]: 1.0}
        target = self.target[cls.groups]
        for choice in week:
            for s in work_slots(choice, self.brk):
                rows[target[s]] = 1.0
        cost = week_cost(self.problem, agent, list(cls.kinds), week)
        return self._column(cost, 0, len(cls.members), True, rows, (k, week))

    def price(self, k: int, duals: np.ndarray) -> tuple[float, tuple[Choice, ...]]:
        """Class k's week of least reduced cost under the row duals, and that reduced cost."""
        cls = self.classes[k]
        agent = self.problem.agents[cls.members[0]]
        pi = np.zeros((DAYS + 1) * self.problem.slots_per_day)
        for s, row in self.target[cls.groups].items():
            pi[s] = duals[row]
        prefix = np.concatenate(([0.0], np.cumsum(pi))).tolist()
        preference = self.problem.rules.weights.preference
        scored = []
        for option in cls.options:
            gain = prefix[option.end] - prefix[option.start]
            brk = None
            if option.break_offsets:
                lost, brk = min((prefix[option.start + o + self.brk] - prefix[option.start + o],
                                 option.start + o) for o in option.break_offsets)
                gain -= lost
            if self.problem.date(option.day).weekday() in agent.preferred_days_off:
                gain -= preference
            scored.append((gain, (option, brk)))
        best = best_week(self.problem, agent, scored, list(cls.kinds))
        assert best is not None  # the class has a valid week: the constructive roster's
        value, week = best
        return -value - duals[self.convexity[k]], week

    def highs(self) -> highspy.Highs:
        """The LP over the columns so far."""
        h = highspy.Highs()
        for name, value in (("output_flag", False), ("threads", 1),
                            ("random_seed", SEED % 2**31)):
            h.setOptionValue(name, value)
        h.addRows(len(self.row_lower), np.array(self.row_lower), np.array(self.row_upper),
                  0, np.array([0]), np.array([], np.int32), np.array([]))
        self.add_to(h, 0)
        return h

    def add_to(self, h: highspy.Highs, first: int) -> None:
        """Columns from `first` on into the LP."""
        new = self.columns[first:]
        starts, indices, values = [], [], []
        for column in new:
            starts.append(len(indices))
            for row, value in sorted(column.rows.items()):
                indices.append(row)
                values.append(value)
        h.addCols(len(new), np.array([c.cost for c in new]), np.array([c.lower for c in new]),
                  np.array([c.upper for c in new]), len(indices), np.array(starts, np.int32),
                  np.array(indices, np.int32), np.array(values))


def solve_patterns(problem: Problem, plan: Plan, split: Counts, solver: str, time_limit: float,
                   gap: float, pricing_share: float) -> PatternResult:
    """Column generation for `pricing_share` of the time, then the MIP over the columns."""
    started = time.perf_counter()
    classes = pattern_classes(problem)
    master = Master(problem, classes)
    start_counts: dict[int, int] = defaultdict(int)
    for k, cls in enumerate(classes):
        for a in cls.members:
            week = tuple(plan[a])
            column = master.add_week(k, week)
            start_counts[column if column is not None else _find(master, k, week)] += 1
    h = master.highs()
    bound, rounds, proven = -np.inf, 0, False
    while True:
        h.run()
        duals = np.array(h.getSolution().row_dual)
        value = h.getInfo().objective_function_value
        rounds += 1
        first = len(master.columns)
        lagrange = value
        for k, cls in enumerate(classes):
            reduced, week = master.price(k, duals)
            lagrange += len(cls.members) * min(0.0, reduced)
            if reduced < -REDUCED_COST_EPS:
                master.add_week(k, week)
        bound = max(bound, lagrange)
        if len(master.columns) == first:
            proven = True
            break
        if time.perf_counter() - started > time_limit * pricing_share:
            break
        master.add_to(h, first)
    # the MIP keeps the patterns the last LP used and the constructive ones: measured on the
    # benchmark, far better rosters in the time than over every generated pattern
    lp, variables = _mip(master)
    used = np.array(h.getSolution().col_value)
    for j, column in enumerate(master.columns[:len(used)]):
        if column.week is not None and used[j] < 1e-6 and j not in start_counts:
            variables[j].upBound = 0
    values = {variables[j]: n for j, n in start_counts.items()}
    values.update({variables[j]: split.get(key, 0) for key, j in master.split.items()})
    left = time_limit - (time.perf_counter() - started)
    info = solve(lp, solver, max(left - 1.0, 1.0), gap, values)  # 1 s to read the roster
    chosen: Plan = {}
    counts: Counts = {}
    if info.objective is not None:
        taken = [0] * len(classes)
        for j, var in enumerate(variables):
            column = master.columns[j]
            n = round(var.varValue or 0)
            if column.week is not None:
                k, week = column.week
                for a in classes[k].members[taken[k]:taken[k] + n]:
                    chosen[a] = list(week)
                taken[k] += n
        counts = {key: round(variables[j].varValue or 0) for key, j in master.split.items()}
        counts.update(_single_counts(problem, classes, chosen, master.brk))
    patterns = sum(1 for c in master.columns if c.week is not None)
    size = {"classes": len(classes), "pricing_rounds": rounds, "patterns": patterns,
            "master_rows": len(master.row_lower), "pricing_proven": int(proven)}
    bound = min(bound, info.objective) if info.objective is not None else bound
    return PatternResult(_with_bound(info, float(bound)), chosen, counts, size)


def _find(master: Master, k: int, week: tuple[Choice, ...]) -> int:
    return next(j for j, c in enumerate(master.columns) if c.week == (k, week))


def _single_counts(problem: Problem, classes: list[AgentClass], plan: Plan, brk: int) -> Counts:
    """Agents per slot of each single-group set (the split of the multi-skilled is solved)."""
    counts: Counts = defaultdict(int)
    for cls in classes:
        if len(cls.groups) == 1:
            for a in cls.members:
                for choice in plan.get(a, []):
                    for s in work_slots(choice, brk):
                        counts[s, cls.groups, cls.groups[0]] += 1
    return dict(counts)


def _mip(master: Master) -> tuple[pulp.LpProblem, list[pulp.LpVariable]]:
    """The master over the generated columns, integer where a roster needs whole agents."""
    lp = pulp.LpProblem("patterns", pulp.LpMinimize)
    variables = [pulp.LpVariable(f"c{j}", c.lower, None if np.isinf(c.upper) else c.upper,
                                 pulp.LpInteger if c.integer else pulp.LpContinuous)
                 for j, c in enumerate(master.columns)]
    terms: list[list[tuple[pulp.LpVariable, float]]] = [[] for _ in master.row_lower]
    for var, column in zip(variables, master.columns, strict=True):
        for row, value in column.rows.items():
            terms[row].append((var, value))
    lp += pulp.LpAffineExpression([(v, c.cost) for v, c in zip(variables, master.columns,
                                                                 strict=True) if c.cost])
    for row, (lower, upper) in enumerate(zip(master.row_lower, master.row_upper, strict=True)):
        expr = pulp.LpAffineExpression(terms[row])
        if lower == upper:
            lp += expr == lower, f"r{row}"
        else:
            lp += expr >= lower, f"r{row}"
    return lp, variables


def _with_bound(info: SolveInfo, bound: float) -> SolveInfo:
    return SolveInfo(info.solver, info.status, info.objective, bound,
                     gap_between(info.objective, bound), info.seconds)
