"""After hours (the centre's opening hours and holidays, `Centre.is_open`): no queue, but a
callback (1) or voicemail (2, also after `max_failures` of anything else).
"""

from __future__ import annotations

from flask import Response, request
from twilio.twiml.voice_response import VoiceResponse

from telephony.ivr import call
from telephony.ivr.callback import callback
from telephony.ivr.twiml import keypad_prompt, menu, reply, say
from telephony.ivr.voicemail import voicemail
from telephony.services import services
from telephony.signature import twilio_signed


def closed_prompt(response: VoiceResponse, lang: str, tries: int) -> VoiceResponse:
    """We are closed: press 1 for a callback, 2 for voicemail."""
    return keypad_prompt(response, "closed-choice", "closed", lang, tries)


@twilio_signed
def closed_choice() -> Response:
    svc, lang, tries = services(), call.lang(), call.tries()
    digits = request.form.get("Digits", "")
    if digits == "1":
        return reply(callback(svc, lang))
    if digits == "2" or tries + 1 >= menu().max_failures:
        return reply(voicemail(svc, lang))
    response = VoiceResponse()
    say(response, "not_understood", lang)
    return reply(closed_prompt(response, lang, tries + 1))
