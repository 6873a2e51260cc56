"""The outbox's senders: retries with backoff for what may pass, a final answer at once, the
offer given back, WhatsApp falling back to SMS, dead letters, a dead sender's entries claimed."""

from __future__ import annotations

import pytest
import requests
from twilio.base.exceptions import TwilioRestException

from telephony.outbox import Outbox, Senders
from telephony.routing.router import RedisRouter

CAPACITY = {"voice": 1, "chat": 0, "whatsapp": 0, "sms": 0, "email": 0}


class ScriptedGateway:
    """Answers each request with the next outcome: None sends, an exception fails."""

    def __init__(self, *outcomes: Exception | None) -> None:
        self.outcomes = list(outcomes)
        self.sent: list[tuple] = []

    def _next(self, request: tuple) -> None:
        outcome = self.outcomes.pop(0) if self.outcomes else None
        if outcome is not None:
            raise outcome
        self.sent.append(request)

    def redirect_call(self, call_sid: str, url: str) -> None:
        self._next(("redirect", call_sid, url))

    def send_message(self, to: str, body: str, channel: str, sender: str) -> str:
        self._next(("message", to, channel))
        return "SM" + "0" * 32


@pytest.fixture
def router(redis_client, centre, namespace) -> RedisRouter:
    return RedisRouter(redis_client, centre, namespace=namespace)


@pytest.fixture
def outbox(redis_client, router) -> Outbox:
    return Outbox(redis_client, router.keys)


def work(outbox: Outbox, router: RedisRouter, gateway: ScriptedGateway, tries: int = 3) -> Senders:
    senders = Senders(outbox, router, lambda: gateway, "t", tries=tries, backoff=0.01)
    while entries := outbox.read("t", block_seconds=0.01):
        for entry_id, fields in entries:
            senders.handle(gateway, entry_id, {k.decode(): v.decode() for k, v in fields.items()})
    return senders


def voice_offer(router: RedisRouter) -> str:
    router.upsert_agent("ayu", {"general": 2}, ("id",), CAPACITY)
    router.set_agent_state("ayu", "available")
    router.enqueue("v1", "voice", "general", "id", attributes={"call_sid": "CA" + "1" * 32})
    return router.task("v1")["offer"]


def test_timeouts_and_5xx_are_retried_then_sent(outbox, router):
    offer = voice_offer(router)
    outbox.redirect_call("CA" + "1" * 32, "https://x/connect", task="v1", offer=offer)
    gateway = ScriptedGateway(
        requests.Timeout("read timed out"), TwilioRestException(503, "https://api", "busy")
    )
    senders = work(outbox, router, gateway)
    assert gateway.sent == [("redirect", "CA" + "1" * 32, "https://x/connect")]
    assert senders.tally() == {"ok": 1, "retried": 2, "refused": 0, "dead": 0}
    assert outbox.redis.xlen(outbox.stream) == 0 and not outbox.dead_letters()


def test_after_the_last_try_a_dead_letter_and_the_offer_goes_back(outbox, router):
    offer = voice_offer(router)
    outbox.redirect_call("CA" + "1" * 32, "https://x/connect", task="v1", offer=offer)
    gateway = ScriptedGateway(*[requests.ConnectionError("refused")] * 3)
    senders = work(outbox, router, gateway)
    (letter,) = outbox.dead_letters()
    assert (letter["kind"], letter["tries"], letter["offer"]) == ("redirect", "3", offer)
    assert router.task("v1")["offer"] != offer  # given back (and offered again)
    assert senders.tally()["dead"] == 1


def test_a_call_that_is_gone_gives_the_offer_back_at_once(outbox, router):
    offer = voice_offer(router)
    outbox.redirect_call("CA" + "1" * 32, "https://x/connect", task="v1", offer=offer)
    gateway = ScriptedGateway(TwilioRestException(400, "https://api", "Call is not in-progress"))
    senders = work(outbox, router, gateway)
    assert senders.tally() == {"ok": 0, "retried": 0, "refused": 1, "dead": 0}
    assert router.task("v1")["offer"] != offer and not outbox.dead_letters()


def test_a_redirect_for_an_offer_that_is_over_is_dropped(outbox, router):
    offer = voice_offer(router)
    outbox.redirect_call("CA" + "1" * 32, "https://x/connect", task="v1", offer=offer)
    router.accept(offer)  # the agent took it meanwhile (e.g. from the desk): no ringing now
    gateway = ScriptedGateway()
    work(outbox, router, gateway)
    assert gateway.sent == [] and outbox.redis.xlen(outbox.stream) == 0


def test_whatsapp_that_fails_for_good_goes_by_sms(outbox, router):
    assert outbox.send_message("+6281234567890", "Halo", "whatsapp", "+622150001234").startswith(
        "outbox:"
    )
    gateway = ScriptedGateway(TwilioRestException(400, "https://api", "not on WhatsApp"))
    work(outbox, router, gateway)
    assert gateway.sent == [("message", "+6281234567890", "sms")]


def test_a_dead_senders_entries_are_claimed_by_another(outbox, router):
    outbox.send_message("+6281234567890", "Halo", "sms", "+622150001234")
    assert outbox.read("dead", block_seconds=0.01)  # read, then the process died
    assert outbox.claim("alive", min_idle_seconds=60) == []  # not idle long enough yet
    ((entry_id, fields),) = outbox.claim("alive", min_idle_seconds=0)
    assert fields[b"to"] == b"+6281234567890"
