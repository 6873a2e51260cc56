"""The in-process entry point (the command, `vero plan` and the twin call this): diagnose, solve,
explain, and refuse a roster that breaks a hard rule."""

from __future__ import annotations

from vero.errors import VeroError
from wfm.scheduler.check import check_roster
from wfm.scheduler.diagnose import infeasible_family, pre_solve
from wfm.scheduler.model import Roster, RosterModel
from wfm.scheduler.problem import Problem


def make_roster(problem: Problem, solver: str = "highs", time_limit: float = 60,
                gap: float = 0.01) -> Roster:
    """The cheapest rule-abiding roster found in the time limit; VeroError naming the agent and
    rule when the hard rules contradict each other."""
    issues = pre_solve(problem)
    if issues:
        raise VeroError("; ".join(issues), source="roster rules")
    roster = RosterModel(problem).solve(solver, time_limit, gap)
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
