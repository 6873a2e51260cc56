"""The conference per call (TaskRouter's conference instruction): the caller and the agent each
join the conference named after the task, and its status callback drives the task. Both joined:
the call is answered (`router.bridge`). The agent left: the talk is over (wrap-up) and the caller
hears the survey, unless a transfer takes the call on (call_control.py). The caller left: the
talk is over and the agent's leg is hung up.

The agent is known by their leg's call sid (`agent_leg`), not by the participant label: after a
transfer the new agent's leg is the one labelled `transfer`. Events of a conference other than
the task's own (`conference_sid`, stored at its first join; a transfer to a queue clears it, and
the next agent's conference is a new one) are ignored.

`connect_caller` moves a waiting caller into the conference once their agent is on the way in;
a task with no live caller (a callback, a click-to-call) dials the customer once the agent is in
(outbound.py). The caller hears that the call is recorded, and an "on" queue's recording starts,
as they join (recording.py).
"""

from __future__ import annotations

import contextlib

from flask import Response, request
from twilio.twiml.voice_response import VoiceResponse

from telephony.call_state import is_bridged
from telephony.ivr import call, call_control, recording
from telephony.ivr.outbound import dial_customer
from telephony.ivr.survey import survey_prompt
from telephony.ivr.twiml import goodbye, hold_url, reply, url
from telephony.routing.errors import RoutingError
from telephony.services import Services, services
from telephony.signature import twilio_signed

# the conference status callback's events (TwiML's statusCallbackEvent of <Conference>)
EVENTS = "start end join leave mute hold modify"
# the task attribute saying that side is in the conference now
JOINED = {"customer": "customer_joined", "agent": "agent_joined"}
JOIN_EVENTS = ("conference-start", "participant-join")


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
    if not task["attributes"].get("customer_leg"):  # a dialled customer: their call is this one
        svc.router.annotate(task["id"], {"customer_leg": call.call_sid()})
        task = svc.router.task(task["id"])
    recording.notice(response, task, task["language"])
    recording.start(svc, task)
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
        sid, stored = form.get("ConferenceSid", ""), task["attributes"].get("conference_sid", "")
        if not stored and sid.startswith("CF") and event in JOIN_EVENTS:
            svc.router.annotate(task["id"], {"conference_sid": sid})
        elif sid != stored:
            return reply(VoiceResponse())  # an earlier conference of the task, or not ours
        side = _side(task, label, form.get("CallSid", ""))
        if side and event == "participant-join":
            _joined(svc, task, side, form.get("CallSid", ""))
        elif side and event == "participant-leave":
            _left(svc, task, side)
    return reply(VoiceResponse())


def _side(task: dict, label: str, call_sid: str) -> str:
    """'agent', 'customer' or '' (a transfer target still ringing, a third party, a supervisor):
    the agent by their leg's sid once known, the customer by theirs or by label."""
    attrs = task["attributes"]
    if call_sid and call_sid == attrs.get("agent_leg"):
        return "agent"
    if call_sid and call_sid == attrs.get("customer_leg"):
        return "customer"
    return label if label in JOINED and not attrs.get(f"{label}_leg") else ""


def _joined(svc: Services, task: dict, side: str, call_sid: str) -> None:
    """One side is in: both in bridges the call; an agent in with no caller dials the customer."""
    leg = f"{side}_leg"
    svc.router.annotate(
        task["id"],
        {JOINED[side]: "yes", **({} if task["attributes"].get(leg) else {leg: call_sid})},
    )
    task = svc.router.task(task["id"])  # read after the write: one side sees both
    attrs = task["attributes"]
    if side == "agent" and not attrs.get("call_sid"):
        dial_customer(svc, task)  # once per try, however often asked
    if attrs.get(JOINED["customer"]) == "yes" and attrs.get(JOINED["agent"]) == "yes":
        svc.router.annotate(task["id"], {"bridged": "yes"})
        svc.router.bridge(task["id"])  # answered (once, however often the call is bridged)


def _left(svc: Services, task: dict, label: str) -> None:
    """The agent left a bridged call (no transfer under way): wrap-up, and the customer hears
    the survey. The customer left: the talk is over and the agent's leg ends."""
    was_bridged = is_bridged(task)
    svc.router.annotate(task["id"], {JOINED[label]: "", "bridged": ""})
    task = svc.router.task(task["id"])
    attrs = task["attributes"]
    if task["state"] != "assigned" or not was_bridged:
        return  # not bridged: the agent leg's own status callback gives the call back
    if label == "agent" and not call_control.agent_left(svc, task):
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
