"""A fast constructive roster: agents one by one, each taking the week that covers most of what
is still uncovered, within every hard rule. It is the MILP's warm start, so a rule-abiding roster
exists within seconds and the solver only has to improve it.

Each agent's week is the dynamic programme of `week.best_week`, valued by what it covers of what
is still uncovered (the week's own costs are left to the solver).
"""

from __future__ import annotations

from collections import defaultdict

from wfm.scheduler.problem import Problem
from wfm.scheduler.templates import ShiftOption
from wfm.scheduler.week import Choice, best_week

Plan = dict[int, list[Choice]]  # agent index -> the agent's shifts of the week
Counts = dict[tuple[int, tuple[str, ...], str], int]  # (slot, group set, group) -> agents
CANDIDATES = 4  # best shifts per day and length the programme looks at (all of them on retry)
SWEEPS = 6  # the first pass plus at most five rounds of re-planning each agent


def work_slots(choice: Choice, break_slots: int) -> list[int]:
    """The slots of a shift that are worked (its break excluded)."""
    option, brk = choice
    resting = range(0) if brk is None else range(brk, brk + break_slots)
    return [s for s in range(option.start, option.end) if s not in resting]


def greedy_plan(
    problem: Problem, options: list[list[ShiftOption]], sweeps: int = SWEEPS
) -> tuple[Plan, Counts] | None:
    """Shifts per agent and agents per slot, group set and group; None when some agent has no
    rule-abiding week. Less flexible agents go first (single group, fewest allowed shifts), so
    the multi-skilled fill the gaps left at the end; then each agent is planned again against
    all the others (a cheap local search) until nothing changes or `sweeps` is reached."""
    residual: dict[tuple[int, str], float] = defaultdict(float, problem.required)
    brk = problem.templates.break_minutes // problem.slot_minutes
    plan: Plan = {}
    taken: dict[int, list[tuple[int, str]]] = {}  # agent -> (slot, group) it covers
    order = sorted(
        range(len(problem.agents)),
        key=lambda a: (len(problem.agents[a].groups), len(options[a]), problem.agents[a].id),
    )
    for _ in range(sweeps):
        changed = False
        for a in order:
            agent = problem.agents[a]
            for s, g in taken.pop(a, []):
                residual[s, g] += 1

            def value(s: int, groups: tuple[str, ...] = agent.groups) -> float:
                return max(min(max(residual[s, g], 0.0), 1.0) for g in groups)

            scored = [_score(o, value, brk) for o in options[a]]
            best = best_week(problem, agent, scored, [], CANDIDATES) or best_week(
                problem, agent, scored, []
            )
            if best is None:
                return None
            week = list(best[1])
            changed |= week != plan.get(a)
            plan[a] = week
            taken[a] = []
            for choice in week:
                for s in work_slots(choice, brk):
                    group = max(agent.groups, key=lambda g: residual[s, g])
                    residual[s, group] -= 1
                    taken[a].append((s, group))
        if not changed:
            break
    counts: Counts = defaultdict(int)
    for a, cells in taken.items():
        for s, g in cells:
            counts[s, problem.agents[a].groups, g] += 1
    return plan, dict(counts)


def _score(option: ShiftOption, value, brk: int) -> tuple[float, Choice]:
    """A shift's coverage value with its break where it costs least."""
    total = sum(value(s) for s in range(option.start, option.end))
    if not option.break_offsets:
        return total, (option, None)
    lost, offset = min(
        (sum(value(s) for s in range(option.start + o, option.start + o + brk)), o)
        for o in option.break_offsets
    )
    return total - lost, (option, option.start + offset)
