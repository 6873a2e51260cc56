"""Outbound Twilio REST off the timer path. The dispatcher loop never waits for Twilio: it puts
each call redirect or message into the outbox (a Redis stream with a consumer group), and a small
pool of sender threads in every dispatcher process sends them, each try bounded by
VERO_TWILIO_TIMEOUT, with exponential backoff after a timeout, a broken connection, a 5xx or a
429, and a dead letter (`Keys.outbox_dead`, kept 7 days, logged) after the last try.

A request made for an offer (ringing an agent) is dropped once that offer is over (expired,
withdrawn, or its call bridged: ringing then would be wrong; a call accepted on the desk still
wants its agent's leg), and gives the offer back when it fails (a call accepted but never bridged
is unassigned), so the next agent may take the call. A WhatsApp message that fails for good is
sent by SMS.

Delivery is at least once: an entry is acknowledged and deleted only after its outcome; the
entries of a process that died are claimed by the survivors once idle for longer than any live
sender holds one (each try refreshes the claim).
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import cast

import redis
from redis.typing import EncodableT, FieldT

from telephony.call_state import leg_wanted
from telephony.gateway import Gateway, mask, retryable
from telephony.keys import Keys
from telephony.routing.errors import RoutingError
from telephony.routing.router import RedisRouter
from vero.kernel.redis_client import Client

log = logging.getLogger(__name__)
GROUP = "twilio-senders"
DEAD_LETTER_SECONDS = 7 * 24 * 3600
MAX_BACKOFF_SECONDS = 4.0

Job = dict[str, str]
# the Gateway operations a "rest" job may name (the call legs, conferences and recordings)
REST_OPS = (
    "create_call",
    "end_call",
    "update_participant",
    "add_participant",
    "record_call",
    "set_recording",
)


def _fields(job: Job, **more: str) -> dict[FieldT, EncodableT]:
    """The stream fields of `job` and `more`, typed as redis-py's XADD takes them."""
    return {key: value for key, value in {**job, **more}.items()}


# a stream entry as Vero's clients return it (RESP2, not decoded): id and fields
StreamEntry = tuple[bytes, dict[bytes, bytes]]


def stream_entries(reply: object) -> list[StreamEntry]:
    """The entries with fields of an XREADGROUP reply on one stream (an entry deleted after it
    was read has none). redis-py types the reply as the union of every protocol's."""
    streams = cast(list[tuple[bytes, list[StreamEntry]]], reply)
    return [(eid, fields) for eid, fields in (streams[0][1] if streams else []) if fields]


