"""One agent's week: its own costs (fairness, preferred days off) and the best rule-abiding week
for given shift values, a small dynamic programme over the days.

The programme serves both the constructive roster (values = what is still uncovered) and the
column generation's pricing (values = coverage duals). For pricing it must be exact: its state
holds everything the hard rules and the week's costs need, namely the earliest allowed next start
(rest), whether the last shift ran past midnight (whole days off), the current run of working
days, what is left of the contract, the days off taken and, per fairness kind, the shifts of that
kind so far (capped at the fair share: beyond it each one costs the same).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from wfm.scheduler.inputs import Agent, parse_hhmm
from wfm.scheduler.problem import DAYS, Problem
from wfm.scheduler.templates import ShiftOption

Choice = tuple[ShiftOption, int | None]  # a shift and its break start slot (None: no break)


@dataclass(frozen=True)
class Fairness:
    """A kind of unpopular shift (weekend, late) and the agent's fair share of it."""

    kind: str
    options: frozenset[ShiftOption]
    share: int


def fairness_kinds(problem: Problem, agent: Agent, options: list[ShiftOption]) -> list[Fairness]:
    """Kinds whose share the agent could exceed: the shifts spread evenly over the days worked.
    A share that is a constant, not a min-max variable, keeps the LP bound tight."""
    late_end = parse_hhmm(problem.rules.late_shift_end)
    days = max(agent.contract.days(), default=DAYS - problem.rules.days_off_per_week)
    kinds = {
        "weekend": [o for o in options if problem.date(o.day).weekday() >= 5],
        "late": [o for o in options if o.end * problem.slot_minutes - o.day * 24 * 60 > late_end],
    }
    found = []
    for kind, chosen in kinds.items():
        share = math.ceil(days * len({o.day for o in chosen}) / DAYS)
        if len({o.day for o in chosen}) > share:
            found.append(Fairness(kind, frozenset(chosen), share))
    return found


def week_cost(
    problem: Problem, agent: Agent, kinds: list[Fairness], week: tuple[Choice, ...]
) -> float:
    """The week's own cost: fairness excess and shifts on preferred days off."""
    weights = problem.rules.weights
    cost = sum(
        weights.preference
        for option, _ in week
        if problem.date(option.day).weekday() in agent.preferred_days_off
    )
    for fair in kinds:
        taken = sum(1 for option, _ in week if option in fair.options)
        cost += weights.fairness * max(0, taken - fair.share)
    return cost


