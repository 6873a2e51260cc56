"""What a voice webhook knows of its call, read from the request and Redis: the CallSid, the
router task `call-<CallSid>`, the caller's language and tries (carried in the URL), the customer,
its place while waiting, and the marks that let a retried step find its work done. No TwiML here
(see twiml.py).
"""

from __future__ import annotations

import hashlib
import re
from typing import NamedTuple

from flask import request

from telephony.customers import Customer, CustomerDirectory
from telephony.routing.errors import RoutingError
from telephony.services import Services, services

CALL_SID = re.compile(r"^CA[0-9a-fA-F]{32}$")
WAITING = ("queued", "reserved")
IDEMPOTENT_FOR = 86400  # seconds a webhook step stays marked as done


class Place(NamedTuple):
    """Where a waiting call sits (always on the voice channel): its position is read there, its
    estimate from the counters of the queue it came in by."""

    queue: str
    step: int
    language: str
    origin: str

    @classmethod
    def of(cls, task: dict) -> Place:
        return cls(task["queue"], task["step"], task["language"], task["origin_queue"])


def lang() -> str:
    """The caller's language from the URL, the centre's default when missing or unknown."""
    value = request.args.get("lang", "")
    centre = services().centre
    return value if value in centre.languages else centre.default_language


def tries() -> int:
    """How often this prompt has failed so far (from the URL; garbage counts as none)."""
    value = request.args.get("try", "0")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 3 else 0


def call_sid() -> str:
    """The CallSid, or for a garbled request a stable stand-in derived from the call's parties
    (so even such a call gets one task, however often it is retried)."""
    sid = request.form.get("CallSid", "")
    if CALL_SID.match(sid):
        return sid
    seed = "|".join(request.form.get(k, "") for k in ("From", "To", "AccountSid"))
    return "X" + hashlib.sha1(seed.encode()).hexdigest()[:32]


def task_id(sid: str) -> str:
    """The call's router task: deterministic, so a retried enqueue finds it there."""
    return f"call-{sid}"


def customer(svc: Services) -> Customer | None:
    """The caller in the customer directory, if known."""
    return CustomerDirectory(svc.redis, svc.router.keys).lookup(request.form.get("From", ""))


def task(svc: Services, tid: str) -> dict | None:
    """The task, or None when the router does not know it."""
    try:
        return svc.router.task(tid)
    except RoutingError:
        return None


def done(svc: Services, scope: str, ref: str) -> bool:
    """Whether a step with an outside effect was already applied (Twilio retries a webhook)."""
    return bool(svc.redis.exists(svc.router.keys.idempotency(scope, ref)))


def mark_done(svc: Services, scope: str, ref: str) -> None:
    """Mark a step applied, after its work: a failure in between means it is done again on the
    retry (at least once), never not at all."""
    svc.redis.set(svc.router.keys.idempotency(scope, ref), "1", ex=IDEMPOTENT_FOR)
