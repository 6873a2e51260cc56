"""The screen pop of the agent desk: who the customer of an offer (or of a task in hand) is, what
happened lately, which complaints are open, and a short script for the reason of the contact
(telephony/scripts.yaml).

Everything is read from Redis with a few small reads, so the desk can show it while the offer
rings: the directory entry, a capped per-customer list of recent contacts (filled by
the contact log as contacts close) and the customer's open complaint cases.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import yaml
from flask import Blueprint, jsonify

from telephony.complaints.store import case_store
from telephony.customers import RECENT_CONTACTS, CustomerDirectory, task_customer
from telephony.services import services
from vero.web.auth import own_offer, own_task

bp = Blueprint("customer_view", __name__, url_prefix="/api")
SEGMENT_LABELS = {"B2C": "B2C", "B2B": "B2B/OEM", "partner": "partner programme"}
COMPLAINT_TOPICS = ("skin_reaction", "damaged_package", "other_complaint")


@cache
def scripts() -> dict[str, Any]:
    return yaml.safe_load((resources.files("telephony") / "scripts.yaml").read_text("utf-8"))


def script_for(task: dict, vip: bool, open_cases: list[dict], name: str) -> dict[str, Any]:
    """The script of the contact's reason: its IVR topic, else its queue; an open complaint
    turns an ordinary contact into a follow-up, and VIP care replaces the general greeting."""
    book, lang = scripts(), task["language"]
    reason = task["attributes"].get("topic") or task["queue"]
    if reason not in book["reasons"]:
        reason = task["queue"] if task["queue"] in book["reasons"] else book["default_reason"]
    ref = ""
    if (
        open_cases
        and reason not in COMPLAINT_TOPICS
        and not task["attributes"].get("complaint_ref")
    ):
        reason, ref = "complaint_followup", open_cases[0]["ref"]
    elif vip and reason == book["default_reason"]:
        reason = "vip"
    text = book["reasons"][reason][lang]
    fields = {"name": name or book["anonymous"][lang], "ref": ref}
    return {
        "reason": reason,
        "language": lang,
        "greeting": text["greeting"].format(**fields),
        "questions": list(text["questions"]),
        "offer": text["offer"],
    }


@bp.get("/offers/<offer_id>/customer")
def offer_customer(offer_id: str):
    """The customer view of an offer (the offered agent or a supervisor)."""
    own_offer(offer_id)
    return jsonify(customer_view(services().router.task(offer_id.rsplit(".", 1)[0])))


@bp.get("/tasks/<task_id>/customer")
def task_customer_view(task_id: str):
    """The customer view of a task (its agent or a supervisor): the desk's panel after a reload,
    and of a task that came without an offer (click-to-call)."""
    return jsonify(customer_view(own_task(task_id)))


def customer_view(task: dict) -> dict[str, Any]:
    """The customer of a task, the same whether the desk asks for its offer or for the task."""
    svc = services()
    phone = task_customer(task["attributes"])
    customer = CustomerDirectory(svc.redis, svc.router.keys).lookup(phone) if phone else None
    recent: list[dict] = []
    open_cases: list[dict] = []
    if phone:
        raws = svc.redis.lrange(svc.router.keys.customer_contacts(phone), 0, RECENT_CONTACTS - 1)
        recent = [c for c in map(json.loads, raws) if c["task_id"] != task["id"]]
        open_cases = sorted(
            case_store().open_for_customer(phone), key=lambda c: (-c["priority"], c["due_at"])
        )
    name = customer.name if customer else task["attributes"].get("customer", "")
    segment = customer.segment if customer else ""
    return {
        "task_id": task["id"],
        "phone": phone or "",
        "known": customer is not None,
        "name": name,
        "segment": segment,
        "segment_label": SEGMENT_LABELS.get(segment, ""),
        "vip": bool(customer and customer.vip),
        "language": customer.language if customer else task["language"],
        "recent_contacts": recent,
        "open_complaints": [
            {
                k: c[k]
                for k in ("ref", "state", "category", "severity", "urgent", "due_at", "product")
            }
            for c in open_cases
        ],
        "script": script_for(task, bool(customer and customer.vip), open_cases, name),
    }
