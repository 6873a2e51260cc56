"""Roster inputs: requirements, agents, shift templates, labour rules and pins, validated once.

Every error names the file, the row (line number, header = line 1) and the field.

Agents file (CSV, header required; optional columns may be left out or empty):

- ``id``: unique agent id; ``name``: display name.
- ``groups``: staffing groups the agent can cover, ``;``-separated (e.g. ``voice-id;digital``).
- ``contract``: ``5x8`` (5 days of 8 h: 40 h), ``6x7`` (the Indonesian 6-day week of at most
  7 h a day and 40 h: five 7 h days and one 5 h day), ``full-time`` (either of the two, the model
  chooses) or ``part-time:H`` (exactly H hours a week, at most 8 h a day, any number of days).
- ``unavailable`` (optional): ``;``-separated local dates ``2026-12-01`` (whole day), ranges
  ``2026-12-01T13:00/2026-12-01T17:00``, or weekly times: ``tue`` (every Tuesday),
  ``tue 00:00-10:00``, ``tue before 10:00`` (not before 10:00 on Tuesdays), ``fri after 18:00``;
  no shift may overlap them.
- ``languages`` (optional): ``;``-separated languages the agent speaks, first = the language of
  the agent's calendar (``id;en``); when empty, the first language of the agent's groups, else the
  centre's default language.
- ``leave`` (optional): paid leave, ``;``-separated local dates, each a whole day with no shift
  that counts toward the contract: ``2026-12-01`` credits one shift of the contract's longest
  length (8 h in 5x8, 7 h in 6x7), ``2026-12-01=5`` that many hours (for fixed contracts one of
  their shift lengths; part-time leave must give its hours). Days outside the week are ignored.
  Unpaid time off is ``unavailable``.
- ``preferred_days_off`` (optional): ``;``-separated weekdays (``sat;sun``); a soft wish.
- ``worked_days_before`` (optional): consecutive days worked right before the week (for the
  maximum-consecutive-days rule across weeks; 0 when empty).
- ``last_shift_end`` (optional): local end of the last shift of the previous week
  (``2026-11-29T21:00``), for the minimum-rest rule across weeks.

Pins file (CSV): ``agent``, ``date``, ``start`` (``HH:MM`` or ``off``) and optional ``hours``
(work hours of the pinned shift; any allowed length when empty).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from vero.kernel.calendar import WEEKDAYS
from vero.kernel.errors import VeroError
from vero.kernel.files import csv_rows, interval_fields, read_yaml

REQUIREMENT_COLUMNS = ("interval_start", "interval_minutes", "group", "required_agents")
AGENT_COLUMNS = ("id", "name", "groups", "contract")
PIN_COLUMNS = ("agent", "date", "start")
PART_TIME_DAY = 480  # longest work day (minutes) of a part-time agent, and of a leave day


@dataclass(frozen=True)
class Contract:
    """Weekly work minutes and the allowed week patterns, each a tuple of (shift work minutes,
    number of such shifts). No pattern (part-time): any shifts up to 8 h summing to the hours.

    Fixed patterns are counts rather than an hours sum because counting constraints are easy for
    the solver, while an exact hours sum over mixed lengths is a knapsack it struggles with."""

    text: str
    weekly_minutes: int
    patterns: tuple[tuple[tuple[int, int], ...], ...] = ()

    @property
    def lengths(self) -> frozenset[int] | None:
        """Work minutes a shift may have; None: any up to 8 h."""
        if not self.patterns:
            return None
        return frozenset(length for pattern in self.patterns for length, _ in pattern)

    def days(self) -> tuple[int, ...]:
        """Working days of each pattern (empty for part-time)."""
        return tuple(sum(count for _, count in pattern) for pattern in self.patterns)


@dataclass(frozen=True)
class Agent:
    id: str
    name: str
    groups: tuple[str, ...]
    contract: Contract
    unavailable: tuple[tuple[dt.datetime, dt.datetime], ...] = ()
    # every week: (weekday, from minute, to minute), Monday = 0; build_problem dates them
    weekly_unavailable: tuple[tuple[int, int, int], ...] = ()
    languages: tuple[str, ...] = ()  # as written in the agents file; checked by build_problem
    leave: tuple[tuple[dt.date, int | None], ...] = ()  # as written: day, paid minutes or None
    paid_leave: tuple[tuple[dt.date, int | None], ...] = ()  # this week's, in the contract now
    preferred_days_off: frozenset[int] = frozenset()  # weekday numbers, Monday = 0
    worked_days_before: int = 0
    last_shift_end: dt.datetime | None = None


@dataclass(frozen=True)
class Requirements:
    """Required agents per interval start (aware, centre-local) and staffing group."""

    interval_minutes: int
    required: dict[tuple[dt.datetime, str], float]


@dataclass(frozen=True)
class Pin:
    agent_id: str
    day: dt.date
    start_minute: int | None  # minute of the day; None pins a day off
    work_minutes: int | None = None
    line: int = 0


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StartRange(_Strict):
    start: str = Field(alias="from")
    to: str
    every: int = Field(default=30, gt=0)


class ShiftTemplates(_Strict):
    """Allowed shift starts and work lengths, and the break rule (breaks are unpaid).

    A shift with more than ``max_work_before_break_minutes`` of work gets one break of
    ``break_minutes``, placed by the model so that neither work block exceeds that maximum and the
    first one lasts at least ``min_work_before_break_minutes``.
    """

    starts: tuple[str, ...] | StartRange = StartRange.model_validate(
        {"from": "07:00", "to": "16:00", "every": 30}
    )
    work_hours: tuple[float, ...] = (4, 5, 6, 7, 8)
    break_minutes: int = Field(default=30, ge=30)
    max_work_before_break_minutes: int = Field(default=240, gt=0, le=240)
    min_work_before_break_minutes: int = Field(default=60, gt=0)

    @field_validator("work_hours")
    @classmethod
    def _lengths(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if not value or any(h <= 0 or h > 8 for h in value):
            raise ValueError("work hours must be in (0, 8]")
        return tuple(sorted(set(value)))

    def start_minutes(self) -> tuple[int, ...]:
        if isinstance(self.starts, StartRange):
            first, last = parse_hhmm(self.starts.start), parse_hhmm(self.starts.to)
            return tuple(range(first, last + 1, self.starts.every))
        return tuple(sorted({parse_hhmm(s) for s in self.starts}))

    def work_minutes(self) -> tuple[int, ...]:
        return tuple(round(h * 60) for h in self.work_hours)


class Weights(_Strict):
    under: float = Field(default=100, ge=0)  # per missing agent-interval
    over: float = Field(default=1, ge=0)  # per surplus agent-interval
    fairness: float = Field(default=5, ge=0)  # per weekend / late shift above fair share
    preference: float = Field(default=2, ge=0)  # per shift on a preferred day off


class Rules(_Strict):
    """Labour rules (hard) and objective weights (soft)."""

    days_off_per_week: int = Field(default=1, ge=0, le=7)
    max_consecutive_days: int = Field(default=6, ge=1, le=7)
    min_rest_hours: float = Field(default=11, ge=0, le=24)
    late_shift_end: str = "19:00"  # a shift ending after this (or after midnight) is late
    weights: Weights = Weights()

    @field_validator("late_shift_end")
    @classmethod
    def _late(cls, value: str) -> str:
        parse_hhmm(value)
        return value


def parse_hhmm(text: str) -> int:
    """Minutes since midnight of a HH:MM time (24:00 allowed as the end of a day)."""
    try:
        hours, minutes = text.strip().split(":")
        value = int(hours) * 60 + int(minutes)
    except (ValueError, AttributeError) as exc:
        raise ValueError(f"{text!r} is not a HH:MM time") from exc
    if not 0 <= value <= 24 * 60 or not 0 <= int(minutes) < 60:
        raise ValueError(f"{text!r} is not a time of day")
    return value


def parse_contract(text: str) -> Contract:
    value = text.strip().lower()
    five, six = ((480, 5),), ((420, 5), (300, 1))
    if value == "5x8":
        return Contract(value, 2400, (five,))
    if value == "6x7":
        return Contract(value, 2400, (six,))
    if value == "full-time":
        return Contract(value, 2400, (five, six))
    if value.startswith("part-time:"):
        try:
            hours = float(value.split(":", 1)[1])
        except ValueError:
            hours = -1.0
        if not 0 < hours < 40 or hours * 60 != round(hours * 60):
            raise ValueError(f"part-time hours must be between 0 and 40, got {text!r}")
        return Contract(value, round(hours * 60))
    raise ValueError(f"unknown contract {text!r}; use 5x8, 6x7, full-time or part-time:H")


def less_leave(contract: Contract, paid: list[int | None]) -> Contract:
    """The contract left to work after paid leave days (minutes each; None: one shift of the
    pattern's longest length). A fixed pattern loses one shift per leave day, and a pattern
    without a shift of the leave's length is dropped; part-time loses the hours."""
    if not paid:
        return contract
    if not contract.patterns:
        if None in paid:
            raise ValueError("part-time leave needs its paid hours, e.g. 2026-12-01=4")
        credit = sum(m for m in paid if m is not None)
        if credit > contract.weekly_minutes:
            raise ValueError(f"{credit / 60:g} h of leave exceed contract {contract.text}")
        text = f"{contract.text} less {credit / 60:g} h leave"
        return Contract(text, contract.weekly_minutes - credit)
    kept: list[tuple[tuple[int, int], ...]] = []
    credits = []
    for pattern in contract.patterns:
        counts = dict(pattern)
        credit = 0
        for minutes in paid:
            length = (
                max((m for m, c in counts.items() if c), default=0) if minutes is None else minutes
            )
            if not counts.get(length):
                break
            counts[length] -= 1
            credit += length
        else:
            kept.append(tuple((m, c) for m, c in sorted(counts.items()) if c))
            credits.append(credit)
    if not kept:
        raise ValueError(
            f"{len(paid)} leave day(s) do not fit contract {contract.text} (too many, or hours "
            "that are none of its shift lengths)"
        )
    text = f"{contract.text} less {len(paid)} leave day(s)"
    return Contract(text, contract.weekly_minutes - credits[0], tuple(kept))


def _read_mapping(path: Path) -> dict[str, Any]:
    raw = read_yaml(path)
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise VeroError("must be a mapping", source=str(path))
    return raw


def _validate(model: type[BaseModel], raw: dict[str, Any], source: str) -> Any:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or None
        raise VeroError(
            first["msg"].removeprefix("Value error, "), source=source, field=field
        ) from exc


def load_templates(path: str | Path | None) -> ShiftTemplates:
    """Shift templates from YAML, or the built-in default (07:00-16:00 every 30 min, 4-8 h)."""
    if path is None:
        return ShiftTemplates()
    return _validate(ShiftTemplates, _read_mapping(Path(path)), str(path))


def load_rules(path: str | Path | None) -> Rules:
    if path is None:
        return Rules()
    return _validate(Rules, _read_mapping(Path(path)), str(path))


def load_requirements(path: str | Path, groups: tuple[str, ...], tz: dt.tzinfo) -> Requirements:
    """The `vero staff` CSV: `required_agents` per `interval_start` and `group`."""
    source = Path(path)
    required: dict[tuple[dt.datetime, str], float] = {}
    minutes: int | None = None
    for line, row in csv_rows(source, REQUIREMENT_COLUMNS):

        def fail(message: str, field: str, line: int = line) -> VeroError:
            return VeroError(message, source=str(source), line=line, field=field)

        start, length = interval_fields(row, source, line)
        if minutes is not None and length != minutes:
            raise fail(f"{length} differs from {minutes} on earlier rows", "interval_minutes")
        minutes = length
        if row["group"] not in groups:
            raise fail(
                f"unknown group {row['group']!r}; the centre has {', '.join(groups)}", "group"
            )
        try:
            value = float(row["required_agents"])
        except ValueError as exc:
            raise fail("not a number", "required_agents") from exc
        if not math.isfinite(value) or value < 0:
            raise fail(f"must be a finite number >= 0, got {value}", "required_agents")
        key = (start.astimezone(tz), row["group"])
        if key in required:
            raise fail("duplicate interval and group", "interval_start")
        required[key] = value
    if minutes is None:
        raise VeroError("no rows", source=str(source))
    return Requirements(minutes, required)


def _parse_local(text: str, tz: dt.tzinfo) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text)
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment.astimezone(tz)


