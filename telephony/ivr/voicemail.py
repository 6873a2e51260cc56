"""Voicemail instead of waiting (pressed on hold, or after hours): the caller records a message,
and the call's task, ended as 'voicemail', gets the recording's URL for an agent to listen to.
"""

from __future__ import annotations

import contextlib

from flask import Response, request
from twilio.twiml.voice_response import VoiceResponse

from telephony.ivr import call
from telephony.ivr.placement import enqueue_once, placement
from telephony.ivr.twiml import reply, say, url
from telephony.routing.errors import RoutingError
from telephony.services import Services, services
from telephony.signature import twilio_signed


def voicemail(svc: Services, lang: str) -> VoiceResponse:
    """The caller records a message; the call task ends as 'voicemail' (created first when the
    caller never queued, e.g. after hours) and later gets the recording URL."""
    sid = call.call_sid()
    task = call.task(svc, call.task_id(sid))
    if task is None:
        queue, priority = placement(call.customer(svc), None)
        enqueue_once(
            svc,
            call.task_id(sid),
            queue,
            lang,
            priority,
            attributes={"call_sid": sid, "from": request.form.get("From", "")},
        )
        task = svc.router.task(call.task_id(sid))
    if task["state"] in call.WAITING:
        with contextlib.suppress(RoutingError):  # a retry
            svc.router.cancel(task["id"], "voicemail")
    response = VoiceResponse()
    say(response, "voicemail_prompt", lang)
    response.record(
        action=url("voicemail-done", lang=lang),
        method="POST",
        max_length=120,
        finish_on_key="#",
        play_beep=True,
    )
    say(response, "voicemail_saved", lang)
    response.hangup()
    return response


@twilio_signed
def voicemail_done() -> Response:
    """The recording is ready: its URL goes on the call's task."""
    svc, lang = services(), call.lang()
    recording = request.form.get("RecordingUrl", "")
    task_id = call.task_id(call.call_sid())
    if recording.startswith("https://") and call.task(svc, task_id) is not None:
        svc.router.annotate(task_id, {"voicemail_url": recording})
    response = VoiceResponse()
    say(response, "voicemail_saved", lang)
    response.hangup()
    return reply(response)
