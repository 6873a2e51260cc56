"""Column generation over weekly patterns, the standard method for tour scheduling with named
agents.

A pattern is a whole rule-abiding week of one agent class (interchangeable agents: same groups,
contract, allowed shifts, pins, history and wishes), breaks placed. The master LP lets each class
pick as many patterns as it has members and pays under/over coverage; pricing finds, per class,
the week of least reduced cost with the exact dynamic programme of `week.best_week` (a shift is
valued by the coverage duals of its worked slots, its break at the cheapest allowed start).

Bound: whatever the columns so far, LP value + sum over classes of members x (least reduced cost,
if negative) is a valid lower bound (Lagrangian), because pricing is exact; when no column prices
out it equals the LP value. The roster comes from diving: fix agents to the patterns the LP
favours, price again, repeat until every agent has a week (a branch-and-price dive without
backtracking); a MIP then only splits the multi-skilled between their groups. Measured on the
benchmark week, this lands 0.37% above the bound (0.5-0.8% on three other draws of that week,
1.5% on a fourth) where a MIP over the generated patterns stayed 8% away after 30 s. The LP is
solved by highspy whatever the MIP solver, warm throughout.

Time: the 150-agent week needs about 13 CPU-seconds at the root and 8-20 in the dive; the root
gets half the limit and the dive spreads its LP solves over what is left at the pace measured
so far. On a machine giving the solve a third of a core this kept the roster 0.55% above the
true bound in 60 s, where cutting the dive off at its deadline left it 2.9% above.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass

import highspy
import numpy as np
import pulp

from wfm.scheduler.model import allowed_options, coverage_cost
from wfm.scheduler.problem import DAYS, Problem
from wfm.scheduler.solver import SEED, SolveInfo, gap_between, solve
from wfm.scheduler.start import Counts, Plan, work_slots
from wfm.scheduler.templates import ShiftOption
from wfm.scheduler.week import Choice, Fairness, best_week, fairness_kinds, week_cost

REDUCED_COST_EPS = 1e-6
ROOT_SHARE = 0.5  # of the time limit, for column generation at the root (the bound)
DIVE_SHARE = 0.85  # after this share of the limit the dive fixes every open agent at once
DIVE_STEP = 0.25  # share of the open agents the dive rounds up to a pattern per step
DIVE_ROUNDS = 2  # LP solves (with pricing between them) after each such step
ENDGAME_SHARE = 0.1  # of the agents: the last ones, fixed one a step ...
ENDGAME_ROUNDS = 8  # ... with up to this many LP solves after each
PRIMAL_SIMPLEX, DUAL_SIMPLEX = 4, 1  # highspy simplex_strategy values


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
        pinned = frozenset(
            p.day for p in problem.pins if p.agent_id == agent.id and p.start_minute is not None
        )
        key = (
            agent.groups,
            agent.contract,
            tuple(allowed_options(problem, agent)),
            pinned,
            agent.preferred_days_off,
            agent.worked_days_before,
        )
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
        self.known: dict[tuple[int, tuple[Choice, ...]], int] = {}
        self.convexity = [self._row(len(c.members), len(c.members)) for c in classes]
        weights = problem.rules.weights
        slots: dict[tuple[str, ...], set[int]] = defaultdict(set)
        for cls in classes:
            for option in cls.options:
                slots[cls.groups].update(range(option.start, option.end))
        cells = {(s, g) for groups, used in slots.items() for s in used for g in groups}
        self.cover = {}
        self.offset = 0.0  # the coverage cost's constant part
        for s, g in sorted(cells | {key for key, value in problem.required.items() if value}):
            base, offset, slacks = coverage_cost(
                problem.required.get((s, g), 0.0), weights, (s, g) in cells
            )
            self.cover[s, g] = row = self._row(base, base)
            self.offset += offset
            for slack in slacks:
                self._column(slack.cost, 0, slack.upper, False, {row: slack.sign})
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
                        0, 0, np.inf, True, {self.target[groups][s]: -1, self.cover[s, g]: 1}
                    )

    def _row(self, lower: float, upper: float) -> int:
        self.row_lower.append(lower)
        self.row_upper.append(upper)
        return len(self.row_lower) - 1

    def _column(
        self,
        cost: float,
        lower: float,
        upper: float,
        integer: bool,
        rows: dict[int, float],
        week=None,
    ) -> int:
        self.columns.append(Column(cost, lower, upper, integer, rows, week))
        return len(self.columns) - 1

    def add_week(self, k: int, week: tuple[Choice, ...]) -> int:
        """The pattern column of class `k` for `week`, made when it is new."""
        if (k, week) in self.known:
            return self.known[k, week]
        cls = self.classes[k]
        agent = self.problem.agents[cls.members[0]]
        rows = {self.convexity[k]: 1.0}
        target = self.target[cls.groups]
        for choice in week:
            for s in work_slots(choice, self.brk):
                rows[target[s]] = 1.0
        cost = week_cost(self.problem, agent, list(cls.kinds), week)
        self.known[k, week] = j = self._column(cost, 0, len(cls.members), True, rows, (k, week))
        return j

    def pattern(self, j: int) -> tuple[int, tuple[Choice, ...]]:
        """(class, week) of column `j`, which the caller knows to be a pattern column."""
        week = self.columns[j].week
        assert week is not None, f"column {j} is not a pattern"
        return week

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
                lost, brk = min(
                    (
                        prefix[option.start + o + self.brk] - prefix[option.start + o],
                        option.start + o,
                    )
                    for o in option.break_offsets
                )
                gain -= lost
            if self.problem.date(option.day).weekday() in agent.preferred_days_off:
                gain -= preference
            scored.append((gain, (option, brk)))
        best = best_week(self.problem, agent, scored, list(cls.kinds))
        assert best is not None  # the class has a valid week: the constructive roster's
        value, week = best
        return -value - duals[self.convexity[k]], week

    def highs(self) -> highspy.Highs:
        """The master's rows as an LP, without columns yet (`PricedLP` loads them)."""
        h = highspy.Highs()
        for name, value in (("output_flag", False), ("threads", 1), ("random_seed", SEED % 2**31)):
            h.setOptionValue(name, value)
        h.addRows(
            len(self.row_lower),
            np.array(self.row_lower),
            np.array(self.row_upper),
            0,
            np.array([0]),
            np.array([], np.int32),
            np.array([]),
        )
        return h

    def add_to(self, h: highspy.Highs, chosen: range) -> None:
        """These columns into the LP, after those it has."""
        new = [self.columns[j] for j in chosen]
        starts: list[int] = []
        indices: list[int] = []
        values: list[float] = []
        for column in new:
            starts.append(len(indices))
            for row, value in sorted(column.rows.items()):
                indices.append(row)
                values.append(value)
        h.addCols(
            len(new),
            np.array([c.cost for c in new]),
            np.array([c.lower for c in new]),
            np.array([c.upper for c in new]),
            len(indices),
            np.array(starts, np.int32),
            np.array(indices, np.int32),
            np.array(values),
        )


