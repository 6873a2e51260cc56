"""The TwiML every step of a call is built from: the menu's texts in the caller's voice,
<Gather> options, absolute next-step URLs (the hold loop's with the call's place as a hint),
TwiML rendered once per app, and the goodbye that ends a call.

The menu and the rendered TwiML live in the app's extensions (set up by `voice.bp`), so every
worker builds the same prompts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import urlencode

from flask import Response, current_app
from flask.sansio.app import App
from twilio.twiml.voice_response import VoiceResponse

from telephony.ivr.call import Place
from telephony.ivr.menu import Menu
from telephony.services import services

MENU, RENDERED = "vero-ivr", "vero-ivr-twiml"  # the app's extensions


class Speaker(Protocol):
    """A TwiML verb that can hold <Say>: the response itself or a <Gather>."""

    def say(self, message: str, **kwargs: Any) -> object: ...


def init_app(app: App, loaded: Menu) -> None:
    """The menu for every step, and an empty cache of rendered TwiML."""
    app.extensions[MENU] = loaded
    app.extensions[RENDERED] = {}


def menu() -> Menu:
    return current_app.extensions[MENU]


def reply(response: VoiceResponse | str) -> Response:
    """The HTTP response Twilio expects for a TwiML document."""
    return Response(str(response), mimetype="text/xml")


def rendered(key: tuple[object, ...], build: Callable[[], VoiceResponse]) -> str:
    """TwiML that depends only on the menu, the public URL and `key`, rendered once per app:
    every caller hears the same prompts, and ElementTree is a large part of a webhook's time."""
    cache = current_app.extensions[RENDERED]
    if key not in cache:
        cache[key] = str(build())
    return cache[key]


def url(endpoint: str, **query: object) -> str:
    """An absolute public URL for the next step (Twilio signs exactly this URL)."""
    base = services().settings.public_base_url
    tail = f"?{urlencode(query)}" if query else ""
    return f"{base}/twilio/voice/{endpoint}{tail}"


def hold_url(lang: str, place: Place | None = None, failures: int = 0) -> str:
    """The hold loop's URL, with the call's place as a hint that saves `hold` a round trip, or
    (from the error path) the number of failed rounds so far."""
    if failures:
        return url("hold", lang=lang, **{"try": failures})
    if place is None:
        return url("hold", lang=lang)
    return url("hold", lang=lang, queue=place.queue, step=place.step, origin=place.origin)


def say(response: Speaker, key: str, lang: str, **fields: object) -> None:
    """The menu's prompt `key` in the caller's language and voice."""
    say_text(response, menu().text(key, lang, **fields), lang)


def say_text(response: Speaker, text: str, lang: str) -> None:
    voice = menu().voices[lang]
    response.say(text, voice=voice["voice"], language=voice["language"])


def gather(
    lang: str,
    action: str,
    hints: tuple[str, ...] = (),
    num_digits: int = 1,
    speech: bool = True,
    timeout: int = 6,
) -> dict[str, Any]:
    """The keyword arguments of a <Gather>: keypad, and speech in the caller's language."""
    voice = menu().voices[lang]
    options: dict[str, Any] = {
        "input": "dtmf speech" if speech else "dtmf",
        "action": action,
        "method": "POST",
        "num_digits": num_digits,
        "timeout": timeout,
    }
    if speech:
        options.update(
            language=voice["language"],
            speech_timeout="auto",
            hints=", ".join(hints) if hints else None,
        )
    return options


def keypad_prompt(
    response: VoiceResponse, endpoint: str, prompt: str, lang: str, tries: int
) -> VoiceResponse:
    """A question answered on the keypad only, asked again (by `endpoint`, with no digits)
    when the caller presses nothing."""
    action = url(endpoint, lang=lang, **{"try": tries})
    options = response.gather(**gather(lang, action, speech=False))
    say(options, prompt, lang)
    response.redirect(action, method="POST")
    return response


def goodbye(response: VoiceResponse, lang: str) -> VoiceResponse:
    """The end of a call: goodbye and a hang-up (also the end of the error path, instead of
    another round)."""
    say(response, "goodbye", lang)
    response.hangup()
    return response
