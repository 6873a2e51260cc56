"""A small Twilio emulator for tests and `vero demo`: signs every webhook as Twilio does, plays
TwiML verb by verb (following <Redirect> and <Gather action>), sends status callbacks, and stands
in for Twilio's REST API (a recorder of Calls create / update, conference participants, Messages
create).

Conferences are played as Twilio runs them: `<Dial><Conference>` joins the named conference
(participants by label, with their hold, mute and coaching state), and every change posts the
conference's status callback (conference-start / -end, participant-join / -leave / -hold /
-unhold / -mute / -unmute / -modify with ConferenceSid, FriendlyName, CallSid, ParticipantLabel,
Hold, Muted, Coaching). A participant with endConferenceOnExit ends it: the others' <Dial> ends.
An outbound leg (REST Calls.create, or a participant added by REST) is a `Call` the test answers
(`answer`: Twilio fetches its Url, or joins its conference), leaves ringing (`no_answer`) or
hangs up; such a leg posts its own status callback when it ends. A recording started by REST
(Calls(sid).recordings.create) runs until it is stopped or its call ends; then its status
callback is posted (RecordingSid, RecordingUrl, RecordingDuration, RecordingChannels=2), as
Twilio does once the audio is stored.

A call stops where a real call would wait for the caller (a <Gather>, a <Record>, a <Dial>) or end
(<Hangup>, or the end of the document) and records what the caller heard. Webhooks go to a Flask
test client or, through `HttpClient`, to a real server; a REST call update is queued on the call,
which fetches the new TwiML when its driver next looks (`Call.wait_for_update`), as Twilio
interrupts whatever the call was playing.
"""

from __future__ import annotations

import json
import queue
import secrets
import threading
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qs, urlencode, urlsplit

from twilio.request_validator import RequestValidator

MAX_REDIRECTS = 20


class EmulatorError(AssertionError):
    """Vero answered something Twilio would not accept (a failed check, as in a test)."""


def _expect(condition: object, *details: object) -> None:
    if not condition:
        raise EmulatorError(*details)


def _required(value: str | None, what: str) -> str:
    """`value`, which Twilio needs (EmulatorError when the TwiML left it out)."""
    if value is None:
        raise EmulatorError(f"no {what}")
    return value


def new_sid(prefix: str = "CA", token: str | None = None) -> str:
    """A Twilio-shaped sid; `token` (32 hex digits) makes it deterministic."""
    return prefix + (token or secrets.token_hex(16))


class Reply(Protocol):
    status_code: int
    mimetype: str | None
    data: bytes


class Client(Protocol):
    """What the emulator posts through: a Flask test client, or `HttpClient`."""

    def post(self, path: str, *, data: dict[str, str], headers: dict[str, str]) -> Any: ...


@dataclass(frozen=True)
class HttpReply:
    status_code: int
    mimetype: str | None
    data: bytes


