"""Calls Vero places to a customer: a callback's customer leg and the agent's own click-to-call.

The agent's leg comes first (the connector's offer for a callback, `start_call` for a
click-to-call); once the agent is in the conference, `dial_customer` queues the customer's leg,
whose TwiML (`/join?task=T`) puts the customer into the conference. The customer leg's status
callback (`customer_status`) applies the centre's callback policy when nobody answers: the try
is recorded on the task (`attempts` made so far, `attempt_<n>` = "<status>@<UTC time>"; the
task's own number is `attempt`), the agent hears why the call ends, the task ends, and the next
try waits in `Keys.due_callbacks` until the dispatcher's `enqueue_due_callbacks` enqueues it: a
new task of the same callback (id `<first task>-<n>`), with the caller's age and place. After the
last try the contact ends as 'callback_failed' (a click-to-call, which is not retried, as
'unreached'). Every try is a row of the contact CSV; the last one's task lists them all.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import uuid
from typing import cast

from flask import Response, request
from twilio.twiml.voice_response import VoiceResponse

from telephony.call_state import without_call_state
from telephony.customers import CustomerDirectory
from telephony.ivr import call
from telephony.ivr.twiml import reply, say, url
from telephony.routing.errors import RoutingError
from telephony.routing.router import RedisRouter
from telephony.services import Services, services
from telephony.signature import twilio_signed

log = logging.getLogger(__name__)
UNREACHED = ("no-answer", "busy", "failed", "canceled")  # a customer leg that never answered
AGENT_LEG_FAILED = ("no-answer", "busy", "failed", "canceled")
DUE_BATCH = 100  # due tries a dispatcher enqueues per round


def attempt_of(task: dict) -> int:
    """The number of the try a task is: its `attempt` attribute, set when a retry is scheduled
    (a first callback, a click-to-call: 1)."""
    number = task["attributes"].get("attempt", "1")
    return int(number) if number.isdigit() else 1


def caller_id(svc: Services, task: dict) -> str:
    """The number a customer sees: the centre number their call reached, else the centre's
    caller id, else its messaging number (the connector rings agents from the same)."""
    return task["attributes"].get("to") or svc.centre.caller_id or svc.settings.messaging_number


def dial_customer(svc: Services, task: dict, attempt: int | None = None) -> None:
    """Queue the customer's leg of `task` (a callback, a click-to-call): its TwiML joins the
    conference `task`, its status callback reports the try `attempt` (the task's own by
    default). Once per try, however often the webhook that asks for it is retried."""
    attempt = attempt or attempt_of(task)
    ref = f"{task['id']}|{attempt}"
    if call.done(svc, "dial-customer", ref):
        return
    svc.outbox.rest(
        "create_call",
        {
            "to": task["attributes"]["callback_to"],
            "from_": caller_id(svc, task),
            "url": url("join", task=task["id"], lang=task["language"]),
            "status_callback": url("customer-status", task=task["id"], attempt=attempt),
            "timeout": svc.centre.callbacks.ring_seconds,
        },
        task=task["id"],
        store="customer_leg",
    )
    call.mark_done(svc, "dial-customer", ref)


def _utc(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).isoformat(timespec="seconds")


def _empty() -> Response:
    return reply(VoiceResponse())


@twilio_signed
def customer_status() -> Response:
    """The customer leg's progress. Answered: nothing (its /join TwiML bridges). Never answered
    (no-answer, busy, failed, canceled; or completed without having answered) while the agent
    still holds the task: the try failed (`unreached`). Reports of an older try are ignored."""
    svc = services()
    task = call.task(svc, request.args.get("task", ""))
    status = request.form.get("CallStatus", "")
    attempt = request.args.get("attempt", "")
    if task is None or not attempt.isdigit() or int(attempt) != attempt_of(task):
        return _empty()
    key = f"attempt_{attempt}"
    if status == "in-progress":
        svc.router.annotate(task["id"], {key: f"answered@{_utc(svc.router.clock())}"})
        return _empty()
    answered = task["attributes"].get(key, "").startswith("answered@")
    never_answered = status in UNREACHED or (status == "completed" and not answered)
    if never_answered and task["state"] == "assigned":
        unreached(svc, task, int(attempt), status)
    return _empty()


def unreached(svc: Services, task: dict, attempt: int, status: str) -> None:
    """A try nobody answered: on the record, told to the agent, the next try scheduled (callbacks
    with tries left), the task ended. Until that end a retried webhook does each step again
    (the next try's id makes it one); after it, the task is no longer assigned."""
    router, policy = svc.router, svc.centre.callbacks
    noted = {"attempts": str(attempt), f"attempt_{attempt}": f"{status}@{_utc(router.clock())}"}
    router.annotate(task["id"], noted)
    is_callback = task["attributes"].get("kind") == "callback"
    retry = is_callback and attempt < policy.attempts
    agent_leg = task["attributes"].get("agent_leg", "")
    if agent_leg:
        notice = url("customer-unreached", lang=task["language"], retry="yes" if retry else "no")
        svc.outbox.redirect_call(agent_leg, notice, task=task["id"])
    if retry:
        attributes = {**task["attributes"], **noted}
        schedule_retry(router, {**task, "attributes": attributes}, attempt + 1)
    outcome = "callback" if retry else ("callback_failed" if is_callback else "unreached")
    with contextlib.suppress(RoutingError):  # a retried webhook: ended already
        router.complete(task["id"], outcome=outcome)


def schedule_retry(router: RedisRouter, task: dict, attempt: int) -> None:
    """The callback's try `attempt`, due `spacing_seconds` from now: the task to enqueue then,
    with the first try's age (hence its place) and what the record knows so far."""
    first = task["attributes"].get("retry_of") or task["id"]
    attributes = without_call_state(task["attributes"])
    entry = {
        "id": f"{first}-{attempt}",
        "queue": task["origin_queue"],
        "language": task["language"],
        "priority": task["priority"],
        "created": task["created"],
        "attributes": {**attributes, "retry_of": first, "attempt": str(attempt)},
    }
    due = router.clock() + router.centre.callbacks.spacing_seconds
    router.redis.zadd(router.keys.due_callbacks(), {json.dumps(entry, sort_keys=True): due})


def enqueue_due_callbacks(router: RedisRouter) -> int:
    """The dispatcher's periodic work: enqueue the callback tries that are due, then forget
    them. Several dispatchers may take the same entry: its task id is the try's, so only one
    enqueue goes through (the others find it there). Returns the tries enqueued."""
    key = router.keys.due_callbacks()
    members = cast(
        list[bytes], router.redis.zrangebyscore(key, "-inf", router.clock(), start=0, num=DUE_BATCH)
    )
    enqueued = 0
    for member in members:
        entry = json.loads(member)
        try:
            router.enqueue(
                entry["id"],
                "voice",
                entry["queue"],
                entry["language"],
                entry["priority"],
                created=entry["created"],
                attributes=entry["attributes"],
            )
            enqueued += 1
        except RoutingError as exc:
            if exc.code != "exists":  # e.g. the queue left the centre: the try cannot be made
                log.error("callback try %s dropped: %s", entry["id"], exc)
        router.redis.zrem(key, member)
    return enqueued


@twilio_signed
def customer_unreached() -> Response:
    """The agent's leg when the customer did not answer: why the call ends, then hang up."""
    lang = call.lang()
    response = VoiceResponse()
    retry = request.args.get("retry") == "yes"
    say(response, "customer_unreached_retry" if retry else "customer_unreached", lang)
    response.hangup()
    return reply(response)


# --- click-to-call --------------------------------------------------------------------------


def start_call(svc: Services, agent_id: str, to: str, case: dict | None) -> dict:
    """An agent calls a customer (from the desk, from a complaint case): a task assigned at once
    to the agent (`kind=outbound`), and the agent's leg rung first; its TwiML
    (`outbound_agent`) joins the agent into the conference and dials the customer. RoutingError
    'state' (409) when the agent has no audio contact or no room, or the centre no caller id."""
    router, centre = svc.router, svc.centre
    contact = router.agent(agent_id)["contact"]
    leg = f"client:{contact['client']}" if contact.get("client") else contact.get("phone", "")
    if not leg:
        raise RoutingError("state", f"agent {agent_id} has no softphone or phone to ring")
    if centre.caller_id is None:
        raise RoutingError("state", "the centre has no caller_id to call from")
    customer = CustomerDirectory(svc.redis, router.keys).lookup(to)
    attributes = {"kind": "outbound", "call_sid": "", "callback_to": to, "to": centre.caller_id}
    language = centre.default_language
    if customer is not None:
        attributes["customer"] = customer.name
        language = customer.language if customer.language in centre.languages else language
    if case is not None:
        attributes["complaint_ref"] = case["ref"]
        language = case["language"] if case["language"] in centre.languages else language
    task_id = f"out-{uuid.uuid4().hex[:24]}"
    task = router.assign(task_id, agent_id, "voice", centre.default_queue, language, attributes)
    svc.outbox.rest(
        "create_call",
        {
            "to": leg,
            "from_": centre.caller_id,
            "url": url("outbound-agent", task=task_id),
            "status_callback": url("outbound-agent-status", task=task_id),
            "timeout": centre.callbacks.ring_seconds,
        },
        task=task_id,
        store="agent_leg",
    )
    return task


def _agent_in_conference(response: VoiceResponse, task_id: str) -> None:
    dial = response.dial()
    dial.conference(
        task_id,
        participant_label="agent",
        start_conference_on_enter=True,
        end_conference_on_exit=True,
        beep=False,
        status_callback=url("conference", task=task_id),
        status_callback_method="POST",
        status_callback_event="start end join leave hold mute",
    )


@twilio_signed
def outbound_agent() -> Response:
    """The agent answered their leg of a click-to-call: into the conference, and the customer
    dialled. A task that is over (the agent gave up meanwhile) just hangs up."""
    svc = services()
    task = call.task(svc, request.args.get("task", ""))
    response = VoiceResponse()
    if task is None or task["state"] != "assigned":
        response.hangup()
        return reply(response)
    dial_customer(svc, task)
    _agent_in_conference(response, task["id"])
    return reply(response)


@twilio_signed
def outbound_agent_status() -> Response:
    """The agent's leg of a click-to-call never answered: the call did not start, the task ends
    (the agent is free again; the record says 'canceled')."""
    svc = services()
    task = call.task(svc, request.args.get("task", ""))
    status = request.form.get("CallStatus", "")
    if task is not None and task["state"] == "assigned" and status in AGENT_LEG_FAILED:
        with contextlib.suppress(RoutingError):  # a retried webhook
            svc.router.complete(task["id"], outcome="canceled")
    return _empty()
