"""The in-process entry point (the command, `vero plan` and the twin call this): diagnose, solve,
explain, and refuse a roster that breaks a hard rule."""

from __future__ import annotations

import dataclasses
import time

from vero.kernel.errors import VeroError
from wfm.scheduler.check import check_roster
from wfm.scheduler.columns import solve_patterns
from wfm.scheduler.diagnose import infeasible_family, pre_solve
from wfm.scheduler.model import Roster, RosterModel, allowed_options, coverage, shifts_from_plan
from wfm.scheduler.problem import Problem
from wfm.scheduler.start import greedy_plan

NAMED_MODEL_LIMIT = 5000  # agent-shift choices up to which the named model is solved whole


def solve_roster(
    problem: Problem, solver: str = "highs", time_limit: float = 60, gap: float = 0.01
) -> Roster:
    """Small weeks: the named model, whole, from the constructive roster. Large weeks: column
    generation over weekly patterns from the constructive roster's weeks, then a dive to a
    roster (`columns`); the bound is the column generation's (valid for the whole problem
    because pricing is exact), so the gap is honest although the dive does not branch."""
    started = time.perf_counter()
    options = [allowed_options(problem, agent) for agent in problem.agents]
    if sum(len(o) for o in options) <= NAMED_MODEL_LIMIT:  # small: exact in one solve
        return RosterModel(problem).solve(solver, time_limit, gap)
    greedy = greedy_plan(problem, options, sweeps=1)  # the columns improve on it
    if greedy is None:  # some agent has no rule-abiding week: let the named model explain
        return RosterModel(problem).solve(solver, time_limit, gap)
    left = time_limit - (time.perf_counter() - started)
    result = solve_patterns(problem, greedy[0], solver, left, gap)
    info = result.info
    if info.objective is None:
        return Roster(info.status, (), (), info, result.size)
    status = "optimal" if (info.gap or 0) <= 1e-6 else "feasible"
    info = dataclasses.replace(info, status=status, seconds=time.perf_counter() - started)
    shifts = shifts_from_plan(problem, result.plan, result.counts)
    return Roster(status, shifts, coverage(problem, shifts), info, result.size)


def make_roster(
    problem: Problem, solver: str = "highs", time_limit: float = 60, gap: float = 0.01
) -> Roster:
    """The cheapest rule-abiding roster found in the time limit; VeroError naming the agent and
    rule when the hard rules contradict each other."""
    issues = pre_solve(problem)
    if issues:
        raise VeroError("; ".join(issues), source="roster rules")
    roster = solve_roster(problem, solver, time_limit, gap)
    if roster.status == "infeasible":
        raise VeroError(infeasible_family(problem, solver, time_limit), source="roster rules")
    if roster.status not in ("optimal", "feasible"):
        raise VeroError(
            f"no roster found within {time_limit:g} s; allow more time", source="roster"
        )
    violations = check_roster(problem, roster.shifts)
    if violations:
        raise VeroError(
            "the solver's roster breaks hard rules: " + "; ".join(violations[:5]), source="roster"
        )
    return roster
