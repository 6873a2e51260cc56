"""The background loop of a Vero process: fire due timers (offer expiry, step timeouts, end of
wrap-up), hand closed contacts to the CSV log, and run the other areas' periodic work (queuing
the redirects that ring agents, escalating overdue complaints). Nothing on this loop waits for
Twilio: outbound REST goes through the outbox (telephony/outbox.py).

Several processes may run it at once: every timer is applied by exactly one of them (the scripts
check and remove it atomically), the periodic work is just as safe to run twice, and what a dead
process had read from the contact stream is claimed by a survivor. Each round ends with a
heartbeat in `Keys.dispatchers()`, which `/readyz` reads.
"""

from __future__ import annotations

import json
import logging
import os
import random
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence

import redis

from telephony.keys import Keys
from telephony.routing import contact_log as contact_log_module
from telephony.routing.contact_log import ContactLog
from telephony.routing.router import RedisRouter
from telephony.routing.takeover import claim_stale, prune_consumers
from vero.kernel.redis_client import Client, text

log = logging.getLogger(__name__)
HEARTBEAT_FRESH_SECONDS = 5.0  # /readyz: a dispatcher is alive if it beat this recently
HEARTBEAT_PRUNE_SECONDS = 60.0  # older heartbeats are removed (their process is gone)
HOUSEKEEPING_SECONDS = 10.0
CONTACT_CLAIM_IDLE_SECONDS = 15  # a live flush (append + fsync) acknowledges far sooner
LATENESS_SAMPLES = 2000


def dispatcher_id() -> str:
    """host-pid: unique among the processes sharing one Redis, readable in an incident."""
    return f"{socket.gethostname()}-{os.getpid()}"


def live_dispatchers(
    client: Client, keys: Keys, now: float, fresh: float = HEARTBEAT_FRESH_SECONDS
) -> dict[str, dict]:
    """The dispatchers whose last heartbeat is younger than `fresh` seconds."""
    beats = {text(k): json.loads(v) for k, v in client.hgetall(keys.dispatchers()).items()}
    return {ident: beat for ident, beat in beats.items() if now - beat.get("at", 0) < fresh}


def p99(samples: Sequence[float]) -> float:
    if not samples:
        return 0.0
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


class Dispatcher:
    def __init__(
        self,
        router: RedisRouter,
        contact_log: ContactLog,
        interval: float = 0.2,
        periodic: Sequence[Callable[[], object]] = (),
        ident: str | None = None,
        report: Callable[[], dict[str, int]] = dict,
        occasional: Sequence[Callable[[], object]] = (),
    ) -> None:
        """`report` adds figures of the process to the heartbeat (the senders' REST tally);
        `occasional` work runs every HOUSEKEEPING_SECONDS (forgetting old stream consumers)."""
        self.router = router
        self.contact_log = contact_log
        self.periodic = periodic
        self.interval = interval
        self.ident = ident or dispatcher_id()
        self.report = report
        self.occasional = occasional
        self.share = random.Random(self.ident).uniform(0.01, 0.99)  # its place in due batches
        self.timers_fired = 0
        self.lateness: deque[float] = deque(maxlen=LATENESS_SAMPLES)
        self._housekept = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> None:
        late: list[float] = []
        self.router.tick(lateness=late, share=self.share)
        self.timers_fired += len(late)
        self.lateness.extend(late)
        for work in self.periodic:
            work()
        self.contact_log.flush()
        self.beat()

    def beat(self) -> None:
        """This round's heartbeat; now and then, take over what dead processes left behind."""
        now = time.time()
        keys = self.router.keys
        beat = {
            "at": round(now, 3),
            "timers_fired": self.timers_fired,
            "lateness_p99_s": round(p99(self.lateness), 3),
            **{f"rest_{k}": v for k, v in self.report().items()},
        }
        with self.router.redis.pipeline(transaction=False) as pipe:
            pipe.hset(keys.dispatchers(), self.ident, json.dumps(beat))
            pipe.expire(keys.dispatchers(), int(HEARTBEAT_PRUNE_SECONDS))
            pipe.execute()
        if now - self._housekept >= HOUSEKEEPING_SECONDS:
            self._housekept = now
            self.housekeeping(now)

    def housekeeping(self, now: float) -> None:
        client, keys, stream = self.router.redis, self.router.keys, self.contact_log.stream
        beats = {text(k): json.loads(v) for k, v in client.hgetall(keys.dispatchers()).items()}
        gone = [i for i, b in beats.items() if now - b.get("at", 0) > HEARTBEAT_PRUNE_SECONDS]
        if gone:
            client.hdel(keys.dispatchers(), *gone)
        group = contact_log_module.GROUP
        if claim_stale(
            client, stream, group, self.contact_log.consumer, CONTACT_CLAIM_IDLE_SECONDS
        ):
            self.contact_log.flush()
        prune_consumers(client, stream, group)
        for work in self.occasional:
            work()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # keep routing alive; the next round retries
                log.exception("dispatcher round failed")
            self._stop.wait(self.interval)

    def start(self) -> Dispatcher:
        self._thread = threading.Thread(target=self._loop, name="vero-dispatcher", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop after the current round and withdraw the heartbeat (readiness reflects it)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        try:
            self.router.redis.hdel(self.router.keys.dispatchers(), self.ident)
        except redis.RedisError:
            log.warning("could not withdraw the heartbeat of dispatcher %s", self.ident)
