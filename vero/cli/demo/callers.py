"""The customers: each arrival played through the real webhooks by the Twilio emulator (a call
through the IVR, the agent's softphone ringing, the conference, the survey; a callback's legs) or
the website's chat, with a ledger of every contact started."""

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
PHONE_POLL = 0.2  # real seconds between looks for a leg Vero dialled
JOIN_WAIT = 10.0  # real seconds a leg waits for Vero's next REST request
CALLBACK_WAIT = 120.0  # real seconds a caller waits for their callback


@dataclass
class Ledger:
    """Every contact the demo started (task id → channel label), the calls accepted on the desk
    and transferred by the agents, and what went wrong."""

    tasks: dict[str, str] = field(default_factory=dict)
    desk_accepted: set[str] = field(default_factory=set)
    transferred: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, task_id: str, label: str) -> None:
        with self.lock:
            self.tasks[task_id] = label

    def note(self, flow: set[str], task_id: str) -> None:
        with self.lock:
            flow.add(task_id)


class Traffic:
    """Plays each arrival: a caller through the IVR (and, when the call is put through, the
    agent's phone), or a WhatsApp message, or a website chat."""

    def __init__(
        self,
        emulator: Emulator,
        api: Api,
        supervisor: Api,
        tokens: dict[str, str],
        speed: float,
        ledger: Ledger,
    ) -> None:
        self.emulator = emulator
        self.api = api  # anonymous: the website's chat widget
        self.supervisor = supervisor  # to tell a new conversation from a continued one
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
        task_id = f"whatsapp-{sid}"[:80]  # the messaging webhook's task id for a new conversation
        try:
            self.supervisor.call("GET", f"/api/tasks/{task_id}")
        except ApiError as exc:
            if exc.status == 404:
                return  # the customer's conversation was still open: the message joined it
            raise
        self.ledger.add(task_id, "whatsapp")

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
        task_id = f"call-{call.sid}"  # the IVR's task id of the call
        self.ledger.add(task_id, "voice")
        call.start()
        digits, words = TOPICS[arrival.topic]
        if not arrival.known:
            key, word = LANGUAGE_WORDS[arrival.language]
            call.speak(word) if arrival.speech else call.press(key)
        for key, word in zip(digits, words[arrival.language], strict=True):
            call.speak(word) if arrival.speech else call.press(key)
        if arrival.asks_callback and call.waits_on("Gather"):
            self._leave(call, arrival)  # 1 at the first hold prompt
        give_up, declined = time.monotonic() + arrival.patience, arrival.declined
        next_round, rung = time.monotonic() + HOLD_LOOP, set[str]()
        transfer = arrival.transfer
        while not call.ended:
            leg = self._agent_leg(task_id, rung)
            if leg is not None:  # Vero dials an agent: their softphone rings
                transfer &= not self._ring(call, leg, arrival, declined, transfer)
                declined = False
                continue
            now = time.monotonic()
            url = call.wait_for_update(min(give_up - now, next_round - now, PHONE_POLL))
            if url is not None:
                call.fetch(url)  # a REST redirect (back on hold, say)
            elif time.monotonic() >= give_up:
                self._leave(call, arrival)
            elif time.monotonic() >= next_round:
                call.silence()  # the hold loop: Twilio asks /hold again
                next_round = time.monotonic() + HOLD_LOOP
        call.hang_up()  # Twilio's status callback at the end of every call

    def _agent_leg(self, task_id: str, rung: set[str]) -> Call | None:
        """The next agent's leg Vero dialled for the task (its Url names the offer)."""
        for leg in self.emulator.legs():
            offer = parse_qs(urlsplit(leg.url).query).get("offer", [""])[0]
            if leg.sid not in rung and offer.rsplit(".", 1)[0] == task_id:
                rung.add(leg.sid)
                return leg
        return None

    def _customer_leg(self, task_id: str, timeout: float) -> Call | None:
        """The customer's leg Vero dials for a callback once its agent is in."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for leg in self.emulator.legs():
                if parse_qs(urlsplit(leg.url).query).get("task") == [task_id] and not leg.ended:
                    return leg
            time.sleep(PHONE_POLL)
        return None

    def _ring(
        self, call: Call, leg: Call, arrival: Arrival, declined: bool, transfer: bool
    ) -> bool:
        """The agent's softphone rings; they decline (through the desk) or answer, which
        accepts the offer (unless they accepted on the desk first) and joins the conference;
        the caller is moved in, they talk, the agent hangs up and the caller hears the survey.
        With `transfer`, the agent moves the call to another queue mid-talk instead (True): the
        caller goes back on hold there, for the next agent's leg."""
        time.sleep(arrival.ring)
        if leg.ended:  # the offer went meanwhile (expired, withdrawn): Vero hung the leg up
            return False
        offer = parse_qs(urlsplit(leg.url).query)["offer"][0]
        desk = Api(self.api.base_url, self.tokens[leg.number.removeprefix("client:")])
        task_id = offer.rsplit(".", 1)[0]
        if declined or arrival.desk_accept:
            with contextlib.suppress(ApiError):  # expired meanwhile
                desk.call("POST", f"/api/offers/{offer}/{'reject' if declined else 'accept'}")
                if not declined:
                    self.ledger.note(self.ledger.desk_accepted, task_id)
            if declined:
                return False
        leg.answer()
        if not leg.in_conference():  # the offer went stale meanwhile
            return False
        url = call.wait_for_update(JOIN_WAIT)
        if url is None:
            leg.hang_up()
            return False
        call.fetch(url)  # into the conference: bridged
        if not call.in_conference():
            leg.hang_up()
            return False
        if transfer:
            return self._transfer(call, desk, task_id, arrival)
        time.sleep(arrival.handle_sim / self.speed)
        leg.hang_up()  # the agent ends the talk: wrap-up, and the caller's survey
        url = call.wait_for_update(JOIN_WAIT)
        if url is not None:
            call.fetch(url)
        while not call.ended and call.waits_on("Gather"):  # the survey
            call.press(str(arrival.survey)) if arrival.survey else call.silence()
        return False

    def _transfer(self, call: Call, desk: Api, task_id: str, arrival: Arrival) -> bool:
        """Half-way through the talk the agent sends the call on to another queue (a cold
        transfer from the desk); the caller is redirected back on hold there."""
        time.sleep(arrival.handle_sim / self.speed / 2)
        queue = desk.call("GET", f"/api/tasks/{task_id}")["queue"]
        target = "product" if queue != "product" else "general"
        desk.call("POST", f"/api/tasks/{task_id}/transfer", {"queue": target})
        self.ledger.note(self.ledger.transferred, task_id)
        url = call.wait_for_update(JOIN_WAIT)
        if url is not None:
            call.fetch(url)  # on hold in the new queue
        return True

    def _called_back(self, task_id: str, arrival: Arrival) -> None:
        """The callback: the agent takes it on the desk and their softphone rings (answered
        here); once they are in, Vero dials the customer, who answers and talks."""
        rung: set[str] = set()
        deadline = time.monotonic() + CALLBACK_WAIT
        while time.monotonic() < deadline:
            leg = self._agent_leg(task_id, rung)
            if leg is None:
                time.sleep(PHONE_POLL)
                continue
            time.sleep(arrival.ring)
            if leg.ended:
                continue  # declined on the desk, or expired: the next agent's leg
            leg.answer()
            customer = self._customer_leg(task_id, JOIN_WAIT) if leg.in_conference() else None
            if customer is None:
                leg.hang_up()
                continue
            customer.answer()
            time.sleep(arrival.handle_sim / self.speed)
            customer.hang_up()  # the customer ends the talk; the conference ends with them
            return

    def _leave(self, call: Call, arrival: Arrival) -> None:
        """Patience ran out on hold: hang up, or ask for a callback or a voicemail."""
        if arrival.leaving == "callback" and call.waits_on("Gather"):
            call.press("1")
            self.ledger.add(f"cb-{call.sid}", "callback")  # the IVR's callback task
            self._called_back(f"cb-{call.sid}", arrival)
        elif arrival.leaving == "voicemail" and call.waits_on("Gather"):
            call.press("2").record(f"https://api.twilio.com/demo/Recordings/RE{arrival.token}")
        else:
            call.hang_up()
