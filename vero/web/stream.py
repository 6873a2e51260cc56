"""Server-sent events for the wallboard and the agent desk, shared by every viewer of one server
process.

One reader per process and hub (the `StreamHub` thread) follows the router's event stream and
builds a fresh snapshot when it moves (a burst of events becomes one push per `min_gap`) and at
least every `every` seconds (waits grow even when nothing happens), once per view in use: a page
language for the wallboard, an agent for the desk. A `quiet` hub (the desk's) sends a comment
instead of a frame equal to the viewer's last (its view may check something between frames). Each
open stream only waits for the next snapshot and writes it: a hundred wallboards cost one snapshot
per push, not a hundred, and the hub never touches Redis for a viewer after its first frame.

A process holds at most `limit` streams; beyond that a viewer is answered 503 with a `retry:`
hint and `Retry-After`, so that the server's threads stay free for webhooks (under a threaded
server every open stream holds one thread). A connection lasts at most `max_seconds`: it then
ends with the `retry:` hint and the browser reconnects on its own, which spreads viewers over the
server's workers again and lets a test read a finite stream.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Generator, Mapping
from typing import Any, cast

import redis
from flask import Response

from vero.kernel.redis_client import Client

RETRY_MS = 1000
KEEPALIVE = ":\n\n"  # an SSE comment: sent instead of a frame equal to the last one
BUSY_RETRY_MS = 5000  # a refused viewer comes back later, not at once
BLOCK_MS = 1000  # the longest single XREAD BLOCK
MIN_GAP = 1.0  # a stream of router events becomes one push a second, not one per event
EVERY = 2.0  # a push at least this often, changes or not
SPREAD = 0.2  # a connection lasts 80-100 % of its max_seconds
DEFAULT_LIMIT = 64  # open streams per server process
LIMIT_ENV = "VERO_STREAM_LIMIT"
STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}

log = logging.getLogger(__name__)


def sse(payload: dict[str, Any]) -> str:
    return f"data: {json.dumps(payload, separators=(',', ':'))}\n\n"


def retry_hint(ms: int = RETRY_MS) -> str:
    return f"retry: {ms}\n\n"


def event_stream(frames: Generator[str, None, None]) -> Response:
    """A stream's frames as the browser's EventSource reads them (no proxy buffering)."""
    return Response(frames, mimetype="text/event-stream", headers=STREAM_HEADERS)


def streams_full() -> Response:
    """The answer of a process at its limit: come back in BUSY_RETRY_MS (the page meanwhile
    shows what it has, or polls)."""
    return Response(
        retry_hint(BUSY_RETRY_MS),
        status=503,
        mimetype="text/event-stream",
        headers={**STREAM_HEADERS, "Retry-After": str(BUSY_RETRY_MS // 1000)},
    )


def stream_limit(env: Mapping[str, str]) -> int:
    """VERO_STREAM_LIMIT (open streams per process; `vero web` checks it before it starts),
    DEFAULT_LIMIT when unset."""
    return int(env.get(LIMIT_ENV) or DEFAULT_LIMIT)


class StreamsFull(Exception):
    """This process already serves its limit of open streams."""


class StreamHub:
    """One process's reader of the router's events and the snapshots it pushes to every viewer.

    `build(view)` makes the snapshot of one view (a page language, an agent); it runs on the
    hub's thread (and on a new viewer's, when no snapshot of its view is at hand, so that the
    first frame comes at once). A new viewer otherwise starts with the newest push, at most
    `every` s old.
    """

    def __init__(
        self,
        client: Client,
        events_key: str,
        build: Callable[[str], dict[str, Any]],
        *,
        limit: int = DEFAULT_LIMIT,
        every: float = EVERY,
        min_gap: float = MIN_GAP,
        quiet: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client, self.events_key, self.build = client, events_key, build
        self.limit, self.every, self.min_gap, self.clock = limit, every, min_gap, clock
        self.quiet = quiet
        self._ready = threading.Condition()
        self._viewers: Counter[str] = Counter()  # view (page language, agent) → open streams
        self._frames: dict[str, str] = {}  # view → newest frame
        self._version = 0  # bumped at every push
        self._thread: threading.Thread | None = None

    @property
    def open_streams(self) -> int:
        return sum(self._viewers.values())

    def stream(self, view: str, max_seconds: float) -> Generator[str, None, None]:
        """The frames of one viewer: the retry hint, a snapshot now, then every push for
        `max_seconds`. Raises StreamsFull (before any frame) when the process is at its limit."""
        with self._ready:
            if self.open_streams >= self.limit:
                raise StreamsFull(f"{self.limit} live streams open in this process")
            self._viewers[view] += 1
            self._start()
        return self._frames_for(view, max_seconds)

    def _frames_for(self, view: str, max_seconds: float) -> Generator[str, None, None]:
        try:
            yield retry_hint()
            with self._ready:
                seen, frame = self._version, self._frames.get(view)
            last = frame if frame is not None else sse(self.build(view))
            yield last
            # viewers opened together (a restart, a network blip) reconnect spread out
            deadline = self.clock() + max_seconds * random.uniform(1 - SPREAD, 1)
            while True:
                with self._ready:
                    remaining = deadline - self.clock()
                    if remaining <= 0:
                        return

                    def newer(seen: int = seen) -> bool:
                        return self._version > seen

                    self._ready.wait_for(newer, timeout=remaining)
                    if self._version == seen:
                        return
                    seen, frame = self._version, self._frames.get(view)
                if self.quiet and frame == last:  # the same picture: a comment the browser skips
                    yield KEEPALIVE
                elif frame is not None:
                    last = frame
                    yield frame
        finally:
            with self._ready:
                self._viewers[view] -= 1
                if self._viewers[view] <= 0:  # nobody left to keep its frame fresh
                    del self._viewers[view]
                    self._frames.pop(view, None)

    def _start(self) -> None:
        """Start the reader, following the events from where they are now: the first viewer's
        snapshot is built after this, so an event that lands while it is built is pushed."""
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(
                target=self._run, args=(self._newest_event(),), name="vero-stream-hub", daemon=True
            )
            self._thread.start()

    def _newest_event(self) -> bytes | None:
        """The id of the newest router event (b"0-0" for none); None when Redis cannot say."""
        try:
            newest = cast(
                "list[tuple[bytes, dict]]", self.client.xrevrange(self.events_key, count=1)
            )
        except redis.RedisError as exc:
            log.warning("wallboard stream: %s; the reader looks again", exc)
            return None
        return newest[0][0] if newest else b"0-0"

    def _run(self, last_id: bytes | None) -> None:
        """Follow the events after `last_id`; push on change (at most every `min_gap`) and every
        `every` s. An error is logged and retried: the viewers see the wallboard pause, not end."""
        changed, sent = False, self.clock()
        while True:
            with self._ready:
                self._ready.wait_for(lambda: self._viewers, timeout=None)
            now = self.clock()
            try:
                if last_id is None:
                    last_id = self._newest_event()
                    if last_id is None:
                        time.sleep(1.0)
                        continue
                if (changed and now >= sent + self.min_gap) or now >= sent + self.every:
                    self._push()
                    changed, sent = False, self.clock()
                    continue
                due = sent + self.min_gap if changed else sent + self.every
                wait = min(BLOCK_MS, (due - now) * 1000)
                if changed:  # already due to push: just wait out the gap
                    time.sleep(max(0.0, wait / 1000))
                    continue
                reply = cast(
                    "list[tuple[bytes, list[tuple[bytes, dict]]]]",
                    self.client.xread(
                        {self.events_key: last_id}, count=1000, block=max(1, int(wait))
                    ),
                )
                if reply:
                    last_id, changed = reply[0][1][-1][0], True
            except redis.RedisError as exc:
                log.warning("wallboard stream: %s; retrying in 1 s", exc)
                time.sleep(1.0)
            except Exception:  # a bug in one snapshot must not end every wallboard
                log.exception("wallboard stream: the snapshot failed; retrying in 1 s")
                time.sleep(1.0)

    def _push(self) -> None:
        with self._ready:
            views = list(self._viewers)
        frames = {view: sse(self.build(view)) for view in views}
        with self._ready:
            self._frames.update(frames)
            self._version += 1
            self._ready.notify_all()
