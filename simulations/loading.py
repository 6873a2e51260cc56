"""Files → the twin's plain data: a forecast CSV into demand, a roster CSV (with an optional
agents file) or a `vero staff` table into shifts and agent profiles.

Simulation time 0 is local midnight of the forecast's first day, so a roster's wall-clock shifts
and the forecast's intervals meet on one clock. Every bad row raises a VeroError with the file,
the line (header = line 1) and the field.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from simulations.arrivals import Series
from simulations.staff import Profile, Shift, group_profile, shifts_from_staffing
from vero.kernel.centre import Centre
from vero.kernel.errors import VeroError
from vero.kernel.files import csv_rows
from wfm.commands import read_forecast

ROSTER_COLUMNS = ("agent", "date", "shift_start", "shift_end", "break_start", "break_end", "group")
STAFFING_COLUMNS = ("interval_start", "interval_minutes", "group", "required_net")


@dataclass(frozen=True)
class Forecast:
    """Validated forecast rows (columns of `wfm.commands.read_forecast`, times centre-local)
    and the simulation's time origin."""

    rows: pd.DataFrame
    origin: dt.datetime

    @property
    def days(self) -> list[dt.date]:
        return sorted({t.date() for t in self.rows["interval_start"]})

    @property
    def end_seconds(self) -> float:
        """Midnight after the last forecast day: where a run stops."""
        return (self.days[-1] - self.origin.date()).days * 86400.0 + 86400.0


@dataclass(frozen=True)
class Staff:
    """Who works when (shifts) and what each agent can do (profiles, by agent id)."""

    shifts: tuple[Shift, ...]
    profiles: dict[str, Profile]


def load_forecast(path: Path, centre: Centre) -> Forecast:
    """The forecast CSV of `vero forecast`; queues must exist in the centre."""
    rows = read_forecast(path, centre)
    unknown = ~rows["queue"].isin(list(centre.queues))
    if unknown.any():
        first = int(unknown.to_numpy().argmax())
        raise VeroError(
            f"unknown queue {rows['queue'].iloc[first]!r}; the centre has "
            f"{', '.join(centre.queues)}",
            source=str(path),
            line=first + 2,
            field="queue",
        )
    first_day = min(t.date() for t in rows["interval_start"])
    origin = dt.datetime.combine(first_day, dt.time(0), centre.tz)
    return Forecast(rows, origin)


def demand(forecast: Forecast, rows: pd.DataFrame | None = None) -> list[Series]:
    """Forecast rows (by default all) as the twin's demand series, in seconds from the origin."""
    rows = forecast.rows if rows is None else rows
    return [
        Series(
            (start - forecast.origin).total_seconds(),
            minutes * 60.0,
            channel,
            queue,
            language,
            float(volume),
            float(aht),
        )
        for start, minutes, channel, queue, language, volume, aht in zip(
            rows["interval_start"],
            rows["interval_minutes"],
            rows["channel"],
            rows["queue"],
            rows["language"],
            rows["volume"],
            rows["aht_seconds"],
            strict=True,
        )
    ]


def _check_group(centre: Centre, group: str) -> str:
    if group not in centre.staffing_groups:
        raise ValueError(
            f"unknown group {group!r}; the centre has {', '.join(centre.staffing_groups)}"
        )
    return group


def _hhmm(text: str) -> dt.time:
    try:
        return dt.time.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a HH:MM time") from exc


