"""Complaint case records in Redis: one JSON string per case (`keys.complaint(ref)`), its
timeline list, the indexes (every case, the open ones by deadline, each customer's) and the
reference sequence.

Every step of the procedure changes a case the same way: read it, decide (`model`), write the
record and its entries in one transaction under WATCH, so two people acting on one case never
overwrite each other. That read-decide-write and the reads of the pages live here, once; what a
step decides is `model`'s, what follows a commit is the procedure's.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import cast

import redis

from telephony.complaints.model import OPEN_STATES, Change, ComplaintRecord, Entry
from telephony.keys import Keys
from telephony.routing.errors import RoutingError

RETRIES = 20  # a case changed meanwhile this often in a row: the step gives up ('busy')
# a step sees the current record (None: no such case) and returns its change, None for none
Step = Callable[[ComplaintRecord | None], Change | None]
Committed = Callable[[ComplaintRecord, list[Entry]], None]


def next_reference(client: redis.Redis, keys: Keys, year: int) -> str:
    """The next complaint reference CMP-<year>-<6 digits>, whatever channel the complaint came
    on (the IVR and the case store share this one sequence)."""
    number = client.incr(keys.sequence(f"complaints-{year}"))
    return f"CMP-{year}-{number:06d}"


def customer_key(customer: dict[str, str]) -> str:
    """Who a case belongs to: the phone (E.164) when known, else the e-mail address."""
    return customer.get("phone") or customer.get("email", "")


def _texts(reply: object) -> list[str]:
    """The members of a ZRANGE/SMEMBERS reply (bytes: Vero's clients do not decode; redis-py
    types replies as the union of every command's)."""
    return [member.decode() for member in cast(Iterable[bytes], reply)]


class CaseRepository:
    """The case records of one namespace. `committed` hears of every commit (the journal)."""

    def __init__(
        self, client: redis.Redis, keys: Keys, clock: Callable[[], float], committed: Committed
    ) -> None:
        self.redis = client
        self.keys = keys
        self.clock = clock
        self.committed = committed

    # --- reads --------------------------------------------------------------------------------

    def get(self, ref: str) -> ComplaintRecord:
        raw = self.redis.get(self.keys.complaint(ref))
        if raw is None:
            raise RoutingError("unknown", f"no complaint {ref}")
        return json.loads(raw)

    def timeline(self, ref: str) -> list[Entry]:
        return [json.loads(e) for e in self.redis.lrange(self.keys.complaint_timeline(ref), 0, -1)]

    def cases(self, refs: list[str]) -> list[ComplaintRecord]:
        raws = self.redis.mget([self.keys.complaint(r) for r in refs]) if refs else []
        return [json.loads(r) for r in raws if r is not None]

    def overdue_refs(self, now: float) -> list[str]:
        """The open cases whose deadline is before `now`."""
        return _texts(self.redis.zrangebyscore(self.keys.complaints_open(), "-inf", f"({now}"))

    def listing(self, *, overdue: bool = False, open_only: bool = False) -> list[ComplaintRecord]:
        """Cases, most urgent first: overdue ones (for the wallboard), open ones, or all."""
        if overdue:
            refs = self.overdue_refs(self.clock())
        elif open_only:
            refs = _texts(self.redis.zrange(self.keys.complaints_open(), 0, -1))
        else:
            refs = _texts(self.redis.zrange(self.keys.complaints(), 0, -1))
        found = self.cases(refs)
        return sorted(found, key=lambda c: (-c["priority"], c["due_at"], c["ref"]))

    def open_for_customer(self, customer: str) -> list[ComplaintRecord]:
        refs = sorted(_texts(self.redis.smembers(self.keys.customer_complaints(customer))))
        return [c for c in self.cases(refs) if c["state"] in OPEN_STATES]

    # --- writing ------------------------------------------------------------------------------

    def commit(self, ref: str, step: Step) -> ComplaintRecord:
        """Apply `step` to the current case atomically (retried when the case changed meanwhile)
        and tell `committed`; `step` returns None to change nothing."""
        key = self.keys.complaint(ref)
        for _ in range(RETRIES):
            with self.redis.pipeline(transaction=True) as pipe:  # WATCH: also on a Cluster
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    result = step(json.loads(raw) if raw is not None else None)
                    if result is None:
                        if raw is None:  # nothing to change on a case that is not there
                            raise RoutingError("unknown", f"no complaint {ref}")
                        return json.loads(raw)
                    case, entries = result
                    pipe.multi()
                    self._write(pipe, case, entries)
                    pipe.execute()
                except redis.WatchError:
                    continue
            self.committed(case, entries)
            return case
        raise RoutingError("busy", f"complaint {ref} kept changing; try again")

    def apply(self, ref: str, step: Callable[[ComplaintRecord], Change]) -> ComplaintRecord:
        """`commit` for a step on a case that must exist (404 'unknown' otherwise)."""

        def known(case: ComplaintRecord | None) -> Change:
            if case is None:
                raise RoutingError("unknown", f"no complaint {ref}")
            return step(case)

        return self.commit(ref, known)

    def _write(
        self, pipe: redis.client.Pipeline, case: ComplaintRecord, entries: list[Entry]
    ) -> None:
        ref = case["ref"]
        pipe.set(self.keys.complaint(ref), json.dumps(case))
        pipe.rpush(self.keys.complaint_timeline(ref), *[json.dumps(e) for e in entries])
        pipe.zadd(self.keys.complaints(), {ref: case["created_at"]}, nx=True)
        if case["state"] in OPEN_STATES:
            pipe.zadd(self.keys.complaints_open(), {ref: case["due_at"]})
        else:
            pipe.zrem(self.keys.complaints_open(), ref)
        who = customer_key(case["customer"])
        if who:
            pipe.sadd(self.keys.customer_complaints(who), ref)