def _unavailable(
    text: str, tz: dt.tzinfo
) -> tuple[tuple[tuple[dt.datetime, dt.datetime], ...], tuple[tuple[int, int, int], ...]]:
    """Dated ranges, and weekly times (weekday, from minute, to minute)."""
    ranges, weekly = [], []
    for item in filter(None, (part.strip() for part in text.split(";"))):
        if item[:3].lower() in WEEKDAYS:
            weekly.append(_weekly(item))
            continue
        if "/" in item:
            first, last = (_parse_local(part, tz) for part in item.split("/", 1))
        else:
            day = dt.date.fromisoformat(item)
            first = dt.datetime.combine(day, dt.time(0), tz)
            last = first + dt.timedelta(days=1)
        if last <= first:
            raise ValueError(f"range {item!r} ends before it starts")
        ranges.append((first, last))
    return tuple(sorted(ranges)), tuple(sorted(weekly))


def _weekly(item: str) -> tuple[int, int, int]:
    """`tue`, `tue 00:00-10:00`, `tue before 10:00` or `tue after 18:00`."""
    day, _, rest = item.lower().partition(" ")
    rest = rest.strip()
    if not rest:
        first, last = 0, 24 * 60
    elif rest.startswith("before "):
        first, last = 0, parse_hhmm(rest.removeprefix("before "))
    elif rest.startswith("after "):
        first, last = parse_hhmm(rest.removeprefix("after ")), 24 * 60
    elif "-" in rest:
        first, last = (parse_hhmm(part) for part in rest.split("-", 1))
    else:
        raise ValueError(
            f"{item!r}: use 'tue', 'tue 00:00-10:00', 'tue before 10:00' or 'tue after 18:00'"
        )
    if last <= first:
        raise ValueError(f"{item!r} ends before it starts")
    return WEEKDAYS.index(day[:3]), first, last