class PricedLP:
    """The master's LP relaxation, kept warm in highspy while pricing adds columns (primal
    simplex then) and the dive raises lower bounds (dual simplex then)."""

    def __init__(self, master: Master) -> None:
        self.master = master
        self.h = master.highs()
        self.loaded = 0  # master columns in the LP: the first ones
        self.open = [len(cls.members) for cls in master.classes]  # agents not fixed by the dive
        self.fixed: dict[int, int] = {}  # pattern column -> agents fixed to it
        self.bound = -np.inf
        self.rounds = 0
        self.seconds = 0.0  # spent solving and pricing: the pace the dive plans with

    def values(self) -> np.ndarray:
        """The last solution, per master column (0 for those priced since)."""
        values = np.zeros(len(self.master.columns))
        solved = self.h.getSolution().col_value
        values[: len(solved)] = solved
        return values

    def generate(self, deadline: float, rounds: int | None = None) -> bool:
        """Solve and price until no column prices out (True), after `rounds` LPs, or at the
        deadline. Before any fixing, each round's Lagrangian value raises the bound."""
        began, solved = time.perf_counter(), 0
        try:
            while True:
                self._load()
                self.h.run()
                self.rounds, solved = self.rounds + 1, solved + 1
                if rounds is not None and solved >= rounds:
                    return False
                duals = np.array(self.h.getSolution().row_dual)
                lagrange = self.h.getInfo().objective_function_value + self.master.offset
                for k, open_agents in enumerate(self.open):
                    if open_agents:
                        reduced, week = self.master.price(k, duals)
                        lagrange += open_agents * min(0.0, reduced)
                        if reduced < -REDUCED_COST_EPS:
                            self.master.add_week(k, week)
                if not self.fixed:
                    self.bound = max(self.bound, lagrange)
                if self.loaded == len(self.master.columns):
                    return True
                if time.perf_counter() > deadline:
                    return False
        finally:
            self.seconds += time.perf_counter() - began

    def _load(self) -> None:
        """Columns priced since the last solve into the LP, which primal simplex then takes up
        from the last basis."""
        if self.loaded < len(self.master.columns):
            self.master.add_to(self.h, range(self.loaded, len(self.master.columns)))
            self.loaded = len(self.master.columns)
            self.h.setOptionValue("simplex_strategy", PRIMAL_SIMPLEX)

    def dive(self, deadline: float) -> None:
        """Fix agents to the patterns the LP favours until every agent has a week. While many
        are open: a share of them per step, two LP solves (pricing between them) after it; for
        the last few, where a wrong fix costs most: one agent a step and up to `ENDGAME_ROUNDS`
        solves (fewer when time runs short). Past the deadline: every open agent at once, the
        LP re-solved only."""
        endgame = max(1, round(ENDGAME_SHARE * sum(self.open)))
        while any(self.open):
            hurry, late = time.perf_counter() > deadline, sum(self.open) <= endgame
            share = 1.0 if hurry else 0.0 if late else DIVE_STEP
            for j, agents in self._fixings(self.values(), share):
                self.fixed[j] = self.fixed.get(j, 0) + agents
                self.open[self.master.pattern(j)[0]] -= agents
                self.h.changeColBounds(j, self.fixed[j], self.master.columns[j].upper)
            self.h.setOptionValue("simplex_strategy", DUAL_SIMPLEX)
            if any(self.open):
                rounds = ENDGAME_ROUNDS if late else DIVE_ROUNDS
                care = 1 if hurry else self._affordable(rounds, deadline, endgame)
                self.generate(deadline, care)

    def _affordable(self, rounds: int, deadline: float, endgame: int) -> int:
        """Up to `rounds` LP solves, fewer when the rest of the dive at that care would not
        fit the time left at the pace so far: the care is spread evenly over the remaining
        steps rather than cut off at the deadline (a busy machine still gets through its dive
        with some; an idle one never notices)."""
        open_agents = sum(self.open)
        late = min(open_agents, endgame)
        steps = math.ceil(math.log(open_agents / late) / -math.log(1 - DIVE_STEP))
        pace = self.seconds / max(self.rounds, 1)
        needed = pace * (steps * DIVE_ROUNDS + late * ENDGAME_ROUNDS)
        left = deadline - time.perf_counter()
        return rounds if needed <= left else max(1, math.floor(rounds * left / needed))

    def _fixings(self, values: np.ndarray, share: float) -> list[tuple[int, int]]:
        """Every whole agent the LP already gives a pattern, and one more agent on each of the
        most used fractional patterns: `share` of the open agents, at least one."""
        open_agents = list(self.open)
        fixings, fractional = [], []
        for j, column in enumerate(self.master.columns[: len(values)]):
            if column.week is None or not open_agents[column.week[0]]:
                continue
            k = column.week[0]
            free = values[j] - self.fixed.get(j, 0)
            whole = min(math.floor(free + 1e-6), open_agents[k])
            if whole:
                fixings.append((j, whole))
                open_agents[k] -= whole
            if free - whole > 1e-6:
                fractional.append((free - whole, j, k))
        rounding = max(1, math.floor(sum(open_agents) * share))
        for _, j, k in sorted(fractional, reverse=True):
            if rounding and open_agents[k]:
                fixings.append((j, 1))
                open_agents[k] -= 1
                rounding -= 1
        assert fixings, "the LP solution gives no open agent a pattern"
        return fixings


