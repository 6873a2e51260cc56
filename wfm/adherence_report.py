"""Daily adherence and conformance per agent, per group and for the centre (wfm/adherence.py),
from the agent-state CSVs (VERO_DATA_DIR/agent_states, one per local day) and a roster: the rows
of `vero report --agent-states --roster` and of the KPI page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from pathlib import Path

from vero.kernel.errors import VeroError
from vero.kernel.files import csv_rows
from wfm.adherence import Day, Segment, evaluate, timeline
from wfm.kpi import ALL
from wfm.roster_schedule import Scheduled

STATE_COLUMNS = ("agent_id", "state", "started_at", "started_local")
COLUMNS = (
    "day",
    "group",
    "agent",
    "name",
    "scheduled_minutes",
    "in_adherence_minutes",
    "adherence",
    "scheduled_work_minutes",
    "worked_minutes",
    "conformance",
    "exceptions",
    "exception_minutes",
)


def load_states(source: Path, day: dt.date) -> list[dict[str, str]]:
    """A day's state-change rows from the agent_states folder (its day's files) or one CSV (the
    rows that start on that local day)."""
    if source.is_dir():
        files = sorted(source.glob(f"{day.isoformat()}*.csv"))
    elif source.is_file():
        files = [source]
    else:
        raise VeroError("no such file or folder", source=str(source))
    rows: list[dict[str, str]] = []
    for path in files:
        for line, row in csv_rows(path, STATE_COLUMNS, allow_empty=True):
            if not row["started_local"].startswith(day.isoformat()):
                continue
            try:
                dt.datetime.fromisoformat(row["started_at"])
            except ValueError as exc:
                raise VeroError(
                    f"{row['started_at']!r} is not an ISO 8601 time",
                    source=str(path),
                    line=line,
                    field="started_at",
                ) from exc
            rows.append(row)
    return rows


def adherence_rows(
    days: Iterable[dt.date],
    schedule_of: Callable[[dt.date], dict[str, Scheduled]],
    segments_of: Callable[[dt.date, float, float], dict[str, list[Segment]]],
    tz: dt.tzinfo,
) -> list[dict]:
    """Per day: one row per rostered agent, one per group and one for all ('all'); shares are
    rounded to 4 places, minutes to 1."""
    rows: list[dict] = []
    for day in days:
        start = dt.datetime.combine(day, dt.time(), tz).timestamp()
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tz).timestamp()
        schedules = schedule_of(day)
        if not schedules:
            continue
        segments = segments_of(day, start, end)
        totals: dict[str, list[Day]] = {}
        agent_rows = []
        for agent_id, plan in sorted(schedules.items()):
            figures = evaluate(plan.activities, segments.get(agent_id, []), start, end)
            if not plan.activities and not figures.exceptions:
                continue  # a day off, kept off
            agent_rows.append(_row(day, plan.group, agent_id, plan.name, [figures]))
            totals.setdefault(plan.group, []).append(figures)
            totals.setdefault(ALL, []).append(figures)
        rows += agent_rows
        rows += [_row(day, g, ALL, "", found) for g, found in sorted(totals.items()) if g != ALL]
        if ALL in totals:
            rows.append(_row(day, ALL, ALL, "", totals[ALL]))
    return rows


def _row(day: dt.date, group: str, agent: str, name: str, found: list[Day]) -> dict:
    scheduled = sum(d.scheduled_seconds for d in found)
    inside = sum(d.in_adherence_seconds for d in found)
    work = sum(d.scheduled_work_seconds for d in found)
    worked = sum(d.worked_seconds for d in found)
    exceptions = [e for d in found for e in d.exceptions]
    return {
        "day": day.isoformat(),
        "group": group,
        "agent": agent,
        "name": name,
        "scheduled_minutes": round(scheduled / 60, 1),
        "in_adherence_minutes": round(inside / 60, 1),
        "adherence": round(inside / scheduled, 4) if scheduled else None,
        "scheduled_work_minutes": round(work / 60, 1),
        "worked_minutes": round(worked / 60, 1),
        "conformance": round(worked / work, 4) if work else None,
        "exceptions": len(exceptions),
        "exception_minutes": round(sum(e.minutes for e in exceptions), 1),
    }


def file_rows(
    states: Path,
    roster: dict[dt.date, dict[str, Scheduled]],
    first: dt.date,
    last: dt.date,
    tz: dt.tzinfo,
) -> list[dict]:
    """The rows of `vero report`: a roster CSV's days within [first, last] against the state
    files."""
    days = [first + dt.timedelta(days=k) for k in range((last - first).days + 1)]
    return adherence_rows(
        days,
        lambda day: roster.get(day, {}),
        lambda day, start, end: timeline(load_states(states, day), start, end),
        tz,
    )
