"""Explaining infeasibility: name the agent and the rule, not just "infeasible".

Agents are coupled only through coverage, which is soft, so the hard rules contradict each other
exactly when some agent has no rule-abiding week on its own. Before solving, cheap checks name
the usual causes (contract vs availability, days off, pins); then each remaining agent's week is
searched with the exact programme of `week.best_week`, and for an agent without one the rules are
relaxed one at a time to say which rule, and by how much, stands in the way (consecutive days
across the week's start included). Should the solver still find no roster, it re-solves with one
rule family dropped at a time.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict

from wfm.scheduler.inputs import Agent, Pin
from wfm.scheduler.model import FAMILIES, RosterModel, allowed_options
from wfm.scheduler.problem import DAYS, Problem
from wfm.scheduler.week import Choice, best_week


def pre_solve(problem: Problem) -> list[str]:
    """Every contradiction of the hard rules, one line each naming the agent (agents with the
    same cause share a line) or day and rule; empty when every agent has a rule-abiding week."""
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
    causes: dict[str, list[str]] = defaultdict(list)  # cause -> the agents it stops
    known: dict[tuple, list[str]] = {}  # interchangeable agents share their causes
    for agent in problem.agents:
        pins = tuple(p for p in problem.pins if p.agent_id == agent.id)
        key = (
            agent.contract,
            agent.unavailable,
            agent.worked_days_before,
            agent.last_shift_end,
            tuple((p.day, p.start_minute, p.work_minutes, p.line) for p in pins),
        )
        if key not in known:
            known[key] = _contract_causes(problem, agent) or _week_causes(problem, agent)
        for cause in known[key]:
            causes[cause].append(agent.id)
    issues += [f"{_named(ids)}: {cause}" for cause, ids in causes.items()]
    return issues


def _named(ids: list[str], shown: int = 5) -> str:
    if len(ids) == 1:
        return f"agent {ids[0]}"
    more = f" and {len(ids) - shown} more" if len(ids) > shown else ""
    return f"{len(ids)} agents {', '.join(ids[:shown])}{more}"


def _contract_causes(problem: Problem, agent: Agent) -> list[str]:
    """The usual causes, each found without a search: a pin on a shift the agent may not work,
    more working days than the days off leave, a contract the available days cannot hold."""
    causes = []
    rules, contract, slot = problem.rules, agent.contract, problem.slot_minutes
    for pin in problem.pins:
        if (
            pin.agent_id == agent.id
            and pin.start_minute is not None
            and not any(
                o.day == (pin.day - problem.week_start).days
                for o in allowed_options(problem, agent, frozenset({"pins"}))
                if (o.start * slot) % (24 * 60) == pin.start_minute
                and pin.work_minutes in (None, o.work * slot)
            )
        ):
            causes.append(
                f"pin (line {pin.line}) {pin.day} asks for a shift that is "
                "not allowed (template, opening hours, contract or unavailability)"
            )
    if contract.patterns and all(d > DAYS - rules.days_off_per_week for d in contract.days()):
        causes.append(
            f"contract {contract.text} needs {min(contract.days())} working "
            f"days but the rules require {rules.days_off_per_week} days off a week"
        )
        return causes
    if contract.patterns:
        if not _fits(problem, agent):
            blame = next(
                (
                    text
                    for family, text in _blames(problem, agent)
                    if _fits(problem, agent, frozenset({family}))
                ),
                "the opening hours and shift templates",
            )
            causes.append(
                f"contract {contract.text} cannot be met: its shifts do not fit the days "
                f"left by {blame}"
            )
        return causes
    lengths_by_day = _lengths_by_day(problem, agent)
    workable = DAYS - rules.days_off_per_week
    best = sorted((max(ls) for ls in lengths_by_day if ls), reverse=True)[:workable]
    if sum(best) < contract.weekly_minutes:
        causes.append(
            f"contract {contract.text} needs {contract.weekly_minutes / 60:g} h but "
            f"availability allows at most {sum(best) / 60:g} h"
        )
    return causes


def _lengths_by_day(
    problem: Problem, agent: Agent, relaxed: frozenset[str] = frozenset()
) -> list[set[int]]:
    """Per day of the week, the work minutes of the shifts the agent may take."""
    options = allowed_options(problem, agent, relaxed)
    return [{o.work * problem.slot_minutes for o in options if o.day == d} for d in range(DAYS)]


def _fits(problem: Problem, agent: Agent, relaxed: frozenset[str] = frozenset()) -> bool:
    """Whether some pattern of a fixed contract has its shifts on distinct allowed days."""
    lengths_by_day = _lengths_by_day(problem, agent, relaxed)
    return any(_pattern_fits(p, lengths_by_day) for p in agent.contract.patterns)


def _blames(problem: Problem, agent: Agent) -> list[tuple[str, str]]:
    """The families that take shifts away from an agent, each with the words naming it."""
    found = []
    if agent.unavailable:
        found.append(("unavailability", "its unavailability and leave"))
    if agent.last_shift_end is not None:
        found.append(
            (
                "rest",
                f"the minimum rest of {problem.rules.min_rest_hours:g} h (min_rest_hours) after "
                f"the last shift (ended {agent.last_shift_end:%a %d %b %H:%M})",
            )
        )
    if any(p.agent_id == agent.id for p in problem.pins):
        found.append(("pins", "its pins"))
    return found


def _has_week(problem: Problem, agent: Agent, relaxed: frozenset[str] = frozenset()) -> bool:
    """Whether the agent has a week meeting every hard rule (but the `relaxed` families)."""
    scored: list[tuple[float, Choice]] = [
        (0.0, (option, None)) for option in allowed_options(problem, agent, relaxed)
    ]
    return best_week(problem, agent, scored, []) is not None


def _pin_text(pin: Pin) -> str:
    start = (
        "off"
        if pin.start_minute is None
        else f"{pin.start_minute // 60:02d}:{pin.start_minute % 60:02d}"
    )
    return f"{pin.day} {start}" + (f", line {pin.line}" if pin.line else "")


def _ruled(problem: Problem, **rules: float) -> Problem:
    """The problem under other labour rules, unchecked: a limit beyond the week (8
    consecutive days) is how far the agent would have to go."""
    return dataclasses.replace(problem, rules=problem.rules.model_copy(update=rules))


def _week_causes(problem: Problem, agent: Agent) -> list[str]:
    """Empty when the agent has a rule-abiding week; else one line saying which rule, once
    relaxed, would let the agent's week exist and how far (the alternatives joined)."""
    if _has_week(problem, agent):
        return []
    rules = problem.rules
    found = []
    longest, before = rules.max_consecutive_days, agent.worked_days_before
    for run in range(longest + 1, before + DAYS + 1):
        if _has_week(_ruled(problem, max_consecutive_days=run), agent):
            counted = f", counting the {before} worked before the week" if before else ""
            found.append(
                f"it would work at least {run} consecutive days{counted}, against the limit "
                f"of {longest} (max_consecutive_days)"
            )
            break
    for off in range(rules.days_off_per_week - 1, -1, -1):
        if _has_week(_ruled(problem, days_off_per_week=off), agent):
            found.append(
                f"it can have only {off} whole day(s) off, against the "
                f"{rules.days_off_per_week} required (days_off_per_week)"
            )
            break
    if rules.min_rest_hours and _has_week(
        _ruled(problem, min_rest_hours=0), agent, frozenset({"rest"})
    ):
        since = (
            f" (the last shift ended {agent.last_shift_end:%a %d %b %H:%M})"
            if agent.last_shift_end
            else ""
        )
        found.append(
            f"it cannot keep the minimum rest of {rules.min_rest_hours:g} h (min_rest_hours){since}"
        )
    if agent.unavailable and _has_week(problem, agent, frozenset({"unavailability"})):
        found.append("its unavailability and leave leave too few days")
    pins = [p for p in problem.pins if p.agent_id == agent.id]
    if pins:
        others = dataclasses.replace(problem, pins=tuple(p for p in problem.pins if p not in pins))
        if _has_week(others, agent, frozenset({"pins"})):
            found.append(f"its pins leave no room ({', '.join(map(_pin_text, pins))})")
    if not found:
        found.append(
            f"no single rule explains it ({rules.days_off_per_week} day(s) off, at most "
            f"{longest} consecutive days, {rules.min_rest_hours:g} h rest, availability, pins)"
        )
    return [f"contract {agent.contract.text} has no rule-abiding week: " + "; or ".join(found)]


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
