"""A fast constructive roster: agents one by one, each taking the week that covers most of what
is still uncovered, within every hard rule. It is the MILP's warm start, so a rule-abiding roster
exists within seconds and the solver only has to improve it.

Each agent's week is a small dynamic programme over the days whose state holds what the rules
need: the last shift's end (rest, overnight tails), the current run of working days, what is left
of the contract and how many whole days off were taken.
"""

from __future__ import annotations

from collections import defaultdict

from wfm.scheduler.inputs import Agent
from wfm.scheduler.problem import DAYS, Problem
from wfm.scheduler.templates import ShiftOption

Choice = tuple[ShiftOption, int | None]  # a shift and its break start slot (None: no break)
Plan = dict[int, list[Choice]]            # agent index -> the agent's shifts of the week
Counts = dict[tuple[int, tuple[str, ...], str], int]  # (slot, group set, group) -> agents
CANDIDATES = 4  # best shifts per day and length the programme looks at (all of them on retry)
SWEEPS = 6  # the first pass plus at most five rounds of re-planning each agent


def work_slots(choice: Choice, break_slots: int) -> list[int]:
    """The slots of a shift that are worked (its break excluded)."""
    option, brk = choice
    resting = range(0) if brk is None else range(brk, brk + break_slots)
    return [s for s in range(option.start, option.end) if s not in resting]


def greedy_plan(problem: Problem,
                options: list[list[ShiftOption]]) -> tuple[Plan, Counts] | None:
    """Shifts per agent and agents per slot, group set and group; None when some agent has no
    rule-abiding week. Less flexible agents go first (single group, fewest allowed shifts), so
    the multi-skilled fill the gaps left at the end; then each agent is planned again against
    all the others (a cheap local search) until nothing changes or `SWEEPS` is reached."""
    rest, days_off = problem.rules.min_rest_hours * 60, problem.rules.days_off_per_week
    residual: dict[tuple[int, str], float] = defaultdict(float, problem.required)
    brk = problem.templates.break_minutes // problem.slot_minutes
    plan: Plan = {}
    taken: dict[int, list[tuple[int, str]]] = {}  # agent -> (slot, group) it covers
    order = sorted(range(len(problem.agents)), key=lambda a: (
        len(problem.agents[a].groups), len(options[a]), problem.agents[a].id))
    for _ in range(SWEEPS):
        changed = False
        for a in order:
            agent = problem.agents[a]
            for s, g in taken.pop(a, []):
                residual[s, g] += 1

            def value(s: int, groups: tuple[str, ...] = agent.groups) -> float:
                return max(min(max(residual[s, g], 0.0), 1.0) for g in groups)

            scored = [_score(o, value, brk) for o in options[a]]
            week = _best_week(problem, agent, scored, rest, days_off, CANDIDATES) \
                or _best_week(problem, agent, scored, rest, days_off, None)
            if week is None:
                return None
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
    lost, offset = min((sum(value(s) for s in range(option.start + o, option.start + o + brk)), o)
                       for o in option.break_offsets)
    return total - lost, (option, option.start + offset)


def _best_week(problem: Problem, agent: Agent, scored: list[tuple[float, Choice]], rest: float,
               days_off: int, candidates: int | None) -> list[Choice] | None:
    """The most valuable week meeting contract, rest, days off and consecutive days; pinned
    working days must be worked (allowed options already hold only the pinned shift there)."""
    slot, per_day, rules = problem.slot_minutes, problem.slots_per_day, problem.rules
    pinned = {(p.day - problem.week_start).days for p in problem.pins
              if p.agent_id == agent.id and p.start_minute is not None}
    by_day: dict[int, list[tuple[float, Choice]]] = defaultdict(list)
    for length in sorted({c[0].work for _, c in scored}):
        for day in range(DAYS):
            best = sorted((item for item in scored if item[1][0].day == day
                           and item[1][0].work == length), key=lambda item: -item[0])
            by_day[day] += best[:candidates]
    contract = agent.contract
    if contract.patterns:
        starts = [tuple(sorted((length // slot, count) for length, count in p))
                  for p in contract.patterns]
    else:
        starts = [contract.weekly_minutes // slot]
    longest = rules.max_consecutive_days
    # state: (last shift end, run of working days, contract left, days off) -> (value, shifts)
    layer: dict[tuple, tuple[float, tuple[Choice, ...]]] = {
        (None, min(agent.worked_days_before, longest), left, 0): (0.0, ()) for left in starts}
    for day in range(DAYS):
        following: dict[tuple, tuple[float, tuple[Choice, ...]]] = {}
        for (end, run, left, free), (value, shifts) in layer.items():
            tail = end is not None and end > day * per_day
            if day not in pinned:
                _keep(following, (end, 0, left, min(free + (not tail), days_off)), value, shifts)
            if run >= longest:
                continue
            for gain, choice in by_day[day]:
                option = choice[0]
                if end is not None and option.start * slot < end * slot + rest:
                    continue
                after = _take(left, option.work)
                if after is not None:
                    _keep(following, (option.end, run + 1, after, free), value + gain,
                          (*shifts, choice))
        layer = following
    done = [(value, shifts) for (_, _, left, free), (value, shifts) in layer.items()
            if free >= days_off and _finished(left)]
    return list(max(done, key=lambda item: item[0])[1]) if done else None


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
