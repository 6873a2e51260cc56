"""Taking over the stream work of a dead process. Each Vero process reads a stream's consumer
group under its own consumer name; what a process had read but not acknowledged when it died
(`kill -9`) would stay pending for ever. Survivors claim entries idle for longer than any live
consumer holds one, and their next read of their own pending entries handles them."""

from __future__ import annotations

from vero.kernel.redis_client import Client, text

CONSUMER_RETENTION_SECONDS = 3600  # a consumer with nothing pending, silent this long, is gone


def claim_stale(
    client: Client,
    stream: str,
    group: str,
    consumer: str,
    min_idle_seconds: float,
    count: int = 100,
) -> int:
    """Move every entry pending longer than `min_idle_seconds` (in any consumer) to `consumer`;
    returns how many were claimed."""
    claimed, start = 0, "0-0"
    while True:
        cursor, entries, *_ = client.xautoclaim(
            stream, group, consumer, int(min_idle_seconds * 1000), start_id=start, count=count
        )
        claimed += len(entries)
        cursor = text(cursor)
        if cursor == "0-0":
            return claimed
        start = cursor


def prune_consumers(client: Client, stream: str, group: str) -> int:
    """Forget the consumers of processes long gone (nothing pending, silent for an hour): each
    start adds a consumer name, so without this the group's list would grow with restarts."""
    doomed = [
        c["name"]
        for c in client.xinfo_consumers(stream, group)
        if c["pending"] == 0 and c["idle"] > CONSUMER_RETENTION_SECONDS * 1000
    ]
    for name in doomed:
        client.xgroup_delconsumer(stream, group, name)
    return len(doomed)
