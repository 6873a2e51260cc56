"""Closed contacts, from the Redis stream to one CSV per local day under VERO_DATA_DIR/contacts,
then out of Redis's hot state; and onto each customer's recent-contacts list (the screen pop).

These files are the history the forecast reads, so the hand-over is at-least-once and the files
are idempotent (contact_files.py): a consumer group gives each entry to one process; the rows are
appended and fsynced; only then one script (settle.lua) acknowledges and deletes the entries and
moves their closed tasks from the hot tasks hash to the closed-tasks hash. If Redis fails in
between, the entries stay pending and are written again next round, skipped as already there.
Entries left pending by a dead process are claimed after CLAIM_IDLE_MS. Closed tasks are purged
(with their conversation) after the retention period, 48 hours by default.

A call's contact is over when the caller hangs up and its recording is stored, not when its
task completes: the survey follows the talk, often after the agent has ended wrap-up, and Twilio
posts a recording once the call is over. So the row of a talked-to caller waits (its entry stays
pending) until the rating or the call's end is on the task, and the recording's URL when one was
being made, or SURVEY_WAIT_SECONDS have passed; every row is written with the task's attributes
of that moment.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import redis

from telephony.customers import RECENT_CONTACTS, RECENT_CONTACTS_TTL, recent_contact, task_customer
from telephony.keys import Keys
from telephony.routing import scripts
from telephony.routing.contact_files import ContactFiles
from vero.kernel.centre import Centre
from vero.kernel.redis_client import Client, text

COLUMNS = (
    "contact_id",
    "task_id",
    "channel",
    "queue",
    "language",
    "created_at",
    "answered_at",
    "ended_at",
    "wait_seconds",
    "handle_seconds",
    "agent_id",
    "outcome",
    "csat",
    "customer",
    "kind",
    "transferred",
    "attempts",
    "recording_url",
    "recording_seconds",
)
GROUP = "contact-csv"
DEFAULT_RETENTION_HOURS = 48.0
CLAIM_IDLE_MS = 60_000  # pending this long: its consumer is presumed dead
_CONSUMER_IDLE_MS = 3_600_000  # consumers with nothing pending, gone this long, are removed
_PURGE_BATCH = 500
SURVEY_WAIT_SECONDS = 300  # the longest a call's row waits for its survey, hang-up, recording


def _iso(epoch: str) -> str:
    return dt.datetime.fromtimestamp(float(epoch), dt.UTC).isoformat(timespec="seconds")


def record_row(fields: dict[str, str]) -> dict[str, str]:
    """One CSV row from a contact-record stream entry. Handle time includes wrap-up."""
    created, answered = float(fields["created_at"]), fields.get("answered_at", "")
    ended, closed = float(fields["ended_at"]), float(fields.get("closed_at") or fields["ended_at"])
    attributes = json.loads(fields.get("attributes") or "{}")
    if not isinstance(attributes, dict):
        attributes = {}
    return {
        "contact_id": fields["task_id"],
        "task_id": fields["task_id"],
        "channel": fields["channel"],
        "queue": fields["origin_queue"] or fields["queue"],
        "language": fields["language"],
        "created_at": _iso(fields["created_at"]),
        "answered_at": _iso(answered) if answered else "",
        "ended_at": _iso(fields["ended_at"]),
        "wait_seconds": f"{(float(answered) if answered else ended) - created:.1f}",
        "handle_seconds": f"{closed - float(answered):.1f}" if answered else "",
        "agent_id": fields.get("agent_id", ""),
        "outcome": fields["outcome"],
        "csat": attributes.get("csat", ""),
        "customer": task_customer(attributes) or "",
        "kind": attributes.get("kind", ""),  # callback, voicemail, outbound; "" a plain contact
        "transferred": "yes" if attributes.get("transfer") == "yes" else "",
        "attempts": _attempts(attributes),
        "recording_url": attributes.get("recording_url", ""),
        "recording_seconds": attributes.get("recording_duration", ""),
    }


def _attempts(attributes: dict) -> str:
    """A callback's earlier tries, in order: 'no-answer@<UTC time>; busy@<UTC time>'."""
    tries = sorted(
        (int(name.removeprefix("attempt_")), str(value))
        for name, value in attributes.items()
        if name.startswith("attempt_") and name.removeprefix("attempt_").isdigit()
    )
    return "; ".join(value for _, value in tries)


