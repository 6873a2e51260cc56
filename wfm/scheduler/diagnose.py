"""Explaining infeasibility: name the agent and the rule, not just "infeasible".

First cheap checks before solving (contract vs availability, days off, shifts per day, pins),
then, if the solver still finds no roster, re-solves with one rule family dropped at a time.
"""

from __future__ import annotations

from wfm.scheduler.model import FAMILIES, RosterModel, allowed_options
from wfm.scheduler.problem import DAYS, Problem


def pre_solve(problem: Problem) -> list[str]:
    """Contradictions visible without a solver, one line each naming the agent or day and rule."""
    issues = []
    for day in range(DAYS):
        demand = sum(
            v
            for (s, _), v in problem.required.items()
            if day * problem.slots_per_day <= s < (day + 1) * problem.slots_per_day
        )
        if demand > 0 and not any(o.day == day for o in problem.options):
            issues.append(
                f"{problem.date(day)}: agents are required but no shift template fits "
                "the opening hours of that day"
            )
    rules = problem.rules
    for agent in problem.agents:
        name = f"agent {agent.id}"
        contract = agent.contract
        for pin in problem.pins:
            if (
                pin.agent_id == agent.id
                and pin.start_minute is not None
                and not any(
                    o.day == (pin.day - problem.week_start).days
                    for o in allowed_options(problem, agent, frozenset({"pins"}))
                    if (o.start * problem.slot_minutes) % (24 * 60) == pin.start_minute
                    and pin.work_minutes in (None, o.work * problem.slot_minutes)
                )
            ):
                issues.append(
                    f"{name}: pin (line {pin.line}) {pin.day} asks for a shift that is "
                    "not allowed (template, opening hours, contract or unavailability)"
                )
        if contract.patterns and all(d > DAYS - rules.days_off_per_week for d in contract.days()):
            issues.append(
                f"{name}: contract {contract.text} needs {min(contract.days())} working "
                f"days but the rules require {rules.days_off_per_week} days off a week"
            )
            continue
        options = allowed_options(problem, agent)
        slot = problem.slot_minutes
        lengths_by_day = [{o.work * slot for o in options if o.day == d} for d in range(DAYS)]
        if contract.patterns:
            if not any(_pattern_fits(p, lengths_by_day) for p in contract.patterns):
                issues.append(
                    f"{name}: contract {contract.text} cannot be met: its shifts do not "
                    "fit the days the agent is available (unavailability, opening "
                    "hours, shift templates or pins)"
                )
            continue
        workable = DAYS - rules.days_off_per_week
        best = sorted((max(ls) for ls in lengths_by_day if ls), reverse=True)[:workable]
        if sum(best) < contract.weekly_minutes:
            issues.append(
                f"{name}: contract {contract.text} needs "
                f"{contract.weekly_minutes / 60:g} h but availability allows at most "
                f"{sum(best) / 60:g} h"
            )
    return issues


def _pattern_fits(pattern: tuple[tuple[int, int], ...], lengths_by_day: list[set[int]]) -> bool:
    """Whether distinct days can host the pattern's shifts (a small bipartite matching)."""
    needed = [length for length, count in pattern for _ in range(count)]
    match: dict[int, int] = {}

    def place(i: int, seen: set[int]) -> bool:
        for day, lengths in enumerate(lengths_by_day):
            if needed[i] in lengths and day not in seen:
                seen.add(day)
                if day not in match or place(match[day], seen):
                    match[day] = i
                    return True
        return False

    return all(place(i, set()) for i in range(len(needed)))


def infeasible_family(problem: Problem, solver: str = "highs", time_limit: float = 10) -> str:
    """Which rule family, once dropped, lets a roster exist: the solver's 'infeasible' explained."""
    for family in FAMILIES:
        roster = RosterModel(problem, frozenset({family})).solve(solver, time_limit, 1.0)
        if roster.status in ("optimal", "feasible"):
            return (
                f"no roster satisfies all rules; dropping the '{family}' rules makes one "
                "possible, so check those first"
            )
    return "no roster satisfies all rules, even with any single rule family dropped"
