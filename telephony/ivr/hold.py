"""The hold loop: every waiting caller (and one whose agent's leg is being set up) comes back
here after each pause (`announce_every`) or round of hold music to hear their position and
estimated wait (read in one round trip by `hold.lua`), and may press 1 for a callback or 2 for
voicemail instead of waiting on. `hold_music` is what a caller held in the conference hears.
"""

from __future__ import annotations

import json
import math
from importlib import resources
from xml.sax.saxutils import escape

import redis
from flask import Response, current_app, request
from flask.sansio.app import App
from twilio.twiml.voice_response import VoiceResponse

from telephony.call_state import is_bridged
from telephony.ivr import call
from telephony.ivr.call import Place
from telephony.ivr.callback import callback
from telephony.ivr.placement import queue_call
from telephony.ivr.twiml import gather, goodbye, hold_url, menu, rendered, reply, say, say_text, url
from telephony.ivr.voicemail import voicemail
from telephony.services import Services, services
from telephony.signature import twilio_signed

SCRIPT = "vero-ivr-hold"  # the app's extension holding the registered hold.lua
POSITION_SLOT = "@@position@@"  # where the hold loop's rendered TwiML takes the caller's place


def init_app(app: App, client: redis.Redis) -> None:
    """Register hold.lua once per app (its key schema is in its header)."""
    app.extensions[SCRIPT] = client.register_script(
        (resources.files("telephony.ivr") / "hold.lua").read_text()
    )


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
    keys = [
        router.keys.tasks(),
        router.layout.wait_key(place.queue, "voice", place.step, place.language),
        router.keys.stats(day),
    ]
    script = current_app.extensions[SCRIPT]
    raw, *reads = script(keys=keys, args=[task_id, prefix + "answered", prefix + "wait_sum"])
    return (json.loads(raw) if raw is not None else None), reads


def _estimate(
    svc: Services, rank: int | None, answered: bytes | None, wait_sum: bytes | None
) -> tuple[int, int]:
    """(position, minutes): rank among those waiting on the step, times today's average answer
    wait of the queue (the answer target when nothing is known yet)."""
    position = (rank or 0) + 1
    asa = float(wait_sum) / float(answered) if answered and wait_sum and float(answered) else 0.0
    per_caller = asa or svc.centre.answer_target_seconds
    return position, max(1, math.ceil(position * per_caller / 60))


@twilio_signed
def hold() -> Response:
    """Every caller on hold asks this every loop, so it takes one round trip: the task and, at
    the place its URL hints, what the estimate needs. A call that has moved costs a second one."""
    svc, lang = services(), call.lang()
    task_id, hint = call.task_id(call.call_sid()), _hinted_place(svc, lang)
    task, reads = (
        _read_hold(svc, task_id, hint) if hint is not None else (call.task(svc, task_id), [])
    )
    response = VoiceResponse()
    if task is None and call.tries() >= menu().max_failures:  # the error path came round again
        return reply(goodbye(response, lang))
    if task is None:  # a call we do not know: politely into the default queue
        say(response, "to_general", lang)
        return reply(queue_call(svc, response, lang, None))
    place = Place.of(task)
    if not on_hold(task):
        return reply(goodbye(response, lang))
    if place != hint:  # no hint, or the call has moved since the URL was handed out
        _, reads = _read_hold(svc, task_id, place)
    position, minutes = _estimate(svc, *reads)
    fallback = task["fallback"] if task.get("fallback") in ("callback", "voicemail") else ""
    said = menu().text("position", lang, position=position, minutes=minutes)
    template = rendered(
        ("hold", lang, fallback, place), lambda: _hold_prompt(lang, fallback, place)
    )
    return reply(template.replace(POSITION_SLOT, escape(said), 1))


def _hold_prompt(lang: str, fallback: str, place: Place) -> VoiceResponse:
    """The hold loop with POSITION_SLOT for the announcement of the caller's place."""
    ivr, response = menu(), VoiceResponse()
    options = response.gather(
        **gather(lang, url("hold-choice", lang=lang), speech=False, timeout=1)
    )
    say_text(options, POSITION_SLOT, lang)
    if fallback:
        say(options, f"fallback_{fallback}", lang)
    say(options, "hold_options", lang)
    if ivr.hold_music:
        options.play(ivr.hold_music)
    else:
        options.pause(length=ivr.announce_every)
    response.redirect(hold_url(lang, place), method="POST")
    return response


def on_hold(task: dict) -> bool:
    """Waiting, or accepted while the agent's leg is set up (not yet bridged): the caller
    hears the hold loop."""
    return task["state"] in call.WAITING or (task["state"] == "assigned" and not is_bridged(task))


@twilio_signed
def hold_choice() -> Response:
    """A key pressed on hold: 1 a callback, 2 voicemail, anything else back to waiting. Once an
    agent has taken the call, the caller waits for them."""
    digits = request.form.get("Digits", "")
    task = call.task(services(), call.task_id(call.call_sid()))
    if task is not None and task["state"] == "assigned":
        digits = ""
    if digits == "1":
        return reply(callback(services(), call.lang()))
    if digits == "2":
        return reply(voicemail(services(), call.lang()))
    response = VoiceResponse()
    response.redirect(hold_url(call.lang()), method="POST")
    return reply(response)


@twilio_signed
def hold_music() -> Response:
    """What a caller in the conference hears while held, or before the agent is there
    (`hold_url` of a participant update, `waitUrl` of the conference): Twilio allows only
    Play, Say, Pause and Redirect here."""
    lang = call.lang()
    return reply(rendered(("hold-music", lang), lambda: _music(lang)))


def _music(lang: str) -> VoiceResponse:
    ivr, response = menu(), VoiceResponse()
    say(response, "on_hold", lang)
    if ivr.hold_music:
        response.play(ivr.hold_music)
    else:
        response.pause(length=ivr.announce_every)
    response.redirect(url("hold-music", lang=lang), method="POST")
    return response
