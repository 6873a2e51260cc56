"""Complaint cases as the console shows them: labels in the page's language, local times and how
overdue a case is. Like the wallboard, the text is formatted here once; templates and live.js
only place it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from flask import url_for

from telephony.complaints.model import ComplaintRecord, Entry, is_overdue
from telephony.complaints.store import CaseStore
from telephony.gateway import mask
from vero.web.i18n import here, t

HOUR, DAY = 3600, 86400
ENTRY_DETAILS = ("category", "severity", "team")  # timeline fields that have their own labels


def label(prefix: str, value: str | None) -> str:
    """The catalogue text of `prefix + value`, the value itself when the catalogue has none
    (a category added to the model before its translation), '—' for nothing."""
    if not value:
        return "—"
    key = f"{prefix}.{value}"
    return t(key) if here().knows(key) else value


def local_time(epoch: float, tz: ZoneInfo) -> str:
    """A moment in the centre's clock, written as the page's language writes dates and times."""
    moment = dt.datetime.fromtimestamp(epoch, tz)
    return f"{here().date(moment)} {here().time(moment)}"


def format_overdue(seconds: float) -> str:
    """Whole minutes, hours or days: how late a case is, at a glance."""
    whole = max(0, int(seconds))
    if whole < HOUR:
        return f"{whole // 60} {t('unit.min')}"
    if whole < 2 * DAY:
        return f"{whole // HOUR} {t('unit.h')}"
    return f"{whole // DAY} {t('unit.day')}"


def category_text(case: ComplaintRecord) -> str:
    """The category; before classification the suggested one, marked as a suggestion."""
    if case["category"]:
        return label("case.category", case["category"])
    if case["suggested_category"]:
        return f"{label('case.category', case['suggested_category'])} ({t('case.suggested')})"
    return "—"


def customer_text(customer: dict[str, str]) -> str:
    """The name, with the phone masked: the list is on a supervisor's screen, often shared."""
    phone = mask(customer["phone"]) if customer.get("phone") else ""
    parts = [p for p in (customer.get("name", ""), phone or customer.get("email", "")) if p]
    return " · ".join(parts) or "—"


def case_row(case: ComplaintRecord, now: float, tz: ZoneInfo) -> dict[str, Any]:
    late = is_overdue(case, now)
    return {
        "ref": case["ref"],
        "url": url_for("console.complaints_case", ref=case["ref"]),
        "customer": customer_text(case["customer"]),
        "origin": label("channel", case["origin"]),
        "category": category_text(case),
        "severity": label("case.severity", case["severity"]),
        "state": case["state"],
        "state_label": label("case.state", case["state"]),
        "due": local_time(case["due_at"], tz),
        "urgent": case["urgent"],
        "overdue": late,
        "overdue_text": f"{t('case.overdue_by')} {format_overdue(now - case['due_at'])}"
        if late
        else "",
    }


def overdue_summary(store: CaseStore, now: float, tz: ZoneInfo) -> dict[str, Any]:
    """The wallboard's complaint tile: how many open cases are past their deadline, and which."""
    cases = [case_row(c, now, tz) for c in store.listing(overdue=True)]
    return {
        "count": len(cases),
        "cases": [{k: c[k] for k in ("ref", "url", "category", "overdue_text")} for c in cases],
    }


def timeline_row(entry: Entry, tz: ZoneInfo) -> dict[str, str]:
    details = [label(f"case.{name}", entry[name]) for name in ENTRY_DETAILS if entry.get(name)]
    if entry.get("nps") is not None:
        details.append(f"NPS {entry['nps']}")
    return {
        "when": local_time(entry["at"], tz),
        "event": label("case.event", entry["event"]),
        "state": label("case.state", entry["state"]),
        "actor": entry["actor"],
        "details": " · ".join(details),
        "text": entry["text"],
    }


def alert_row(alert: dict[str, Any], tz: ZoneInfo) -> dict[str, Any]:
    return {
        "batch": alert["batch"],
        "product": alert["product"] or "—",
        "raised": local_time(alert["raised_at"], tz),
        "refs": [
            {"ref": ref, "url": url_for("console.complaints_case", ref=ref)}
            for ref in alert["refs"]
        ],
    }
