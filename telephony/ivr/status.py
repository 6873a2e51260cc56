"""The number's status callback (configured in Twilio): when a call ends, a task still waiting
was abandoned, and one whose agent took it has finished its talk; an agent's leg still ringing
or talking for it is hung up. The call's end is put on the task (`call_ended`): the contact
record waits for it, so that a survey answered after wrap-up is in it (contact_log.py).
"""

from __future__ import annotations

import contextlib

from flask import Response, request
from twilio.twiml.voice_response import VoiceResponse

from telephony.ivr import call
from telephony.ivr.twiml import reply
from telephony.routing.errors import RoutingError
from telephony.services import Services, services
from telephony.signature import twilio_signed

ENDED = ("completed", "busy", "no-answer", "failed", "canceled")


@twilio_signed
def status() -> Response:
    """The call ended: still waiting means abandoned; assigned means the talk is over."""
    svc = services()
    if request.form.get("CallStatus", "") in ENDED:
        task = call.task(svc, call.task_id(call.call_sid()))
        with contextlib.suppress(RoutingError):  # a retry, or the other webhook closed it first
            if task is not None:
                svc.router.annotate(task["id"], {"call_ended": "yes"})
                _end_talk(svc, task)
    return reply(VoiceResponse())


def _end_talk(svc: Services, task: dict) -> None:
    attrs = task["attributes"]
    leg = attrs.get("agent_leg", "")
    if task["state"] in call.WAITING:
        ringing = task["state"] == "reserved" and attrs.get("agent_leg_offer") == task["offer"]
        svc.router.cancel(task["id"], "abandoned")
        if leg and ringing and not attrs.get("agent_leg_status"):
            svc.outbox.rest("end_call", {"call_sid": leg}, task=task["id"])
    elif task["state"] == "assigned":
        svc.router.complete(task["id"])
        if leg and not attrs.get("agent_leg_status"):
            svc.outbox.rest("end_call", {"call_sid": leg}, task=task["id"])
