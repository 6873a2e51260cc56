"""The voice webhooks: language, menu, queueing, hold, callback, voicemail, agent leg, survey.

Only `/twilio/voice` (the number's Voice URL) and `/twilio/voice/status` (its status callback)
are configured in Twilio; every other URL is handed out in TwiML. Call state lives in the router
task `call-<CallSid>` and in the URL (language, tries; on hold, a hint of the call's place), so
any worker can answer any step, and a retried step finds its work done (deterministic task ids,
idempotency keys). Whatever arrives, the caller gets valid TwiML that ends in the centre's
default queue, never a 500; when even that keeps failing (the error path counts its rounds in
the URL), the caller hears an apology and the call ends rather than loop for ever.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import math
import re
from collections.abc import Callable
from importlib import resources
from typing import NamedTuple
from urllib.parse import urlencode
from xml.sax.saxutils import escape

from flask import Blueprint, Response, current_app, jsonify, request
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.exceptions import HTTPException

from telephony.complaints.store import case_store, next_reference, send_message
from telephony.customers import Customer, CustomerDirectory
from telephony.gateway import mask
from telephony.ivr.menu import Menu, Option, load_menu
from telephony.routing.errors import RoutingError
from telephony.services import Services, services
from telephony.signature import twilio_signed

log = logging.getLogger(__name__)
bp = Blueprint("voice", __name__, url_prefix="/twilio/voice")
CALL_SID = re.compile(r"^CA[0-9a-fA-F]{32}$")
WAITING = ("queued", "reserved")
ENDED = ("completed", "busy", "no-answer", "failed", "canceled")
URGENT_PRIORITY, VIP_PRIORITY = 50, 10
IDEMPOTENT_FOR = 86400  # seconds a webhook step stays marked as done
POSITION_SLOT = "@@position@@"  # where the hold loop's rendered TwiML takes the caller's place


@bp.record_once
def _load(state) -> None:
    svc = state.app.extensions["vero"]
    svc.centre.live_placement  # noqa: B018 -- a centre without one fails at start, not mid-call
    state.app.extensions["vero-ivr"] = load_menu(svc.centre, svc.settings.ivr_menu_path)
    state.app.extensions["vero-ivr-twiml"] = {}
    state.app.extensions["vero-ivr-hold"] = svc.redis.register_script(
        (resources.files("telephony.ivr") / "hold.lua").read_text())


def menu() -> Menu:
    return current_app.extensions["vero-ivr"]


# --- small helpers --------------------------------------------------------------------------

def _twiml(response: VoiceResponse | str) -> Response:
    return Response(str(response), mimetype="text/xml")


def _rendered(key: tuple[object, ...], build: Callable[[], VoiceResponse]) -> str:
    """TwiML that depends only on the menu, the public URL and `key`, rendered once per app:
    every caller hears the same prompts, and ElementTree is a large part of a webhook's time."""
    rendered = current_app.extensions["vero-ivr-twiml"]
    if key not in rendered:
        rendered[key] = str(build())
    return rendered[key]


def _url(endpoint: str, **query: object) -> str:
    """An absolute public URL for the next step (Twilio signs exactly this URL)."""
    base = services().settings.public_base_url
    tail = f"?{urlencode(query)}" if query else ""
    return f"{base}/twilio/voice/{endpoint}{tail}"


def _lang() -> str:
    lang = request.args.get("lang", "")
    centre = services().centre
    return lang if lang in centre.languages else centre.default_language


def _tries() -> int:
    value = request.args.get("try", "0")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 3 else 0


def _call_sid() -> str:
    """The CallSid, or for a garbled request a stable stand-in derived from the call's parties
    (so even such a call gets one task, however often it is retried)."""
    sid = request.form.get("CallSid", "")
    if CALL_SID.match(sid):
        return sid
    seed = "|".join(request.form.get(k, "") for k in ("From", "To", "AccountSid"))
    return "X" + hashlib.sha1(seed.encode()).hexdigest()[:32]


def _task_id(call_sid: str) -> str:
    return f"call-{call_sid}"


