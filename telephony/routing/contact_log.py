"""Closed contacts, from the Redis stream to one CSV per local day under VERO_DATA_DIR/contacts,
and onto each customer's recent-contacts list (the agent's screen pop).

These files are the history the forecast reads. A consumer group makes the hand-over safe with
several Vero processes: each record is written by one of them and acknowledged after the write.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
from pathlib import Path

import redis

from telephony.customers import remember_contact, task_customer
from telephony.routing.keys import Keys
from vero.centre import Centre

COLUMNS = ("contact_id", "task_id", "channel", "queue", "language", "created_at", "answered_at",
           "ended_at", "wait_seconds", "handle_seconds", "agent_id", "outcome", "csat", "customer")
GROUP = "contact-csv"


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
        "contact_id": fields["task_id"], "task_id": fields["task_id"],
        "channel": fields["channel"], "queue": fields["origin_queue"] or fields["queue"],
        "language": fields["language"], "created_at": _iso(fields["created_at"]),
        "answered_at": _iso(answered) if answered else "", "ended_at": _iso(fields["ended_at"]),
        "wait_seconds": f"{(float(answered) if answered else ended) - created:.1f}",
        "handle_seconds": f"{closed - float(answered):.1f}" if answered else "",
        "agent_id": fields.get("agent_id", ""), "outcome": fields["outcome"],
        "csat": attributes.get("csat", ""), "customer": task_customer(attributes) or "",
    }


class ContactLog:
    def __init__(self, client: redis.Redis, keys: Keys, centre: Centre, data_dir: Path,
                 consumer: str | None = None) -> None:
        self.redis = client
        self.keys = keys
        self.stream = keys.contacts()
        self.centre = centre
        self.folder = Path(data_dir) / "contacts"
        self.consumer = consumer or f"pid-{os.getpid()}"
        try:
            client.xgroup_create(self.stream, GROUP, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def path_for(self, created_at: str) -> Path:
        day = dt.datetime.fromtimestamp(float(created_at), self.centre.tz).date()
        return self.folder / f"{day.isoformat()}.csv"

    def flush(self, batch: int = 500) -> int:
        """Append every pending closed contact to its day's CSV; returns how many were written."""
        written = 0
        for pending_first in ("0", ">"):  # own unacknowledged entries first (after a crash)
            while True:
                reply = self.redis.xreadgroup(GROUP, self.consumer, {self.stream: pending_first},
                                              count=batch)
                entries = reply[0][1] if reply else []
                entries = [(eid, f) for eid, f in entries if f]
                if not entries:
                    break
                self._append(entries)
                self.redis.xack(self.stream, GROUP, *[eid for eid, _ in entries])
                self.redis.xdel(self.stream, *[eid for eid, _ in entries])
                written += len(entries)
        return written

    def _append(self, entries: list) -> None:
        by_file: dict[Path, list[dict[str, str]]] = {}
        recent = self.redis.pipeline(transaction=False)
        for _, raw in entries:
            fields = {k.decode(): v.decode() for k, v in raw.items()}
            remember_contact(recent, self.keys, fields)
            by_file.setdefault(self.path_for(fields["created_at"]), []).append(record_row(fields))
        recent.execute()
        self.folder.mkdir(parents=True, exist_ok=True)
        for path, rows in by_file.items():
            new = not path.exists()
            with path.open("a", newline="", encoding="utf-8") as handle:
                writer = csv.DictWriter(handle, fieldnames=COLUMNS)
                if new:
                    writer.writeheader()
                writer.writerows(rows)
                handle.flush()
                os.fsync(handle.fileno())
