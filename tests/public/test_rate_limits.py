"""Floods from one address end in 429 with Retry-After; wrong tokens and logins are throttled per
address while the right token from elsewhere still works; the counters live in Redis, so two app
instances (two web workers) share them."""

from __future__ import annotations

from telephony.twilio_emulator import Emulator
from tests.console.conftest import PageClient
from tests.ivr.conftest import PUBLIC, TOKEN
from tests.public.conftest import FORM, SUPERVISOR, make_app

ATTACKER = {"REMOTE_ADDR": "203.0.113.7"}
OFFICE = {"REMOTE_ADDR": "10.1.1.1"}


def assert_429(reply) -> None:
    assert reply.status_code == 429
    assert reply.is_json and reply.json["error"].startswith("too many requests")
    assert int(reply.headers["Retry-After"]) >= 1


def test_anonymous_chat_flood_is_refused(client, svc):
    statuses = [
        client.post(
            "/api/chat", json={"language": "id"}, environ_base={"REMOTE_ADDR": "203.0.113.7"}
        ).status_code
        for _ in range(12)
    ]
    assert statuses.count(201) == 3  # the open-chat cap of one visitor comes first
    assert set(statuses[3:]) == {429}
    waiting = [t for t in svc.redis.hkeys(svc.router.keys.tasks())]
    assert len(waiting) == 3


def test_anonymous_complaint_flood_is_refused_and_sends_nothing(client, recorder):
    statuses = [
        client.post(
            "/api/complaints", json={**FORM, "phone": f"+4479001234{n:02d}"}, environ_base=ATTACKER
        ).status_code
        for n in range(12)
    ]
    assert statuses[:8] == [401] * 8  # the public limit in the test app: 8 a minute
    assert_429(client.post("/api/complaints", json=FORM, environ_base=ATTACKER))
    assert recorder.messages_sent() == []


def test_code_requests_flood_from_one_address(client, recorder):
    replies = [
        client.post(
            "/api/public/code", json={"phone": f"+62812000000{n:02d}"}, environ_base=ATTACKER
        )
        for n in range(10)
    ]
    assert [r.status_code for r in replies[:6]] == [202] * 6  # otp_ip in the test app: 6
    assert_429(replies[6])
    assert "this address" in replies[6].json["error"]
    assert len(recorder.messages_sent()) == 6


def test_wrong_tokens_are_throttled_per_address(client):
    for _ in range(4):  # bad_credentials in the test app: 4 a minute
        assert (
            client.get(
                "/api/agents", headers={"Authorization": "Bearer guess"}, environ_base=ATTACKER
            ).status_code
            == 403
        )
    assert_429(
        client.get("/api/agents", headers={"Authorization": "Bearer guess"}, environ_base=ATTACKER)
    )
    # the attacker's address is refused even with the right token; the office still works
    assert client.get("/api/agents", headers=SUPERVISOR, environ_base=ATTACKER).status_code == 429
    assert client.get("/api/agents", headers=SUPERVISOR, environ_base=OFFICE).status_code == 200


def test_wrong_console_and_desk_logins_are_throttled(app):
    app.test_client_class = PageClient  # posts the login forms as the pages do (CSRF token)
    client = app.test_client()
    for n in range(4):
        page = "/console/login" if n % 2 else "/desk/login"
        assert client.post(page, data={"token": "guess"}, environ_base=ATTACKER).status_code == 401
    assert (
        client.post(
            "/console/login", data={"token": "supervisor-token-for-tests"}, environ_base=ATTACKER
        ).status_code
        == 429
    )
    assert (
        client.post(
            "/console/login", data={"token": "supervisor-token-for-tests"}, environ_base=OFFICE
        ).status_code
        == 302
    )


def test_wrong_chat_tokens_are_throttled(client):
    task_id = client.post("/api/chat", json={}).json["task_id"]
    for _ in range(4):
        assert (
            client.get(
                f"/api/chat/{task_id}/messages",
                headers={"Authorization": "Bearer guess"},
                environ_base=ATTACKER,
            ).status_code
            == 404
        )
    assert_429(
        client.get(
            f"/api/chat/{task_id}/messages",
            headers={"Authorization": "Bearer guess"},
            environ_base=ATTACKER,
        )
    )


def test_forged_webhooks_are_throttled_but_signed_ones_pass(client):
    forged = Emulator(client, "not-the-token", PUBLIC)
    entry = {"From": "+628999000111", "To": "+622150001234", "Body": "halo"}
    for n in range(3):  # forged in the test app: 3 a minute
        assert (
            forged.post("/twilio/messaging", {**entry, "MessageSid": f"SM{n:032d}"}).status_code
            == 403
        )
    reply = forged.post("/twilio/messaging", {**entry, "MessageSid": "SM" + "9" * 32})
    assert reply.status_code == 429 and reply.mimetype == "text/xml"
    assert int(reply.headers["Retry-After"]) >= 1
    twilio = Emulator(client, TOKEN, PUBLIC)  # Twilio itself sends from other addresses
    for n in range(20):  # a burst of real messages
        signed = client.post(
            "/twilio/messaging",
            data={**entry, "MessageSid": f"SM{n:032x}"},
            headers={
                "X-Twilio-Signature": twilio.validator.compute_signature(
                    PUBLIC + "/twilio/messaging", {**entry, "MessageSid": f"SM{n:032x}"}
                )
            },
            environ_base={"REMOTE_ADDR": "54.172.60.1"},
        )
        assert signed.status_code == 200


def test_two_workers_share_the_counters(redis_client, namespace, tmp_path, clock, recorder):
    first, second = (
        make_app(redis_client, namespace, tmp_path, clock, recorder).test_client() for _ in range(2)
    )
    for n in range(8):
        worker = first if n % 2 else second
        assert worker.post("/api/complaints", json=FORM, environ_base=ATTACKER).status_code == 401
    assert_429(first.post("/api/complaints", json=FORM, environ_base=ATTACKER))
    assert_429(second.post("/api/complaints", json=FORM, environ_base=ATTACKER))
