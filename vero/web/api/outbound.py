"""Click-to-call: `POST /api/agents/<id>/calls` `{"to": "+62…", "case": "CMP-…"}` — the agent
(itself, or a supervisor for it) calls a customer; the agent's leg rings first, then the
customer is dialled into the same conference (telephony/ivr/outbound.py). 202 once queued;
400 naming the field for a bad number or an unknown case; 409 when the agent is not available,
has no softphone or phone, or the centre no caller id.
"""

from __future__ import annotations

from flask import Blueprint, abort, jsonify

from telephony.complaints.store import case_store
from telephony.customers import normalise_phone
from telephony.ivr.outbound import start_call
from telephony.routing.errors import RoutingError
from telephony.services import services
from vero.kernel.bodies import Body, Text, parse_body
from vero.web.auth import require_agent_or_supervisor

bp = Blueprint("outbound_api", __name__, url_prefix="/api")


class NewCall(Body):
    to: Text(40, required=True)  # type: ignore[valid-type]
    case: Text(40) = ""  # type: ignore[valid-type]


class CaseCall(Body):
    """The case page's "Call customer": which agent makes the call."""

    agent: Text(80, required=True)  # type: ignore[valid-type]


def call_for_case(agent_id: str, ref: str) -> dict:
    """Click-to-call of a complaint case's customer (the case page): the case's phone, and the
    case on the call's task. An unknown case is a 404, a case without a phone a 400."""
    case = case_store().get(ref)
    phone = normalise_phone(case["customer"].get("phone", ""))
    if phone is None:
        abort(400, "case: the customer left no phone number")
    return start_call(services(), agent_id, phone, case)


@bp.post("/agents/<agent_id>/calls")
def click_to_call(agent_id: str):
    require_agent_or_supervisor(agent_id)
    body = parse_body(NewCall)
    to = normalise_phone(body.to)
    if to is None:
        abort(400, f"to: {body.to!r} is not a phone number (E.164, e.g. +6281234567890)")
    case = None
    if body.case:
        try:
            case = case_store().get(body.case)
        except RoutingError:
            abort(400, f"case: no complaint {body.case}")
    task = start_call(services(), agent_id, to, case)
    return jsonify(status="queued", task=task), 202