def _say(response: VoiceResponse | object, key: str, lang: str, **fields: object) -> None:
    _say_text(response, menu().text(key, lang, **fields), lang)


def _say_text(response: VoiceResponse | object, text: str, lang: str) -> None:
    voice = menu().voices[lang]
    response.say(text, voice=voice["voice"], language=voice["language"])


def _done(svc: Services, scope: str, ref: str) -> bool:
    """Whether a step with an outside effect was already applied (Twilio retries a webhook)."""
    return bool(svc.redis.exists(svc.router.keys.idempotency(scope, ref)))


def _mark_done(svc: Services, scope: str, ref: str) -> None:
    """Mark a step applied, after its work: a failure in between means it is done again on the
    retry (at least once), never not at all."""
    svc.redis.set(svc.router.keys.idempotency(scope, ref), "1", ex=IDEMPOTENT_FOR)


def _customer(svc: Services) -> Customer | None:
    return CustomerDirectory(svc.redis, svc.router.keys).lookup(request.form.get("From", ""))


def _task(svc: Services, task_id: str) -> dict | None:
    try:
        return svc.router.task(task_id)
    except RoutingError:
        return None


def _gather(lang: str, action: str, hints: tuple[str, ...] = (), num_digits: int = 1,
            speech: bool = True, timeout: int = 6):
    voice = menu().voices[lang]
    options = {"input": "dtmf speech" if speech else "dtmf", "action": action, "method": "POST",
               "num_digits": num_digits, "timeout": timeout}
    if speech:
        options.update(language=voice["language"], speech_timeout="auto",
                       hints=", ".join(hints) if hints else None)
    return options


# --- entry and language ---------------------------------------------------------------------

@bp.post("")
@twilio_signed
def incoming() -> Response:
    """The number's Voice URL: a known caller goes straight on in their language."""
    svc = services()
    customer = _customer(svc)
    log.info("call %s from %s", _call_sid(), mask(request.form.get("From", "")))
    response = VoiceResponse()
    if customer is not None and customer.language in svc.centre.languages:
        _say(response, "welcome", customer.language)
        return _twiml(_after_language(svc, response, customer.language))
    return _twiml(_rendered(("language", 0), lambda: _language_prompt(response, 0)))


def _language_prompt(response: VoiceResponse, tries: int) -> VoiceResponse:
    """Each language offers itself in its own voice; speech is recognised in the default one."""
    centre, ivr = services().centre, menu()
    hints = tuple(w for _, words in ivr.language_options.values() for w in words)
    gather = response.gather(**_gather(centre.default_language, _url("language", **{"try": tries}),
                                       hints))
    for lang in centre.languages:
        _say(gather, "welcome", lang)
        _say(gather, "choose_language", lang)
    response.redirect(_url("language", **{"try": tries}), method="POST")
    return response


@bp.post("/language")
@twilio_signed
def language() -> Response:
    svc, tries = services(), _tries()
    lang = menu().match_language(request.form.get("Digits", ""),
                                 request.form.get("SpeechResult", ""))
    response = VoiceResponse()
    if lang is not None:
        return _twiml(_after_language(svc, response, lang))
    if tries + 1 >= menu().max_failures:
        lang = svc.centre.default_language
        _say(response, "to_general", lang)
        return _twiml(_queue(svc, response, lang, None))
    return _twiml(_language_prompt(response, tries + 1))


def _is_open(svc: Services) -> bool:
    now = dt.datetime.fromtimestamp(svc.router.clock(), dt.UTC)
    return svc.centre.is_open(now)


def _after_language(svc: Services, response: VoiceResponse, lang: str) -> VoiceResponse:
    if not _is_open(svc):
        return _closed_prompt(response, lang, 0)
    return _menu_prompt(response, lang, "main", 0)


# --- menu -----------------------------------------------------------------------------------

def _menu_prompt(response: VoiceResponse, lang: str, name: str, tries: int) -> VoiceResponse:
    prompt, options = menu().menus[name]
    hints = tuple(w for o in options.values() for w in o.speech[lang])
    action = _url("choice", lang=lang, menu=name, **{"try": tries})
    gather = response.gather(**_gather(lang, action, hints))
    _say(gather, prompt, lang)
    response.redirect(action, method="POST")
    return response


