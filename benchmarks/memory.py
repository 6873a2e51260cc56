"""Redis memory of the router as contacts flow through it: flat, whatever the count.

Against one Redis in one run, with the reference centre and 20 agents:
- in flight: 2,000 contacts queued at once (voice, chat and WhatsApp, the message channels with
  four messages each): bytes per contact in flight; then closed, their rows in the CSV and
  settled: bytes per closed contact within the retention period; then past it: after the purge;
- flow: N contacts (100,000 by default) one after another, as the dispatcher would see them:
  enqueue → offer → accept → messages → complete → wrap-up ended by the agent, with the
  dispatcher's round (timers, CSV rows written and fsynced, settle, purge) every 200 contacts.
  Redis `used_memory` is read after 10% of N and after N (after the round);
- peer, the design before issue #12, same traffic in the same run (10,000 contacts by default:
  it grows linearly): the CSV hand-over only acknowledged and deleted stream entries; closed
  tasks stayed in the tasks hash and their messages in Redis for ever.
Two structures are capped rather than per contact, and fill up early in a run: the events stream
(100,000 entries, about 12 MB) and each customer's recent-contacts list (10 contacts, 1,000
customers here); the growth beyond them is printed per contact.
Time is simulated (4 contacts a second) so the retention (0.5 h by default, 48 h in production)
passes within the run; the hours and the rate are printed with the figures.

Usage: .venv/bin/python benchmarks/memory.py [--contacts 100000] [--peer-contacts 10000]
[--retention-hours 0.5]
(REDIS_URL to use a running Redis: figures then include other clients' noise; by default a
private embedded redis-server is started). The last line prints the key ratio.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import redis

from telephony.messaging import MESSAGES_TTL
from telephony.routing.contact_log import GROUP, ContactLog
from telephony.routing.policy.records import Reservation
from telephony.routing.router import RedisRouter
from vero.cli.embedded_redis import EmbeddedRedis
from vero.kernel.centre import load_centre

AGENTS = 20
IN_FLIGHT = 2_000
ROUND_EVERY = 200
STEP = 0.25  # simulated seconds between contacts
CUSTOMERS = 1_000  # distinct phones: each keeps a recent-contacts list (capped, 90-day TTL)
MIX = (("voice", "orders"), ("chat", "general"), ("voice", "general"), ("whatsapp", "product"))
BODY = "Halo kak, pesanan saya dengan nomor INV-2026-00123 belum sampai, mohon dicek ya."
T0 = dt.datetime(2026, 7, 14, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=7))).timestamp()


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Centre:
    """One namespace of the router on the benchmark's Redis, with its agents and a clock."""

    def __init__(
        self, client: redis.Redis, folder: Path, retention_hours: float, bounded: bool
    ) -> None:
        self.client = client
        self.clock = Clock(T0)
        self.router = RedisRouter(
            client, load_centre(), namespace=f"bench-{uuid.uuid4().hex[:8]}", clock=self.clock
        )
        self.log = ContactLog(
            client,
            self.router.keys,
            self.router.centre,
            folder,
            consumer="bench",
            retention_hours=retention_hours,
            clock=self.clock,
        )
        self.flush: Callable[[], object] = self.log.flush if bounded else self._flush_unbounded
        for i in range(AGENTS):
            self.router.upsert_agent(
                f"agent-{i:02d}",
                {"general": 3, "orders": 3, "product": 3},
                ("id", "en"),
                {"voice": 1, "chat": 3, "whatsapp": 5},
            )

    def _flush_unbounded(self) -> None:
        """The hand-over before #12, as far as Redis is concerned: ack and delete the entries."""
        stream = self.router.keys.contacts()
        while reply := self.client.xreadgroup(GROUP, "bench", {stream: ">"}, count=500):
            ids = [entry_id for entry_id, _ in reply[0][1]]
            self.client.xack(stream, GROUP, *ids)
            self.client.xdel(stream, *ids)

    def dispatcher_round(self) -> None:
        self.router.tick()
        self.flush()

    def all_available(self) -> None:
        for i in range(AGENTS):
            self.router.set_agent_state(f"agent-{i:02d}", "available")

    def delete(self) -> None:
        """Only this namespace's keys (the Redis may be shared)."""
        doomed = list(self.client.scan_iter(match=self.router.keys.all_keys_pattern(), count=1000))
        for start in range(0, len(doomed), 1000):
            self.client.delete(*doomed[start : start + 1000])

    def arrive(self, n: int) -> tuple[str, list[Reservation]]:
        """Enqueue contact `n` (with its messages); returns its task id and its offer if any."""
        channel, queue = MIX[n % len(MIX)]
        task_id = f"{channel}-{n}-{uuid.uuid4().hex[:10]}"
        offers = self.router.enqueue(
            task_id, channel, queue, ("id", "en")[n % 2], attributes={"from": phone(n)}
        )
        if channel != "voice":
            key = self.router.keys.messages(task_id)
            with self.client.pipeline() as pipe:
                for _ in range(4):
                    pipe.rpush(
                        key, json.dumps({"from": "customer", "body": BODY, "at": self.clock.now})
                    )
                pipe.expire(key, MESSAGES_TTL).execute()
        return task_id, offers

    def handle(self, n: int) -> None:
        """One contact from arrival to the end of its wrap-up."""
        task_id, [offer] = self.arrive(n)
        self.router.accept(offer.offer)
        self.clock.now += STEP / 2
        self.router.complete(task_id)  # wrap-up starts
        self.router.complete(task_id)  # the agent ends it
        self.clock.now += STEP / 2


