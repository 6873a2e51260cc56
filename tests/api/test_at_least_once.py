"""Webhooks are at-least-once: the Redis connection is cut between the steps of the inbound
message webhook (through a loopback proxy in front of the real Redis, right after a command
reached Redis and before its reply came back); the first delivery fails, Twilio's redelivery
stores the message, and exactly once."""

from __future__ import annotations

import hashlib
from importlib import resources
from urllib.parse import urlsplit

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from telephony.keys import Keys
from telephony.routing import scripts
from telephony.services import services
from telephony.twilio_emulator import Emulator
from tests.api.tcp_cut import CuttableProxy
from tests.ivr.conftest import OPEN_AT, PUBLIC, TOKEN, Clock, FakeGateway, settings
from vero.web.app import create_app

SID = "SM" + "7" * 32
MESSAGE = {
    "MessageSid": SID,
    "From": "whatsapp:+628999000111",
    "To": "whatsapp:+622150001234",
    "Body": "Halo, pesanan saya belum sampai",
}


def _sha(source: str) -> bytes:
    return hashlib.sha1(source.encode()).hexdigest().encode()


@pytest.fixture
def proxy(redis_url):
    parts = urlsplit(redis_url)
    proxy = CuttableProxy(parts.hostname or "127.0.0.1", parts.port or 6379)
    yield proxy
    proxy.close()


@pytest.fixture
def through_proxy(proxy, redis_url, redis_client, namespace, tmp_path):
    """The app on a Redis client that goes through the proxy and does not retry by itself (a
    client that does would hide nothing: the webhook must hold either way)."""
    db = urlsplit(redis_url).path.strip("/") or "0"
    client = redis.Redis(host="127.0.0.1", port=proxy.port, db=int(db), retry=Retry(NoBackoff(), 0))
    for script in scripts.register(redis_client).values():  # cached: no NOSCRIPT round trip
        redis_client.script_load(script.script)
    redis_client.script_load((resources.files("telephony") / "append_once.lua").read_text())
    app = create_app(
        settings(tmp_path),
        redis_client=client,
        namespace=namespace,
        clock=Clock(OPEN_AT),
        gateway=FakeGateway(),
    )
    yield app
    client.close()


@pytest.mark.parametrize("cut_at", ["enqueue", "append_once"])
def test_a_message_survives_a_dropped_connection_and_is_stored_once(
    through_proxy, proxy, redis_client, namespace, cut_at
):
    twilio = Emulator(through_proxy.test_client(), TOKEN, PUBLIC)
    source = (
        scripts.source("enqueue")
        if cut_at == "enqueue"
        else (resources.files("telephony") / "append_once.lua").read_text()
    )
    proxy.cut_after(_sha(source))
    first = twilio.post("/twilio/messaging", MESSAGE)
    assert proxy.cuts == 1
    assert first.status_code == 500  # Twilio will deliver it again
    again = twilio.post("/twilio/messaging", MESSAGE)
    assert again.status_code == 200
    twilio.post("/twilio/messaging", MESSAGE)  # and once more, for good measure
    task_id = f"whatsapp-{SID}"
    stored = redis_client.lrange(Keys("cosmetics", namespace).messages(task_id), 0, -1)
    assert [m.count(b"pesanan") for m in stored] == [1]
    with through_proxy.app_context():
        assert services().router.task(task_id)["state"] == "queued"
