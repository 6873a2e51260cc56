"""The voice webhooks' blueprint `bp`: the call's entry (language, menu) and the map of every URL
of a call to the module that answers it.

Only `/twilio/voice` (the number's Voice URL) and `/twilio/voice/status` (its status callback)
are configured in Twilio; every other URL is handed out in TwiML. Call state lives in the router
task `call-<CallSid>` and in the URL (language, tries; on hold, a hint of the call's place), so
any worker can answer any step, and a retried step finds its work done (deterministic task ids,
idempotency keys). Whatever arrives, the caller gets valid TwiML that ends in the centre's
default queue, never a 500; when even that keeps failing (the error path counts its rounds in
the URL), the caller hears an apology and the call ends rather than loop for ever.

Where to look (add an IVR option: menu.yaml, validated by menu.py; nothing here changes):

    menu.yaml, menu.py   the prompts and options, loaded and checked at start
    voice.py             entry: language choice, open or closed, the menus (this module)
    placement.py         which queue and priority, the enqueue (complaint.py: its reference)
    hold.py, hold.lua    the hold loop: position and wait, 1 callback, 2 voicemail; hold music
    callback.py          a callback task that keeps the caller's place
    outbound.py          dialling a customer (callback, click-to-call), retries when unanswered
    voicemail.py         the recording becomes a voicemail task, its transcription on it
    after_hours.py       closed: callback or voicemail
    agent_leg.py         the agent's leg (dialled by connector.py): whisper, screening, accept
    conference.py        the conference per call: caller in, bridge, wrap-up, the way out
    survey.py            the rating after a conversation
    status.py            the status callback: abandoned or finished
    call.py, twiml.py    what every step shares: the call's state, and TwiML building
"""

from __future__ import annotations

import datetime as dt
import logging

from flask import Blueprint, Response, jsonify, request
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.exceptions import HTTPException

from telephony.gateway import mask
from telephony.ivr import (
    after_hours,
    agent_leg,
    call,
    call_control,
    conference,
    hold,
    outbound,
    placement,
    recording,
    status,
    survey,
    twiml,
    voicemail,
)
from telephony.ivr.menu import load_menu
from telephony.ivr.twiml import gather, menu, rendered, reply, say, url
from telephony.services import Services, services
from telephony.signature import twilio_signed

log = logging.getLogger(__name__)
bp = Blueprint("voice", __name__, url_prefix="/twilio/voice")


@bp.record_once
def _load(state: BlueprintSetupState) -> None:
    """The menu, the TwiML cache and hold.lua, once per app."""
    svc = state.app.extensions["vero"]
    svc.centre.live_placement  # noqa: B018 -- a centre without one fails at start, not mid-call
    twiml.init_app(state.app, load_menu(svc.centre, svc.settings.ivr_menu_path))
    hold.init_app(state.app, svc.redis)


# --- entry and language ---------------------------------------------------------------------


@twilio_signed
def incoming() -> Response:
    """The number's Voice URL: a known caller goes straight on in their language."""
    svc = services()
    customer = call.customer(svc)
    log.info("call %s from %s", call.call_sid(), mask(request.form.get("From", "")))
    response = VoiceResponse()
    if customer is not None and customer.language in svc.centre.languages:
        say(response, "welcome", customer.language)
        return reply(_after_language(svc, response, customer.language))
    return reply(rendered(("language", 0), lambda: _language_prompt(response, 0)))


def _language_prompt(response: VoiceResponse, tries: int) -> VoiceResponse:
    """Each language offers itself in its own voice; speech is recognised in the default one."""
    centre, ivr = services().centre, menu()
    hints = tuple(w for _, words in ivr.language_options.values() for w in words)
    options = response.gather(
        **gather(centre.default_language, url("language", **{"try": tries}), hints)
    )
    for lang in centre.languages:
        say(options, "welcome", lang)
        say(options, "choose_language", lang)
    response.redirect(url("language", **{"try": tries}), method="POST")
    return response


