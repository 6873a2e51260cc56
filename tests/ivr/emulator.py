"""A small Twilio emulator for tests: signs every webhook as Twilio does, plays TwiML verb by
verb (following <Redirect> and <Gather action>), and sends status callbacks.

It stops where a real call would wait for the caller (a <Gather>, a <Record>, a <Dial>) or end
(<Hangup>, or the end of the document) and records what the caller heard.
"""

from __future__ import annotations

import secrets
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator

MAX_REDIRECTS = 20


def new_sid(prefix: str = "CA") -> str:
    return prefix + secrets.token_hex(16)


class Emulator:
    def __init__(self, client: FlaskClient, auth_token: str, base_url: str) -> None:
        self.client = client
        self.validator = RequestValidator(auth_token)
        self.base_url = base_url.rstrip("/")

    def post(self, url: str, params: dict[str, str], *, signature: str | None = None,
             headers: dict[str, str] | None = None):
        """POST like Twilio: form-encoded, signed over the full URL and the sorted params."""
        if not url.startswith("http"):
            url = self.base_url + url
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        sig = self.validator.compute_signature(url, params) if signature is None else signature
        return self.client.post(path, data=params,
                                headers={"X-Twilio-Signature": sig, **(headers or {})})

    def call(self, caller: str, number: str = "+622150001234") -> Call:
        return Call(self, new_sid(), caller, number)


@dataclass
class Call:
    emulator: Emulator
    sid: str
    caller: str
    number: str
    heard: list[str] = field(default_factory=list)
    waiting: ET.Element | None = None  # the verb the call now waits on
    after: list[ET.Element] = field(default_factory=list)  # verbs after it in the document
    ended: bool = False
    statuses: list[int] = field(default_factory=list)

    def params(self, **extra: str) -> dict[str, str]:
        return {"CallSid": self.sid, "AccountSid": "AC" + "0" * 32, "From": self.caller,
                "To": self.number, "Direction": "inbound", "CallStatus": "in-progress", **extra}

    def start(self) -> Call:
        return self.fetch("/twilio/voice")

    def fetch(self, url: str, **extra: str) -> Call:
        """Request TwiML (Voice URL, an action, a REST redirect) and play it."""
        reply = self.emulator.post(url, self.params(**extra))
        self.statuses.append(reply.status_code)
        assert reply.status_code == 200, (reply.status_code, reply.data[:300])
        assert reply.mimetype == "text/xml"
        self.play(list(ET.fromstring(reply.data)))
        return self

    def play(self, verbs: list[ET.Element], depth: int = 0) -> None:
        assert depth < MAX_REDIRECTS, "redirect loop"
        self.waiting, self.after = None, []
        for i, verb in enumerate(verbs):
            if verb.tag == "Say":
                self.heard.append(verb.text or "")
            elif verb.tag == "Gather":
                self.heard += [v.text or "" for v in verb if v.tag == "Say"]
                self.waiting, self.after = verb, verbs[i + 1:]
                return
            elif verb.tag in ("Record", "Dial"):
                self.waiting, self.after = verb, verbs[i + 1:]
                return
            elif verb.tag == "Redirect":
                reply = self.emulator.post(verb.text, self.params())
                assert reply.status_code == 200, (reply.status_code, reply.data[:300])
                self.play(list(ET.fromstring(reply.data)), depth + 1)
                return
            elif verb.tag == "Hangup":
                self.ended = True
                return
        self.ended = True

    def _gather_action(self) -> str:
        assert self.waiting is not None and self.waiting.tag == "Gather", self.waiting
        return self.waiting.get("action")

    def press(self, digits: str) -> Call:
        return self.fetch(self._gather_action(), Digits=digits)

    def speak(self, text: str) -> Call:
        assert "speech" in self.waiting.get("input", ""), "this gather takes no speech"
        return self.fetch(self._gather_action(), SpeechResult=text, Confidence="0.9")

    def silence(self) -> Call:
        """No input: Twilio goes on with the verbs after the <Gather>."""
        assert self.waiting is not None
        self.play(self.after)
        return self

    def record(self, url: str = "https://api.twilio.com/rec/RE1") -> Call:
        assert self.waiting is not None and self.waiting.tag == "Record"
        return self.fetch(self.waiting.get("action"), RecordingUrl=url,
                          RecordingDuration="7", Digits="#")

    def dial_target(self) -> tuple[str, str, str]:
        """(noun, identity or number, whisper URL) of the waiting <Dial>."""
        assert self.waiting is not None and self.waiting.tag == "Dial"
        noun = self.waiting[0]
        return noun.tag, (noun.text or "").strip(), noun.get("url")

    def agent_answers(self) -> list[str]:
        """The agent leg picks up: Twilio fetches the whisper URL on that leg."""
        _, _, url = self.dial_target()
        reply = self.emulator.post(url, self.params(CallSid=new_sid(), ParentCallSid=self.sid))
        assert reply.status_code == 200
        return [v.text or "" for v in ET.fromstring(reply.data) if v.tag == "Say"] + [
            v.tag for v in ET.fromstring(reply.data) if v.tag == "Hangup"]

    def dial_ends(self, status: str = "completed", duration: str = "60") -> Call:
        assert self.waiting is not None and self.waiting.tag == "Dial"
        return self.fetch(self.waiting.get("action"), DialCallStatus=status,
                          DialCallDuration=duration)

    def hang_up(self, status: str = "completed") -> int:
        self.ended = True
        reply = self.emulator.post("/twilio/voice/status",
                                   self.params(CallStatus=status, CallDuration="42"))
        return reply.status_code

    def said(self, fragment: str) -> bool:
        return any(fragment in text for text in self.heard)