def phone(n: int) -> str:
    return f"+62812{n % CUSTOMERS:07d}"


def used(client: redis.Redis) -> int:
    return int(client.info("memory")["used_memory"])


def events_bytes(centre: Centre) -> int:
    return centre.client.memory_usage(centre.router.keys.events(), samples=0) or 0


def lists_bytes(centre: Centre, customers: int) -> int:
    """The customers' recent-contacts lists (10 contacts each at most)."""
    return sum(
        centre.client.memory_usage(centre.router.keys.customer_contacts(phone(n)), samples=0) or 0
        for n in range(customers)
    )


def in_flight(client: redis.Redis, folder: Path, retention_hours: float) -> dict[str, float]:
    centre = Centre(client, folder, retention_hours, bounded=True)
    centre.dispatcher_round()
    base = used(client)
    ids = [centre.arrive(n)[0] for n in range(IN_FLIGHT)]  # agents offline: all queued
    queued = used(client)
    for task_id in ids:
        centre.router.cancel(task_id, "abandoned")
    centre.dispatcher_round()
    settled = used(client)
    centre.clock.now += retention_hours * 3600 + 1
    centre.router.tick(centre.clock.now)
    centre.dispatcher_round()
    purged = used(client)
    lists = lists_bytes(centre, min(IN_FLIGHT, CUSTOMERS))
    events = events_bytes(centre)
    centre.delete()
    return {
        "in flight": (queued - base) / IN_FLIGHT,
        "closed": (settled - base) / IN_FLIGHT,
        "purged": (purged - base) / IN_FLIGHT,
        "lists": lists / IN_FLIGHT,
        "events": events / IN_FLIGHT,
    }