@twilio_signed
def language() -> Response:
    """The language chosen; after `max_failures` of no choice, the default one and queue."""
    svc, tries = services(), call.tries()
    lang = menu().match_language(
        request.form.get("Digits", ""), request.form.get("SpeechResult", "")
    )
    response = VoiceResponse()
    if lang is not None:
        return reply(_after_language(svc, response, lang))
    if tries + 1 >= menu().max_failures:
        lang = svc.centre.default_language
        say(response, "to_general", lang)
        return reply(placement.queue_call(svc, response, lang, None))
    return reply(_language_prompt(response, tries + 1))


def _is_open(svc: Services) -> bool:
    now = dt.datetime.fromtimestamp(svc.router.clock(), dt.UTC)
    return svc.centre.is_open(now)


def _after_language(svc: Services, response: VoiceResponse, lang: str) -> VoiceResponse:
    if not _is_open(svc):
        return after_hours.closed_prompt(response, lang, 0)
    return _menu_prompt(response, lang, "main", 0)


# --- menu -----------------------------------------------------------------------------------


def _menu_prompt(response: VoiceResponse, lang: str, name: str, tries: int) -> VoiceResponse:
    prompt, choices = menu().menus[name]
    hints = tuple(w for o in choices.values() for w in o.speech[lang])
    action = url("choice", lang=lang, menu=name, **{"try": tries})
    options = response.gather(**gather(lang, action, hints))
    say(options, prompt, lang)
    response.redirect(action, method="POST")
    return response


@twilio_signed
def choice() -> Response:
    """An option of menu `name`: a sub-menu, or into its queue; after `max_failures` of no
    option, the default queue."""
    svc, lang, tries = services(), call.lang(), call.tries()
    name = request.args.get("menu", "main")
    if name not in menu().menus:
        name = "main"
    option = menu().match(
        name, lang, request.form.get("Digits", ""), request.form.get("SpeechResult", "")
    )
    response = VoiceResponse()
    if option is not None and option.menu:
        return reply(_menu_prompt(response, lang, option.menu, 0))
    if option is not None:
        return reply(placement.queue_call(svc, response, lang, option))
    if tries + 1 >= menu().max_failures:
        say(response, "to_general", lang)
        return reply(placement.queue_call(svc, response, lang, None))
    say(response, "not_understood", lang)
    return reply(_menu_prompt(response, lang, name, tries + 1))


# --- every URL of a call --------------------------------------------------------------------

VIEWS = {  # all POSTed by Twilio; each endpoint keeps its view's name (voice.incoming, voice.hold)
    "": incoming,
    "/language": language,
    "/choice": choice,
    "/closed-choice": after_hours.closed_choice,
    "/hold": hold.hold,
    "/hold-choice": hold.hold_choice,
    "/voicemail-done": voicemail.voicemail_done,
    "/hold-music": hold.hold_music,
    "/agent": agent_leg.agent,
    "/agent-screen": agent_leg.agent_screen,
    "/agent-status": agent_leg.agent_status,
    "/join": conference.join,
    "/conference": conference.conference,
    "/after-call": conference.after_call,
    "/survey": survey.survey,
    "/status": status.status,
    "/transcription": voicemail.transcription,
    "/customer-status": outbound.customer_status,
    "/customer-unreached": outbound.customer_unreached,
    "/outbound-agent": outbound.outbound_agent,
    "/outbound-agent-status": outbound.outbound_agent_status,
    "/participant-status": call_control.participant_status,
    "/recording": recording.recording,
}
for _rule, _view in VIEWS.items():
    bp.add_url_rule(_rule, view_func=_view, methods=["POST"])


@bp.errorhandler(Exception)
def _any_error(exc: Exception) -> ResponseReturnValue:
    """Whatever went wrong, the caller hears an apology and waits for the default queue; the
    hold URL counts these rounds, and after `max_failures` of them the call ends."""
    if isinstance(exc, HTTPException):  # the 403 of the signature check stays a 403
        return jsonify(error=exc.description), exc.code or 500
    log.exception("voice webhook %s failed", request.path)
    response = VoiceResponse()
    lang = call.lang()
    failures = call.tries() + 1 if request.path.endswith("/hold") else 1
    if failures >= menu().max_failures:
        return reply(twiml.goodbye(response, lang))
    say(response, "to_general", lang)
    response.pause(length=2)
    response.redirect(twiml.hold_url(lang, failures=failures), method="POST")
    return reply(response)
