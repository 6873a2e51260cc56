"""Complaint cases as plain dicts: categories, severities, deadlines and the state machine.

No I/O here: the store reads a case, asks one of these functions for the next case and its
timeline entries, and writes both at once. A step that does not fit the case's state raises
RoutingError('state') (a 409), bad values RoutingError('invalid') (a 400).

States: received → classified → investigating → resolved → awaiting_customer → closed, and back
from awaiting_customer to investigating when the customer says the problem is not solved.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from typing import Any

from telephony.routing.errors import RoutingError
from vero.kernel import priorities

CATEGORIES = ("product_reaction", "quality_defect", "packaging_leak", "logistics", "b2b_project")
SEVERITIES = ("simple", "complex", "escalated")
TEAMS = ("rnd", "qc", "pjt", "sales")
STATES = ("received", "classified", "investigating", "resolved", "awaiting_customer", "closed")
OPEN_STATES = STATES[:-1]
HOUR = 3600.0
# the division's standards: simple within 24 h, complex 72 h, escalated within a week
TARGET_SECONDS = {"simple": 24 * HOUR, "complex": 72 * HOUR, "escalated": 7 * 24 * HOUR}
# router priority of the back-office tasks; an allergic or skin reaction goes before everything
PRIORITY = {"simple": 0, "complex": 10, "escalated": 30}
URGENT_PRIORITY = priorities.URGENT  # the one scale: vero/kernel/priorities.py
UNCLASSIFIED = "simple"  # the deadline of a case nobody has classified yet

# which states each step may start from
ALLOWED = {
    "classify": ("received", "classified"),
    "forward": ("classified", "investigating"),
    "note": OPEN_STATES,
    "corrective_action": ("investigating",),
    "notify": ("resolved",),
    "answer": ("awaiting_customer",),
    "nps": ("closed",),
    "escalate": OPEN_STATES,
    "batch_alert": OPEN_STATES,
}

ComplaintRecord = dict[str, Any]  # one complaint case as stored (JSON in Redis)
Entry = dict[str, Any]  # one timeline entry of a case
Change = tuple[ComplaintRecord, list[Entry]]  # a step's result: the new record, its new entries


@dataclass(frozen=True)
class Policy:
    """What a centre may tune: the batch-alert rule and the number written messages come from
    when the customer did not reach us on one (website form)."""

    batch_threshold: int = 3
    batch_window_seconds: float = 7 * 24 * HOUR
    sender: str = ""


def iso(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).isoformat(timespec="seconds")


def _entry(
    case: ComplaintRecord, event: str, actor: str, now: float, text: str = "", **data: Any
) -> Entry:
    return {"at": now, "event": event, "state": case["state"], "actor": actor, "text": text, **data}


def _check(case: ComplaintRecord, step: str) -> ComplaintRecord:
    if case["state"] not in ALLOWED[step]:
        raise RoutingError(
            "state",
            f"complaint {case['ref']} is {case['state']}; "
            f"{step.replace('_', ' ')} is not possible now",
        )
    return copy.deepcopy(case)


def _deadline(case: ComplaintRecord) -> None:
    severity = case["severity"] or UNCLASSIFIED
    case["due_at"] = case["created_at"] + TARGET_SECONDS[severity]
    case["priority"] = URGENT_PRIORITY if case["urgent"] else PRIORITY[severity]


def new_case(
    ref: str, fields: dict[str, Any], suggested: str | None, actor: str, now: float
) -> Change:
    """A received case. A suggested product reaction is urgent before anyone classifies it."""
    case: ComplaintRecord = {
        "ref": ref,
        "state": "received",
        "created_at": now,
        "updated_at": now,
        "origin": fields["origin"],
        "language": fields["language"],
        "customer": fields["customer"],
        "reached": fields.get("reached", ""),
        "task_id": fields.get("task_id", ""),
        "product": fields.get("product", ""),
        "batch": fields.get("batch", ""),
        "purchase_channel": fields.get("purchase_channel", ""),
        "description": fields.get("description", ""),
        "photos": fields.get("photos", []),
        "suggested_category": suggested,
        "category": None,
        "severity": None,
        "urgent": suggested == "product_reaction",
        "escalated": False,
        "teams": [],
        "tasks": [],
        "reopened": 0,
        "closed_at": None,
        "nps": None,
    }
    _deadline(case)
    return case, [
        _entry(
            case,
            "created",
            actor,
            now,
            case["description"],
            origin=case["origin"],
            due_at=case["due_at"],
        )
    ]


def classify(case: ComplaintRecord, category: str, severity: str, actor: str, now: float) -> Change:
    """The customer-experience team's call; a product reaction is always urgent and escalated."""
    if category not in CATEGORIES:
        raise RoutingError("invalid", f"category: one of {', '.join(CATEGORIES)}")
    if severity not in SEVERITIES:
        raise RoutingError("invalid", f"severity: one of {', '.join(SEVERITIES)}")
    case = _check(case, "classify")
    if category == "product_reaction":
        severity = "escalated"
    case.update(
        state="classified",
        category=category,
        severity=severity,
        urgent=category == "product_reaction",
        updated_at=now,
    )
    _deadline(case)
    return case, [
        _entry(
            case,
            "classified",
            actor,
            now,
            category=category,
            severity=severity,
            due_at=case["due_at"],
        )
    ]


