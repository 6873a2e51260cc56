"""The conference per call (TaskRouter's conference instruction): the caller and the agent each
join the conference named after the task, and its status callback drives the task. Both joined:
the call is answered (`router.bridge`). The agent left: the talk is over (wrap-up) and the caller
hears the survey. The caller left: the talk is over and the agent's leg is hung up.

`connect_caller` moves a waiting caller into the conference once their agent is on the way in;
a task with no live caller (a callback) dials the customer once the agent is in (customer_leg.py).
"""

from __future__ import annotations

import contextlib

from flask import Response, request
from twilio.twiml.voice_response import VoiceResponse

from telephony.ivr import call
from telephony.ivr.customer_leg import dial_customer
from telephony.ivr.survey import survey_prompt
from telephony.ivr.twiml import goodbye, hold_url, reply, url
from telephony.routing.errors import RoutingError
from telephony.services import Services, services
from telephony.signature import twilio_signed

# the conference status callback's events (TwiML's statusCallbackEvent of <Conference>)
EVENTS = "start end join leave mute hold modify"
# the task attribute saying a participant of that label is in the conference now
JOINED = {"customer": "customer_joined", "agent": "agent_joined"}


def conference_dial(
    response: VoiceResponse,
    task: dict,
    label: str,
    *,
    end_on_exit: bool,
    action: str | None = None,
) -> VoiceResponse:
    """`<Dial><Conference>` into the task's conference as `label`, with the status callback."""
    lang = task["language"]
    dial = response.dial(action=action, method="POST") if action else response.dial()
    dial.conference(
        task["id"],
        participant_label=label,
        start_conference_on_enter=True,
        end_conference_on_exit=end_on_exit,
        beep=False,
        wait_url=url("hold-music", lang=lang),
        wait_method="POST",
        status_callback=url("conference", task=task["id"]),
        status_callback_method="POST",
        status_callback_event=EVENTS,
    )
    return response


def connect_caller(svc: Services, task: dict) -> None:
    """The agent is joining: a waiting caller is redirected into the conference (once per
    offer). A callback's customer is dialled when the agent is in (see `conference`)."""
    caller = task["attributes"].get("call_sid", "")
    ref = f"{task['id']}|{task['attributes'].get('agent_leg_offer', '')}"
    if not caller or call.done(svc, "join", ref):
        return
    svc.router.annotate(task["id"], {"customer_leg": caller})
    svc.outbox.redirect_call(caller, url("join", task=task["id"], lang=task["language"]))
    call.mark_done(svc, "join", ref)


def _task(svc: Services) -> dict | None:
    task_id = request.args.get("task", "")
    return call.task(svc, task_id) if task_id else None


@twilio_signed
def join() -> Response:
    """The customer's TwiML (the caller redirected, or a callback's dialled customer): into the
    conference once their agent is assigned; back on hold (a caller) or goodbye otherwise."""
    svc = services()
    task = _task(svc)
    response = VoiceResponse()
    if task is None:
        return reply(goodbye(response, call.lang()))
    if task["state"] != "assigned":
        if task["attributes"].get("call_sid") == call.call_sid():
            response.redirect(hold_url(task["language"]), method="POST")
            return reply(response)
        return reply(goodbye(response, task["language"]))
    action = url("after-call", task=task["id"], lang=task["language"])
    return reply(conference_dial(response, task, "customer", end_on_exit=True, action=action))


@twilio_signed
def conference() -> Response:
    """The conference status callback (Twilio's participant-join / participant-leave / …)."""
    svc = services()
    task = _task(svc)
    form = request.form
    event, label = form.get("StatusCallbackEvent", ""), form.get("ParticipantLabel", "")
    if task is None:
        return reply(VoiceResponse())
    with contextlib.suppress(RoutingError):  # the task ended meanwhile, or a retried event
        sid = form.get("ConferenceSid", "")
        if sid.startswith("CF") and not task["attributes"].get("conference_sid"):
            svc.router.annotate(task["id"], {"conference_sid": sid})
        if label in JOINED and event == "participant-join":
            _joined(svc, task, label, form.get("CallSid", ""))
        elif label in JOINED and event == "participant-leave":
            _left(svc, task, label)
    return reply(VoiceResponse())


def _joined(svc: Services, task: dict, label: str, call_sid: str) -> None:
    """One side is in: both in bridges the call; an agent in with no caller dials the customer."""
    svc.router.annotate(task["id"], {JOINED[label]: "yes"})
    attrs = svc.router.task(task["id"])["attributes"]  # read after the write: one side sees both
    if label == "agent" and not attrs.get("call_sid") and not call.done(svc, "dial", call_sid):
        dial_customer(svc, task, attempt=1)
        call.mark_done(svc, "dial", call_sid)
    if attrs.get(JOINED["customer"]) == "yes" and attrs.get(JOINED["agent"]) == "yes":
        svc.router.bridge(task["id"])


def _left(svc: Services, task: dict, label: str) -> None:
    """The agent left a bridged call (no transfer under way): wrap-up, and the customer hears
    the survey. The customer left: the talk is over and the agent's leg ends."""
    svc.router.annotate(task["id"], {JOINED[label]: ""})
    task = svc.router.task(task["id"])
    attrs = task["attributes"]
    if task["state"] != "assigned" or not task.get("answered_at"):
        return  # not bridged: the agent leg's own status callback gives the call back
    if label == "agent" and attrs.get("transfer_pending") != "yes":
        svc.router.complete(task["id"])
        customer = attrs.get("customer_leg") or attrs.get("call_sid", "")
        if customer:
            svc.outbox.redirect_call(
                customer, url("after-call", task=task["id"], lang=task["language"])
            )
    elif label == "customer":
        svc.router.complete(task["id"])
        if attrs.get("agent_leg"):
            svc.outbox.rest("end_call", {"call_sid": attrs["agent_leg"]}, task=task["id"])


@twilio_signed
def after_call() -> Response:
    """The customer's way out of the conference: the survey after a conversation with an agent
    (a callback's customer hears goodbye), else back on hold."""
    svc = services()
    task = _task(svc)
    lang = task["language"] if task else call.lang()
    response = VoiceResponse()
    if task is None:
        return reply(goodbye(response, lang))
    live = task["attributes"].get("call_sid") == call.call_sid()
    if task.get("answered_at"):
        if task["state"] == "assigned":
            with contextlib.suppress(RoutingError):  # the conference callback got there first
                svc.router.complete(task["id"])
        return reply(survey_prompt(response, lang, 0) if live else goodbye(response, lang))
    if live and task["state"] in (*call.WAITING, "assigned"):
        response.redirect(hold_url(lang), method="POST")
        return reply(response)
    return reply(goodbye(response, lang))