class Outbox:
    """The queue of REST requests; also a `Gateway` that only queues (so the dispatcher's own
    work, such as complaint escalation messages, sends through it unchanged)."""

    def __init__(self, client: Client, keys: Keys) -> None:
        self.redis = client
        self.stream = keys.outbox()
        self.dead = keys.outbox_dead()
        try:
            client.xgroup_create(self.stream, GROUP, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def put(self, job: Job) -> str:
        fields = _fields(job, queued_at=f"{time.time():.3f}")
        return cast(bytes, self.redis.xadd(self.stream, fields)).decode()

    def redirect_call(self, call_sid: str, url: str, task: str = "", offer: str = "") -> None:
        """Queue a call redirect; with `offer`, only while that offer is pending."""
        self.put(
            {"kind": "redirect", "call_sid": call_sid, "url": url, "task": task, "offer": offer}
        )

    def rest(
        self, op: str, args: dict[str, object], *, task: str = "", offer: str = "", store: str = ""
    ) -> None:
        """Queue the Gateway operation `op` with `args`; with `offer`, only while that offer is
        pending (and the offer is given back when it fails); with `store`, the sid it returns is
        put on `task`'s attributes under that name (an agent leg's call sid, say)."""
        if op not in REST_OPS:
            raise ValueError(f"unknown REST operation {op!r}")
        self.put(
            {
                "kind": "rest",
                "op": op,
                "args": json.dumps(args, separators=(",", ":")),
                "task": task,
                "offer": offer,
                "store": store,
            }
        )

    def send_message(self, to: str, body: str, channel: str, sender: str) -> str:
        """Queue a message; returns the outbox entry id (the message sid comes later)."""
        return "outbox:" + self.put(
            {
                "kind": "message",
                "to": to,
                "body": body,
                "channel": channel,
                "sender": sender,
                "fallback": "sms" if channel == "whatsapp" else "",
            }
        )

    # --- the senders' side ------------------------------------------------------------------

    def claim(self, consumer: str, min_idle_seconds: float, count: int = 10) -> list[StreamEntry]:
        """Entries another sender (most likely a dead process) held longer than `min_idle`."""
        reply = cast(
            list,
            self.redis.xautoclaim(
                self.stream, GROUP, consumer, int(min_idle_seconds * 1000), count=count
            ),
        )
        entries: list[StreamEntry] = reply[1]  # (next start, entries, deleted ids)
        return [(eid, fields) for eid, fields in entries if fields]

    def read(self, consumer: str, block_seconds: float) -> list[StreamEntry]:
        return stream_entries(
            self.redis.xreadgroup(
                GROUP, consumer, {self.stream: ">"}, count=1, block=int(block_seconds * 1000)
            )
        )

    def touch(self, consumer: str, entry_id: bytes) -> None:
        """Reset the entry's idle time: this sender is still working on it."""
        self.redis.xclaim(self.stream, GROUP, consumer, 0, [entry_id], justid=True)

    def done(self, entry_id: bytes) -> None:
        with self.redis.pipeline() as pipe:
            pipe.xack(self.stream, GROUP, entry_id)
            pipe.xdel(self.stream, entry_id)
            pipe.execute()

    def bury(self, job: Job, tries: int, error: str) -> None:
        """The dead letter of a request that failed its last try, for the supervisor."""
        now = time.time()
        fields = _fields(job, tries=str(tries), error=error[:500], at=f"{now:.3f}")
        self.redis.xadd(
            self.dead, fields, minid=str(int((now - DEAD_LETTER_SECONDS) * 1000)), approximate=True
        )
        target = job.get("call_sid") or mask(job.get("to", ""))
        log.error(
            "Twilio %s to %s failed after %d tries, dead letter kept in %s: %s",
            job.get("kind"),
            target,
            tries,
            self.dead,
            error,
        )

    def dead_letters(self, count: int = 100) -> list[dict[str, str]]:
        """The newest dead letters first."""
        entries = cast(list[StreamEntry], self.redis.xrevrange(self.dead, count=count))
        return [{k.decode(): v.decode() for k, v in fields.items()} for _, fields in entries]


class Senders:
    """The sender threads of one process. Each has its own gateway (an HTTP session is not
    shared between threads)."""

    def __init__(
        self,
        outbox: Outbox,
        router: RedisRouter,
        gateway_factory: Callable[[], Gateway],
        consumer: str,
        *,
        threads: int = 4,
        tries: int = 4,
        timeout: float = 5.0,
        backoff: float = 0.5,
    ) -> None:
        self.outbox = outbox
        self.router = router
        self.gateway_factory = gateway_factory
        self.consumer = consumer
        self.threads = threads
        self.tries = tries
        self.backoff = backoff
        self.claim_idle = max(timeout, MAX_BACKOFF_SECONDS) + 5
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._workers: list[threading.Thread] = []

    def start(self) -> Senders:
        for n in range(self.threads):
            worker = threading.Thread(target=self._work, name=f"vero-sender-{n}", daemon=True)
            worker.start()
            self._workers.append(worker)
        return self

    def stop(self, wait: float = 5.0) -> None:
        """Stop taking work; a request in flight is left pending for another process."""
        self._stop.set()
        deadline = time.monotonic() + wait
        for worker in self._workers:
            worker.join(timeout=max(deadline - time.monotonic(), 0))

    def tally(self) -> dict[str, int]:
        """REST outcomes so far: ok, retried (tries after a failure), refused, dead."""
        with self._lock:
            return {name: self.counts[name] for name in ("ok", "retried", "refused", "dead")}

    def _count(self, name: str) -> None:
        with self._lock:
            self.counts[name] += 1

    def _work(self) -> None:
        gateway = self.gateway_factory()
        while not self._stop.is_set():
            try:
                entries = self.outbox.claim(self.consumer, self.claim_idle) or self.outbox.read(
                    self.consumer, block_seconds=1
                )
                for entry_id, fields in entries:
                    if self._stop.is_set():
                        return
                    self.handle(
                        gateway, entry_id, {k.decode(): v.decode() for k, v in fields.items()}
                    )
            except Exception:  # Redis away: keep the thread, try again shortly
                log.exception("outbox sender failed")
                self._stop.wait(1)

    def handle(self, gateway: Gateway, entry_id: bytes, job: Job) -> None:
        """Send one request to its end: sent, dropped, given back or buried."""
        if job.get("kind") == "redirect":
            outcome = self._redirect(gateway, entry_id, job)
        elif job.get("kind") == "rest":
            outcome = self._rest(gateway, entry_id, job)
        else:
            outcome = self._message(gateway, entry_id, job)
        if outcome != "abandoned":
            self.outbox.done(entry_id)

    def _pending(self, job: Job) -> bool:
        """A job made for an offer is wanted only while that offer is pending, or accepted
        but its call not yet bridged (the agent's leg of a call accepted on the desk)."""
        if not job.get("offer"):
            return True
        try:
            task = self.router.task(job["task"])
        except RoutingError:
            return False
        return leg_wanted(task, job["offer"])

    def _offer_failed(self, job: Job, outcome: str, tries: int, error: str) -> None:
        """The last word on a request that did not go through: buried when Twilio kept failing,
        and the offer it was made for given back, so that the next agent may take the call."""
        if outcome == "stale" and tries:
            self._bury(job, tries, f"the offer ended while Twilio failed: {error}")
        elif outcome in ("refused", "exhausted"):
            if outcome == "exhausted":
                self._bury(job, tries, error)
            else:
                log.warning(
                    "Twilio refused %s for task %s (%s)",
                    job.get("op") or job.get("kind"),
                    job.get("task"),
                    error,
                )
            if job.get("offer"):
                self._give_back(job)

    def _give_back(self, job: Job) -> None:
        """The offer a failed request was made for goes back: still pending, it is rejected;
        accepted but never bridged, the call is unassigned."""
        with contextlib.suppress(RoutingError):  # expired or ended meanwhile
            task = self.router.task(job["task"])
            if task["state"] == "assigned" and leg_wanted(task, job["offer"]):
                self.router.unassign(task["id"])
            else:
                self.router.reject(job["offer"])

    def _redirect(self, gateway: Gateway, entry_id: bytes, job: Job) -> str:
        outcome, tries, error = self._tries(
            entry_id,
            lambda: gateway.redirect_call(job["call_sid"], job["url"]),
            lambda: self._pending(job),
        )
        self._offer_failed(job, outcome, tries, error)
        return outcome

    def _rest(self, gateway: Gateway, entry_id: bytes, job: Job) -> str:
        op, args = job["op"], json.loads(job["args"])
        if op not in REST_OPS:
            self._bury(job, 0, f"unknown REST operation {op!r}")
            return "refused"
        result: list[object] = []
        outcome, tries, error = self._tries(
            entry_id,
            lambda: result.append(getattr(gateway, op)(**args)),
            lambda: self._pending(job),
        )
        if outcome == "sent" and job.get("store") and isinstance(result[-1], str):
            with contextlib.suppress(RoutingError):  # the task ended meanwhile
                self.router.annotate(job["task"], {job["store"]: result[-1]})
        self._offer_failed(job, outcome, tries, error)
        return outcome

    def _message(self, gateway: Gateway, entry_id: bytes, job: Job) -> str:
        channels = [c for c in (job["channel"], job.get("fallback", "")) if c]
        outcome, tries, error = "exhausted", 0, ""
        for channel in channels:
            send = functools.partial(
                gateway.send_message, job["to"], job["body"], channel, job["sender"]
            )
            outcome, tries, error = self._tries(entry_id, send, lambda: True)
            if outcome in ("sent", "abandoned"):
                return outcome
            log.warning("could not send %s message to %s: %s", channel, mask(job["to"]), error)
        self._bury(job, tries, error)
        return outcome

    def _tries(
        self, entry_id: bytes, send: Callable[[], object], wanted: Callable[[], bool]
    ) -> tuple[str, int, str]:
        """(outcome, failed tries, last error); outcome is 'sent', 'stale' (no longer wanted),
        'refused' (a final answer), 'exhausted' (the last try failed) or 'abandoned' (stopping)."""
        error = ""
        for attempt in range(self.tries):
            if attempt:
                self._count("retried")
                self.outbox.touch(self.consumer, entry_id)
                if self._stop.wait(min(self.backoff * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS)):
                    return "abandoned", attempt, error
            if not wanted():
                return "stale", attempt, error
            self.outbox.touch(self.consumer, entry_id)
            try:
                send()
            except Exception as exc:  # the REST API is outside our control
                error = f"{type(exc).__name__}: {exc}"
                if not retryable(exc):
                    self._count("refused")
                    return "refused", attempt + 1, error
                continue
            self._count("ok")
            return "sent", attempt, error
        return "exhausted", self.tries, error

    def _bury(self, job: Job, tries: int, error: str) -> None:
        self._count("dead")
        self.outbox.bury(job, tries, error)
