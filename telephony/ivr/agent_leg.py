"""The agent leg: when the router reserves an agent for a waiting call, the connector redirects
the call to `connect`, which dials the agent; `whisper` runs on the agent's leg when they answer
(the offer is accepted, the agent hears why the customer calls); `dialled` gets the outcome: the
survey after a conversation, or back on hold with the offer returned.
"""

from __future__ import annotations

import contextlib

from flask import Response, request
from twilio.twiml.voice_response import VoiceResponse

from telephony.ivr import call
from telephony.ivr.survey import survey_prompt
from telephony.ivr.twiml import hold_url, menu, reply, say, url
from telephony.routing.errors import RoutingError
from telephony.services import Services, services
from telephony.signature import twilio_signed


def _offer_task(svc: Services) -> tuple[str, dict | None]:
    """The offer in the URL and its task (None for a malformed or unknown offer)."""
    offer = request.args.get("offer", "")
    return offer, call.task(svc, offer.rsplit(".", 1)[0]) if "." in offer else None


@twilio_signed
def connect() -> Response:
    """Dial the reserved agent, with a whisper on their leg and the outcome to `dialled`."""
    svc = services()
    offer, task = _offer_task(svc)
    lang = task["language"] if task else call.lang()
    response = VoiceResponse()
    if task is None or task["state"] != "reserved" or task["offer"] != offer:
        response.redirect(hold_url(lang), method="POST")
        return reply(response)
    try:
        contact = svc.router.agent(task["agent"])["contact"]
    except RoutingError:
        contact = {}
    ring = max(5, int(task["offer_expires"] - svc.router.clock()))
    dial = response.dial(
        action=url("dialled", offer=offer, lang=lang),
        method="POST",
        timeout=ring,
        answer_on_bridge=True,
    )
    whisper_url = url("whisper", offer=offer)
    if contact.get("client"):
        dial.client(contact["client"], url=whisper_url, method="POST")
    elif contact.get("phone"):
        dial.number(contact["phone"], url=whisper_url, method="POST")
    else:  # nobody to ring: give the offer back at once
        response = VoiceResponse()
        response.redirect(url("dialled", offer=offer, lang=lang), method="POST")
    return reply(response)


@twilio_signed
def whisper() -> Response:
    """Runs on the agent's leg when they answer: the offer is accepted, then the agent hears the
    reason, the caller's language and VIP status. A stale offer hangs the agent leg up."""
    svc = services()
    offer, task = _offer_task(svc)
    response = VoiceResponse()
    if task is None:
        response.hangup()
        return reply(response)
    if not (task["state"] == "assigned" and task["offer"] == "" and task["agent"]):
        try:
            task = svc.router.accept_view(offer)
        except RoutingError:
            response.hangup()
            return reply(response)
    try:
        agent_langs = svc.router.agent(task["agent"])["languages"]
    except RoutingError:
        agent_langs = []
    lang = agent_langs[0] if agent_langs else svc.centre.default_language
    attrs = task["attributes"]
    topic = f"topic_{attrs.get('topic', 'general')}"
    ivr = menu()
    say(
        response,
        "whisper",
        lang,
        topic=ivr.text(topic if topic in ivr.prompts else "topic_general", lang),
        caller_language=ivr.text(f"language_name_{task['language']}", lang),
        vip=ivr.text("whisper_vip", lang) if attrs.get("vip") == "yes" else "",
        ref=ivr.text("whisper_ref", lang, ref=attrs["complaint_ref"])
        if attrs.get("complaint_ref")
        else "",
    )
    return reply(response)


@twilio_signed
def dialled() -> Response:
    """The agent leg ended: after a conversation, wrap-up and the survey; unanswered, the offer
    goes back and the caller keeps their place on hold."""
    svc = services()
    offer, task = _offer_task(svc)
    lang = task["language"] if task else call.lang()
    response = VoiceResponse()
    if (
        task is not None
        and task["state"] in ("assigned", "wrapping", "completed")
        and task.get("answered_at")
    ):
        if task["state"] == "assigned":
            with contextlib.suppress(RoutingError):  # the status callback got there first
                svc.router.complete(task["id"])
        return reply(survey_prompt(response, lang, 0))
    if task is not None and task["state"] == "reserved" and task["offer"] == offer:
        with contextlib.suppress(RoutingError):  # expired meanwhile: the timer gave it back already
            svc.router.reject(offer)
    response.redirect(hold_url(lang), method="POST")
    return reply(response)