class HttpClient:
    """Posts form-encoded webhooks to a real server, answering like a Flask test response."""

    def __init__(self, base_url: str, timeout: float = 30) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def post(self, path: str, *, data: dict[str, str], headers: dict[str, str]) -> HttpReply:
        request = urllib.request.Request(
            self.base_url + path, data=urlencode(data).encode(), headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return HttpReply(
                    response.status, response.headers.get_content_type(), response.read()
                )
        except urllib.error.HTTPError as exc:
            return HttpReply(exc.code, exc.headers.get_content_type(), exc.read())


@dataclass
class Participant:
    call: Call
    label: str
    end_on_exit: bool
    hold: bool = False
    muted: bool = False
    coaching: bool = False


@dataclass
class Conference:
    """One emulated conference: its participants by call sid, and where its events go."""

    sid: str
    name: str
    status_callback: str
    events: tuple[str, ...]
    participants: dict[str, Participant] = field(default_factory=dict)
    ended: bool = False

    def labels(self) -> list[str]:
        return [p.label for p in self.participants.values()]


# TwiML's statusCallbackEvent words -> the StatusCallbackEvent values they subscribe to
_EVENT_WORDS = {
    "start": ("conference-start",),
    "end": ("conference-end",),
    "join": ("participant-join",),
    "leave": ("participant-leave",),
    "mute": ("participant-mute", "participant-unmute"),
    "hold": ("participant-hold", "participant-unhold"),
    "modify": ("participant-modify",),
}


def _flag(value: bool) -> str:
    return "true" if value else "false"


class Emulator:
    def __init__(self, client: Client, auth_token: str, base_url: str) -> None:
        self.client = client
        self.validator = RequestValidator(auth_token)
        self.base_url = base_url.rstrip("/")
        self._calls: dict[str, Call] = {}
        self.dialled: list[tuple[str, dict[str, str], str]] = []  # (sid, REST form, conference)
        self.ended: set[str] = set()  # the sids hung up by REST
        # call sid → its recordings under way: (recording sid, status callback, started)
        self.recordings: dict[str, list[tuple[str, str, float]]] = {}
        self.conferences: dict[str, Conference] = {}  # by FriendlyName
        self.conference_events: list[dict[str, str]] = []  # every status callback posted
        self._sequence = 0
        self._lock = threading.Lock()

    def post(
        self,
        url: str,
        params: dict[str, str],
        *,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ):
        """POST like Twilio: form-encoded, signed over the full URL and the sorted params."""
        if not url.startswith("http"):
            url = self.base_url + url
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        sig = self.validator.compute_signature(url, params) if signature is None else signature
        return self.client.post(
            path, data=params, headers={"X-Twilio-Signature": sig, **(headers or {})}
        )

    def call(self, caller: str, number: str = "+622150001234", sid: str | None = None) -> Call:
        call = Call(self, sid or new_sid(), caller, number)
        with self._lock:
            self._calls[call.sid] = call
        return call

    def update_call(self, sid: str, url: str) -> bool:
        """REST `Calls(sid).update(url=...)`: False when there is no live call (Twilio's 400)."""
        with self._lock:
            call = self._calls.get(sid)
        if call is None or call.ended:
            return False
        call.updates.put(url)
        return True

    def dial_out(self, sid: str, form: dict[str, str], conference: str = "") -> None:
        """REST `Calls.create` (or a participant dialled into `conference`, by sid): remembered,
        in order, and a `Call` for the test to answer, leave ringing or hang up (`leg`)."""
        leg = Call(
            self,
            sid,
            form.get("From", ""),
            form.get("To", ""),
            direction="outbound-api",
            url=form.get("Url", ""),
            status_url=form.get("StatusCallback", ""),
            join=(conference, form.get("Label", "")) if conference else None,
        )
        with self._lock:
            self.dialled.append((sid, form, conference))
            self._calls[sid] = leg

    def legs(self) -> list[Call]:
        """Every outbound leg dialled so far, in order."""
        with self._lock:
            return [self._calls[sid] for sid, _, _ in self.dialled]

    def leg(self, to: str) -> Call:
        """The newest outbound leg dialled to `to` (EmulatorError when there is none)."""
        with self._lock:
            for sid, form, _ in reversed(self.dialled):
                if form.get("To") == to:
                    return self._calls[sid]
        raise EmulatorError(f"nobody dialled {to}")

    def end_call(self, sid: str) -> None:
        """REST `Calls(sid).update(status='completed')`: the call is over (it leaves its
        conference; a leg Vero dialled posts its status callback)."""
        with self._lock:
            call = self._calls.get(sid)
            self.ended.add(sid)
        if call is not None and not call.ended:
            call.finish("completed")

    # --- recordings -----------------------------------------------------------------------

    def start_recording(self, call_sid: str, recording_sid: str, callback: str) -> None:
        """REST `Calls(sid).recordings.create`: the call is recorded until it ends or the
        recording is stopped."""
        with self._lock:
            self.recordings.setdefault(call_sid, []).append(
                (recording_sid, callback, time.monotonic())
            )

    def recordings_over(self, call_sid: str, only: str = "") -> None:
        """The call ended (or recording `only` was stopped): each recording is stored and its
        status callback posted, as Twilio does once the audio is processed."""
        with self._lock:
            under_way = self.recordings.pop(call_sid, [])
            kept = [r for r in under_way if only and r[0] != only]
            if kept:
                self.recordings[call_sid] = kept
        for recording_sid, callback, started in under_way:
            if (only and recording_sid != only) or not callback:
                continue
            account = "AC" + "0" * 32
            self.post(
                callback,
                {
                    "AccountSid": account,
                    "CallSid": call_sid,
                    "RecordingSid": recording_sid,
                    "RecordingUrl": f"https://api.twilio.com/2010-04-01/Accounts/{account}"
                    f"/Recordings/{recording_sid}",
                    "RecordingStatus": "completed",
                    "RecordingDuration": str(max(1, round(time.monotonic() - started))),
                    "RecordingChannels": "2",
                    "RecordingSource": "StartCallRecordingAPI",
                },
            )

    # --- conferences ----------------------------------------------------------------------

    def conference_of(self, sid: str) -> Conference | None:
        return next((c for c in self.conferences.values() if c.sid == sid), None)

    def join(self, call: Call, noun: ET.Element) -> None:
        """`<Dial><Conference>`: the call joins the named conference (started if need be)."""
        name = (noun.text or "").strip()
        with self._lock:
            conference = self.conferences.get(name)
            if conference is None or conference.ended:
                words = (noun.get("statusCallbackEvent") or "").split()
                conference = Conference(
                    new_sid("CF"),
                    name,
                    noun.get("statusCallback") or "",
                    tuple(e for w in words for e in _EVENT_WORDS.get(w, ())),
                )
                self.conferences[name] = conference
            first = not conference.participants
        self._enter(
            conference,
            call,
            noun.get("participantLabel") or "",
            noun.get("endConferenceOnExit") == "true",
            muted=noun.get("muted") == "true",
            first=first,
        )

    def _enter(
        self,
        conference: Conference,
        call: Call,
        label: str,
        end_on_exit: bool,
        *,
        muted: bool = False,
        first: bool = False,
    ) -> None:
        participant = Participant(call, label, end_on_exit, muted=muted)
        with self._lock:
            conference.participants[call.sid] = participant
        call.conference = conference.name
        if first:
            self._event(conference, "conference-start")
        self._event(conference, "participant-join", participant)

    def leave(self, call: Call, reason: str = "participant_hung_up") -> None:
        """The call leaves its conference; one that ends the conference on exit ends it: the
        others' <Dial> is over and they go on with their TwiML."""
        conference = self.conferences.get(call.conference or "")
        call.conference = None
        if conference is None or call.sid not in conference.participants:
            return
        with self._lock:
            participant = conference.participants.pop(call.sid)
        self._event(conference, "participant-leave", participant, ReasonParticipantLeft=reason)
        if not (participant.end_on_exit or not conference.participants):
            return
        with self._lock:
            others = list(conference.participants.values())
            conference.participants.clear()
            conference.ended = True
        for other in others:
            other.call.conference = None
            self._event(
                conference,
                "participant-leave",
                other,
                ReasonParticipantLeft="conference_ended_via_api"
                if not participant.end_on_exit
                else "participant_with_end_conference_on_exit_left",
            )
        self._event(
            conference,
            "conference-end",
            CallSidEndingConference=call.sid,
            ReasonConferenceEnded="participant-with-end-conference-on-exit-left"
            if participant.end_on_exit
            else "last-participant-left",
        )
        for other in others:
            other.call.dial_over()

    def update_participant(self, conference_sid: str, call_sid: str, form: dict[str, str]) -> bool:
        """REST `participants(call_sid).update(...)`: hold, mute, coaching, and their events;
        False when the call is not in that conference (Twilio's 404)."""
        conference = self.conference_of(conference_sid)
        participant = conference.participants.get(call_sid) if conference else None
        if conference is None or participant is None:
            return False
        changes = (
            ("Hold", "hold", "participant-hold", "participant-unhold"),
            ("Muted", "muted", "participant-mute", "participant-unmute"),
            ("Coaching", "coaching", "participant-modify", "participant-modify"),
        )
        for name, attribute, on, off in changes:
            if name in form:
                value = form[name] == "true"
                if value != getattr(participant, attribute):
                    setattr(participant, attribute, value)
                    self._event(conference, on if value else off, participant)
        return True

    def _event(
        self,
        conference: Conference,
        event: str,
        participant: Participant | None = None,
        **extra: str,
    ) -> None:
        """Post one conference status callback, if the conference subscribed to it."""
        with self._lock:
            self._sequence += 1
            sequence = self._sequence
        params = {
            "AccountSid": "AC" + "0" * 32,
            "ConferenceSid": conference.sid,
            "FriendlyName": conference.name,
            "StatusCallbackEvent": event,
            "SequenceNumber": str(sequence),
            "Timestamp": "Tue, 15 Jul 2025 03:00:00 +0000",
            **extra,
        }
        if participant is not None:
            params.update(
                CallSid=participant.call.sid,
                ParticipantLabel=participant.label,
                Hold=_flag(participant.hold),
                Muted=_flag(participant.muted),
                Coaching=_flag(participant.coaching),
                EndConferenceOnExit=_flag(participant.end_on_exit),
                StartConferenceOnEnter="true",
            )
        self.conference_events.append(params)
        if conference.status_callback and event in conference.events:
            reply = self.post(conference.status_callback, params)
            _expect(reply.status_code == 200, reply.status_code, reply.data[:300])


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
    updates: queue.Queue[str] = field(default_factory=queue.Queue)  # REST redirects to follow
    direction: str = "inbound"
    url: str = ""  # an outbound leg's TwiML once answered
    status_url: str = ""  # an outbound leg's status callback
    join: tuple[str, str] | None = None  # a participant dialled by REST: (conference sid, label)
    conference: str | None = None  # the conference the call is in now

    def params(self, **extra: str) -> dict[str, str]:
        return {
            "CallSid": self.sid,
            "AccountSid": "AC" + "0" * 32,
            "From": self.caller,
            "To": self.number,
            "Direction": self.direction,
            "CallStatus": "in-progress",
            **extra,
        }

    def start(self) -> Call:
        return self.fetch("/twilio/voice")

    # --- an outbound leg ------------------------------------------------------------------

    def _post_status(self, status: str, **extra: str) -> None:
        """A leg's status callback; Twilio reads nothing of the reply (its code is kept in
        `statuses`)."""
        if self.status_url:
            reply = self.emulator.post(self.status_url, self.params(CallStatus=status, **extra))
            self.statuses.append(reply.status_code)

    def answer(self) -> Call:
        """The dialled party picks up: Twilio fetches the leg's Url (or a participant added by
        REST joins its conference)."""
        _expect(self.direction == "outbound-api" and not self.ended, "no ringing leg", self.sid)
        self._post_status("in-progress")
        if self.join is not None:
            conference = self.emulator.conference_of(self.join[0])
            _expect(conference is not None and not conference.ended, "no conference", self.join)
            assert conference is not None
            self.emulator._enter(conference, self, self.join[1], end_on_exit=False)
            return self
        return self.fetch(self.url)

    def no_answer(self, status: str = "no-answer") -> Call:
        """The leg rang out (or was busy, or failed): Twilio posts the status callback."""
        self.finish(status)
        return self

    def finish(self, status: str = "completed") -> None:
        """The call is over (once): it leaves its conference; a leg posts its status callback."""
        if self.ended:
            return
        self.ended = True
        if self.conference:
            self.emulator.leave(self)
        self._post_status(status, CallDuration="0" if status != "completed" else "42")
        self.emulator.recordings_over(self.sid)

    def follow(self) -> Call:
        """Follow the REST redirect queued on the call (EmulatorError when there is none)."""
        url = self.wait_for_update(0)
        _expect(url is not None, "no REST redirect for", self.sid)
        assert url is not None
        return self.fetch(url)

    def in_conference(self) -> bool:
        return self.conference is not None

    def dial_over(self) -> None:
        """Its <Dial> ended (the conference ended): its action, or the verbs after it."""
        dial = self.waiting
        if dial is None or dial.tag != "Dial" or self.ended:
            return
        if dial.get("action"):
            self.fetch(dial.get("action") or "", DialCallStatus="completed")
        else:
            self.play(self.after)

    def fetch(self, url: str, **extra: str) -> Call:
        """Request TwiML (Voice URL, an action, a REST redirect) and play it; a call in a
        conference leaves it first (Twilio moves it out for its new TwiML)."""
        if self.conference:
            self.emulator.leave(self, "participant_updated_via_api")
        reply = self.emulator.post(url, self.params(**extra))
        self.statuses.append(reply.status_code)
        _expect(reply.status_code == 200, reply.status_code, reply.data[:300])
        _expect(reply.mimetype == "text/xml", reply.mimetype)
        self.play(list(ET.fromstring(reply.data)))
        return self

    def play(self, verbs: list[ET.Element], depth: int = 0) -> None:
        _expect(depth < MAX_REDIRECTS, "redirect loop")
        self.waiting, self.after = None, []
        for i, verb in enumerate(verbs):
            if verb.tag == "Say":
                self.heard.append(verb.text or "")
            elif verb.tag == "Gather":
                self.heard += [v.text or "" for v in verb if v.tag == "Say"]
                self.waiting, self.after = verb, verbs[i + 1 :]
                return
            elif verb.tag in ("Record", "Dial"):
                self.waiting, self.after = verb, verbs[i + 1 :]
                if verb.tag == "Dial" and len(verb) and verb[0].tag == "Conference":
                    self.emulator.join(self, verb[0])
                return
            elif verb.tag == "Redirect":
                reply = self.emulator.post(_required(verb.text, "<Redirect> URL"), self.params())
                _expect(reply.status_code == 200, reply.status_code, reply.data[:300])
                self.play(list(ET.fromstring(reply.data)), depth + 1)
                return
            elif verb.tag == "Hangup":
                self.finish()
                return
        self.finish()

    def waits_on(self, tag: str) -> bool:
        return self.waiting is not None and self.waiting.tag == tag

    def wait_for_update(self, timeout: float) -> str | None:
        """Stay on the line up to `timeout` seconds; the URL of a REST redirect if one came."""
        try:
            return self.updates.get(timeout=max(timeout, 0))
        except queue.Empty:
            return None

    def _waiting_on(self, tag: str) -> ET.Element:
        """The verb the call waits on, which must be a <`tag`> (EmulatorError otherwise)."""
        verb = self.waiting
        if verb is None or verb.tag != tag:
            raise EmulatorError(verb)
        return verb

    def _action(self, tag: str) -> str:
        """The action URL of the <`tag`> the call waits on."""
        return _required(self._waiting_on(tag).get("action"), f"<{tag}> action")

    def _gather_action(self) -> str:
        return self._action("Gather")

    def press(self, digits: str) -> Call:
        return self.fetch(self._gather_action(), Digits=digits)

    def speak(self, text: str) -> Call:
        _expect(
            "speech" in self._waiting_on("Gather").get("input", ""), "this gather takes no speech"
        )
        return self.fetch(self._gather_action(), SpeechResult=text, Confidence="0.9")

    def silence(self) -> Call:
        """No input: Twilio goes on with the verbs after the <Gather>."""
        _expect(self.waiting is not None, "the call waits on nothing")
        self.play(self.after)
        return self

    def record(self, url: str = "https://api.twilio.com/rec/RE1") -> Call:
        return self.fetch(
            self._action("Record"), RecordingUrl=url, RecordingDuration="7", Digits="#"
        )

    def dial_target(self) -> tuple[str, str, str | None]:
        """(noun, identity or number, whisper URL if any) of the waiting <Dial>."""
        noun = self._waiting_on("Dial")[0]
        return noun.tag, (noun.text or "").strip(), noun.get("url")

    def dial_ends(self, status: str = "completed", duration: str = "60") -> Call:
        return self.fetch(self._action("Dial"), DialCallStatus=status, DialCallDuration=duration)

    def hang_up(self, status: str = "completed") -> int:
        """The caller hangs up: out of its conference, then the number's status callback (an
        outbound leg's is posted by `finish`)."""
        if self.status_url:
            self.finish(status)
            return 200
        self.ended = True
        if self.conference:
            self.emulator.leave(self)
        reply = self.emulator.post(
            "/twilio/voice/status", self.params(CallStatus=status, CallDuration="42")
        )
        self.emulator.recordings_over(self.sid)
        return reply.status_code

    def said(self, fragment: str) -> bool:
        return any(fragment in text for text in self.heard)


def _call(form: dict[str, str]) -> dict[str, str]:
    """The fields of a created call that echo its request."""
    return {"to": form.get("To", ""), "from": form.get("From", "")}


@dataclass(frozen=True)
class RestRequest:
    method: str
    path: str
    form: dict[str, list[str]]
    authorization: str


class RestRecorder:
    """Twilio's REST API on 127.0.0.1: records every request; a call update with a Url makes the
    emulator's call follow it (400 when the call is over, as Twilio answers); a message create
    answers a message sid. Point `TwilioGateway` at `url` (settings.twilio_api_base)."""

    def __init__(self, emulator: Emulator | None = None) -> None:
        self.emulator = emulator
        self.requests: list[RestRequest] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="twilio-rest-recorder", daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def __enter__(self) -> RestRecorder:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def calls_updated(self) -> list[RestRequest]:
        return [r for r in self.requests if "/Calls/" in r.path]

    def messages_sent(self) -> list[RestRequest]:
        return [r for r in self.requests if r.path.endswith("/Messages.json")]

    def rest_requests(self, fragment: str) -> list[RestRequest]:
        """The requests whose path contains `fragment` (e.g. '/Participants/', '/Recordings')."""
        return [r for r in self.requests if fragment in r.path]

    def _answer(self, path: str, form: dict[str, list[str]]) -> tuple[int, dict[str, object]]:
        """Twilio's answer to one REST request (the fields Vero and the twilio client read)."""
        parts = path.split("?")[0].removesuffix(".json").split("/")  # '', version, Accounts, AC…
        account, resource = (parts[3], parts[4:]) if len(parts) > 4 else ("", [])
        first = {k: v[0] for k, v in form.items()}
        if resource == ["Messages"]:
            return 201, {"sid": new_sid("SM"), "account_sid": account, "status": "queued"}
        if resource == ["Calls"]:  # a new outbound call
            sid = new_sid()
            if self.emulator is not None:
                self.emulator.dial_out(sid, first)
            return 201, {"sid": sid, "account_sid": account, "status": "queued", **_call(first)}
        if len(resource) == 4 and resource[0] == "Conferences" and resource[2] == "Participants":
            if self.emulator is not None and not self.emulator.update_participant(
                resource[1], resource[3], first
            ):
                return 404, {"code": 20404, "message": "The requested resource was not found"}
            return 200, {"call_sid": resource[3], "conference_sid": resource[1], **first}
        if len(resource) == 3 and resource[0] == "Conferences" and resource[2] == "Participants":
            sid = new_sid()
            if self.emulator is not None:
                self.emulator.dial_out(sid, first, conference=resource[1])
            return 201, {"call_sid": sid, "conference_sid": resource[1], "account_sid": account}
        if len(resource) == 3 and resource[0] == "Calls" and resource[2] == "Recordings":
            sid = new_sid("RE")
            if self.emulator is not None:
                self.emulator.start_recording(
                    resource[1], sid, first.get("RecordingStatusCallback", "")
                )
            return 201, {"sid": sid, "call_sid": resource[1], "status": "in-progress"}
        if len(resource) == 4 and resource[0] == "Calls" and resource[2] == "Recordings":
            if self.emulator is not None and first.get("Status") == "stopped":
                self.emulator.recordings_over(resource[1], only=resource[3])
            return 200, {"sid": resource[3], "call_sid": resource[1], **first}
        sid = resource[-1] if resource else ""
        url, status = first.get("Url", ""), first.get("Status", "")
        if self.emulator is not None and url and not self.emulator.update_call(sid, url):
            return 400, {"code": 21220, "message": "Call is not in-progress. Cannot redirect."}
        if self.emulator is not None and status in ("completed", "canceled"):
            self.emulator.end_call(sid)
        return 200, {"sid": sid, "account_sid": account, "status": status or "in-progress"}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                form = parse_qs(body)
                with recorder._lock:
                    recorder.requests.append(
                        RestRequest(
                            self.command, self.path, form, self.headers.get("Authorization", "")
                        )
                    )
                status, payload = recorder._answer(self.path, form)
                reply = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: object) -> None:
                pass

        return Handler