def forward(
    case: ComplaintRecord, team: str, task_id: str, note: str, actor: str, now: float
) -> Change:
    """Hand the investigation to a team (one back-office task each time)."""
    if team not in TEAMS:
        raise RoutingError("invalid", f"team: one of {', '.join(TEAMS)}")
    case = _check(case, "forward")
    case.update(state="investigating", updated_at=now)
    if team not in case["teams"]:
        case["teams"].append(team)
    case["tasks"].append(task_id)
    return case, [
        _entry(
            case, "forwarded", actor, now, note, team=team, task_id=task_id, due_at=case["due_at"]
        )
    ]


def note(case: ComplaintRecord, text: str, actor: str, now: float) -> Change:
    case = _check(case, "note")
    case["updated_at"] = now
    return case, [_entry(case, "note", actor, now, text)]


def corrective_action(case: ComplaintRecord, text: str, actor: str, now: float) -> Change:
    case = _check(case, "corrective_action")
    case.update(state="resolved", updated_at=now)
    return case, [_entry(case, "corrective_action", actor, now, text)]


def check_notify(case: ComplaintRecord) -> None:
    """Raise before a message goes out for a case that cannot be notified now."""
    _check(case, "notify")


def notify(case: ComplaintRecord, body: str, channel: str, actor: str, now: float) -> Change:
    """The result was sent to the customer, who is asked whether it is solved."""
    case = _check(case, "notify")
    case.update(state="awaiting_customer", updated_at=now)
    return case, [_entry(case, "customer_notified", actor, now, body, channel=channel)]


def answer(case: ComplaintRecord, solved: bool, text: str, actor: str, now: float) -> Change:
    """Solved closes the case; not solved sends it back to investigation."""
    case = _check(case, "answer")
    case["updated_at"] = now
    if solved:
        case.update(state="closed", closed_at=now)
        return case, [
            _entry(case, "customer_answer", actor, now, text, solved=True),
            _entry(case, "closed", actor, now, in_target=now <= case["due_at"]),
        ]
    case.update(state="investigating", reopened=case["reopened"] + 1)
    return case, [
        _entry(case, "customer_answer", actor, now, text, solved=False),
        _entry(case, "reopened", actor, now, teams=list(case["teams"])),
    ]


def record_nps(case: ComplaintRecord, score: int, actor: str, now: float) -> Change:
    """The 0-10 'would you recommend us' answer, asked once the case is closed; only once."""
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 10:
        raise RoutingError("invalid", "score: a whole number from 0 to 10")
    case = _check(case, "nps")
    if case["nps"] is not None:
        raise RoutingError("state", f"complaint {case['ref']} already has its score")
    case["nps"] = score
    return case, [_entry(case, "nps", actor, now, nps=score)]


def escalate(case: ComplaintRecord, task_id: str, now: float) -> Change:
    """An open case past its deadline: flagged once, with a task for the customer-experience
    team."""
    case = _check(case, "escalate")
    case.update(escalated=True, updated_at=now)
    case["tasks"].append(task_id)
    return case, [
        _entry(
            case,
            "escalated",
            "system",
            now,
            f"overdue since {iso(case['due_at'])}",
            task_id=task_id,
            due_at=case["due_at"],
        )
    ]


def batch_alert(case: ComplaintRecord, alert_id: str, now: float) -> Change:
    case = _check(case, "batch_alert")
    return case, [
        _entry(case, "batch_alert", "system", now, f"batch {case['batch']}", alert_id=alert_id)
    ]


def call_recorded(
    case: ComplaintRecord, task_id: str, url: str, duration: int, now: float
) -> Change:
    """A recording of a call about the case (in any state: a call may come after it closed)."""
    case = copy.deepcopy(case)
    return case, [
        _entry(case, "call_recorded", "system", now, url, task_id=task_id, duration=duration)
    ]


def is_overdue(case: ComplaintRecord, now: float) -> bool:
    return case["state"] in OPEN_STATES and now > case["due_at"]