def flow(
    client: redis.Redis, folder: Path, contacts: int, retention_hours: float, bounded: bool
) -> dict[str, float]:
    centre = Centre(client, folder, retention_hours, bounded)
    centre.all_available()
    centre.dispatcher_round()
    base, checkpoint, started = used(client), contacts // 10, time.perf_counter()
    figures: dict[str, float] = {}
    for n in range(1, contacts + 1):
        centre.handle(n)
        if n % ROUND_EVERY == 0 or n == contacts:
            centre.dispatcher_round()
        if n in (checkpoint, contacts):
            figures[f"at {n}"] = used(client) - base
            figures[f"capped at {n}"] = events_bytes(centre) + lists_bytes(centre, CUSTOMERS)
    keys = centre.router.keys
    figures["seconds"] = time.perf_counter() - started
    figures["hot tasks"] = client.hlen(keys.tasks())
    figures["closed kept"] = client.hlen(keys.closed_tasks())
    figures["events"] = client.xlen(keys.events())
    centre.delete()
    return figures


def run(url: str, contacts: int, peer_contacts: int, retention_hours: float) -> None:
    client = redis.Redis.from_url(url)
    print(
        f"Redis {client.info('server')['redis_version']} at {url}; {1 / STEP:.0f} contacts a "
        f"simulated second, {CUSTOMERS:,} customers, closed tasks kept {retention_hours:g} h "
        f"(= {retention_hours * 3600 / STEP:,.0f} contacts); load {os.getloadavg()[0]:.1f}"
    )
    with tempfile.TemporaryDirectory() as folder:
        per = in_flight(client, Path(folder) / "in-flight", retention_hours)
        print(
            f"bytes per contact in flight {per['in flight']:,.0f}; per closed contact within "
            f"the retention {per['closed']:,.0f}; after the purge {per['purged']:,.0f} (its "
            f"customer's recent-contacts list {per['lists']:,.0f}, its events in the capped "
            f"stream {per['events']:,.0f}; per closed task and messages "
            f"{per['purged'] - per['lists'] - per['events']:,.0f})"
        )
        growth = {}
        for name, bounded, count in (
            ("bounded (this design)", True, contacts),
            ("unbounded (before #12)", False, peer_contacts),
        ):
            r = flow(client, Path(folder) / name.split()[0], count, retention_hours, bounded)
            first, last = count // 10, count
            capped = r[f"capped at {last}"] - r[f"capped at {first}"]
            total = r[f"at {last}"] - r[f"at {first}"]
            growth[bounded] = (total - capped) / (last - first)
            print(
                f"{name}: used_memory +{r[f'at {first}'] / 1e6:.2f} MB after {first:,} "
                f"contacts, +{r[f'at {last}'] / 1e6:.2f} MB after {last:,} ({r['seconds']:.0f} "
                f"s, {count * STEP / 3600:.1f} simulated h); growth {total / 1e6:.2f} MB, of "
                f"which capped structures filling up (events stream: 100,000 entries; "
                f"customers' recent lists: 10 each) {capped / 1e6:.2f} MB; the rest "
                f"{growth[bounded]:,.1f} B/contact; hot tasks {r['hot tasks']:,.0f}, closed "
                f"kept {r['closed kept']:,.0f}"
            )
    client.close()
    print(
        f"memory growth per contact beyond capped structures: {growth[True]:,.1f} B "
        f"(this design, {contacts // 10:,}→{contacts:,}) vs {growth[False]:,.0f} B (before "
        f"#12, {peer_contacts // 10:,}→{peer_contacts:,}): after 100,000 contacts "
        f"{growth[True] * 1e5 / 1e6:+.1f} MB vs {growth[False] * 1e5 / 1e6:+.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument(
        "--peer-contacts",
        type=int,
        default=10_000,
        help="contacts through the unbounded design (it grows linearly)",
    )
    parser.add_argument("--retention-hours", type=float, default=0.5)
    args = parser.parse_args()
    url = os.environ.get("REDIS_URL")
    if url:
        run(url, args.contacts, args.peer_contacts, args.retention_hours)
        return
    with (
        tempfile.TemporaryDirectory() as folder,
        EmbeddedRedis(Path(folder), persistent=False) as server,
    ):
        run(server.url, args.contacts, args.peer_contacts, args.retention_hours)


if __name__ == "__main__":
    sys.exit(main())