def _leave(text: str) -> tuple[tuple[dt.date, int | None], ...]:
    days: dict[dt.date, int | None] = {}
    for item in filter(None, (part.strip() for part in text.split(";"))):
        day_text, sep, hours = item.partition("=")
        day = dt.date.fromisoformat(day_text.strip())
        if day in days:
            raise ValueError(f"{day} is given twice")
        minutes = round(float(hours) * 60) if sep else None
        if minutes is not None and not 0 < minutes <= PART_TIME_DAY:
            raise ValueError(f"{item!r}: leave hours must be in (0, 8]")
        days[day] = minutes
    return tuple(sorted(days.items()))


def load_agents(path: str | Path, groups: tuple[str, ...], tz: dt.tzinfo) -> tuple[Agent, ...]:
    """The agents file described in this module's docstring, sorted by id."""
    source = Path(path)
    agents: dict[str, Agent] = {}
    for line, row in csv_rows(source, AGENT_COLUMNS):
        field = "id"
        try:
            if not row["id"]:
                raise ValueError("empty id")
            if row["id"] in agents:
                raise ValueError(f"duplicate id {row['id']!r}")
            field = "groups"
            agent_groups = tuple(sorted({g.strip() for g in row["groups"].split(";") if g}))
            unknown = [g for g in agent_groups if g not in groups]
            if not agent_groups or unknown:
                raise ValueError(
                    f"unknown or missing group(s) {', '.join(unknown) or '-'}; "
                    f"the centre has {', '.join(groups)}"
                )
            field = "contract"
            contract = parse_contract(row["contract"])
            field = "unavailable"
            unavailable, weekly = _unavailable(row.get("unavailable", ""), tz)
            spoken = tuple(p.strip() for p in row.get("languages", "").split(";") if p.strip())
            field = "leave"
            leave = _leave(row.get("leave", ""))
            field = "preferred_days_off"
            wishes = [d.strip().lower()[:3] for d in row.get("preferred_days_off", "").split(";")]
            bad = [d for d in wishes if d and d not in WEEKDAYS]
            if bad:
                raise ValueError(f"unknown weekday(s) {', '.join(bad)}; use {', '.join(WEEKDAYS)}")
            field = "worked_days_before"
            before = int(row.get("worked_days_before") or 0)
            if not 0 <= before <= 31:
                raise ValueError("must be between 0 and 31")
            field = "last_shift_end"
            last_end = row.get("last_shift_end", "")
        except ValueError as exc:
            raise VeroError(str(exc), source=str(source), line=line, field=field) from exc
        try:
            last = _parse_local(last_end, tz) if last_end else None
        except ValueError as exc:
            raise VeroError(
                f"{last_end!r} is not an ISO 8601 time",
                source=str(source),
                line=line,
                field="last_shift_end",
            ) from exc
        agents[row["id"]] = Agent(
            id=row["id"],
            name=row["name"] or row["id"],
            groups=agent_groups,
            contract=contract,
            unavailable=unavailable,
            weekly_unavailable=weekly,
            languages=spoken,
            leave=leave,
            preferred_days_off=frozenset(WEEKDAYS.index(d) for d in wishes if d),
            worked_days_before=before,
            last_shift_end=last,
        )
    if not agents:
        raise VeroError("no agents", source=str(source))
    return tuple(agents[key] for key in sorted(agents))


def load_pins(path: str | Path, agent_ids: set[str]) -> tuple[Pin, ...]:
    """Supervisor edits: one fixed shift start (or day off) per agent and date."""
    source = Path(path)
    pins: dict[tuple[str, dt.date], Pin] = {}
    for line, row in csv_rows(source, PIN_COLUMNS, allow_empty=True):
        field = "agent"
        try:
            if row["agent"] not in agent_ids:
                raise ValueError(f"unknown agent {row['agent']!r}")
            field = "date"
            day = dt.date.fromisoformat(row["date"])
            if (row["agent"], day) in pins:
                raise ValueError("a second pin for this agent and date")
            field = "start"
            start = None if row["start"].lower() == "off" else parse_hhmm(row["start"])
            field = "hours"
            hours = row.get("hours", "")
            work = round(float(hours) * 60) if hours else None
            if start is None and work is not None:
                raise ValueError("a day off has no hours")
        except ValueError as exc:
            raise VeroError(str(exc), source=str(source), line=line, field=field) from exc
        pins[(row["agent"], day)] = Pin(row["agent"], day, start, work, line)
    return tuple(pins[key] for key in sorted(pins))
