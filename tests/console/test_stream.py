"""The wallboard's stream hub: every viewer of a process shares one reader and one snapshot per
push, a process refuses streams beyond its limit (503 with a retry hint), and a viewer's stream
ends by itself."""

from __future__ import annotations

import json
import threading
import time

from tests.console.conftest import enqueue
from vero.web.stream import StreamHub, StreamsFull


class Builds:
    """A snapshot builder that counts its calls, per language."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, language: str) -> dict:
        with self.lock:
            self.calls.append(language)
            return {"n": len(self.calls), "lang": language}


def read(frames, into: list[str], done: threading.Event) -> None:
    for frame in frames:
        into.append(frame)
    done.set()


def test_viewers_share_one_snapshot_per_push(redis_client, namespace):
    builds = Builds()
    hub = StreamHub(redis_client, f"{namespace}:events", builds, limit=10, every=0.3)
    readers = []
    for language in ("id", "id", "id", "en"):
        got, done = [], threading.Event()
        threading.Thread(
            target=read, args=(hub.stream(language, 1.5), got, done), daemon=True
        ).start()
        readers.append((got, done))
    for _, done in readers:
        assert done.wait(10)
    assert hub.open_streams == 0
    for got, _ in readers:
        assert got[0] == "retry: 1000\n\n" and len(got) >= 3  # the hint, the first, pushes
    pushes = builds.calls.count("id")
    # 3 Indonesian viewers over ~1.5 s at one push per 0.3 s: about 5 pushes for all of them,
    # not 5 for each (the first viewer builds its own first frame; the others may too)
    assert pushes <= 3 + 1.5 / 0.3 + 2


def test_a_process_refuses_streams_beyond_its_limit(redis_client, namespace):
    hub = StreamHub(redis_client, f"{namespace}:events", Builds(), limit=2)
    first, second = hub.stream("id", 5), hub.stream("id", 5)
    next(first), next(second)
    try:
        hub.stream("id", 5)
        raise AssertionError("a third stream was taken")
    except StreamsFull:
        pass
    first.close()  # a viewer leaves: its place is free again
    third = hub.stream("en", 5)
    assert next(third) == "retry: 1000\n\n"
    second.close()
    third.close()
    assert hub.open_streams == 0


def test_the_console_answers_503_with_a_retry_hint_when_full(app, supervisor):
    app.config["CONSOLE_STREAM_LIMIT"] = 1
    held = supervisor.get("/console/stream", buffered=False)
    assert held.status_code == 200
    next(iter(held.response))
    refused = supervisor.get("/console/stream")
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "5"
    assert refused.mimetype == "text/event-stream" and refused.text == "retry: 5000\n\n"
    held.close()
    time.sleep(0.1)
    again = supervisor.get("/console/stream", buffered=False)
    assert again.status_code == 200
    again.close()


def test_a_change_reaches_every_viewer_within_a_push(app, supervisor):
    app.config["CONSOLE_STREAM_SECONDS"] = 20  # long enough for a slow machine
    replies = [supervisor.get("/console/stream?lang=en", buffered=False) for _ in range(3)]
    streams = [(chunk.decode() for chunk in r.response) for r in replies]
    for frames in streams:
        assert next(frames) == "retry: 1000\n\n"
        assert waiting(next(frames)) == 0
    enqueue(app, "t-shared")
    for frames in streams:  # the push after the change (a heartbeat may come first)
        assert 1 in [waiting(next(frames)) for _ in range(2)]
    for r in replies:
        r.close()


def waiting(frame: str) -> int:
    board = json.loads(frame.removeprefix("data: "))
    return next(q["waiting"] for q in board["queues"] if q["id"] == "complaints")


def test_a_new_viewer_never_starts_from_a_frame_nobody_kept_fresh(redis_client, namespace):
    builds = Builds()
    hub = StreamHub(redis_client, f"{namespace}:events", builds, every=0.2)
    assert len(list(hub.stream("en", 0.8))) >= 3  # pushes while the viewer watched
    built = len(builds.calls)
    time.sleep(0.5)  # nobody watches: nothing is built, the last frame grows old
    assert len(builds.calls) == built
    later = hub.stream("en", 0.1)
    next(later)
    assert json.loads(next(later).removeprefix("data: "))["n"] > built  # a fresh snapshot
    later.close()
