"""The customers: each arrival played through the real webhooks by the Twilio emulator (a call
through the IVR, the agent's phone ringing, the survey) or the website's chat, with a ledger of
every contact started."""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from telephony.twilio_emulator import Call, Emulator, new_sid
from vero.cli.demo.api import Api, ApiError
from vero.cli.demo.arrivals import Arrival
from vero.cli.demo.cast import LANGUAGE_WORDS, NUMBER, TOPICS

HOLD_LOOP = 5.0  # real seconds between the emulated caller's /hold requests


@dataclass
class Ledger:
    """Every contact the demo started (task id → channel label), and what went wrong."""

    tasks: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, task_id: str, label: str) -> None:
        with self.lock:
            self.tasks[task_id] = label


class Traffic:
    """Plays each arrival: a caller through the IVR (and, when the call is put through, the
    agent's phone), or a WhatsApp message, or a website chat."""

    def __init__(
        self, emulator: Emulator, api: Api, tokens: dict[str, str], speed: float, ledger: Ledger
    ) -> None:
        self.emulator = emulator
        self.api = api  # anonymous: the website's chat widget
        self.tokens = tokens  # agent id → token (the agent's phone declines through the desk)
        self.speed = speed
        self.ledger = ledger

    def play(self, arrival: Arrival) -> None:
        try:
            {"voice": self._call, "whatsapp": self._whatsapp, "chat": self._chat}[arrival.channel](
                arrival
            )
        except Exception as exc:  # noqa: BLE001 (the summary fails the run with it)
            self.ledger.errors.append(f"contact {arrival.index} ({arrival.channel}): {exc!r}")

    def _whatsapp(self, arrival: Arrival) -> None:
        sid = new_sid("SM", arrival.token)
        reply = self.emulator.post(
            "/twilio/messaging",
            {
                "MessageSid": sid,
                "AccountSid": "AC" + "0" * 32,
                "From": f"whatsapp:{arrival.caller}",
                "To": f"whatsapp:{NUMBER}",
                "Body": arrival.text,
            },
        )
        if reply.status_code != 200:
            raise ApiError(reply.status_code, reply.data.decode(errors="replace"))
        self.ledger.add(f"whatsapp-{sid}"[:80], "whatsapp")  # the messaging webhook's task id

    def _chat(self, arrival: Arrival) -> None:
        queue = {"product": "product", "orders": "orders"}.get(arrival.topic, "general")
        opened = self.api.call(
            "POST",
            "/api/chat",
            {"language": arrival.language, "queue": queue, "message": arrival.text},
        )
        self.ledger.add(opened["task_id"], "chat")

    def _call(self, arrival: Arrival) -> None:
        call = self.emulator.call(arrival.caller, NUMBER, sid=new_sid("CA", arrival.token))
        self.ledger.add(f"call-{call.sid}", "voice")  # the IVR's task id of the call
        call.start()
        digits, words = TOPICS[arrival.topic]
        if not arrival.known:
            key, word = LANGUAGE_WORDS[arrival.language]
            call.speak(word) if arrival.speech else call.press(key)
        for key, word in zip(digits, words[arrival.language], strict=True):
            call.speak(word) if arrival.speech else call.press(key)
        give_up, declined = time.monotonic() + arrival.patience, arrival.declined
        while not call.ended:
            left = give_up - time.monotonic()
            url = call.wait_for_update(min(left, HOLD_LOOP))
            if url is not None:
                call.fetch(url)  # the connector redirected the call: dial the agent
                if call.waits_on("Dial"):
                    self._ring(call, arrival, url, declined)
                    declined = False
            elif left <= HOLD_LOOP:
                self._leave(call, arrival)
            else:
                call.silence()  # the hold loop: Twilio asks /hold again
        call.hang_up()  # Twilio's status callback at the end of every call

    def _ring(self, call: Call, arrival: Arrival, url: str, declined: bool) -> None:
        """The agent's phone rings; they decline (through the desk) or answer: the whisper
        accepts the offer; after the talk the caller hears the survey."""
        _, agent_id, _ = call.dial_target()
        time.sleep(arrival.ring)
        if declined:
            offer = parse_qs(urlsplit(url).query)["offer"][0]
            with contextlib.suppress(ApiError):
                Api(self.api.base_url, self.tokens[agent_id]).call(
                    "POST", f"/api/offers/{offer}/reject"
                )
            call.dial_ends("no-answer", "0")
            return
        if "Hangup" in call.agent_answers():  # the offer went stale meanwhile
            call.dial_ends("no-answer", "0")
            return
        time.sleep(arrival.handle_sim / self.speed)
        call.dial_ends("completed", str(round(arrival.handle_sim)))
        while not call.ended and call.waits_on("Gather"):  # the survey
            call.press(str(arrival.survey)) if arrival.survey else call.silence()

    def _leave(self, call: Call, arrival: Arrival) -> None:
        """Patience ran out on hold: hang up, or ask for a callback or a voicemail."""
        if arrival.leaving == "callback" and call.waits_on("Gather"):
            call.press("1")
            self.ledger.add(f"cb-{call.sid}", "callback")  # the IVR's callback task
        elif arrival.leaving == "voicemail" and call.waits_on("Gather"):
            call.press("2").record(f"https://api.twilio.com/demo/Recordings/RE{arrival.token}")
        else:
            call.hang_up()