class ContactLog:
    def __init__(
        self,
        client: Client,
        keys: Keys,
        centre: Centre,
        data_dir: Path,
        consumer: str | None = None,
        *,
        retention_hours: float = DEFAULT_RETENTION_HOURS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.redis = client
        self.keys = keys
        self.stream = keys.contacts()
        self.centre = centre
        self.folder = Path(data_dir) / "contacts"
        self.consumer = consumer or f"pid-{os.getpid()}"
        self.retention = retention_hours * 3600
        self.clock = clock
        self.files = ContactFiles(COLUMNS, key="task_id")
        self._scripts = scripts.register(client, scripts.STANDALONE)
        try:
            client.xgroup_create(self.stream, GROUP, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        self._forget_idle_consumers()

    def path_for(self, created_at: str) -> Path:
        day = dt.datetime.fromtimestamp(float(created_at), self.centre.tz).date()
        return self.folder / f"{day.isoformat()}.csv"

    def flush(self, batch: int = 500) -> int:
        """Append every pending closed contact to its day's CSV, settle it in Redis and purge
        closed tasks past their retention; returns how many rows were written."""
        written = 0
        for start in ("0", ">"):  # own unacknowledged entries first (after a failed round)
            cursor = start
            while True:
                reply: Any = self.redis.xreadgroup(  # RESP2: [[stream, entries]] or []
                    GROUP, self.consumer, {self.stream: cursor}, count=batch
                )
                entries = reply[0][1] if reply else []
                if not entries:
                    break
                written += self._hand_over(entries)
                if start == "0":  # past the ones left waiting for their survey
                    cursor = text(entries[-1][0])
        written += self._claim_abandoned(batch)
        self.purge()
        return written

    def _claim_abandoned(self, batch: int) -> int:
        """Take over the entries a dead process read but never settled."""
        written, start = 0, "0-0"
        while True:
            reply = self.redis.xautoclaim(
                self.stream, GROUP, self.consumer, CLAIM_IDLE_MS, start_id=start, count=batch
            )
            start, entries = reply[0], reply[1]
            if entries:
                written += self._hand_over(entries)
            if start in (b"0-0", "0-0"):
                return written

    def _hand_over(self, entries: list) -> int:
        by_file: dict[Path, list[dict[str, str]]] = {}
        recent_keys: dict[str, int] = {}
        settle: list[str | int] = []
        now_attributes = self._attributes([raw[b"task_id"].decode() for _, raw in entries if raw])
        for entry_id, raw in entries:
            if not raw:  # deleted while pending: only its acknowledgement is left to do
                settle += [entry_id, "", 0, ""]
                continue
            fields = {k.decode(): v.decode() for k, v in raw.items()}
            attributes = now_attributes.get(fields["task_id"])
            if attributes is not None:
                fields["attributes"] = json.dumps(attributes)
                if self._call_not_over(fields, attributes):
                    continue  # left pending: read again next round
            by_file.setdefault(self.path_for(fields["created_at"]), []).append(record_row(fields))
            recent = recent_contact(self.keys, fields)
            index, contact = 0, ""
            if recent is not None:
                index = recent_keys.setdefault(recent[0], 5 + len(recent_keys))
                contact = recent[1]
            settle += [entry_id, fields["task_id"], index, contact]
        if not settle:
            return 0
        written = sum(self.files.append(path, rows) for path, rows in by_file.items())
        self._scripts["settle"](
            keys=[
                self.keys.tasks(),
                self.keys.closed_tasks(),
                self.keys.closed_index(),
                self.stream,
                *recent_keys,
            ],
            args=[repr(self.clock()), GROUP, RECENT_CONTACTS, RECENT_CONTACTS_TTL, *settle],
        )
        return written

    def _attributes(self, task_ids: list[str]) -> dict[str, dict]:
        """The tasks' attributes now (a rating or the call's end may have come after the
        contact record), from the hot tasks or the closed ones."""
        if not task_ids:
            return {}
        with self.redis.pipeline(transaction=False) as pipe:
            pipe.hmget(self.keys.tasks(), task_ids)
            pipe.hmget(self.keys.closed_tasks(), task_ids)
            hot, closed = pipe.execute()
        found: dict[str, dict] = {}
        for task_id, raw in zip(task_ids * 2, [*hot, *closed], strict=True):
            if raw is not None and task_id not in found:
                attributes = json.loads(raw).get("attributes")
                found[task_id] = attributes if isinstance(attributes, dict) else {}
        return found

    def _call_not_over(self, fields: dict[str, str], attributes: dict) -> bool:
        """A talked-to call whose caller may yet rate it, or whose recording is still to come."""
        survey_due = (
            bool(attributes.get("call_sid"))
            and "csat" not in attributes
            and attributes.get("call_ended") != "yes"
        )
        recording_due = attributes.get("recording_state") in ("in-progress", "paused") and not (
            attributes.get("recording_url")
        )
        return (
            fields["channel"] == "voice"
            and fields["outcome"] == "completed"
            and bool(fields.get("answered_at"))
            and (survey_due or recording_due)
            and self.clock() - float(fields.get("closed_at") or fields["ended_at"])
            < SURVEY_WAIT_SECONDS
        )

    def purge(self) -> int:
        """Delete closed tasks (and their conversations) settled longer ago than the retention
        period; returns how many."""
        cutoff = self.clock() - self.retention
        purged = 0
        while True:
            ids = [
                text(i)
                for i in cast(
                    list[bytes],
                    self.redis.zrangebyscore(
                        self.keys.closed_index(), "-inf", cutoff, start=0, num=_PURGE_BATCH
                    ),
                )
            ]
            if not ids:
                return purged
            purged += self._scripts["purge_closed"](
                keys=[
                    self.keys.closed_tasks(),
                    self.keys.closed_index(),
                    *[self.keys.messages(i) for i in ids],
                ],
                args=[repr(cutoff), *ids],
            )
            if len(ids) < _PURGE_BATCH:
                return purged

    def _forget_idle_consumers(self) -> None:
        """Consumers of past processes with nothing pending (one per process start)."""
        for info in self.redis.xinfo_consumers(self.stream, GROUP):
            name = text(info["name"])
            if info["pending"] == 0 and info["idle"] > _CONSUMER_IDLE_MS:
                self.redis.xgroup_delconsumer(self.stream, GROUP, name)