def load_staffing(path: Path, centre: Centre, forecast: Forecast) -> Staff:
    """A `vero staff` table: `required_net` (on-seat agents, rounded up) per interval and group,
    turned into shifts. On-seat rather than rostered agents, because shrinkage is time off the
    phones that the twin does not simulate."""
    rows: list[tuple[float, float, str, int]] = []
    for line, row in csv_rows(path, STAFFING_COLUMNS):
        field = "interval_start"
        try:
            start = dt.datetime.fromisoformat(row["interval_start"])
            if start.tzinfo is None:
                raise ValueError("needs a UTC offset (e.g. +07:00)")
            offset = (start - forecast.origin).total_seconds()
            if offset < 0:
                raise ValueError(
                    f"{row['interval_start']} is before the forecast starts "
                    f"({forecast.origin.date()})"
                )
            field = "interval_minutes"
            minutes = int(row["interval_minutes"])
            if minutes <= 0:
                raise ValueError("must be > 0")
            field = "group"
            group = _check_group(centre, row["group"])
            field = "required_net"
            net = float(row["required_net"])
            if not math.isfinite(net) or net < 0:
                raise ValueError(f"must be a finite number >= 0, got {row['required_net']!r}")
        except ValueError as exc:
            raise VeroError(str(exc), source=str(path), line=line, field=field) from exc
        rows.append((offset, minutes * 60.0, group, math.ceil(net)))
    shifts = shifts_from_staffing(rows)
    return Staff(tuple(shifts), {s.agent: group_profile(centre, s.group) for s in shifts})


def _segments(
    text: str, day: dt.date, start: dt.datetime, tz: dt.tzinfo
) -> list[tuple[dt.datetime | None, dt.datetime | None, str]]:
    """The roster's group cell: one group, or 'group HH:MM-HH:MM; ...' segments when the agent
    switches groups within the shift (None bounds: the whole shift)."""
    if ";" not in text and " " not in text:
        return [(None, None, text)]
    parts: list[tuple[dt.datetime | None, dt.datetime | None, str]] = []
    for item in filter(None, (p.strip() for p in text.split(";"))):
        name, _, span = item.rpartition(" ")
        first, sep, last = span.partition("-")
        if not name or not sep:
            raise ValueError(f"{item!r} is not 'group HH:MM-HH:MM'")
        a = _after(dt.datetime.combine(day, _hhmm(first), tz), start)
        parts.append((a, _after(dt.datetime.combine(day, _hhmm(last), tz), a), name))
    return parts


def _after(moment: dt.datetime, reference: dt.datetime) -> dt.datetime:
    """A wall-clock time of the shift's day, moved to the next day if it falls before
    `reference` (shifts crossing midnight)."""
    return moment + dt.timedelta(days=1) if moment < reference else moment


def _agents_file(path: Path, centre: Centre) -> dict[str, tuple[list[str], str, str, int]]:
    """Agent id → (groups, skills cell, languages cell, line) from an agents CSV: the
    scheduler's file (id, groups, ...) with optional `skills` ('product:3;general:2') and
    `languages` ('id;en') columns that override what the groups imply."""
    agents: dict[str, tuple[list[str], str, str, int]] = {}
    for line, row in csv_rows(path, ("id",)):
        field = "id"
        try:
            if not row["id"] or row["id"] in agents:
                raise ValueError(f"empty or duplicate id {row['id']!r}")
            field = "groups"
            groups = [
                _check_group(centre, g.strip())
                for g in row.get("groups", "").split(";")
                if g.strip()
            ]
            field = "skills"
            skills = row.get("skills", "")
            _skills(skills, centre)
            field = "languages"
            languages = row.get("languages", "")
            _languages(languages, centre)
        except ValueError as exc:
            raise VeroError(str(exc), source=str(path), line=line, field=field) from exc
        agents[row["id"]] = (groups, skills, languages, line)
    return agents


def _skills(text: str, centre: Centre) -> dict[str, int]:
    skills = {}
    for item in filter(None, (p.strip() for p in text.split(";"))):
        name, sep, level = item.partition(":")
        if name not in centre.skills:
            raise ValueError(f"unknown skill {name!r}; the centre has {', '.join(centre.skills)}")
        if not sep or not level.strip().isdigit() or not 1 <= int(level) <= 5:
            raise ValueError(f"{item!r}: give 'skill:level' with a level from 1 to 5")
        skills[name] = int(level)
    return skills


