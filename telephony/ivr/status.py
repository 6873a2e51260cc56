"""The number's status callback (configured in Twilio): when a call ends, a task still waiting
was abandoned, and one still talking has finished its conversation.
"""

from __future__ import annotations

from flask import Response, request
from twilio.twiml.voice_response import VoiceResponse

from telephony.ivr import call
from telephony.ivr.twiml import reply
from telephony.routing.errors import RoutingError
from telephony.services import services
from telephony.signature import twilio_signed

ENDED = ("completed", "busy", "no-answer", "failed", "canceled")


@twilio_signed
def status() -> Response:
    """The call ended: still waiting means abandoned; still talking means the talk is over."""
    svc = services()
    if request.form.get("CallStatus", "") in ENDED:
        task = call.task(svc, call.task_id(call.call_sid()))
        try:
            if task is not None and task["state"] in call.WAITING:
                svc.router.cancel(task["id"], "abandoned")
            elif task is not None and task["state"] == "assigned":
                svc.router.complete(task["id"])
        except RoutingError:
            pass  # a retry, or the other webhook closed it first
    return reply(VoiceResponse())