@bp.post("/choice")
@twilio_signed
def choice() -> Response:
    svc, lang, tries = services(), _lang(), _tries()
    name = request.args.get("menu", "main")
    if name not in menu().menus:
        name = "main"
    option = menu().match(name, lang, request.form.get("Digits", ""),
                          request.form.get("SpeechResult", ""))
    response = VoiceResponse()
    if option is not None and option.menu:
        return _twiml(_menu_prompt(response, lang, option.menu, 0))
    if option is not None:
        return _twiml(_queue(svc, response, lang, option))
    if tries + 1 >= menu().max_failures:
        _say(response, "to_general", lang)
        return _twiml(_queue(svc, response, lang, None))
    _say(response, "not_understood", lang)
    return _twiml(_menu_prompt(response, lang, name, tries + 1))


# --- into the queue -------------------------------------------------------------------------

def _placement(customer: Customer | None, option: Option | None) -> tuple[str, int]:
    """Queue and priority: urgent complaints jump every queue; known customers go to their
    segment's queue when the centre has one (see `Placement`), VIP members first in any queue;
    everyone else where the menu sent them (the centre's default queue without a choice)."""
    centre = services().centre
    queue = option.queue if option is not None else centre.default_queue
    priority = option.priority if option is not None else 0
    if priority >= URGENT_PRIORITY or customer is None:
        return queue, priority
    queue = centre.customer_queue(customer.segment, customer.vip) or queue
    return queue, max(priority, VIP_PRIORITY) if customer.vip else priority


def _queue(svc: Services, response: VoiceResponse, lang: str,
           option: Option | None) -> VoiceResponse:
    sid = _call_sid()
    customer = _customer(svc)
    queue, priority = _placement(customer, option)
    attributes = {"call_sid": sid, "from": request.form.get("From", ""),
                  "to": request.form.get("To", ""), "topic": option.topic if option else "general",
                  "vip": "yes" if customer and customer.vip else "no"}
    if customer is not None:
        attributes["customer"] = customer.name
    if option is not None and option.complaint:
        attributes["complaint_ref"] = _complaint_ref(svc, sid)
    task_id = _task_id(sid)
    _enqueue_once(svc, task_id, queue, lang, priority, attributes=attributes)
    if "complaint_ref" in attributes:  # the case; the receipt is sent below, in the call
        case_store().open_from_task(svc.router.task(task_id), actor="ivr", confirm=False,
                                    description=menu().text(f"topic_{option.topic}", lang))
    if priority >= URGENT_PRIORITY:
        _say(response, "urgent", lang)
    if "complaint_ref" in attributes:
        ref = attributes["complaint_ref"]
        _confirm_complaint(svc, sid, lang, ref)
        _say(response, "complaint_reference", lang, spoken=_spoken(ref))
    _say(response, "connecting", lang)
    response.redirect(_hold_url(lang, Place(queue, 0, lang, queue)), method="POST")
    return response


def _enqueue_once(svc: Services, task_id: str, queue: str, lang: str, priority: int, *,
                  created: float | None = None, attributes: dict[str, str]) -> None:
    """Enqueue with a deterministic id: a retried webhook finds the task already there."""
    try:
        svc.router.enqueue(task_id, "voice", queue, lang, priority, created=created,
                           attributes=attributes)
    except RoutingError as exc:
        if exc.code != "exists":
            raise


def _complaint_ref(svc: Services, call_sid: str) -> str:
    """CMP-<year>-<6 digits>, one per call however often the step is retried."""
    key = svc.router.keys.idempotency("complaint-ref", call_sid)
    existing = svc.redis.get(key)
    if existing:
        return existing.decode()
    year = dt.datetime.fromtimestamp(svc.router.clock(), svc.centre.tz).year
    ref = next_reference(svc.redis, svc.router.keys, year)
    if svc.redis.set(key, ref, nx=True, ex=IDEMPOTENT_FOR * 30):
        return ref
    return svc.redis.get(key).decode()


