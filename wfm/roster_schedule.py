"""A roster run's files read back as what adherence compares against: each agent's scheduled
activities per local day (the roster CSV of `vero roster`: shift, break, or no row = a day off)
and each group's required agents per interval (the requirements CSV of `vero staff`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from vero.kernel.errors import VeroError
from vero.kernel.files import csv_rows, interval_fields
from wfm.adherence import Activity, shift

ROSTER_COLUMNS = ("agent", "name", "date", "shift_start", "shift_end", "break_start", "break_end")
REQUIRED_COLUMNS = ("interval_start", "interval_minutes", "group", "required_agents")


@dataclass(frozen=True)
class Scheduled:
    """One agent's day: no activities is a day off."""

    agent: str
    name: str
    group: str
    activities: tuple[Activity, ...]


def read_roster(path: Path, tz: dt.tzinfo) -> dict[dt.date, dict[str, Scheduled]]:
    """Per day of the roster's week, every agent it names: their shift or their day off."""
    source = str(path)
    shifts: dict[tuple[str, dt.date], Scheduled] = {}
    names: dict[str, tuple[str, str]] = {}
    for line, row in csv_rows(path, ROSTER_COLUMNS):

        def moment(field: str, day: dt.date, line: int = line, row: dict = row) -> dt.datetime:
            try:
                clock = dt.time.fromisoformat(row[field])
            except ValueError as exc:
                raise VeroError(
                    f"{row[field]!r} is not HH:MM", source=source, line=line, field=field
                ) from exc
            return dt.datetime.combine(day, clock, tz)

        try:
            day = dt.date.fromisoformat(row["date"])
        except ValueError as exc:
            raise VeroError(
                f"{row['date']!r} is not YYYY-MM-DD", source=source, line=line, field="date"
            ) from exc
        start, end = moment("shift_start", day), moment("shift_end", day)
        if end <= start:  # past midnight
            end += dt.timedelta(days=1)
        pause: tuple[float | None, float | None] = (None, None)
        if row["break_start"] and row["break_end"]:
            b0, b1 = moment("break_start", day), moment("break_end", day)
            b0 += dt.timedelta(days=b0 < start)
            b1 += dt.timedelta(days=b1 < start)
            pause = (b0.timestamp(), b1.timestamp())
        group = row.get("group", "")
        names[row["agent"]] = (row["name"], group)
        shifts[(row["agent"], day)] = Scheduled(
            row["agent"], row["name"], group, shift(start.timestamp(), end.timestamp(), *pause)
        )
    first = min(day for _, day in shifts)
    ends = max(a.end for s in shifts.values() for a in s.activities) - 1  # the last second
    last = dt.datetime.fromtimestamp(ends, tz).date()  # a last night shift's morning too
    week = [first + dt.timedelta(days=k) for k in range((last - first).days + 1)]
    result: dict[dt.date, dict[str, Scheduled]] = {}
    for day in week:
        midnight = dt.datetime.combine(day, dt.time(), tz).timestamp()
        result[day] = {}
        for agent, (name, group) in sorted(names.items()):
            before = shifts.get((agent, day - dt.timedelta(days=1)))
            spill = tuple(a for a in (before.activities if before else ()) if a.end > midnight)
            own = shifts.get((agent, day))
            result[day][agent] = Scheduled(
                agent, name, group, spill + (own.activities if own else ())
            )  # a night shift's hours after midnight belong to that day too
    return result


def read_required(path: Path) -> tuple[int, dict[dt.date, dict[str, dict[str, float]]]]:
    """Interval minutes and, per local day (the file's own offsets), each group's required
    agents per interval start 'HH:MM'."""
    minutes = 0
    days: dict[dt.date, dict[str, dict[str, float]]] = {}
    for line, row in csv_rows(path, REQUIRED_COLUMNS):
        start, minutes = interval_fields(row, path, line)
        try:
            value = float(row["required_agents"])
        except ValueError as exc:
            raise VeroError(
                f"{row['required_agents']!r} is not a number",
                source=str(path),
                line=line,
                field="required_agents",
            ) from exc
        slot = days.setdefault(start.date(), {}).setdefault(row["group"], {})
        slot[f"{start:%H:%M}"] = slot.get(f"{start:%H:%M}", 0.0) + value
    return minutes, days
