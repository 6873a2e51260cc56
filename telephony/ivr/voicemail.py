"""Voicemail instead of waiting (pressed on hold, or after hours): the caller records a message,
the call's task ends as 'voicemail', and the recording becomes work: a voicemail task
(`vm-<CallSid>`, `kind=voicemail`) routed like the call would have been (the queue of the IVR
branch the caller was in, their language, priority and place), which an agent takes on the desk,
listens to (`recording_url`), reads (`transcription`, when the centre has Twilio transcribe
messages) and completes, closing its contact record.
"""

from __future__ import annotations

import contextlib

from flask import Response, request
from twilio.twiml.voice_response import VoiceResponse

from telephony.call_state import without_call_state
from telephony.ivr import call
from telephony.ivr.placement import enqueue_once, placement
from telephony.ivr.twiml import reply, say, url
from telephony.routing.errors import RoutingError
from telephony.services import Services, services
from telephony.signature import twilio_signed


def voicemail_task_id(sid: str) -> str:
    """The voicemail task of call `sid`: deterministic, so a retried webhook finds it."""
    return f"vm-{sid}"


def voicemail(svc: Services, lang: str) -> VoiceResponse:
    """The caller records a message; the call task ends as 'voicemail' (created first when the
    caller never queued, e.g. after hours: it says where the message goes)."""
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
            attributes={
                "call_sid": sid,
                "from": request.form.get("From", ""),
                "to": request.form.get("To", ""),
            },
        )
        task = svc.router.task(call.task_id(sid))
    if task["state"] in call.WAITING:
        with contextlib.suppress(RoutingError):  # a retry
            svc.router.cancel(task["id"], "voicemail")
    settings = svc.centre.voicemail
    transcription = (
        {
            "transcribe": True,
            "transcribe_callback": url("transcription", task=voicemail_task_id(sid)),
        }
        if settings.transcribe
        else {}
    )
    response = VoiceResponse()
    say(response, "voicemail_prompt", lang)
    response.record(
        action=url("voicemail-done", lang=lang),
        method="POST",
        max_length=settings.max_seconds,
        finish_on_key="#",
        play_beep=True,
        **transcription,
    )
    say(response, "voicemail_saved", lang)
    response.hangup()
    return response


@twilio_signed
def voicemail_done() -> Response:
    """The recording is ready: a voicemail task for an agent, made from the call's task."""
    svc, lang = services(), call.lang()
    recording = request.form.get("RecordingUrl", "")
    sid = call.call_sid()
    origin = call.task(svc, call.task_id(sid))
    if recording.startswith("https://") and origin is not None:
        svc.router.annotate(origin["id"], {"voicemail_url": recording})
        attributes = {
            **without_call_state(origin["attributes"]),
            "kind": "voicemail",
            "call_sid": "",  # the call is over: nobody to connect
            "origin_task": origin["id"],
            "recording_url": recording,
            "recording_sid": request.form.get("RecordingSid", ""),
            "recording_duration": request.form.get("RecordingDuration", ""),
        }
        enqueue_once(
            svc,
            voicemail_task_id(sid),
            origin["origin_queue"],
            origin["language"],
            origin["priority"],
            created=origin["created"],
            attributes=attributes,
        )
    response = VoiceResponse()
    say(response, "voicemail_saved", lang)
    response.hangup()
    return reply(response)


@twilio_signed
def transcription() -> Response:
    """Twilio's transcription of a message (minutes later): onto the voicemail task, or onto
    the call's task when it comes first (the voicemail task copies it from there)."""
    svc = services()
    task_id = request.args.get("task", "")
    status = request.form.get("TranscriptionStatus", "")
    text = request.form.get("TranscriptionText", "") if status == "completed" else ""
    found = call.task(svc, task_id) if task_id.startswith("vm-") else None
    target = found["id"] if found else call.task_id(call.call_sid())
    with contextlib.suppress(RoutingError):  # neither task known: nothing to note it on
        svc.router.annotate(target, {"transcription": text, "transcription_status": status})
    return reply(VoiceResponse())