def _spoken(ref: str) -> str:
    """Digits read one by one ('C M P, 2 0 2 5, 0 0 0 0 4 2')."""
    return ", ".join(" ".join(part) for part in ref.split("-"))


def _confirm_complaint(svc: Services, call_sid: str, lang: str, ref: str) -> None:
    """The reference by WhatsApp (SMS if that fails), once; a failure never breaks the call."""
    caller, number = request.form.get("From", ""), request.form.get("To", "")
    if not caller or _done(svc, "complaint-message", call_sid):
        return
    body = menu().text("complaint_message", lang, ref=ref)
    send_message(svc.gateway, caller, body, menu().complaint_channel, number)
    _mark_done(svc, "complaint-message", call_sid)


# --- waiting --------------------------------------------------------------------------------

class Place(NamedTuple):
    """Where a waiting call sits (always on the voice channel): its position is read there, its
    estimate from the counters of the queue it came in by."""
    queue: str
    step: int
    language: str
    origin: str

    @classmethod
    def of(cls, task: dict) -> Place:
        return cls(task["queue"], task["step"], task["language"], task["origin_queue"])


def _hold_url(lang: str, place: Place | None = None, failures: int = 0) -> str:
    """The hold loop's URL, with the call's place as a hint that saves `hold` a round trip, or
    (from the error path) the number of failed rounds so far."""
    if failures:
        return _url("hold", lang=lang, **{"try": failures})
    if place is None:
        return _url("hold", lang=lang)
    return _url("hold", lang=lang, queue=place.queue, step=place.step, origin=place.origin)


def _hinted_place(svc: Services, lang: str) -> Place | None:
    """The place the hold URL was handed out with. Twilio signs the URL, so the hint is ours,
    but the call may have moved on since: `hold` compares it with the task."""
    args, queues = request.args, svc.centre.queues
    queue, step, origin = args.get("queue", ""), args.get("step", ""), args.get("origin", "")
    if queue in queues and origin in queues and step.isascii() and step.isdigit() and len(step) < 3:
        return Place(queue, int(step), lang, origin)
    return None


def _read_hold(svc: Services, task_id: str, place: Place) -> tuple[dict | None, list]:
    """The task, and what its estimate needs at `place` (the rank on that step's wait list,
    today's answer counters of the queue it came in by; not the whole `queue_stats`), in one call:
    see hold.lua."""
    router = svc.router
    day, _ = router.local_bucket(router.clock())
    prefix = f"{place.origin}|voice|day|"  # counters as stats.py reads them
    keys = [router.keys.tasks(),
            router.layout.wait_key(place.queue, "voice", place.step, place.language),
            router.keys.stats(day)]
    script = current_app.extensions["vero-ivr-hold"]
    raw, *reads = script(keys=keys, args=[task_id, prefix + "answered", prefix + "wait_sum"])
    return (json.loads(raw) if raw is not None else None), reads


def _estimate(svc: Services, rank: int | None, answered: bytes | None,
              wait_sum: bytes | None) -> tuple[int, int]:
    """(position, minutes): rank among those waiting on the step, times today's average answer
    wait of the queue (the answer target when nothing is known yet)."""
    position = (rank or 0) + 1
    asa = float(wait_sum) / float(answered) if answered and float(answered) else 0.0
    per_caller = asa or svc.centre.answer_target_seconds
    return position, max(1, math.ceil(position * per_caller / 60))


