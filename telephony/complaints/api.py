"""The complaint API: the public website form, and the case steps for the customer-experience
team (supervisor or agents with the complaints skill) and the investigating teams.

Bad input is a 400, an unknown reference a 404, a step the case's state does not allow a 409,
a message the gateway could not send a 502; none of them changes anything.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, abort, jsonify, request

from telephony.complaints import model
from telephony.complaints.store import CaseStore, case_store
from telephony.customer_auth import current_customer
from telephony.customers import normalise_phone
from telephony.messaging import history
from telephony.routing.api import (
    STATUS_FOR,
    _body,
    _task_for_caller,
    require_agent_or_supervisor,
)
from telephony.routing.errors import RoutingError
from vero.limits import spend
from vero.services import services

bp = Blueprint("complaints", __name__, url_prefix="/api")
CX_TEAM = ("complaints",)  # who classifies, forwards and talks to the customer
CASE_STAFF = ("complaints", *model.TEAMS)  # who may read cases and document the investigation
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[A-Za-z]{2,}$")
BATCH = re.compile(r"^[A-Za-z0-9][A-Za-z0-9./_-]{0,39}$")
MAX_TEXT = 4000


@bp.record_once
def _setup(state) -> None:
    svc = state.app.extensions["vero"]
    policy = (state.app.config.get("VERO_COMPLAINT_POLICY")
              or model.Policy(sender=svc.settings.messaging_number))
    state.app.extensions["vero-complaints"] = CaseStore(
        svc.redis, svc.router.keys, svc.router, svc.gateway, svc.settings.data_dir, policy)


@bp.errorhandler(RoutingError)
def _case_error(exc: RoutingError):
    return jsonify(error=str(exc)), {**STATUS_FOR, "unsent": 502}.get(exc.code, 409)


def _staff(skills: tuple[str, ...]) -> str:
    """The actor ('supervisor' or 'agent:<id>'); 403 for an agent without one of `skills`."""
    caller = require_agent_or_supervisor(None)
    if caller is None:
        return "supervisor"
    if not set(services().router.agent(caller)["skills"]) & set(skills):
        abort(403, f"this needs one of the skills {', '.join(skills)}")
    return f"agent:{caller}"


def _text(data: dict[str, Any], field: str, limit: int, required: bool = False) -> str:
    value = data.get(field, "")
    if not isinstance(value, str) or len(value) > limit or (required and not value.strip()):
        abort(400, f"{field}: a text of {1 if required else 0} to {limit} characters")
    return value.strip()


def _form(data: dict[str, Any], proof: dict[str, str]) -> dict[str, Any]:
    """The website form, checked field by field; at least a phone/WhatsApp or an e-mail. The
    phone is the one the customer proved (their code, or their account's): Vero writes to no
    other."""
    centre = services().centre
    raw_phone = _text(data, "phone", 40) or _text(data, "whatsapp", 40)
    phone = normalise_phone(raw_phone) if raw_phone else ""
    if phone is None:
        abort(400, "phone: not a phone number (e.g. 0812 3456 7890 or +62 812 3456 7890)")
    if phone and proof.get("phone") and phone != proof["phone"]:
        abort(403, "phone: not the number you verified or your account's; verify this one")
    if phone and not proof.get("phone"):
        abort(403, "phone: your account has no phone number; verify this one with a code")
    phone = proof.get("phone", "")
    email = _text(data, "email", 254).lower() or proof.get("email", "")
    if email and not EMAIL.match(email):
        abort(400, "email: not an e-mail address")
    if not phone and not email:
        abort(400, "contact: give a phone/WhatsApp number or an e-mail address")
    language = data.get("language", centre.default_language)
    if language not in centre.languages:
        abort(400, f"language: one of {', '.join(centre.languages)}")
    batch = _text(data, "batch", 40).upper()
    if batch and not BATCH.match(batch):
        abort(400, "batch: letters, digits and . / _ - (as printed on the pack)")
    photos = data.get("photos", [])
    if not isinstance(photos, list) or len(photos) > 10 or not all(
            isinstance(p, str) and p.startswith("https://") and len(p) <= 500 for p in photos):
        abort(400, "photos: a list of at most 10 https:// URLs")
    return {"origin": "web", "language": language,
            "customer": {"phone": phone, "email": email,
                         "name": _text(data, "name", 80) or proof.get("name", "")},
            "product": _text(data, "product", 120), "batch": batch,
            "purchase_channel": _text(data, "purchase_channel", 60),
            "description": _text(data, "description", MAX_TEXT, required=True),
            "photos": photos}


def _view(case: dict) -> dict:
    return {**case, "overdue": model.is_overdue(case, services().router.clock())}


# --- creating -------------------------------------------------------------------------------

@bp.post("/complaints")
def file_complaint():
    """The website form: the customer logged in with their account or verified their phone
    with a one-time code first (telephony/customer_auth.py)."""
    proof = current_customer()
    fields = _form(_body(), proof)
    spend("complaint_customer", proof.get("account") or proof["phone"])
    case = case_store().create(fields, actor="customer")
    return jsonify(ref=case["ref"], case=_view(case)), 201


@bp.post("/tasks/<task_id>/complaint")
def mark_conversation(task_id: str):
    """An agent marks their call or conversation as a complaint; the case starts from what the
    customer wrote (and the agent's own summary, when given)."""
    task = _task_for_caller(task_id)
    data = request.get_json(silent=True) or {}
    if not isinstance(data, dict):
        abort(400, "send a JSON object")
    batch = _text(data, "batch", 40).upper()
    if batch and not BATCH.match(batch):
        abort(400, "batch: letters, digits and . / _ - (as printed on the pack)")
    written = "\n".join(m["body"] for m in history(services(), task_id)
                        if m["from"] == "customer")
    description = _text(data, "description", MAX_TEXT) or written[:MAX_TEXT]
    had = bool(task["attributes"].get("complaint_ref"))
    actor = require_agent_or_supervisor(None)
    case = case_store().open_from_task(task, actor=f"agent:{actor}" if actor else "supervisor",
                                       description=description,
                                       product=_text(data, "product", 120), batch=batch)
    return jsonify(ref=case["ref"], case=_view(case)), 200 if had else 201


# --- reading --------------------------------------------------------------------------------

@bp.get("/complaints")
def list_complaints():
    """All cases, `?open=1` the open ones, `?overdue=1` those past their deadline (wallboard)."""
    _staff(CASE_STAFF)
    cases = case_store().listing(overdue=request.args.get("overdue") == "1",
                                 open_only=request.args.get("open") == "1")
    return jsonify(complaints=[_view(c) for c in cases])


@bp.get("/complaints/<ref>")
def get_complaint(ref: str):
    _staff(CASE_STAFF)
    store = case_store()
    return jsonify(case=_view(store.get(ref)), timeline=store.timeline(ref))


@bp.get("/complaint-alerts")
def batch_alerts():
    _staff(CASE_STAFF)
    return jsonify(alerts=case_store().alerts())


# --- the procedure --------------------------------------------------------------------------

def _step(ref: str, skills: tuple[str, ...]) -> tuple[CaseStore, str, dict[str, Any]]:
    """Who acts and with what; an unknown reference is a 404 before the body is looked at."""
    actor = _staff(skills)
    store = case_store()
    store.get(ref)
    return store, actor, _body()


@bp.post("/complaints/<ref>/classify")
def classify(ref: str):
    store, actor, data = _step(ref, CX_TEAM)
    return jsonify(case=_view(store.classify(ref, data.get("category"), data.get("severity"),
                                             actor)))


@bp.post("/complaints/<ref>/forward")
def forward(ref: str):
    store, actor, data = _step(ref, CX_TEAM)
    return jsonify(case=_view(store.forward(ref, data.get("team"), _text(data, "note", MAX_TEXT),
                                            actor)))


@bp.post("/complaints/<ref>/notes")
def add_note(ref: str):
    store, actor, data = _step(ref, CASE_STAFF)
    return jsonify(case=_view(store.note(ref, _text(data, "text", MAX_TEXT, True), actor)))


@bp.post("/complaints/<ref>/corrective-action")
def corrective_action(ref: str):
    store, actor, data = _step(ref, CASE_STAFF)
    text = _text(data, "text", MAX_TEXT, True)
    return jsonify(case=_view(store.corrective_action(ref, text, actor)))


@bp.post("/complaints/<ref>/notify")
def notify(ref: str):
    store, actor, data = _step(ref, CX_TEAM)
    message = _text(data, "message", 1200, True)
    return jsonify(case=_view(store.notify(ref, message, actor)))


@bp.post("/complaints/<ref>/answer")
def answer(ref: str):
    store, actor, data = _step(ref, CX_TEAM)
    if not isinstance(data.get("solved"), bool):
        abort(400, "solved: true or false (the customer's answer)")
    text = _text(data, "text", MAX_TEXT)
    return jsonify(case=_view(store.answer(ref, data["solved"], text, actor)))


@bp.post("/complaints/<ref>/nps")
def nps(ref: str):
    store, actor, data = _step(ref, CX_TEAM)
    return jsonify(case=_view(store.record_nps(ref, data.get("score"), actor)))
