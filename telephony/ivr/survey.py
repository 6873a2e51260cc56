"""The survey after a conversation: the caller rates it 1 to 5 on the keypad, stored once on
the call's task as `csat`.
"""

from __future__ import annotations

from flask import Response, request
from twilio.twiml.voice_response import VoiceResponse

from telephony.ivr import call
from telephony.ivr.twiml import goodbye, keypad_prompt, menu, reply, say
from telephony.services import services
from telephony.signature import twilio_signed


def survey_prompt(response: VoiceResponse, lang: str, tries: int) -> VoiceResponse:
    """Ask for the rating."""
    return keypad_prompt(response, "survey", "survey", lang, tries)


@twilio_signed
def survey() -> Response:
    """The rating pressed; after `max_failures` of anything else, goodbye."""
    svc, lang, tries = services(), call.lang(), call.tries()
    digits = request.form.get("Digits", "")
    response = VoiceResponse()
    if digits in ("1", "2", "3", "4", "5"):
        task = call.task(svc, call.task_id(call.call_sid()))
        if task is not None and "csat" not in task["attributes"]:  # a retry finds it set
            svc.router.annotate(task["id"], {"csat": digits})
        say(response, "survey_thanks", lang)
        response.hangup()
        return reply(response)
    if tries + 1 >= menu().max_failures:
        return reply(goodbye(response, lang))
    say(response, "not_understood", lang)
    return reply(survey_prompt(response, lang, tries + 1))