@bp.post("/hold")
@twilio_signed
def hold() -> Response:
    """Every caller on hold asks this every loop, so it takes one round trip: the task and, at
    the place its URL hints, what the estimate needs. A call that has moved costs a second one."""
    svc, lang = services(), _lang()
    task_id, hint = _task_id(_call_sid()), _hinted_place(svc, lang)
    task, reads = (_read_hold(svc, task_id, hint) if hint is not None
                   else (_task(svc, task_id), []))
    response = VoiceResponse()
    if task is None and _tries() >= menu().max_failures:  # the error path came round again
        return _twiml(_give_up(response, lang))
    if task is None:  # a call we do not know: politely into the default queue
        _say(response, "to_general", lang)
        return _twiml(_queue(svc, response, lang, None))
    place = Place.of(task)
    if task["state"] == "assigned":  # the agent leg is being set up
        response.pause(length=2)
        response.redirect(_hold_url(lang, place), method="POST")
        return _twiml(response)
    if task["state"] not in WAITING:
        _say(response, "goodbye", lang)
        response.hangup()
        return _twiml(response)
    if place != hint:  # no hint, or the call has moved since the URL was handed out
        _, reads = _read_hold(svc, task_id, place)
    position, minutes = _estimate(svc, *reads)
    fallback = task.get("fallback") if task.get("fallback") in ("callback", "voicemail") else ""
    said = menu().text("position", lang, position=position, minutes=minutes)
    template = _rendered(("hold", lang, fallback, place),
                         lambda: _hold_prompt(lang, fallback, place))
    return _twiml(template.replace(POSITION_SLOT, escape(said), 1))


def _hold_prompt(lang: str, fallback: str, place: Place) -> VoiceResponse:
    """The hold loop with POSITION_SLOT for the announcement of the caller's place."""
    ivr, response = menu(), VoiceResponse()
    gather = response.gather(**_gather(lang, _url("hold-choice", lang=lang), speech=False,
                                       timeout=1))
    _say_text(gather, POSITION_SLOT, lang)
    if fallback:
        _say(gather, f"fallback_{fallback}", lang)
    _say(gather, "hold_options", lang)
    if ivr.hold_music:
        gather.play(ivr.hold_music)
    else:
        gather.pause(length=ivr.announce_every)
    response.redirect(_hold_url(lang, place), method="POST")
    return response


@bp.post("/hold-choice")
@twilio_signed
def hold_choice() -> Response:
    digits = request.form.get("Digits", "")
    if digits == "1":
        return _twiml(_callback(services(), _lang()))
    if digits == "2":
        return _twiml(_voicemail(services(), _lang()))
    response = VoiceResponse()
    response.redirect(_hold_url(_lang()), method="POST")
    return _twiml(response)


def _callback(svc: Services, lang: str) -> VoiceResponse:
    """Leave the line but keep the place: the call task ends as 'callback' and a callback task
    with the same creation time (hence the same place) takes over."""
    sid = _call_sid()
    task = _task(svc, _task_id(sid))
    if task is not None and task["state"] in WAITING:
        with contextlib.suppress(RoutingError):  # a retry: already handed over
            svc.router.cancel(task["id"], "callback")
    queue, priority = _placement(_customer(svc), None)
    created = None
    attributes = {"callback_to": request.form.get("From", ""), "call_sid": "",
                  "origin_task": _task_id(sid)}
    if task is not None:
        queue, priority, created = task["queue"], task["priority"], task["created"]
        attributes = {**task["attributes"], **attributes}
    _enqueue_once(svc, f"cb-{sid}", queue, lang, priority, created=created,
                  attributes=attributes)
    response = VoiceResponse()
    _say(response, "callback_confirmed", lang)
    response.hangup()
    return response


def _voicemail(svc: Services, lang: str) -> VoiceResponse:
    """The caller records a message; the call task ends as 'voicemail' (created first when the
    caller never queued, e.g. after hours) and later gets the recording URL."""
    sid = _call_sid()
    task = _task(svc, _task_id(sid))
    if task is None:
        queue, priority = _placement(_customer(svc), None)
        _enqueue_once(svc, _task_id(sid), queue, lang, priority,
                      attributes={"call_sid": sid, "from": request.form.get("From", "")})
        task = svc.router.task(_task_id(sid))
    if task["state"] in WAITING:
        with contextlib.suppress(RoutingError):  # a retry
            svc.router.cancel(task["id"], "voicemail")
    response = VoiceResponse()
    _say(response, "voicemail_prompt", lang)
    response.record(action=_url("voicemail-done", lang=lang), method="POST", max_length=120,
                    finish_on_key="#", play_beep=True)
    _say(response, "voicemail_saved", lang)
    response.hangup()
    return response


