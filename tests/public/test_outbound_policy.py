"""Every outbound message passes one check (the app's gateway): only numbers that wrote in, are
known customers or account holders, or passed a one-time code; at most N per number and day."""

from __future__ import annotations

import pytest

from telephony.customers import Customer, CustomerDirectory
from telephony.outbound_policy import OutboundRefused
from telephony.twilio_emulator import Emulator
from tests.ivr.conftest import PUBLIC, TOKEN
from tests.public.conftest import SENDER, SUPERVISOR, make_app, sent_to, verified_token

DAY = 86400
STRANGER = "+447700900123"
KNOWN = "+6281398765432"


def test_a_stranger_gets_nothing(svc, recorder):
    with pytest.raises(OutboundRefused):
        svc.gateway.send_message(STRANGER, "promo", "whatsapp", SENDER)
    assert recorder.messages_sent() == []


def test_directory_customers_and_verified_phones_may_be_written_to(client, svc, recorder):
    CustomerDirectory(svc.redis, svc.router.keys).put(Customer(KNOWN, "Dewi", "B2C", False, "id"))
    svc.gateway.send_message(KNOWN, "Pesanan Anda dikirim", "whatsapp", SENDER)
    verified_token(client, recorder, "+6285700001111")
    svc.gateway.send_message("+6285700001111", "Terima kasih", "sms", SENDER)
    assert [to for to, _ in sent_to(recorder)] == [KNOWN, "+6285700001111", "+6285700001111"]


def test_a_customer_who_wrote_in_gets_the_agents_reply(client, svc, recorder):
    twilio = Emulator(client, TOKEN, PUBLIC)
    assert (
        twilio.post(
            "/twilio/messaging",
            {
                "From": "whatsapp:+447700900999",
                "To": SENDER,
                "Body": "Hello",
                "MessageSid": "SM" + "1" * 32,
            },
        ).status_code
        == 200
    )
    [task_id] = [t.decode() for t in svc.redis.hkeys(svc.router.keys.tasks())]
    reply = client.post(
        f"/api/tasks/{task_id}/messages", json={"body": "Hi, how can we help?"}, headers=SUPERVISOR
    )
    assert reply.status_code == 201
    assert sent_to(recorder) == [("+447700900999", "Hi, how can we help?")]


def test_the_daily_cap_per_number(redis_client, namespace, tmp_path, clock, recorder):
    app = make_app(redis_client, namespace, tmp_path, clock, recorder, outbound_daily_cap=3)
    with app.app_context():
        svc = app.extensions["vero"]
        CustomerDirectory(svc.redis, svc.router.keys).put(
            Customer(KNOWN, "Dewi", "B2C", False, "id")
        )
        for n in range(3):
            svc.gateway.send_message(KNOWN, f"pesan {n}", "whatsapp", SENDER)
        with pytest.raises(OutboundRefused, match="3 messages today"):
            svc.gateway.send_message(KNOWN, "pesan 4", "whatsapp", SENDER)
        [counter] = svc.redis.keys(svc.router.keys.outbound_count("*", KNOWN))
        assert 0 < svc.redis.ttl(counter) <= DAY + 3600  # gone after the local day
        clock.now += DAY  # the next day
        svc.gateway.send_message(KNOWN, "besok", "whatsapp", SENDER)
    assert [body for _, body in sent_to(recorder)] == ["pesan 0", "pesan 1", "pesan 2", "besok"]
