"""Call recording, per queue (`Queue.recording` in the centre: "on", "off", "on_demand"): the
caller is told, an "on" queue's calls are recorded from the moment they are connected, an
"on_demand" queue's when the desk asks; the recording status callback puts the recording on the
task (so on the contact record) and, for a complaint call, on the case's timeline.

Dual channel, on the customer's leg: the caller on one channel, everyone else in the conference
on the other. The task carries `recording_sid`, `recording_state` ('in-progress', 'paused',
'stopped'), and once Twilio has it, `recording_url` and `recording_duration` (seconds).
"""

from __future__ import annotations

import logging

from flask import Response, request
from twilio.twiml.voice_response import VoiceResponse

from telephony.complaints import model
from telephony.complaints.store import case_store
from telephony.ivr import call
from telephony.ivr.call_control import live_call
from telephony.ivr.twiml import reply, say, url
from telephony.routing.errors import RoutingError
from telephony.services import Services, services
from telephony.signature import twilio_signed

log = logging.getLogger(__name__)
NOTICES = {"on": "recording_notice", "on_demand": "recording_may"}  # the prompt per setting
RECORDING = ("in-progress", "paused")  # a recording under way
# the desk's actions: the state each needs the recording in, and the state it leaves
ACTIONS = {
    "pause": (("in-progress",), "paused"),
    "resume": (("paused",), "in-progress"),
    "stop": (RECORDING, "stopped"),
}


def setting(svc: Services, task: dict) -> str:
    """The recording setting of the queue the call is in now."""
    return svc.centre.queues[task["queue"]].recording


def notice(response: VoiceResponse, task: dict, lang: str) -> VoiceResponse:
    """Tell the caller, in their language, that the call is recorded (or may be)."""
    prompt = NOTICES.get(setting(services(), task))
    if prompt:
        say(response, prompt, lang)
    return response


def start(svc: Services, task: dict) -> None:
    """Record the call of an "on" queue (for the customer's join; nothing for other queues).
    Once per call: a retried join, or the join after a transfer, finds it recording (the
    recording is the caller's call's, whatever conference it is in)."""
    attrs = task["attributes"]
    leg = attrs.get("customer_leg") or attrs.get("call_sid")  # an inbound caller's own call
    recording_now = attrs.get("recording_state") in RECORDING
    if setting(svc, task) == "on" and leg and not recording_now:
        _record(svc, task, leg)


def _record(svc: Services, task: dict, leg: str) -> None:
    svc.router.annotate(task["id"], {"recording_state": "in-progress", "recording_sid": ""})
    svc.outbox.rest(
        "record_call",
        {"call_sid": leg, "status_callback": url("recording", task=task["id"])},
        task=task["id"],
        store="recording_sid",
    )


def control(svc: Services, task: dict, action: str) -> None:
    """The desk's start, pause, resume or stop of an on-demand recording; an "on" queue's
    recording may be paused and resumed (card details, say), never started or stopped. A step
    the queue or the recording's state does not allow is a 409."""
    attrs = live_call(task)
    mode, state = setting(svc, task), attrs.get("recording_state", "")
    if mode == "off" or (mode == "on" and action in ("start", "stop")):
        shown = "records no calls" if mode == "off" else "records every call"
        raise RoutingError("state", f"queue {task['queue']} {shown}: no {action} from the desk")
    if action == "start":
        if state in RECORDING:
            raise RoutingError("state", "the call is being recorded already")
        _record(svc, task, attrs["customer_leg"])
        return
    needed, after = ACTIONS[action]
    if state not in needed:
        raise RoutingError("state", f"cannot {action} a recording that is {state or 'not there'}")
    if not attrs.get("recording_sid"):
        raise RoutingError("state", "the recording is still starting; try again")
    svc.router.annotate(task["id"], {"recording_state": after})
    svc.outbox.rest(
        "set_recording",
        {
            "call_sid": attrs["customer_leg"],
            "recording_sid": attrs["recording_sid"],
            "status": after,
        },
        task=task["id"],
    )


@twilio_signed
def recording() -> Response:
    """`/recording?task=T`: a finished recording. Twilio retries: a recording already on the
    task is not put on the case timeline again."""
    svc = services()
    task = call.task(svc, request.args.get("task", ""))
    form = request.form
    sid, link = form.get("RecordingSid", ""), form.get("RecordingUrl", "")
    if task is None or form.get("RecordingStatus", "completed") != "completed" or not link:
        return reply(VoiceResponse())
    attrs = task["attributes"]
    if attrs.get("recording_url") == link:
        return reply(VoiceResponse())
    duration = form.get("RecordingDuration", "0")
    seconds = int(duration) if duration.isdigit() else 0
    if attrs.get("complaint_ref"):
        now = svc.router.clock()
        try:
            case_store().apply(
                attrs["complaint_ref"],
                lambda case: model.call_recorded(case, task["id"], link, seconds, now),
            )
        except RoutingError:
            log.warning("no case %s for the recording of %s", attrs["complaint_ref"], task["id"])
    found = {"recording_url": link, "recording_duration": str(seconds)}
    recording_now = attrs.get("recording_state") in RECORDING
    if not recording_now or attrs.get("recording_sid") in ("", sid):  # not a later one's sid
        found["recording_sid"] = sid
    svc.router.annotate(task["id"], found)
    return reply(VoiceResponse())
