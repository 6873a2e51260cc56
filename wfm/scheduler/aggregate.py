"""Stage 1 of the solve: how many agents of each class take each shift, with no names.

Agents with the same groups, contract, allowed shifts and pinned working days form a class; the
model counts `n[class, shift]` instead of choosing per agent, which removes the symmetry between
interchangeable agents and makes the model an order of magnitude smaller.

It is a relaxation of the named model, so its MILP bound is a valid lower bound for the whole
roster: every named roster maps to counts (agents per class and shift, breaks per class and
start) meeting every row here, with the same coverage terms, while the rules left out (rest,
consecutive days, break matching per agent) and the fairness and preference terms (>= 0) only
make the named problem harder or dearer.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import pulp

from wfm.scheduler.model import Terms, add_breaks, add_coverage, allowed_options
from wfm.scheduler.problem import DAYS, Problem
from wfm.scheduler.solver import SolveInfo, solve
from wfm.scheduler.start import Counts, Plan
from wfm.scheduler.templates import ShiftOption


@dataclass(frozen=True)
class ShiftCounts:
    info: SolveInfo
    chosen: list[set[ShiftOption]]  # per agent: the shifts its class was given
    size: dict[str, int]


def agent_classes(problem: Problem) -> dict[tuple, list[int]]:
    """Interchangeable agents: same groups, contract, allowed shifts and pinned working days."""
    classes: dict[tuple, list[int]] = defaultdict(list)
    for a, agent in enumerate(problem.agents):
        pinned = frozenset(p.day for p in problem.pins
                           if p.agent_id == agent.id and p.start_minute is not None)
        key = (agent.groups, agent.contract, tuple(allowed_options(problem, agent)), pinned)
        classes[key].append(a)
    return dict(classes)


def shift_counts(problem: Problem, solver: str, time_limit: float, gap: float,
                 plan: Plan | None = None, split: Counts | None = None) -> ShiftCounts:
    """Solve the class-level model, from a named roster's counts when given (`plan`, `split`);
    `chosen` gives every agent the shifts of its class."""
    lp = pulp.LpProblem("shift_counts", pulp.LpMinimize)
    start: dict[pulp.LpVariable, float] = {}
    working: dict[tuple[int, tuple[str, ...]], Terms] = defaultdict(list)
    slot, days_off = problem.slot_minutes, problem.rules.days_off_per_week
    counts: list[tuple[list[int], dict[ShiftOption, pulp.LpVariable]]] = []
    for c, ((groups, contract, options, pinned), members) in enumerate(
            sorted(agent_classes(problem).items(), key=lambda item: item[1])):
        size = len(members)
        n = {o: pulp.LpVariable(f"n_{c}_{o.day}_{o.start}_{o.work}", 0, size, pulp.LpInteger)
             for o in options}
        counts.append((members, n))
        for option, var in n.items():
            for s in range(option.start, option.end):
                working[s, groups].append((var, 1))
        for d in range(DAYS):
            today = [o for o in options if o.day == d]
            shifts = pulp.lpSum(n[o] for o in today)
            lp += (shifts == size if problem.date(d) in pinned else shifts <= size), \
                f"per_day_{c}_{d}"
            breaks = add_breaks(lp, problem, f"{c}_{d}", today, n, size, working, groups)
            if plan is not None:
                start.update({var: sum(1 for a in members for _, b in plan[a] if b == t)
                              for t, var in breaks.items()})
        if plan is not None:
            start.update({var: sum(1 for a in members for o, _ in plan[a] if o == option)
                          for option, var in n.items()})
        lp += pulp.lpSum(n.values()) <= size * (DAYS - days_off), f"days_off_{c}"
        if not contract.patterns:
            lp += (pulp.lpSum(var * (o.work * slot) for o, var in n.items())
                   == size * contract.weekly_minutes), f"contract_hours_{c}"
            continue
        patterns = [dict(p) for p in contract.patterns]
        second = None
        if len(patterns) == 2:  # full-time: how many of the class work the second pattern
            second = pulp.LpVariable(f"second_pattern_{c}", 0, size, pulp.LpInteger)
            if plan is not None:
                first = sorted(m // slot for m, k in contract.patterns[0] for _ in range(k))
                start[second] = sum(1 for a in members
                                    if sorted(o.work for o, _ in plan[a]) != first)
        for length in sorted(contract.lengths or ()):
            shifts = pulp.lpSum(var for o, var in n.items() if o.work * slot == length)
            first_count = patterns[0].get(length, 0) * size
            if second is None:
                lp += shifts == first_count, f"contract_{c}_{length}"
            else:
                change = patterns[1].get(length, 0) - patterns[0].get(length, 0)
                lp += shifts == first_count + change * second, f"contract_{c}_{length}"
    z: dict[tuple[int, tuple[str, ...], str], pulp.LpVariable] = {}
    lp += pulp.LpAffineExpression(add_coverage(lp, problem, working, z))
    if split is not None:
        start.update({var: split.get(key, 0) for key, var in z.items()})
    info = solve(lp, solver, time_limit, gap, start)
    chosen: list[set[ShiftOption]] = [set() for _ in problem.agents]
    for members, n in counts:
        given = {o for o, var in n.items() if (var.varValue or 0) > 0.5}
        for a in members:
            chosen[a] = given
    variables = lp.variables()
    size = {"stage1_variables": len(variables), "stage1_constraints": len(lp.constraints),
            "classes": len(counts)}
    return ShiftCounts(info, chosen, size)
