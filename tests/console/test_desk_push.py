"""The desk is pushed what it shows (server-sent events): an offer the router makes reaches the
offered agent's stream within a bounded time and never another agent's; a chat message arrives
without the desk asking; only a logged-in desk gets a stream, and a full process says when to
come back."""

from __future__ import annotations

import json
import queue
import threading
import time

import pytest

from telephony.messaging import append_message
from telephony.services import services
from tests.console.conftest import add_agent, enqueue

PUSH_SECONDS = 2.0  # an offer is on the desk within this (the hub pushes within 0.25 s)
STREAM_SECONDS = 6  # a desk's connection: longer than the waits of one test


class Desk:
    """One agent's logged-in desk reading its stream on a thread, frame by frame."""

    def __init__(self, app, agent_id: str, token: str) -> None:
        self.client = app.test_client()
        assert self.client.post("/desk/login", data={"token": token}).status_code == 302
        self.frames: queue.Queue[dict] = queue.Queue()
        self.opened = threading.Event()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        assert self.opened.wait(5)
        assert self.reply.status_code == 200 and self.reply.mimetype == "text/event-stream"

    def _read(self) -> None:
        """Opened and read on one thread, as a server does (the stream keeps its request
        context from one frame to the next)."""
        self.reply = self.client.get("/desk/stream", buffered=False)
        self.opened.set()
        for chunk in self.reply.response:
            text = chunk.decode()
            if text.startswith("data: "):
                self.frames.put(json.loads(text.removeprefix("data: ")))

    def until(self, check, seconds: float) -> dict | None:
        """The first frame that passes `check` within `seconds`, else None."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                frame = self.frames.get(timeout=left)
            except queue.Empty:
                return None
            if check(frame):
                return frame
        return None

    def close(self) -> None:
        """Once the stream has ended by itself (its reader holds the generator until then)."""
        self.reader.join(timeout=STREAM_SECONDS + 5)
        self.reply.close()


def offered(task_id: str):
    return lambda frame: any(o["task"]["id"] == task_id for o in frame["offers"])


@pytest.fixture
def desks(app):
    app.config["CONSOLE_STREAM_SECONDS"] = STREAM_SECONDS
    opened: list[Desk] = []
    yield lambda agent_id, token: opened.append(Desk(app, agent_id, token)) or opened[-1]
    for desk in opened:
        desk.close()


def test_an_offer_reaches_the_offered_agent_by_push_and_no_other(app, desks):
    ayu_token = add_agent(app, "ayu")
    budi_token = add_agent(app, "budi", "Budi")
    with app.app_context():
        router = services().router
        router.upsert_agent("budi", {"general": 2}, ("id",), {"voice": 1})  # no complaints
        router.set_agent_state("ayu", "available")
        router.set_agent_state("budi", "available")
    ayu, budi = desks("ayu", ayu_token), desks("budi", budi_token)
    first = ayu.until(lambda frame: True, PUSH_SECONDS)
    assert first and first["agent"]["id"] == "ayu" and first["offers"] == []
    started = time.monotonic()
    enqueue(app, "t-pushed")
    frame = ayu.until(offered("t-pushed"), PUSH_SECONDS)
    assert frame is not None, "the offer never reached the desk's stream"
    assert time.monotonic() - started < PUSH_SECONDS
    assert frame["agent"]["shown_state"] == "busy"
    assert budi.until(offered("t-pushed"), 1.5) is None  # another agent's offer never does
    with app.app_context():
        services().router.accept(frame["offers"][0]["offer_id"])
    taken = ayu.until(lambda f: [t["id"] for t in f["tasks"]] == ["t-pushed"], PUSH_SECONDS)
    assert taken and taken["offers"] == [] and taken["tasks"][0]["state"] == "assigned"


def test_a_chat_message_reaches_the_desk_without_asking(app, desks):
    token = add_agent(app, "ayu")
    with app.app_context():
        router = services().router
        router.set_agent_state("ayu", "available")
        enqueue(app, "t-chat", channel="chat", queue="general")
        router.accept(router.offers_for("ayu")[0]["offer_id"])
    desk = desks("ayu", token)
    assert desk.until(lambda f: f["messages"] == {"t-chat": []}, PUSH_SECONDS)
    with app.app_context():
        append_message(services(), "t-chat", "customer", "Halo, pesanan saya?")
    frame = desk.until(lambda f: f["messages"]["t-chat"], PUSH_SECONDS)
    assert frame and frame["messages"]["t-chat"][0]["body"] == "Halo, pesanan saya?"


def test_the_snapshot_is_what_the_stream_pushes(app, client):
    token = add_agent(app, "ayu")
    assert client.get("/desk/snapshot", headers={"Accept": "application/json"}).status_code == 401
    assert client.get("/desk/stream").status_code == 401  # only a logged-in desk
    client.post("/desk/login", data={"token": token})
    body = client.get("/desk/snapshot").json
    assert (body["agent"]["id"], body["offers"], body["tasks"]) == ("ayu", [], [])


def test_a_full_process_tells_the_desk_when_to_come_back(app, client):
    app.config["DESK_STREAM_LIMIT"] = 1
    client.post("/desk/login", data={"token": add_agent(app, "ayu")})
    held = client.get("/desk/stream", buffered=False)
    next(iter(held.response))
    refused = client.get("/desk/stream")
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "5"
    assert refused.text == "retry: 5000\n\n"
    held.close()