def best_week(
    problem: Problem,
    agent: Agent,
    scored: list[tuple[float, Choice]],
    kinds: list[Fairness],
    candidates: int | None = None,
) -> tuple[float, tuple[Choice, ...]] | None:
    """The week of highest total value minus fairness cost meeting contract, rest, days off,
    consecutive days and pins (allowed options already hold only the pinned shift on a pinned
    day); None when none exists. `candidates`: only the best few shifts per day and length
    (fast, not exact); None: all of them (exact)."""
    slot, per_day, rules = problem.slot_minutes, problem.slots_per_day, problem.rules
    rest, days_off, longest = (
        rules.min_rest_hours * 60,
        rules.days_off_per_week,
        rules.max_consecutive_days,
    )
    fairness = rules.weights.fairness
    pinned = {
        (p.day - problem.week_start).days
        for p in problem.pins
        if p.agent_id == agent.id and p.start_minute is not None
    }
    by_day: dict[int, list[tuple[float, Choice]]] = defaultdict(list)
    for gain, choice in sorted(scored, key=lambda item: (-item[0], item[1][0])):
        by_day[choice[0].day].append((gain, choice))
    if candidates is not None:
        for day, items in list(by_day.items()):
            kept: dict[int, int] = defaultdict(int)
            by_day[day] = []
            for gain, choice in items:
                kept[choice[0].work] += 1
                if kept[choice[0].work] <= candidates:
                    by_day[day].append((gain, choice))
    later_start = [
        min(
            (c[0].start * slot for d in range(day + 1, DAYS) for _, c in by_day[d]),
            default=math.inf,
        )
        for day in range(DAYS)
    ]
    contract = agent.contract
    lefts: list[int | tuple[tuple[int, int], ...]]
    if contract.patterns:
        lefts = [
            tuple(sorted((length // slot, count) for length, count in p)) for p in contract.patterns
        ]
    else:
        lefts = [contract.weekly_minutes // slot]
    zero = tuple(0 for _ in kinds)
    # state: (earliest next start, tail past midnight, run, contract left, days off, kind counts)
    layer: dict[tuple, tuple[float, tuple[Choice, ...]]] = {
        (None, False, min(agent.worked_days_before, longest), left, 0, zero): (0.0, ())
        for left in lefts
    }
    for day in range(DAYS):
        following: dict[tuple, tuple[float, tuple[Choice, ...]]] = {}
        moves: dict[float | None, list[tuple[float, Choice, tuple]]] = {}
        for (earliest, tail, run, left, free, counts), (value, shifts) in layer.items():
            if day not in pinned:
                off = min(free + (not tail), days_off)
                _keep(following, (earliest, False, 0, left, off, counts), value, shifts)
            if run >= longest:
                continue
            if earliest not in moves:
                moves[earliest] = _moves(
                    by_day[day], earliest, later_start[day], rest, slot, per_day, kinds
                )
            for gain, choice, (after_earliest, after_tail, kind_flags) in moves[earliest]:
                after = _take(left, choice[0].work)
                if after is None:
                    continue
                penalty = sum(
                    fairness
                    for fair, flag, n in zip(kinds, kind_flags, counts, strict=True)
                    if flag and n >= fair.share
                )
                capped = tuple(
                    min(n + flag, fair.share)
                    for fair, flag, n in zip(kinds, kind_flags, counts, strict=True)
                )
                _keep(
                    following,
                    (after_earliest, after_tail, run + 1, after, free, capped),
                    value + gain - penalty,
                    (*shifts, choice),
                )
        layer = following
    done = [
        (value, shifts)
        for (_, _, _, left, free, _), (value, shifts) in layer.items()
        if free >= days_off and _finished(left)
    ]
    return max(done, key=lambda item: item[0]) if done else None


def _moves(
    items: list[tuple[float, Choice]],
    earliest: float | None,
    later_start: float,
    rest: float,
    slot: int,
    per_day: int,
    kinds: list[Fairness],
) -> list[tuple[float, Choice, tuple]]:
    """The shifts of a day that may follow a shift allowing `earliest`, best first, keeping only
    the best one per resulting state: a worse shift leading to the same state never wins."""
    seen: set[tuple] = set()
    moves = []
    for gain, choice in items:
        option = choice[0]
        if earliest is not None and option.start * slot < earliest:
            continue
        after = option.end * slot + rest
        signature = (
            option.work,
            None if after <= later_start else after,
            option.end > (option.day + 1) * per_day,
            tuple(option in fair.options for fair in kinds),
        )
        if signature not in seen:
            seen.add(signature)
            moves.append((gain, choice, signature[1:]))
    return moves


def _keep(layer: dict, key: tuple, value: float, shifts: tuple[Choice, ...]) -> None:
    """Keep the better of two partial weeks ending in the same state."""
    if key not in layer or value > layer[key][0]:
        layer[key] = (value, shifts)


def _take(left, work: int):
    """What is left of the contract after a shift of `work` slots (None: not allowed)."""
    if isinstance(left, int):
        return left - work if work <= left else None
    counts = dict(left)
    if counts.get(work, 0) == 0:
        return None
    counts[work] -= 1
    return tuple(sorted(counts.items()))


def _finished(left) -> bool:
    return left == 0 if isinstance(left, int) else all(count == 0 for _, count in left)