@bp.post("/voicemail-done")
@twilio_signed
def voicemail_done() -> Response:
    svc, lang = services(), _lang()
    recording = request.form.get("RecordingUrl", "")
    task_id = _task_id(_call_sid())
    if recording.startswith("https://") and _task(svc, task_id) is not None:
        svc.router.annotate(task_id, {"voicemail_url": recording})
    response = VoiceResponse()
    _say(response, "voicemail_saved", lang)
    response.hangup()
    return _twiml(response)


# --- after hours ----------------------------------------------------------------------------

def _closed_prompt(response: VoiceResponse, lang: str, tries: int) -> VoiceResponse:
    action = _url("closed-choice", lang=lang, **{"try": tries})
    gather = response.gather(**_gather(lang, action, speech=False))
    _say(gather, "closed", lang)
    response.redirect(action, method="POST")
    return response


@bp.post("/closed-choice")
@twilio_signed
def closed_choice() -> Response:
    svc, lang, tries = services(), _lang(), _tries()
    digits = request.form.get("Digits", "")
    if digits == "1":
        return _twiml(_callback(svc, lang))
    if digits == "2" or tries + 1 >= menu().max_failures:
        return _twiml(_voicemail(svc, lang))
    response = VoiceResponse()
    _say(response, "not_understood", lang)
    return _twiml(_closed_prompt(response, lang, tries + 1))


# --- the agent leg (the connector redirects the call here) ----------------------------------

def _offer_task(svc: Services) -> tuple[str, dict | None]:
    offer = request.args.get("offer", "")
    return offer, _task(svc, offer.rsplit(".", 1)[0]) if "." in offer else None


@bp.post("/connect")
@twilio_signed
def connect() -> Response:
    """Dial the reserved agent, with a whisper on their leg and the outcome to `dialled`."""
    svc = services()
    offer, task = _offer_task(svc)
    lang = task["language"] if task else _lang()
    response = VoiceResponse()
    if task is None or task["state"] != "reserved" or task["offer"] != offer:
        response.redirect(_hold_url(lang), method="POST")
        return _twiml(response)
    try:
        contact = svc.router.agent(task["agent"])["contact"]
    except RoutingError:
        contact = {}
    ring = max(5, int(task["offer_expires"] - svc.router.clock()))
    dial = response.dial(action=_url("dialled", offer=offer, lang=lang), method="POST",
                         timeout=ring, answer_on_bridge=True)
    whisper = _url("whisper", offer=offer)
    if contact.get("client"):
        dial.client(contact["client"], url=whisper, method="POST")
    elif contact.get("phone"):
        dial.number(contact["phone"], url=whisper, method="POST")
    else:  # nobody to ring: give the offer back at once
        response = VoiceResponse()
        response.redirect(_url("dialled", offer=offer, lang=lang), method="POST")
    return _twiml(response)


@bp.post("/whisper")
@twilio_signed
def whisper() -> Response:
    """Runs on the agent's leg when they answer: the offer is accepted, then the agent hears the
    reason, the caller's language and VIP status. A stale offer hangs the agent leg up."""
    svc = services()
    offer, task = _offer_task(svc)
    response = VoiceResponse()
    if task is None:
        response.hangup()
        return _twiml(response)
    if not (task["state"] == "assigned" and task["offer"] == "" and task["agent"]):
        try:
            task = svc.router.task(svc.router.accept(offer).id)
        except RoutingError:
            response.hangup()
            return _twiml(response)
    try:
        agent_langs = svc.router.agent(task["agent"])["languages"]
    except RoutingError:
        agent_langs = []
    lang = agent_langs[0] if agent_langs else svc.centre.default_language
    attrs = task["attributes"]
    topic = f"topic_{attrs.get('topic', 'general')}"
    ivr = menu()
    _say(response, "whisper", lang,
         topic=ivr.text(topic if topic in ivr.prompts else "topic_general", lang),
         caller_language=ivr.text(f"language_name_{task['language']}", lang),
         vip=ivr.text("whisper_vip", lang) if attrs.get("vip") == "yes" else "",
         ref=ivr.text("whisper_ref", lang, ref=attrs["complaint_ref"])
         if attrs.get("complaint_ref") else "")
    return _twiml(response)


