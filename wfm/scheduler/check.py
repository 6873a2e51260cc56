"""An independent checker of every hard rule on a finished roster (it shares no code with the
MILP, so a modelling slip shows up as a violation rather than being repeated)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from wfm.scheduler.model import Shift
from wfm.scheduler.problem import DAYS, Problem


def check_roster(problem: Problem, shifts: tuple[Shift, ...]) -> list[str]:
    """One human-readable line per violated hard rule; an empty list means the roster is valid."""
    violations: list[str] = []
    by_agent: dict[str, list[Shift]] = defaultdict(list)
    for shift in shifts:
        by_agent[shift.agent_id].append(shift)
    known = {agent.id for agent in problem.agents}
    violations += [f"{a}: not an agent" for a in sorted(set(by_agent) - known)]
    for agent in problem.agents:
        own = sorted(by_agent.get(agent.id, []), key=lambda s: s.start)
        violations += [f"{agent.id}: {message}" for message in _agent(problem, agent, own)]
    return violations


def _agent(problem: Problem, agent, shifts: list[Shift]) -> list[str]:
    rules, tpl, slot = problem.rules, problem.templates, problem.slot_minutes
    out = []
    days = [s.day for s in shifts]
    if len(set(days)) != len(days):
        out.append("more than one shift on a day")
    lengths = sorted(s.work_minutes for s in shifts)
    contract = agent.contract
    if contract.patterns:
        if not any(lengths == sorted(m for m, c in p for _ in range(c)) for p in contract.patterns):
            out.append(f"contract {contract.text}: shifts of {lengths} minutes")
    elif sum(lengths) != contract.weekly_minutes or any(m > 480 for m in lengths):
        out.append(f"contract {contract.text}: {sum(lengths)} minutes worked")
    for s in shifts:
        where = f"{s.start:%a %d %H:%M}"
        if s.day != s.start.date() or not 0 <= (s.day - problem.week_start).days < DAYS:
            out.append(f"{where}: shift day {s.day} outside the week or not its start day")
        if (
            round(s.work_minutes / 60, 2) not in {round(h, 2) for h in tpl.work_hours}
            or (s.start.hour * 60 + s.start.minute) not in tpl.start_minutes()
        ):
            out.append(f"{where}: not a shift template")
        start, end = problem.minutes(s.start), problem.minutes(s.end)
        if any(int(m) // slot not in problem.open_slots for m in range(int(start), int(end), slot)):
            out.append(f"{where}: outside opening hours")
        out += _break(s, tpl, where)
        if any(a < s.end and b > s.start for a, b in agent.unavailable):
            out.append(f"{where}: agent unavailable")
        if any(g not in agent.groups for _, _, g in s.segments):
            out.append(f"{where}: works a group the agent lacks")
    rest = dt.timedelta(hours=rules.min_rest_hours)
    ends = [agent.last_shift_end] + [s.end for s in shifts[:-1]]
    for before, after in zip(ends, [s.start for s in shifts], strict=True):
        if before is None:
            continue
        if after - before < rest:
            out.append(f"{after:%a %d %H:%M}: rest {after - before} is below {rest}")
    worked = set()
    for s in shifts:
        worked |= {s.start.date(), (s.end - dt.timedelta(minutes=1)).date()}
    week = [problem.week_start + dt.timedelta(days=d) for d in range(DAYS)]
    if sum(1 for d in week if d not in worked) < rules.days_off_per_week:
        out.append(f"fewer than {rules.days_off_per_week} whole days off")
    run = agent.worked_days_before
    for day in week:
        run = run + 1 if day in set(days) else 0
        if run > rules.max_consecutive_days:
            out.append(f"{day}: more than {rules.max_consecutive_days} consecutive working days")
            break
    for pin in problem.pins:
        if pin.agent_id != agent.id:
            continue
        on_day = [s for s in shifts if s.day == pin.day]
        if pin.start_minute is None and on_day:
            out.append(f"{pin.day}: pinned off but works")
        elif pin.start_minute is not None and not any(
            s.start.hour * 60 + s.start.minute == pin.start_minute
            and pin.work_minutes in (None, s.work_minutes)
            for s in on_day
        ):
            out.append(f"{pin.day}: pinned shift not kept")
    return out


def _break(s: Shift, tpl, where: str) -> list[str]:
    """A shift longer than the longest work block needs one break of the set length inside it,
    with no work block longer than allowed."""
    longest = tpl.max_work_before_break_minutes
    span = (s.end - s.start).total_seconds() / 60
    if s.break_start is None or s.break_end is None:
        ok = s.work_minutes <= longest and span == s.work_minutes
        return [] if ok else [f"{where}: missing break"]
    before = (s.break_start - s.start).total_seconds() / 60
    length = (s.break_end - s.break_start).total_seconds() / 60
    after = (s.end - s.break_end).total_seconds() / 60
    if (
        length < tpl.break_minutes
        or before > longest
        or after > longest
        or before < tpl.min_work_before_break_minutes
        or before + after != s.work_minutes
    ):
        return [f"{where}: break {s.break_start:%H:%M}-{s.break_end:%H:%M} breaks the rule"]
    return []
