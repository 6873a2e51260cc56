"""WhatsApp/SMS in and out, and website chat, through the task message API."""

from __future__ import annotations

CAPACITY = {"voice": 1, "chat": 3, "whatsapp": 5, "sms": 5, "email": 10}
SUPERVISOR = {"Authorization": "Bearer supervisor-token-for-tests"}


def test_whatsapp_conversation_and_agent_reply(twilio, svc, gateway, clock):
    params = {
        "MessageSid": "SM" + "1" * 32,
        "From": "whatsapp:+628999000111",
        "To": "whatsapp:+622150001234",
        "Body": "Halo, pesanan saya belum sampai",
    }
    assert twilio.post("/twilio/messaging", params).status_code == 200
    assert twilio.post("/twilio/messaging", params).status_code == 200  # retry: no duplicate
    twilio.post("/twilio/messaging", {**params, "MessageSid": "SM" + "2" * 32, "Body": "Tolong"})
    task_id = f"whatsapp-SM{'1' * 32}"
    task = svc.router.task(task_id)
    assert (task["channel"], task["queue"], task["language"]) == ("whatsapp", "general", "id")
    clock.now += 90
    reply = twilio.client.post(
        f"/api/tasks/{task_id}/messages", json={"body": "Kami cek ya"}, headers=SUPERVISOR
    )
    assert reply.status_code == 201
    history = twilio.client.get(f"/api/tasks/{task_id}/messages", headers=SUPERVISOR).json
    assert [m["body"] for m in history["messages"]] == [
        "Halo, pesanan saya belum sampai",
        "Tolong",
        "Kami cek ya",
    ]
    assert gateway.messages == [
        ("+628999000111", "Kami cek ya", "whatsapp", "whatsapp:+622150001234")
    ]
    attrs = svc.router.task(task_id)["attributes"]
    assert attrs["first_response_seconds"] == "90.0" and attrs["first_response_in_target"] == "yes"


def test_website_chat_both_ways_and_first_response_target(twilio, svc, clock):
    opened = twilio.client.post("/api/chat", json={"language": "en", "message": "Hi there"})
    assert opened.status_code == 201
    task_id, token = opened.json["task_id"], opened.json["token"]
    visitor = {"Authorization": f"Bearer {token}"}
    assert (
        twilio.client.post(
            f"/api/chat/{task_id}/messages", json={"body": "Anyone?"}, headers=visitor
        ).status_code
        == 201
    )
    assert (
        twilio.client.get(
            f"/api/chat/{task_id}/messages", headers={"Authorization": "Bearer wrong"}
        ).status_code
        == 404
    )
    clock.now += 301
    assert (
        twilio.client.post(
            f"/api/tasks/{task_id}/messages", json={"body": "Hello!"}, headers=SUPERVISOR
        ).status_code
        == 201
    )
    seen = twilio.client.get(f"/api/chat/{task_id}/messages", headers=visitor).json["messages"]
    assert [m["from"] for m in seen] == ["customer", "customer", "agent:supervisor"]
    assert svc.router.task(task_id)["attributes"]["first_response_in_target"] == "no"
    assert twilio.client.post("/api/chat", json={"language": "fr"}).status_code == 400


def test_message_keys_expire_and_a_closed_conversation_stays_readable_until_purged(
    twilio, svc, clock, tmp_path
):
    from telephony.routing.contact_log import ContactLog

    params = {
        "MessageSid": "SM" + "7" * 32,
        "From": "whatsapp:+628999000777",
        "To": "whatsapp:+622150001234",
        "Body": "Halo",
    }
    twilio.post("/twilio/messaging", params)
    task_id = f"whatsapp-SM{'7' * 32}"
    keys = svc.router.keys
    twilio.client.post(f"/api/tasks/{task_id}/messages", json={"body": "Siap"}, headers=SUPERVISOR)
    for key in (
        keys.messages(task_id),
        keys.conversation("whatsapp", "+628999000777"),
        keys.idempotency("message", params["MessageSid"]),
    ):
        assert svc.redis.ttl(key) > 0, key
    # the first response is an attribute of the task, not a key of its own
    assert not svc.redis.exists(keys.idempotency("first-response", task_id))
    svc.router.cancel(task_id, "canceled")
    log = ContactLog(svc.redis, keys, svc.centre, tmp_path, retention_hours=1, clock=clock)
    assert log.flush() == 1
    assert not svc.redis.hexists(keys.tasks(), task_id)  # out of the hot hash
    messages = twilio.client.get(f"/api/tasks/{task_id}/messages", headers=SUPERVISOR)
    assert [m["body"] for m in messages.json["messages"]] == ["Halo", "Siap"]
    clock.now += 3601
    log.flush()
    assert (
        twilio.client.get(f"/api/tasks/{task_id}/messages", headers=SUPERVISOR).status_code == 404
    )
    assert not svc.redis.exists(keys.messages(task_id))
