"""Web chat: the visitor ends a chat, an idle chat times out as abandoned, open chats per visitor
are capped. Contact records are read from the daily CSV, as the forecast reads them."""

from __future__ import annotations

import csv

from telephony.routing.contact_log import ContactLog
from vero.web.api.chat import end_idle_chats

IDLE = 900  # channels.chat.idle_timeout_seconds of the reference centre


def open_chat(client, address: str = "127.0.0.1", **extra) -> tuple[str, dict[str, str]]:
    reply = client.post(
        "/api/chat", json={"language": "id", **extra}, environ_base={"REMOTE_ADDR": address}
    )
    assert reply.status_code == 201, reply.json
    return reply.json["task_id"], {"Authorization": f"Bearer {reply.json['token']}"}


def records(svc, tmp_path) -> dict[str, dict[str, str]]:
    ContactLog(svc.redis, svc.router.keys, svc.centre, tmp_path).flush()
    return {
        row["task_id"]: row
        for path in (tmp_path / "contacts").iterdir()
        for row in csv.DictReader(path.open(encoding="utf-8"))
    }


def test_the_visitor_ends_a_waiting_chat(client, svc, tmp_path, clock):
    task_id, visitor = open_chat(client, message="Halo")
    clock.now += 40
    ended = client.post(f"/api/chat/{task_id}/end", headers=visitor)
    assert ended.status_code == 200 and ended.json["outcome"] == "abandoned"
    task = svc.router.task(task_id)
    assert task["state"] == "abandoned" and task["attributes"]["ended_by"] == "visitor"
    assert records(svc, tmp_path)[task_id]["outcome"] == "abandoned"
    again = client.post(f"/api/chat/{task_id}/end", headers=visitor)
    assert again.status_code == 409
    assert (
        client.post(
            f"/api/chat/{task_id}/messages", json={"body": "x"}, headers=visitor
        ).status_code
        == 409
    )


def test_the_visitor_ends_a_chat_with_an_agent(client, svc, tmp_path, clock):
    svc.router.upsert_agent("ayu", {"general": 2}, ("id",), {"chat": 3})
    svc.router.set_agent_state("ayu", "available")
    task_id, visitor = open_chat(client)
    [offer] = svc.router.offers_for("ayu")
    svc.router.accept(offer["offer_id"])
    ended = client.post(f"/api/chat/{task_id}/end", headers=visitor)
    assert ended.json["outcome"] == "wrapping"
    assert svc.router.task(task_id)["state"] in ("wrapping", "completed")


def test_a_wrong_chat_token_ends_nothing(client, svc):
    task_id, _ = open_chat(client)
    reply = client.post(f"/api/chat/{task_id}/end", headers={"Authorization": "Bearer nope"})
    assert reply.status_code == 404
    assert svc.router.task(task_id)["state"] == "queued"


def test_an_idle_chat_times_out_as_abandoned(client, svc, tmp_path, clock):
    quiet, _ = open_chat(client, "10.0.0.1")
    talking, visitor = open_chat(client, "10.0.0.2")
    clock.now += IDLE - 10
    client.post(f"/api/chat/{talking}/messages", json={"body": "masih di sini"}, headers=visitor)
    assert end_idle_chats(svc.router) == []
    clock.now += 11
    assert end_idle_chats(svc.router) == [quiet]
    assert end_idle_chats(svc.router) == []  # a second dispatcher finds nothing left
    task = svc.router.task(quiet)
    assert task["state"] == "abandoned" and task["attributes"]["ended_by"] == "idle_timeout"
    assert svc.router.task(talking)["state"] == "queued"
    assert records(svc, tmp_path)[quiet]["outcome"] == "abandoned"
    clock.now += IDLE
    assert end_idle_chats(svc.router) == [talking]


def test_open_chats_per_visitor_are_capped(client, svc):
    chats = [open_chat(client, "10.9.9.9") for _ in range(3)]  # the default cap
    refused = client.post("/api/chat", json={}, environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert refused.status_code == 429 and "end one first" in refused.json["error"]
    assert int(refused.headers["Retry-After"]) > 0
    assert open_chat(client, "10.9.9.10")  # another visitor is not affected
    task_id, visitor = chats[0]
    client.post(f"/api/chat/{task_id}/end", headers=visitor)
    assert open_chat(client, "10.9.9.9")  # one ended: one more may open
