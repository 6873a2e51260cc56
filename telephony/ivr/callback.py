"""A callback instead of waiting (pressed on hold or after hours): the caller hangs up but keeps
their place: a callback task (`kind=callback`) with the call's creation time, in the call's
queue. Once an agent has it, telephony/ivr/outbound.py dials the customer and retries.
"""

from __future__ import annotations

import contextlib

from flask import request
from twilio.twiml.voice_response import VoiceResponse

from telephony.call_state import without_call_state
from telephony.ivr import call
from telephony.ivr.placement import enqueue_once, placement
from telephony.ivr.twiml import say
from telephony.routing.errors import RoutingError
from telephony.services import Services


def callback(svc: Services, lang: str) -> VoiceResponse:
    """Leave the line but keep the place: the call task ends as 'callback' and a callback task
    with the same creation time (hence the same place) takes over."""
    sid = call.call_sid()
    task = call.task(svc, call.task_id(sid))
    if task is not None and task["state"] in call.WAITING:
        with contextlib.suppress(RoutingError):  # a retry: already handed over
            svc.router.cancel(task["id"], "callback")
    queue, priority = placement(call.customer(svc), None)
    created = None
    attributes = {
        "kind": "callback",
        "callback_to": request.form.get("From", ""),
        "to": request.form.get("To", ""),  # the number called: the callback comes from it
        "call_sid": "",
        "origin_task": call.task_id(sid),
    }
    if task is not None:
        queue, priority, created = task["queue"], task["priority"], task["created"]
        attributes = {**without_call_state(task["attributes"]), **attributes}
    enqueue_once(svc, f"cb-{sid}", queue, lang, priority, created=created, attributes=attributes)
    response = VoiceResponse()
    say(response, "callback_confirmed", lang)
    response.hangup()
    return response
