"""The service KPIs as the console shows them: the figures come from `wfm/kpi_commands.py` (the
same rows as `vero report` and `GET /api/kpis`), this only reads the page's range and formats.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from telephony.routing.agent_states import AgentStates
from telephony.services import Services
from vero.kernel.centre import Centre
from vero.kernel.errors import VeroError
from vero.web import jobs
from vero.web.console.cases import label
from vero.web.console.roster_publish import published
from vero.web.console.wallboard import format_span, queue_label, target_text, verdict
from vero.web.i18n import here, t
from wfm.adherence import GOAL, timeline
from wfm.adherence_report import adherence_rows
from wfm.kpi import ALL, COLUMNS
from wfm.kpi_commands import report_rows, write_csv
from wfm.roster_schedule import Scheduled, read_roster

PERIODS = ("day", "week")
DEFAULT_DAYS = 7  # the page opens on the last week, today included


def kpi_range(args: dict[str, str], today: dt.date) -> tuple[dt.date, dt.date, str]:
    """First day, last day and period of the request; the last week by day when not given.
    A bad value raises VeroError (shown on the page, a 400 for the download)."""
    try:
        last = dt.date.fromisoformat(args.get("to") or today.isoformat())
        first = dt.date.fromisoformat(
            args.get("from") or (last - dt.timedelta(days=DEFAULT_DAYS - 1)).isoformat()
        )
    except ValueError as exc:
        raise VeroError("days as YYYY-MM-DD", field="from, to") from exc
    if last < first:
        raise VeroError("the last day is before the first", field="from, to")
    period = args.get("period") or "day"
    if period not in PERIODS:
        raise VeroError("day or week", field="period")
    return first, last, period


def kpi_data(
    svc: Services, first: dt.date, last: dt.date, period: str, skipped: list[str]
) -> list[dict[str, Any]]:
    """The KPI rows over VERO_DATA_DIR's contact and case records (a missing folder: none); a
    broken record file is left out and named in `skipped`."""
    folders = [svc.settings.data_dir / name for name in ("contacts", "cases")]
    contacts, cases = ([f] if f.is_dir() else [] for f in folders)
    return report_rows(svc.centre, contacts, cases, first, last, period, skipped)


def _percent(share: float | None) -> str:
    return "—" if share is None else here().percent(share)


def display_row(centre: Centre, row: dict[str, Any]) -> dict[str, Any]:
    """One KPI row as text: each figure with what it is based on."""
    queue = row["queue"]
    mean, target = row["response_mean_seconds"], row["response_target_seconds"]
    response = "—" if mean is None else format_span(mean)
    if target is not None:
        response += f" / {format_span(target)} · {_percent(row['response_in_target_share'])}"
    csat = (
        "—"
        if row["csat_mean"] is None
        else (
            f"{here().number(row['csat_mean'])} · {_percent(row['csat_satisfied_share'])} "
            f"({row['csat_responses']} {t('kpi.answers')})"
        )
    )
    level, channel = row["service_level"], row["channel"]
    return {
        "start": row["start"],
        "all": row["channel"] == ALL,
        "channel": t("kpi.all") if row["channel"] == ALL else label("channel", row["channel"]),
        "queue": t("kpi.all")
        if queue == ALL
        else (queue_label(centre, queue) if queue in centre.queues else queue),
        "contacts": f"{row['answered']}/{row['contacts']}",
        "csat": csat,
        "fcr": "—"
        if row["fcr_rate"] is None
        else f"{_percent(row['fcr_rate'])} ({row['fcr_contacts']})",
        "cases": "—"
        if not row["cases_closed"]
        else f"{row['cases_closed_in_target']}/{row['cases_closed']} · "
        f"{_percent(row['cases_in_target_share'])}",
        "nps": "—" if row["nps"] is None else f"{row['nps']:+g} ({row['nps_responses']})",
        "response": response,
        "service_level_text": _percent(level),
        "target_text": target_text(centre, channel) if channel in centre.channels else "",
        "verdict": "none"
        if row["service_level_goal"] is None
        else verdict(level, row["service_level_goal"]),
    }


def csv_text(rows: list[dict[str, Any]], columns: tuple[str, ...] = COLUMNS) -> str:
    """The rows exactly as `vero report` writes them."""
    buffer = io.StringIO()
    write_csv(rows, buffer, columns)
    return buffer.getvalue()


def adherence_data(svc: Services, first: dt.date, last: dt.date) -> list[dict[str, Any]]:
    """Daily adherence and conformance per agent, group and centre over the agent-state
    timeline: against the day's published roster, else the newest finished roster run that
    covers the day."""
    days = [first + dt.timedelta(days=k) for k in range((last - first).days + 1)]
    states = AgentStates(svc.redis, svc.router.keys, svc.centre, svc.settings.data_dir)
    changes = states.rows(days)
    runs = _roster_runs(svc)

    def schedule_of(day: dt.date) -> dict[str, Scheduled]:
        found = published(svc.router, day)
        if found is not None:
            return found[0]
        return next((roster[day] for roster in runs if day in roster), {})

    return adherence_rows(
        days,
        schedule_of,
        lambda day, start, end: timeline(changes[day], start, min(end, svc.router.clock())),
        svc.centre.tz,
    )


def _roster_runs(svc: Services) -> list[dict[dt.date, dict[str, Scheduled]]]:
    """The finished roster runs' rosters, newest first (a broken one is left out)."""
    root = jobs.runs_dir(svc.settings.data_dir, "roster")
    rosters = []
    for folder in sorted(root.glob("*"), reverse=True) if root.is_dir() else []:
        status = jobs.read_status(folder) or {}
        if status.get("state") != jobs.DONE or not (folder / "roster.csv").is_file():
            continue
        try:
            rosters.append(read_roster(folder / "roster.csv", svc.centre.tz))
        except VeroError:
            continue
    return rosters


def display_adherence(row: dict[str, Any]) -> dict[str, Any]:
    """One adherence row as text, coloured against the usual goal (green at or above it,
    amber within 10 points, red below)."""
    lang, share = here(), row["adherence"]
    return {
        "day": lang.date(dt.date.fromisoformat(row["day"])),
        "group": t("kpi.all") if row["group"] == ALL else row["group"],
        "agent": t("kpi.all") if row["agent"] == ALL else f"{row['name']} ({row['agent']})",
        "total": row["agent"] == ALL,
        "adherence": "—" if share is None else lang.percent(share, 1),
        "conformance": "—" if row["conformance"] is None else lang.percent(row["conformance"], 1),
        "exceptions": t(
            "adherence.exceptions",
            count=row["exceptions"],
            span=lang.duration(row["exception_minutes"] * 60),
        ),
        "verdict": "none" if share is None else verdict(share, GOAL),
    }
