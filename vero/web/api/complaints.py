"""The complaint API: the public website form, and the case steps for the customer-experience
team (supervisor or agents with the complaints skill) and the investigating teams.

Bad input is a 400, an unknown reference a 404, a step the case's state does not allow a 409,
a message the gateway could not send a 502 (vero.web.errors); none of them changes anything.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, TypeVar

from flask import Blueprint, abort, jsonify, request
from pydantic import Field

from telephony.complaints import model
from telephony.complaints.store import CaseStore, case_store
from telephony.customers import normalise_phone
from telephony.messaging import history
from telephony.services import services
from vero.kernel.bodies import Body, Text, parse_body
from vero.web.auth import current_customer, own_task, require_agent_or_supervisor
from vero.web.limits import spend

bp = Blueprint("complaints", __name__, url_prefix="/api")
CX_TEAM = ("complaints",)  # who classifies, forwards and talks to the customer
CASE_STAFF = ("complaints", *model.TEAMS)  # who may read cases and document the investigation
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[A-Za-z]{2,}$")
BATCH = re.compile(r"^[A-Za-z0-9][A-Za-z0-9./_-]{0,39}$")
MAX_TEXT = 4000
B = TypeVar("B", bound=Body)
Photo = Annotated[str, Field(pattern=r"^https://", max_length=500)]


# --- request bodies (the checks against the centre and the case follow in the routes) -----------


class ComplaintForm(Body):
    """The website form: at least a phone/WhatsApp number or an e-mail address."""

    phone: Text(40) = ""  # type: ignore[valid-type]
    whatsapp: Text(40) = ""  # type: ignore[valid-type]
    email: Text(254) = ""  # type: ignore[valid-type]
    name: Text(80) = ""  # type: ignore[valid-type]
    language: str | None = Field(default=None, max_length=10)
    product: Text(120) = ""  # type: ignore[valid-type]
    batch: Text(40) = ""  # type: ignore[valid-type]
    purchase_channel: Text(60) = ""  # type: ignore[valid-type]
    description: Text(MAX_TEXT, required=True)  # type: ignore[valid-type]
    photos: list[Photo] = Field(default_factory=list, max_length=10)


class MarkComplaint(Body):
    description: Text(MAX_TEXT) = ""  # type: ignore[valid-type]
    product: Text(120) = ""  # type: ignore[valid-type]
    batch: Text(40) = ""  # type: ignore[valid-type]


class Classification(Body):
    category: str = Field(max_length=40)
    severity: str = Field(max_length=40)


class Forwarding(Body):
    team: str = Field(max_length=40)
    note: Text(MAX_TEXT) = ""  # type: ignore[valid-type]


class CaseText(Body):
    text: Text(MAX_TEXT, required=True)  # type: ignore[valid-type]


class Notification(Body):
    message: Text(1200, required=True)  # type: ignore[valid-type]


class CustomerAnswer(Body):
    solved: bool
    text: Text(MAX_TEXT) = ""  # type: ignore[valid-type]


class NpsScore(Body):
    score: int


@bp.record_once
def _setup(state) -> None:
    svc = state.app.extensions["vero"]
    policy = state.app.config.get("VERO_COMPLAINT_POLICY") or model.Policy(
        sender=svc.settings.messaging_number
    )
    state.app.extensions["vero-complaints"] = CaseStore(
        svc.redis, svc.router.keys, svc.router, svc.gateway, svc.settings.data_dir, policy
    )


def _staff(skills: tuple[str, ...]) -> str:
    """The actor ('supervisor' or 'agent:<id>'); 403 for an agent without one of `skills`."""
    caller = require_agent_or_supervisor(None)
    if caller is None:
        return "supervisor"
    if not set(services().router.agent(caller)["skills"]) & set(skills):
        abort(403, f"this needs one of the skills {', '.join(skills)}")
    return f"agent:{caller}"


def _batch(value: str) -> str:
    batch = value.upper()
    if batch and not BATCH.match(batch):
        abort(400, "batch: letters, digits and . / _ - (as printed on the pack)")
    return batch


def _form(form: ComplaintForm, proof: dict[str, str]) -> dict[str, Any]:
    """The website form's fields, checked against what the centre knows; at least a
    phone/WhatsApp or an e-mail. The phone is the one the customer proved (their code, or their
    account's): Vero writes to no other."""
    centre = services().centre
    raw_phone = form.phone or form.whatsapp
    phone = normalise_phone(raw_phone) if raw_phone else ""
    if phone is None:
        abort(400, "phone: not a phone number (e.g. 0812 3456 7890 or +62 812 3456 7890)")
    if phone and proof.get("phone") and phone != proof["phone"]:
        abort(403, "phone: not the number you verified or your account's; verify this one")
    if phone and not proof.get("phone"):
        abort(403, "phone: your account has no phone number; verify this one with a code")
    phone = proof.get("phone", "")
    email = form.email.lower() or proof.get("email", "")
    if email and not EMAIL.match(email):
        abort(400, "email: not an e-mail address")
    if not phone and not email:
        abort(400, "contact: give a phone/WhatsApp number or an e-mail address")
    language = form.language or centre.default_language
    if language not in centre.languages:
        abort(400, f"language: one of {', '.join(centre.languages)}")
    return {
        "origin": "web",
        "language": language,
        "customer": {"phone": phone, "email": email, "name": form.name or proof.get("name", "")},
        "product": form.product,
        "batch": _batch(form.batch),
        "purchase_channel": form.purchase_channel,
        "description": form.description,
        "photos": form.photos,
    }


def _view(case: dict) -> dict:
    return {**case, "overdue": model.is_overdue(case, services().router.clock())}


# --- creating -------------------------------------------------------------------------------


@bp.post("/complaints")
def file_complaint():
    """The website form: the customer logged in with their account or verified their phone
    with a one-time code first (vero/web/api/customer_auth.py)."""
    proof = current_customer()
    fields = _form(parse_body(ComplaintForm), proof)
    spend("complaint_customer", proof.get("account") or proof["phone"])
    case = case_store().create(fields, actor="customer")
    return jsonify(ref=case["ref"], case=_view(case)), 201


@bp.post("/tasks/<task_id>/complaint")
def mark_conversation(task_id: str):
    """An agent marks their call or conversation as a complaint; the case starts from what the
    customer wrote (and the agent's own summary, when given)."""
    task = own_task(task_id)
    body = parse_body(MarkComplaint, optional=True)
    batch = _batch(body.batch)
    written = "\n".join(m["body"] for m in history(services(), task_id) if m["from"] == "customer")
    description = body.description or written[:MAX_TEXT]
    had = bool(task["attributes"].get("complaint_ref"))
    actor = require_agent_or_supervisor(None)
    case = case_store().open_from_task(
        task,
        actor=f"agent:{actor}" if actor else "supervisor",
        description=description,
        product=body.product,
        batch=batch,
    )
    return jsonify(ref=case["ref"], case=_view(case)), 200 if had else 201


# --- reading --------------------------------------------------------------------------------


@bp.get("/complaints")
def list_complaints():
    """All cases, `?open=1` the open ones, `?overdue=1` those past their deadline (wallboard)."""
    _staff(CASE_STAFF)
    cases = case_store().listing(
        overdue=request.args.get("overdue") == "1", open_only=request.args.get("open") == "1"
    )
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


def _step(ref: str, skills: tuple[str, ...], schema: type[B]) -> tuple[CaseStore, str, B]:
    """Who acts and with what; an unknown reference is a 404 before the body is looked at."""
    actor = _staff(skills)
    store = case_store()
    store.get(ref)
    return store, actor, parse_body(schema)


@bp.post("/complaints/<ref>/classify")
def classify(ref: str):
    store, actor, body = _step(ref, CX_TEAM, Classification)
    return jsonify(case=_view(store.classify(ref, body.category, body.severity, actor)))


@bp.post("/complaints/<ref>/forward")
def forward(ref: str):
    store, actor, body = _step(ref, CX_TEAM, Forwarding)
    return jsonify(case=_view(store.forward(ref, body.team, body.note, actor)))


@bp.post("/complaints/<ref>/notes")
def add_note(ref: str):
    store, actor, body = _step(ref, CASE_STAFF, CaseText)
    return jsonify(case=_view(store.note(ref, body.text, actor)))


@bp.post("/complaints/<ref>/corrective-action")
def corrective_action(ref: str):
    store, actor, body = _step(ref, CASE_STAFF, CaseText)
    return jsonify(case=_view(store.corrective_action(ref, body.text, actor)))


@bp.post("/complaints/<ref>/notify")
def notify(ref: str):
    store, actor, body = _step(ref, CX_TEAM, Notification)
    return jsonify(case=_view(store.notify(ref, body.message, actor)))


@bp.post("/complaints/<ref>/answer")
def answer(ref: str):
    store, actor, body = _step(ref, CX_TEAM, CustomerAnswer)
    return jsonify(case=_view(store.answer(ref, body.solved, body.text, actor)))


@bp.post("/complaints/<ref>/nps")
def nps(ref: str):
    store, actor, body = _step(ref, CX_TEAM, NpsScore)
    return jsonify(case=_view(store.record_nps(ref, body.score, actor)))
