"""From reservation to survey: the connector rings the agent, whisper accepts, the survey scores,
the status callback and wrap-up close the contact record."""

from __future__ import annotations

import csv

from telephony.connector import Connector
from telephony.outbox import Outbox, Senders
from telephony.routing.contact_log import ContactLog

CAPACITY = {"voice": 1, "chat": 3, "whatsapp": 5, "sms": 5, "email": 10}


class SyncConnector(Connector):
    """The connector with its outbox worked at once, in the test's thread."""

    def __init__(self, svc, gateway) -> None:
        super().__init__(
            svc.router,
            Outbox(svc.redis, svc.router.keys),
            svc.settings.public_base_url,
            consumer="t",
        )
        self.senders = Senders(self.outbox, svc.router, lambda: gateway, "t", backoff=0.01)
        self.gateway = gateway

    def poll(self, batch: int = 100) -> int:
        queued = super().poll(batch)
        while entries := self.outbox.read("t", block_seconds=0.01):
            for entry_id, fields in entries:
                self.senders.handle(
                    self.gateway, entry_id, {k.decode(): v.decode() for k, v in fields.items()}
                )
        return queued


def agent(svc, agent_id: str, contact: dict, languages=("id", "en")) -> None:
    svc.router.upsert_agent(
        agent_id, {"general": 2, "complaints": 3}, languages, CAPACITY, contact=contact
    )
    svc.router.set_agent_state(agent_id, "available")


def test_call_reaches_agent_then_survey_and_contact_record(twilio, svc, gateway, clock, tmp_path):
    connector = SyncConnector(svc, gateway)
    agent(svc, "ayu", {"client": "ayu"})
    call = twilio.call("+628999000111").start().press("2").press("3").press("1")
    task_id = f"call-{call.sid}"
    assert svc.router.task(task_id)["state"] == "reserved"
    assert connector.poll() == 1 and connector.poll() == 0
    sid, url = gateway.redirects[0]
    assert sid == call.sid and url.startswith("https://vero.example.co.id/twilio/voice/connect")

    call.fetch(url)  # Twilio follows the REST redirect
    noun, identity, whisper = call.dial_target()
    assert (noun, identity) == ("Client", "ayu") and "/twilio/voice/whisper" in whisper
    heard = call.agent_answers()
    assert heard[0].startswith("Panggilan keluhan mendesak, reaksi kulit. Bahasa: Bahasa Inggris")
    assert "Referensi CMP-2025-" in heard[0]
    assert svc.router.task(task_id)["state"] == "assigned"

    clock.now += 120
    call.dial_ends("completed")
    assert call.said("How satisfied were you")
    assert svc.router.task(task_id)["state"] == "wrapping"
    call.press("9")  # not a score: asked again
    call.press("4")
    assert call.said("Thank you for your rating") and call.ended
    assert call.hang_up() == 200  # after the talk: nothing left to change
    assert svc.router.task(task_id)["attributes"]["csat"] == "4"

    clock.now += 61
    svc.router.tick()
    ContactLog(svc.redis, svc.router.keys, svc.centre, tmp_path).flush()
    rows = list(csv.DictReader(next((tmp_path / "contacts").glob("*.csv")).open()))
    assert [(r["task_id"], r["outcome"], r["csat"], r["agent_id"]) for r in rows] == [
        (task_id, "completed", "4", "ayu")
    ]


def test_no_answer_gives_the_offer_back_and_caller_keeps_waiting(twilio, svc, gateway):
    connector = SyncConnector(svc, gateway)
    agent(svc, "budi", {"phone": "+628120000001"})
    call = twilio.call("+628999000111").start().press("1").press("0")
    connector.poll()
    call.fetch(gateway.redirects[0][1])
    assert call.dial_target()[:2] == ("Number", "+628120000001")
    call.dial_ends("no-answer", "0")
    task = svc.router.task(f"call-{call.sid}")  # waiting again (or re-offered at once)
    assert task["state"] in ("queued", "reserved")
    assert call.said("Anda berada di urutan ke-1") and not call.ended
    assert svc.router.agent("budi")["missed"] == 1


def test_talk_ends_by_hang_up_completes_the_task(twilio, svc, gateway):
    connector = SyncConnector(svc, gateway)
    agent(svc, "citra", {"client": "citra"})
    call = twilio.call("+628999000111").start().press("1").press("0")
    connector.poll()
    call.fetch(gateway.redirects[0][1])
    call.agent_answers()
    call.hang_up()
    assert svc.router.task(f"call-{call.sid}")["state"] == "wrapping"


def test_connect_for_a_stale_offer_goes_back_to_hold(twilio, svc):
    call = twilio.call("+628999000111").start().press("1").press("0")
    call.fetch("/twilio/voice/connect?offer=nonsense")
    assert call.said("Anda berada di urutan ke-1")
