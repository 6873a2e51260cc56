"""The in-process entry point (the command, `vero plan` and the twin call this): diagnose, solve,
explain, and refuse a roster that breaks a hard rule."""

from __future__ import annotations

import dataclasses
import time

from vero.errors import VeroError
from wfm.scheduler.aggregate import shift_counts
from wfm.scheduler.check import check_roster
from wfm.scheduler.diagnose import infeasible_family, pre_solve
from wfm.scheduler.model import Roster, RosterModel, allowed_options
from wfm.scheduler.problem import Problem
from wfm.scheduler.solver import gap_between
from wfm.scheduler.start import greedy_plan

STAGE_ONE_SHARE = 0.5  # of the time limit, for the shift-count stage
NAMED_MODEL_LIMIT = 5000  # agent-shift choices up to which the named model is solved whole


def solve_roster(problem: Problem, solver: str = "highs", time_limit: float = 60,
                 gap: float = 0.01) -> Roster:
    """Small weeks: the named model, whole, from the constructive roster. Large weeks:
    constructive roster, then shift counts per agent class (stage 1, whose bound is a valid
    lower bound for the whole problem), then named agents restricted to the shifts stage 1 chose
    for their class plus their constructive week (stage 2, so it can only improve on the
    constructive roster). The gap reported is stage 2's roster against stage 1's bound."""
    started = time.perf_counter()
    options = [allowed_options(problem, agent) for agent in problem.agents]
    if sum(len(o) for o in options) <= NAMED_MODEL_LIMIT:  # small: exact in one solve
        return RosterModel(problem).solve(solver, time_limit, gap)
    greedy = greedy_plan(problem, options)
    plan, split = greedy if greedy else (None, None)
    left = time_limit - (time.perf_counter() - started)
    counts = shift_counts(problem, solver, left * STAGE_ONE_SHARE, gap, plan, split)
    if counts.info.status == "infeasible":
        return Roster("infeasible", (), (), counts.info, counts.size)
    restrict = [chosen | {o for o, _ in (plan or {}).get(a, [])}
                for a, chosen in enumerate(counts.chosen)]
    left = time_limit - (time.perf_counter() - started)
    roster = RosterModel(problem, restrict=restrict).solve(solver, max(left, 1.0), gap)
    info = roster.info
    bound = counts.info.bound if info.objective is not None else None
    if bound is not None:
        bound = min(bound, info.objective)
    status = roster.status
    if status == "optimal" and (gap_between(info.objective, bound) or 0) > 1e-6:
        status = "feasible"  # optimal among the restricted shifts, not proven for all
    info = dataclasses.replace(info, status=status, bound=bound,
                               gap=gap_between(info.objective, bound),
                               seconds=time.perf_counter() - started)
    return dataclasses.replace(roster, status=status, info=info,
                               size={**counts.size, **roster.size})


def make_roster(problem: Problem, solver: str = "highs", time_limit: float = 60,
                gap: float = 0.01) -> Roster:
    """The cheapest rule-abiding roster found in the time limit; VeroError naming the agent and
    rule when the hard rules contradict each other."""
    issues = pre_solve(problem)
    if issues:
        raise VeroError("; ".join(issues), source="roster rules")
    roster = solve_roster(problem, solver, time_limit, gap)
    if roster.status == "infeasible":
        raise VeroError(infeasible_family(problem, solver, time_limit), source="roster rules")
    if roster.status not in ("optimal", "feasible"):
        raise VeroError(f"no roster found within {time_limit:g} s; allow more time",
                        source="roster")
    violations = check_roster(problem, roster.shifts)
    if violations:
        raise VeroError("the solver's roster breaks hard rules: " + "; ".join(violations[:5]),
                        source="roster")
    return roster