def _languages(text: str, centre: Centre) -> tuple[str, ...]:
    languages = tuple(p.strip() for p in text.split(";") if p.strip())
    unknown = [lang for lang in languages if lang not in centre.languages]
    if unknown:
        raise ValueError(
            f"unknown language(s) {', '.join(unknown)}; the centre has "
            f"{', '.join(centre.languages)}"
        )
    return languages


def merged_profile(
    centre: Centre, groups: list[str], skills: str = "", languages: str = ""
) -> Profile:
    """What an agent of these groups can do (the best of each group's profile), with skills and
    languages replaced by the agents file's cells when given."""
    level: dict[str, int] = {}
    spoken: list[str] = []
    capacity: dict[str, int] = {}
    for group in groups:
        profile = group_profile(centre, group)
        for skill, value in profile.skills.items():
            level[skill] = max(level.get(skill, 0), value)
        spoken += [lang for lang in profile.languages if lang not in spoken]
        capacity.update(profile.capacity)
    return Profile(
        _skills(skills, centre) if skills else level,
        _languages(languages, centre) if languages else tuple(spoken),
        capacity,
    )


def load_roster(
    path: Path, centre: Centre, forecast: Forecast, agents_path: Path | None = None
) -> Staff:
    """A `vero roster` CSV (agent, date, shift_start, shift_end, break_start, break_end, group;
    times HH:MM local, an end before its start is the next day). An agent switching groups works
    one shift per group segment. Profiles come from the agents file when given (every rostered
    agent must be in it), otherwise from the groups the agent is rostered in."""
    known = _agents_file(agents_path, centre) if agents_path is not None else None
    shifts: list[Shift] = []
    rostered: dict[str, list[str]] = {}
    for line, row in csv_rows(path, ROSTER_COLUMNS):
        field = "agent"
        try:
            agent = row["agent"]
            if not agent:
                raise ValueError("empty agent id")
            if known is not None and agent not in known:
                raise ValueError(f"agent {agent!r} is not in the agents file {agents_path}")
            field = "date"
            day = dt.date.fromisoformat(row["date"])
            if day < forecast.origin.date():
                raise ValueError(f"{day} is before the forecast starts ({forecast.origin.date()})")
            field = "shift_start"
            start = dt.datetime.combine(day, _hhmm(row["shift_start"]), centre.tz)
            field = "shift_end"
            end = _after(dt.datetime.combine(day, _hhmm(row["shift_end"]), centre.tz), start)
            if end == start:
                raise ValueError("the shift has no length")
            field = "break_start"
            pause = None
            if row["break_start"] or row["break_end"]:
                pause_start = _after(
                    dt.datetime.combine(day, _hhmm(row["break_start"]), centre.tz), start
                )
                field = "break_end"
                pause_end = _after(
                    dt.datetime.combine(day, _hhmm(row["break_end"]), centre.tz), pause_start
                )
                if pause_end > end:
                    raise ValueError("the break ends after the shift")
                pause = (pause_start, pause_end)
            field = "group"
            segments = _segments(row["group"], day, start, centre.tz)
            for _, _, group in segments:
                _check_group(centre, group)
        except ValueError as exc:
            raise VeroError(str(exc), source=str(path), line=line, field=field) from exc

        def seconds(moment: dt.datetime) -> float:
            return (moment - forecast.origin).total_seconds()

        if len(segments) == 1:
            group = segments[0][2]
            shifts.append(
                Shift(
                    agent,
                    group,
                    seconds(start),
                    seconds(end),
                    *((seconds(pause[0]), seconds(pause[1])) if pause else ()),
                )
            )
        else:
            shifts += [
                Shift(agent, group, seconds(a or start), seconds(b or end))
                for a, b, group in segments
            ]  # None bounds: the whole shift
        groups = rostered.setdefault(agent, [])
        groups += [g for _, _, g in segments if g not in groups]
    profiles = {}
    for agent, groups in rostered.items():
        if known is None:
            profiles[agent] = merged_profile(centre, groups)
        else:
            own, skills, languages, _ = known[agent]
            profiles[agent] = merged_profile(centre, own or groups, skills, languages)
    return Staff(tuple(shifts), profiles)
