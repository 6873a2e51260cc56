"""The week's planning problem as plain data: slot grid, shifts, agents, requirements, rules, pins.

Time is counted in slots (the requirement interval) from the local midnight that starts the week.
A shift *belongs to the day it starts*: one shift per agent and day, working days, consecutive
days, contract days and pins all use that day. A shift crossing midnight *counts on the next day*
as well: its hours after midnight are covered on (and must lie inside the opening hours of) the
next calendar day, minimum rest is measured from its real end on that day, and that next day is
not a day off (a day off is a whole calendar day without work).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

from vero.kernel.centre import Centre
from vero.kernel.errors import VeroError
from wfm.scheduler.inputs import Agent, Pin, Requirements, Rules, ShiftTemplates, less_leave
from wfm.scheduler.templates import ShiftOption, shift_options

DAYS = 7


@dataclass(frozen=True)
class Problem:
    week_start: dt.date
    tz: dt.tzinfo
    slot_minutes: int
    groups: tuple[str, ...]
    open_slots: frozenset[int]
    options: tuple[ShiftOption, ...]
    agents: tuple[Agent, ...]
    required: dict[tuple[int, str], float]  # (slot, group) -> agents required
    templates: ShiftTemplates
    rules: Rules
    pins: tuple[Pin, ...] = ()
    languages: dict[str, str] = field(default_factory=dict)  # agent id -> calendar language

    @property
    def slots_per_day(self) -> int:
        return 24 * 60 // self.slot_minutes

    @property
    def origin(self) -> dt.datetime:
        return dt.datetime.combine(self.week_start, dt.time(0), self.tz)

    def time(self, slot: int) -> dt.datetime:
        return self.origin + dt.timedelta(minutes=slot * self.slot_minutes)

    def minutes(self, moment: dt.datetime) -> float:
        """Minutes from the week's origin to an aware moment (negative before the week)."""
        return (moment - self.origin).total_seconds() / 60

    def date(self, day: int) -> dt.date:
        return self.week_start + dt.timedelta(days=day)


def calendar_language(centre: Centre, agent: Agent) -> str:
    """The language an agent's calendar is written in: the first the agents file names, else the
    first language of the agent's staffing groups, else the centre's default."""
    unknown = [lang for lang in agent.languages if lang not in centre.languages]
    if unknown:
        raise VeroError(
            f"agent {agent.id}: unknown language(s) {', '.join(unknown)}; the centre has "
            f"{', '.join(centre.languages)}",
            source="agents",
            field="languages",
        )
    if agent.languages:
        return agent.languages[0]
    for group in agent.groups:
        spoken = centre.staffing_groups[group].languages
        if spoken:
            return spoken[0]
    return centre.default_language


def with_leave(agent: Agent, week_start: dt.date, tz: dt.tzinfo) -> Agent:
    """The agent for this week: each paid leave day in the week becomes a whole unavailable day
    and comes off the contract (so the model, the check and the diagnosis all honour it through
    the contract), and moves to `paid_leave` for the exports (so a second call changes nothing)."""
    week = tuple((day, paid) for day, paid in agent.leave if 0 <= (day - week_start).days < DAYS)
    try:
        contract = less_leave(agent.contract, [paid for _, paid in week])
    except ValueError as exc:
        raise VeroError(f"agent {agent.id}: {exc}", source="agents", field="leave") from exc
    midnights = [dt.datetime.combine(day, dt.time(0), tz) for day, _ in week]
    return dataclasses.replace(
        agent,
        contract=contract,
        unavailable=tuple(
            sorted((*agent.unavailable, *((m, m + dt.timedelta(days=1)) for m in midnights)))
        ),
        leave=(),
        paid_leave=(*agent.paid_leave, *week),
    )


def with_weekly(agent: Agent, week_start: dt.date, tz: dt.tzinfo) -> Agent:
    """The agent for this week: each weekly unavailable time becomes dated ranges on the week's
    days (and the eighth, where overnight shifts end), so every part honours it as
    unavailability; a second call changes nothing."""
    dated = []
    for offset in range(DAYS + 1):
        day = week_start + dt.timedelta(days=offset)
        midnight = dt.datetime.combine(day, dt.time(0), tz)
        for weekday, first, last in agent.weekly_unavailable:
            if day.weekday() == weekday:
                start = midnight + dt.timedelta(minutes=first)
                end = midnight + dt.timedelta(minutes=last)
                dated.append((start.astimezone(tz), end.astimezone(tz)))
    return dataclasses.replace(
        agent,
        unavailable=tuple(sorted((*agent.unavailable, *dated))),
        weekly_unavailable=(),
    )


def build_problem(
    centre: Centre,
    requirements: Requirements,
    agents: tuple[Agent, ...],
    templates: ShiftTemplates,
    rules: Rules,
    pins: tuple[Pin, ...] = (),
    week_start: dt.date | None = None,
) -> Problem:
    """Put the inputs on one slot grid; the week starts on the first requirement date by default."""
    slot = requirements.interval_minutes
    steps = [
        ("break_minutes", templates.break_minutes),
        ("max_work_before_break_minutes", templates.max_work_before_break_minutes),
        *(("starts", m) for m in templates.start_minutes()),
        *(("work_hours", m) for m in templates.work_minutes()),
    ]
    for name, minutes in steps:
        if minutes % slot:
            raise VeroError(
                f"{minutes} min is not a multiple of the {slot}-minute interval",
                source="shift templates",
                field=name,
            )
    tz = centre.tz
    if week_start is None:
        week_start = min(start for start, _ in requirements.required).astimezone(tz).date()
    origin = dt.datetime.combine(week_start, dt.time(0), tz)
    per_day = 24 * 60 // slot
    horizon = (DAYS + 1) * per_day  # the eighth day holds the tails of overnight shifts
    open_slots = frozenset(
        s for s in range(horizon) if centre.is_open(origin + dt.timedelta(minutes=s * slot))
    )
    required: dict[tuple[int, str], float] = {}
    for (start, group), value in sorted(requirements.required.items()):
        offset = (start - origin).total_seconds() / 60
        if 0 <= offset < DAYS * 24 * 60:
            if offset % slot:
                raise VeroError(
                    f"{start.isoformat()} is not on the {slot}-minute grid",
                    source="requirements",
                    field="interval_start",
                )
            required[(int(offset // slot), group)] = value
    if not required:
        raise VeroError(
            f"no requirement falls in the week starting {week_start}",
            source="requirements",
            field="interval_start",
        )
    end = week_start + dt.timedelta(days=DAYS)
    for pin in pins:
        if not week_start <= pin.day < end:
            raise VeroError(
                f"{pin.day} is outside the week {week_start}..{end}",
                source="pins",
                line=pin.line,
                field="date",
            )
    options = shift_options(templates, open_slots, slot, DAYS)
    agents = tuple(with_weekly(with_leave(a, week_start, tz), week_start, tz) for a in agents)
    return Problem(
        week_start,
        tz,
        slot,
        tuple(sorted(centre.staffing_groups)),
        open_slots,
        options,
        agents,
        required,
        templates,
        rules,
        pins,
        {agent.id: calendar_language(centre, agent) for agent in agents},
    )
