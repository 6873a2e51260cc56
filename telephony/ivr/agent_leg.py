"""The agent's leg: the connector dials the reserved agent (connector.py); their answer fetches
`agent`. A softphone's answer is the accept: the agent hears the whisper (why the customer calls,
their language, VIP) and joins the call's conference, and the waiting caller is moved in. A phone
is screened first: whisper and "press 1 to accept" (`agent_screen`), so that a voicemail or a
pocket answer never takes the call. `agent_status`, the leg's status callback, gives the call
back when the leg ends before the agent joined: the caller keeps their place on hold.
"""

from __future__ import annotations

import contextlib

from flask import Response, request
from twilio.twiml.voice_response import Gather, VoiceResponse

from telephony.call_state import leg_wanted
from telephony.ivr import call
from telephony.ivr.conference import conference_dial, connect_caller
from telephony.ivr.twiml import Speaker, gather, hold_url, menu, reply, say, url
from telephony.routing.errors import RoutingError
from telephony.services import Services, services
from telephony.signature import twilio_signed

LEG_OVER = ("completed", "busy", "no-answer", "failed", "canceled")
SCREEN_SECONDS = 8  # how long a phone leg's "press 1" waits


def _offer_task(svc: Services) -> tuple[str, dict | None]:
    """The offer in the URL and its task, when the leg is still for it: offered, or accepted
    (on the desk, or by this leg) and not yet bridged; None otherwise."""
    offer = request.args.get("offer", "")
    task = call.task(svc, offer.rsplit(".", 1)[0]) if "." in offer else None
    if task is None:
        return offer, None
    # a leg a transfer replaced is no longer the task's, whatever its offer says
    replaced = task["attributes"].get("agent_leg", "") not in ("", call.call_sid())
    return offer, task if leg_wanted(task, offer) and not replaced else None


def _accepted(svc: Services, offer: str, task: dict) -> dict | None:
    """The task accepted by `offer` (accepting it now if still offered); None when too late."""
    if task["state"] == "assigned":
        return task
    try:
        return svc.router.accept_view(offer)
    except RoutingError:
        return None


def _whisper(svc: Services, speaker: Speaker, task: dict) -> str:
    """Tell the agent, in their first language, why the customer calls; returns that language."""
    try:
        agent_langs = svc.router.agent(task["agent"])["languages"]
    except RoutingError:
        agent_langs = []
    lang = agent_langs[0] if agent_langs else svc.centre.default_language
    attrs = task["attributes"]
    topic = f"topic_{attrs.get('topic', 'general')}"
    ivr = menu()
    say(
        speaker,
        "whisper",
        lang,
        topic=ivr.text(topic if topic in ivr.prompts else "topic_general", lang),
        caller_language=ivr.text(f"language_name_{task['language']}", lang),
        vip=ivr.text("whisper_vip", lang) if attrs.get("vip") == "yes" else "",
        ref=ivr.text("whisper_ref", lang, ref=attrs["complaint_ref"])
        if attrs.get("complaint_ref")
        else "",
    )
    return lang


def _join(svc: Services, response: VoiceResponse, task: dict) -> Response:
    """The accepted agent into the conference; the caller follows."""
    connect_caller(svc, task)
    return reply(conference_dial(response, task, "agent", end_on_exit=False))


@twilio_signed
def agent() -> Response:
    """The agent answered their leg: a softphone accepts and joins; a phone is screened."""
    svc = services()
    offer, task = _offer_task(svc)
    response = VoiceResponse()
    if task is None:
        response.hangup()
        return reply(response)
    if not request.form.get("To", "").startswith("client:"):
        screen: Gather = response.gather(
            **gather(
                svc.centre.default_language,
                url("agent-screen", offer=offer),
                speech=False,
                timeout=SCREEN_SECONDS,
            )
        )
        lang = _whisper(svc, screen, task)
        say(screen, "whisper_accept", lang)
        response.hangup()  # nothing pressed: a voicemail or a pocket never takes the call
        return reply(response)
    accepted = _accepted(svc, offer, task)
    if accepted is None:
        response.hangup()
        return reply(response)
    _whisper(svc, response, accepted)
    return _join(svc, response, accepted)


@twilio_signed
def agent_screen() -> Response:
    """The screened agent pressed a key: 1 accepts (unless done on the desk) and joins."""
    svc = services()
    offer, task = _offer_task(svc)
    response = VoiceResponse()
    accepted = (
        _accepted(svc, offer, task)
        if task is not None and request.form.get("Digits", "") == "1"
        else None
    )
    if accepted is None:
        response.hangup()
        return reply(response)
    return _join(svc, response, accepted)


@twilio_signed
def agent_status() -> Response:
    """The agent leg's status callback: over before the call was bridged, the offer goes back
    (rejected while offered; unassigned once accepted) and the agent counts a missed offer."""
    svc = services()
    offer, task = _offer_task(svc)
    status = request.form.get("CallStatus", "")
    if task is None or status not in LEG_OVER:
        return reply(VoiceResponse())
    with contextlib.suppress(RoutingError):  # the timer or another callback got there first
        svc.router.annotate(task["id"], {"agent_leg_status": status})
        if task["state"] == "reserved":
            svc.router.reject(offer)
        else:
            svc.router.unassign(task["id"])
            caller = task["attributes"].get("call_sid", "")
            if caller and task["attributes"].get("customer_joined") == "yes":
                svc.outbox.redirect_call(caller, hold_url(task["language"]))
    return reply(VoiceResponse())
