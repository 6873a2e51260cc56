"""WhatsApp and SMS: inbound messages become (or continue) a task; agents answer through the
task's message API (vero/web/api/messages.py, which calls `send_reply`) and Vero sends the reply
with the Messages API.

The conversation history of any message task (chat too) is one Redis list per task. The first
agent reply is timed against the channel's answer target (5 minutes for chat).

Inbound messages are processed at least once: every step before the message is stored is
idempotent (a deterministic task id per first message, so a redelivery finds its task), and the
message is stored together with its idempotency mark in one script (append_once.lua).
"""

from __future__ import annotations

import hashlib
import json
import logging
from importlib import resources
from typing import cast

from flask import Blueprint, Response, current_app, request
from twilio.twiml.messaging_response import MessagingResponse

from telephony.complaints.keywords import mentions_complaint
from telephony.complaints.store import case_store
from telephony.customers import CustomerDirectory, normalise_phone
from telephony.gateway import mask
from telephony.routing.errors import RoutingError
from telephony.services import Services, services
from telephony.signature import twilio_signed
from vero.kernel.targets import answer_target

log = logging.getLogger(__name__)
bp = Blueprint("messaging", __name__)
OPEN = ("queued", "reserved", "assigned")
MAX_BODY = 1600  # Twilio's limit for one message
IDEMPOTENT_FOR = 86400
# Safety nets (see telephony/keys.py): a conversation is deleted with its closed task;
# these expiries, refreshed by every message, only catch what never closes.
MESSAGES_TTL = 30 * 86400
CONVERSATION_TTL = 7 * 86400


@bp.record_once
def _load(state) -> None:
    svc = state.app.extensions["vero"]
    state.app.extensions["vero-append-once"] = svc.redis.register_script(
        (resources.files("telephony") / "append_once.lua").read_text()
    )


def _message(svc: Services, sender: str, body: str) -> dict:
    return {"from": sender, "body": body, "at": round(svc.router.clock(), 3)}


def append_message(svc: Services, task_id: str, sender: str, body: str) -> dict:
    """Add a message to a task's history ('customer' or 'agent:<id>' as sender)."""
    message = _message(svc, sender, body)
    key = svc.router.keys.messages(task_id)
    with svc.redis.pipeline() as pipe:
        pipe.rpush(key, json.dumps(message))
        pipe.expire(key, MESSAGES_TTL)
        pipe.execute()
    return message


def history(svc: Services, task_id: str) -> list[dict]:
    return [json.loads(m) for m in svc.redis.lrange(svc.router.keys.messages(task_id), 0, -1)]


@bp.post("/twilio/messaging")
@twilio_signed
def inbound() -> Response:
    """An inbound WhatsApp or SMS message (retries are recognised by MessageSid)."""
    svc = services()
    sender, body = request.form.get("From", ""), request.form.get("Body", "")[:MAX_BODY]
    channel = "whatsapp" if sender.startswith("whatsapp:") else "sms"
    address = normalise_phone(sender)
    ref = (
        request.form.get("MessageSid", "") or hashlib.sha1(f"{sender}|{body}".encode()).hexdigest()
    )
    empty = Response(str(MessagingResponse()), mimetype="text/xml")
    if address is None:
        log.warning("message without a usable sender ignored")
        return empty
    mark = svc.router.keys.idempotency("message", ref)
    if svc.redis.exists(mark):  # a redelivery of a message already stored
        return empty
    conversation = svc.router.keys.conversation(channel, address)
    current = cast("bytes | None", svc.redis.get(conversation))
    task_id = current.decode() if current else ""
    if task_id:
        try:
            if svc.router.task(task_id)["state"] not in OPEN:
                task_id = ""
        except RoutingError:
            task_id = ""
    if not task_id:
        task_id = f"{channel}-{ref}"[:80]
        customer = CustomerDirectory(svc.redis, svc.router.keys).lookup(address)
        language = customer.language if customer else svc.centre.default_language
        placed = customer and svc.centre.customer_queue(customer.segment, customer.vip)
        queue = placed or svc.centre.default_queue
        try:
            svc.router.enqueue(
                task_id,
                channel,
                queue,
                language,
                attributes={"from": address, "to": request.form.get("To", "")},
            )
        except RoutingError as exc:
            if exc.code != "exists":  # "exists": a redelivery finds the task it made before
                raise
        svc.redis.set(conversation, task_id, ex=CONVERSATION_TTL)
    if mentions_complaint(body):  # idempotent too: the task keeps its case's reference
        task = svc.router.task(task_id)
        if not task["attributes"].get("complaint_ref"):
            case_store().open_from_task(task, actor="customer", description=body)
    message = json.dumps(_message(svc, "customer", body))
    if not current_app.extensions["vero-append-once"](
        keys=[mark, svc.router.keys.messages(task_id)], args=[message, IDEMPOTENT_FOR, MESSAGES_TTL]
    ):
        return empty  # a concurrent delivery of the same message stored it
    log.info("%s message from %s on task %s", channel, mask(address), task_id)
    return empty


def send_reply(svc: Services, task: dict, body: str) -> dict:
    """An agent's (or a supervisor's) reply on a message task: kept in the history, timed
    against the channel's answer target if it is the first, and sent out for WhatsApp and SMS.
    A task that takes no reply is a RoutingError "state"; a reply the gateway could not send is
    "unsent" (it stays in the history)."""
    task_id = task["id"]
    if task["channel"] not in ("whatsapp", "sms", "chat"):
        raise RoutingError("state", f"a {task['channel']} task has no messages")
    if task["state"] not in OPEN:
        raise RoutingError("state", f"task {task_id} is {task['state']}")
    message = append_message(svc, task_id, f"agent:{task.get('agent') or 'supervisor'}", body)
    if "first_response_seconds" not in task["attributes"]:  # set with the first reply's time
        waited = message["at"] - task["created"]
        target = answer_target(svc.centre, task["channel"])
        svc.router.annotate(
            task_id,
            {
                "first_response_seconds": f"{waited:.1f}",
                "first_response_in_target": "yes" if waited <= target else "no",
            },
        )
    if task["channel"] != "chat":
        attributes = task["attributes"]
        try:
            svc.gateway.send_message(
                attributes.get("from", ""), body, task["channel"], attributes.get("to", "")
            )
        except Exception as exc:
            log.exception("could not send the reply of task %s", task_id)
            raise RoutingError(
                "unsent", "the message could not be sent; it is kept in the history"
            ) from exc
    return message