def solve_patterns(
    problem: Problem, plan: Plan, solver: str, time_limit: float, gap: float
) -> PatternResult:
    """Column generation at the root (the bound), a dive to every agent's week, then the MIP
    that splits the multi-skilled between their groups."""
    started = time.perf_counter()
    classes = pattern_classes(problem)
    master = Master(problem, classes)
    for k, cls in enumerate(classes):
        for a in cls.members:
            master.add_week(k, tuple(plan[a]))
    lp = PricedLP(master)
    proven = lp.generate(started + time_limit * ROOT_SHARE)
    lp.dive(started + time_limit * DIVE_SHARE)
    mip, variables = _split_mip(master, lp.fixed)
    left = time_limit - (time.perf_counter() - started)
    info = solve(mip, solver, max(left - 1.0, 1.0), gap)  # 1 s to read the roster
    chosen: Plan = {}
    counts: Counts = {}
    if info.objective is not None:
        taken = [0] * len(classes)
        for j, n in sorted(lp.fixed.items()):
            k, week = master.pattern(j)
            for a in classes[k].members[taken[k] : taken[k] + n]:
                chosen[a] = list(week)
            taken[k] += n
        counts = {key: round(variables[j].varValue or 0) for key, j in master.split.items()}
        counts.update(_single_counts(problem, classes, chosen, master.brk))
    patterns = sum(1 for column in master.columns if column.week is not None)
    size = {
        "classes": len(classes),
        "pricing_rounds": lp.rounds,
        "patterns": patterns,
        "master_rows": len(master.row_lower),
        "pricing_proven": int(proven),
    }
    bound = min(lp.bound, info.objective) if info.objective is not None else lp.bound
    return PatternResult(_with_bound(info, float(bound)), chosen, counts, size)


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


