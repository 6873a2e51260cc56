"""Server-sent events for the wallboard: push a fresh snapshot when the router's event stream
moves, and at least every two seconds (waits grow even when nothing happens).

A connection lasts at most `max_seconds`: it then ends with a `retry:` hint and the browser's
EventSource reconnects on its own. That bounds how long one viewer holds a server worker, and
lets a test read a finite stream.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import redis

RETRY_MS = 1000
BLOCK_MS = 1000  # the longest single XREAD BLOCK
MIN_GAP = 0.25  # a burst of router events becomes one push, not one per event


def sse(payload: dict[str, Any]) -> str:
    return f"data: {json.dumps(payload, separators=(',', ':'))}\n\n"


def live_events(client: redis.Redis, events_key: str, build: Callable[[], dict[str, Any]], *,
                max_seconds: float, every: float = 2.0,
                clock: Callable[[], float] = time.monotonic) -> Iterator[str]:
    """Yield SSE frames: the retry hint, then `build()` now, on change and every `every` s."""
    yield f"retry: {RETRY_MS}\n\n"
    newest = client.xrevrange(events_key, count=1)
    last_id = newest[0][0] if newest else b"0-0"
    deadline = clock() + max_seconds
    changed, sent = True, float("-inf")
    while True:
        now = clock()
        if (changed and now >= sent + MIN_GAP) or now >= sent + every:
            yield sse(build())
            changed, sent = False, clock()
        now = clock()
        if now >= deadline:
            return
        due = sent + MIN_GAP if changed else sent + every
        wait = min(BLOCK_MS, (due - now) * 1000, (deadline - now) * 1000)
        if changed:  # already due to push: just wait out the gap, do not read further yet
            time.sleep(max(0.0, wait / 1000))
            continue
        reply = client.xread({events_key: last_id}, count=1000, block=max(1, int(wait)))
        if reply:
            last_id = reply[0][1][-1][0]
            changed = True