@bp.post("/dialled")
@twilio_signed
def dialled() -> Response:
    """The agent leg ended: after a conversation, wrap-up and the survey; unanswered, the offer
    goes back and the caller keeps their place on hold."""
    svc = services()
    offer, task = _offer_task(svc)
    lang = task["language"] if task else _lang()
    response = VoiceResponse()
    if task is not None and task["state"] in ("assigned", "wrapping", "completed") \
            and task.get("answered_at"):
        if task["state"] == "assigned":
            with contextlib.suppress(RoutingError):  # the status callback got there first
                svc.router.complete(task["id"])
        return _twiml(_survey_prompt(response, lang, 0))
    if task is not None and task["state"] == "reserved" and task["offer"] == offer:
        with contextlib.suppress(RoutingError):  # expired meanwhile: the timer gave it back already
            svc.router.reject(offer)
    response.redirect(_hold_url(lang), method="POST")
    return _twiml(response)


# --- survey ---------------------------------------------------------------------------------

def _survey_prompt(response: VoiceResponse, lang: str, tries: int) -> VoiceResponse:
    action = _url("survey", lang=lang, **{"try": tries})
    gather = response.gather(**_gather(lang, action, speech=False))
    _say(gather, "survey", lang)
    response.redirect(action, method="POST")
    return response


@bp.post("/survey")
@twilio_signed
def survey() -> Response:
    svc, lang, tries = services(), _lang(), _tries()
    digits = request.form.get("Digits", "")
    response = VoiceResponse()
    if digits in ("1", "2", "3", "4", "5"):
        task = _task(svc, _task_id(_call_sid()))
        if task is not None and "csat" not in task["attributes"]:  # a retry finds it set
            svc.router.annotate(task["id"], {"csat": digits})
        _say(response, "survey_thanks", lang)
        response.hangup()
        return _twiml(response)
    if tries + 1 >= menu().max_failures:
        _say(response, "goodbye", lang)
        response.hangup()
        return _twiml(response)
    _say(response, "not_understood", lang)
    return _twiml(_survey_prompt(response, lang, tries + 1))


# --- status callback ------------------------------------------------------------------------

@bp.post("/status")
@twilio_signed
def status() -> Response:
    """The call ended: still waiting means abandoned; still talking means the talk is over."""
    svc = services()
    if request.form.get("CallStatus", "") in ENDED:
        task = _task(svc, _task_id(_call_sid()))
        try:
            if task is not None and task["state"] in WAITING:
                svc.router.cancel(task["id"], "abandoned")
            elif task is not None and task["state"] == "assigned":
                svc.router.complete(task["id"])
        except RoutingError:
            pass  # a retry, or the other webhook closed it first
    return _twiml(VoiceResponse())


def _give_up(response: VoiceResponse, lang: str) -> VoiceResponse:
    """The end of the error path: an apology and a hang-up, instead of another round."""
    _say(response, "goodbye", lang)
    response.hangup()
    return response


@bp.errorhandler(Exception)
def _any_error(exc: Exception):
    """Whatever went wrong, the caller hears an apology and waits for the default queue; the
    hold URL counts these rounds, and after `max_failures` of them the call ends."""
    if isinstance(exc, HTTPException):  # the 403 of the signature check stays a 403
        return jsonify(error=exc.description), exc.code
    log.exception("voice webhook %s failed", request.path)
    response = VoiceResponse()
    lang = _lang()
    failures = _tries() + 1 if request.path.endswith("/hold") else 1
    if failures >= menu().max_failures:
        return _twiml(_give_up(response, lang))
    _say(response, "to_general", lang)
    response.pause(length=2)
    response.redirect(_hold_url(lang, failures=failures), method="POST")
    return _twiml(response)