def _split_mip(
    master: Master,
    fixed: dict[int, int],
) -> tuple[pulp.LpProblem, dict[int, pulp.LpVariable]]:
    """The master with every agent's week fixed (`fixed`: agents per pattern column, the other
    patterns left out): what is left to choose is the split of the multi-skilled between their
    groups (whole agents) and the coverage slacks."""
    lp = pulp.LpProblem("patterns", pulp.LpMinimize)
    variables: dict[int, pulp.LpVariable] = {}
    for j, c in enumerate(master.columns):
        if c.week is None:
            variables[j] = pulp.LpVariable(
                f"c{j}",
                c.lower,
                None if np.isinf(c.upper) else c.upper,
                pulp.LpInteger if c.integer else pulp.LpContinuous,
            )
        elif j in fixed:
            variables[j] = pulp.LpVariable(f"c{j}", fixed[j], fixed[j], pulp.LpInteger)
    terms: list[list[tuple[pulp.LpVariable, float]]] = [[] for _ in master.row_lower]
    for j, var in variables.items():
        for row, value in master.columns[j].rows.items():
            terms[row].append((var, value))
    lp += pulp.LpAffineExpression(
        [(var, master.columns[j].cost) for j, var in variables.items() if master.columns[j].cost],
        constant=master.offset,
    )
    for row, (lower, upper) in enumerate(zip(master.row_lower, master.row_upper, strict=True)):
        expr = pulp.LpAffineExpression(terms[row])
        if lower == upper:
            lp += expr == lower, f"r{row}"
        else:
            lp += expr >= lower, f"r{row}"
    return lp, variables


def _with_bound(info: SolveInfo, bound: float) -> SolveInfo:
    return SolveInfo(
        info.solver,
        info.status,
        info.objective,
        bound,
        gap_between(info.objective, bound),
        info.seconds,
    )
