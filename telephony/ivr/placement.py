"""Into the queue: which queue and priority a call gets (the menu's choice, the customer's
segment and VIP status, urgency on the one scale of `vero/kernel/priorities.py`), the enqueue
under the call's deterministic task id, a complaint's case and reference, and the hand-over to
the hold loop.
"""

from __future__ import annotations

from flask import request
from twilio.twiml.voice_response import VoiceResponse

from telephony.complaints.store import case_store
from telephony.customers import Customer
from telephony.ivr import call, complaint
from telephony.ivr.menu import Option
from telephony.ivr.twiml import hold_url, menu, say
from telephony.routing.errors import RoutingError
from telephony.services import Services, services
from vero.kernel import priorities


def placement(customer: Customer | None, option: Option | None) -> tuple[str, int]:
    """Queue and priority: urgent complaints jump every queue; known customers go to their
    segment's queue when the centre has one (see `Placement`), VIP members first in any queue;
    everyone else where the menu sent them (the centre's default queue without a choice)."""
    centre = services().centre
    queue = option.queue if option is not None else centre.default_queue
    priority = option.priority if option is not None else priorities.NORMAL
    if priority >= priorities.URGENT or customer is None:
        return queue, priority
    queue = centre.customer_queue(customer.segment, customer.vip) or queue
    return queue, max(priority, priorities.VIP) if customer.vip else priority


def queue_call(
    svc: Services, response: VoiceResponse, lang: str, option: Option | None
) -> VoiceResponse:
    """Enqueue the call where `placement` puts it (once, however often Twilio retries), open a
    complaint's case, tell the caller, and send them on to the hold loop."""
    sid = call.call_sid()
    customer = call.customer(svc)
    queue, priority = placement(customer, option)
    topic = option.topic if option is not None else "general"
    attributes = {
        "call_sid": sid,
        "from": request.form.get("From", ""),
        "to": request.form.get("To", ""),
        "topic": topic,
        "vip": "yes" if customer and customer.vip else "no",
    }
    if customer is not None:
        attributes["customer"] = customer.name
    if option is not None and option.complaint:
        attributes["complaint_ref"] = complaint.reference(svc, sid)
    task_id = call.task_id(sid)
    enqueue_once(svc, task_id, queue, lang, priority, attributes=attributes)
    if "complaint_ref" in attributes:  # the case; the receipt is sent below, in the call
        case_store().open_from_task(
            svc.router.task(task_id),
            actor="ivr",
            confirm=False,
            description=menu().text(f"topic_{topic}", lang),
        )
    if priority >= priorities.URGENT:
        say(response, "urgent", lang)
    if "complaint_ref" in attributes:
        ref = attributes["complaint_ref"]
        complaint.confirm(svc, sid, lang, ref)
        say(response, "complaint_reference", lang, spoken=complaint.spoken(ref))
    say(response, "connecting", lang)
    response.redirect(hold_url(lang, call.Place(queue, 0, lang, queue)), method="POST")
    return response


def enqueue_once(
    svc: Services,
    task_id: str,
    queue: str,
    lang: str,
    priority: int,
    *,
    created: float | None = None,
    attributes: dict[str, str],
) -> None:
    """Enqueue with a deterministic id: a retried webhook finds the task already there."""
    try:
        svc.router.enqueue(
            task_id, "voice", queue, lang, priority, created=created, attributes=attributes
        )
    except RoutingError as exc:
        if exc.code != "exists":
            raise
