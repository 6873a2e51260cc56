"""`/metrics` in Prometheus text format (prometheus-client).

Two kinds of figures, kept apart because they live in different places:

- measured in this web process: the request latency histogram per endpoint. Under `vero web`
  (several gunicorn workers) prometheus-client's multiprocess mode sums the workers' files in
  PROMETHEUS_MULTIPROC_DIR, so a scrape that lands on any worker sees all of them; without it
  (`vero serve`, tests) the process's own registry is the whole truth.
- read from Redis at scrape time (`RedisCollector`): queue sizes and waits (the wallboard's
  statistics), router events as counters (offers made, accepted, expired, ...), and the
  dispatchers' heartbeats (age, timer lateness, Twilio REST outcomes). The router and the
  dispatchers run in other processes, so only Redis knows these; every scrape reads them anew.

The page is protected: a request needs `Authorization: Bearer <VERO_METRICS_TOKEN>` (or the
supervisor token when no metrics token is set); with `VERO_METRICS_TOKEN=local` it is open to
requests from the loopback address only (a Prometheus on the same machine).
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from typing import Any, cast

import redis
from flask import Flask, Response, abort, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from telephony.routing.router import RedisRouter
from telephony.routing.stats import queue_stats
from vero.kernel.redis_client import Client
from vero.web import auth

TOKEN_ENV = "VERO_METRICS_TOKEN"
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
LOCAL_ONLY = "local"
LOOPBACK = ("127.0.0.1", "::1")
UNTIMED = ("console.stream", "console.static", "metrics")  # long-lived or not worth a series
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 15.0)
TALLY_BATCH = 10_000  # events counted per step of a scrape
TALLY_STEPS = 20  # at most 200,000 events per scrape: a scrape stays bounded
OFFER_EVENTS = {
    "reserved": "made",
    "assigned": "accepted",
    "timeout": "expired",
    "rejected": "rejected",
    "withdrawn": "withdrawn",
}
REST_OUTCOMES = {
    "rest_ok": "ok",
    "rest_retried": "retried",
    "rest_refused": "refused",
    "rest_dead": "dead",
}

log = logging.getLogger(__name__)
REQUEST_SECONDS = Histogram(
    "vero_http_request_duration_seconds",
    "Time to answer an HTTP request (webhooks, API, pages), per Flask endpoint.",
    ("endpoint", "method", "status"),
    buckets=LATENCY_BUCKETS,
    registry=None,
)


def tally_events(client: Client, events_key: str, tally_key: str) -> dict[str, int]:
    """Count the router's new events into the tally hash and return the counts.

    The events stream is capped, so it cannot be counted from its start: the tally follows it
    from the first scrape on, in steps that each commit their counts and their cursor together
    (WATCH/MULTI: two scrapes at once never count an event twice; the loser reads the winner's).
    Events trimmed from the stream before a scrape reached them are not counted: scrape at least
    every minute (the stream keeps about 100,000 events)."""
    for _ in range(TALLY_STEPS):
        with client.pipeline() as pipe:
            try:
                pipe.watch(tally_key)
                cursor = cast("bytes | None", pipe.hget(tally_key, "cursor"))
                if cursor is None:  # the first scrape: count from now on
                    newest = pipe.xrevrange(events_key, count=1)
                    pipe.multi()
                    pipe.hset(tally_key, "cursor", newest[0][0] if newest else b"0-0")
                    pipe.execute()
                    break
                batch = cast(
                    "list[tuple[bytes, dict[bytes, bytes]]]",
                    pipe.xrange(events_key, min=b"(" + cursor, count=TALLY_BATCH),
                )
                if not batch:
                    break
                counts: dict[bytes, int] = {}
                for _id, fields in batch:
                    kind = fields.get(b"type", b"")
                    counts[kind] = counts.get(kind, 0) + 1
                pipe.multi()
                for kind, n in counts.items():
                    pipe.hincrby(tally_key, kind, n)
                pipe.hset(tally_key, "cursor", batch[-1][0])
                pipe.execute()
                if len(batch) < TALLY_BATCH:
                    break
            except redis.WatchError:
                continue
    raw = cast("dict[bytes, bytes]", client.hgetall(tally_key))
    return {k.decode(): int(v) for k, v in raw.items() if k != b"cursor"}


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


class RedisCollector(Collector):
    """The figures only Redis holds, read at every scrape."""

    def __init__(self, router: RedisRouter, clock: Callable[[], float] = time.time) -> None:
        self.router, self.clock = router, clock

    def collect(self) -> Iterator[Any]:
        yield from self._queues()
        yield from self._events()
        yield from self._dispatchers()

    def _queues(self) -> Iterator[Any]:
        waiting = GaugeMetricFamily(
            "vero_queue_waiting", "Contacts waiting in a queue now.", labels=("queue",)
        )
        longest = GaugeMetricFamily(
            "vero_queue_longest_wait_seconds",
            "Age of the oldest contact waiting in a queue.",
            labels=("queue",),
        )
        eligible = GaugeMetricFamily(
            "vero_queue_eligible_agents",
            "Available agents with the queue's skill and room.",
            labels=("queue",),
        )
        today = GaugeMetricFamily(
            "vero_queue_today_contacts",
            "Today's contacts per queue and outcome (centre's local day).",
            labels=("queue", "outcome"),
        )
        asa = GaugeMetricFamily(
            "vero_queue_today_asa_seconds",
            "Today's average speed of answer per queue.",
            labels=("queue",),
        )
        level = GaugeMetricFamily(
            "vero_queue_today_service_level",
            "Today's service level per queue (each channel's formula in the centre, pooled).",
            labels=("queue",),
        )
        for queue, stats in queue_stats(self.router).items():
            live, day = stats["live"], stats["today"]
            waiting.add_metric([queue], live["waiting"])
            longest.add_metric([queue], live["longest_wait_seconds"])
            eligible.add_metric([queue], live["eligible_agents"])
            for outcome in ("offered", "answered", "answered_in_target", "abandoned", "canceled"):
                today.add_metric([queue, outcome], day[outcome])
            if day["asa_seconds"] is not None:
                asa.add_metric([queue], day["asa_seconds"])
            if day["service_level"] is not None:
                level.add_metric([queue], day["service_level"])
        yield from (waiting, longest, eligible, today, asa, level)

    def _events(self) -> Iterator[Any]:
        keys = self.router.keys
        counts = tally_events(self.router.redis, keys.events(), keys.event_tally())
        offers = CounterMetricFamily(
            "vero_offers",
            "Offers to agents by outcome (made, accepted, expired, rejected, withdrawn).",
            labels=("outcome",),
        )
        for kind, outcome in OFFER_EVENTS.items():
            offers.add_metric([outcome], counts.get(kind, 0))
        events = CounterMetricFamily(
            "vero_router_events", "Router lifecycle events by type.", labels=("type",)
        )
        for kind, n in sorted(counts.items()):
            events.add_metric([kind], n)
        yield from (offers, events)

    def _dispatchers(self) -> Iterator[Any]:
        age = GaugeMetricFamily(
            "vero_dispatcher_heartbeat_age_seconds",
            "Seconds since a dispatcher's last heartbeat.",
            labels=("dispatcher",),
        )
        lateness = GaugeMetricFamily(
            "vero_dispatcher_timer_lateness_p99_seconds",
            "p99 of how late a dispatcher applied its timers.",
            labels=("dispatcher",),
        )
        rest = CounterMetricFamily(
            "vero_twilio_rest_calls",
            "Twilio REST calls of a dispatcher by outcome.",
            labels=("dispatcher", "outcome"),
        )
        now = self.clock()
        beats = cast(
            "dict[bytes, bytes]", self.router.redis.hgetall(self.router.keys.dispatchers())
        )
        for raw_id, raw in beats.items():
            dispatcher = raw_id.decode()
            try:
                beat = json.loads(raw)
            except ValueError:
                log.warning("dispatcher %s: heartbeat is not JSON", dispatcher)
                continue
            if not isinstance(beat, dict):
                continue
            if (at := _number(beat.get("at"))) is not None:
                age.add_metric([dispatcher], max(0.0, now - at))
            if (late := _number(beat.get("lateness_p99_s"))) is not None:
                lateness.add_metric([dispatcher], late)
            for field, outcome in REST_OUTCOMES.items():
                if (n := _number(beat.get(field))) is not None:
                    rest.add_metric([dispatcher, outcome], n)
        yield from (age, lateness, rest)


def registry_for(router: RedisRouter) -> CollectorRegistry:
    """This process's histogram (or every worker's, in multiprocess mode) and the Redis figures."""
    registry = CollectorRegistry()
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(REQUEST_SECONDS)
    registry.register(RedisCollector(router))
    return registry


def _allowed(supervisor_token: str) -> bool:
    token = os.environ.get(TOKEN_ENV) or supervisor_token
    if token == LOCAL_ONLY:
        return request.remote_addr in LOOPBACK
    return auth.bearer_is(token)


def init_app(app: Flask, router: RedisRouter, supervisor_token: str) -> None:
    """Time every request and serve GET /metrics."""
    registry = registry_for(router)

    @app.before_request
    def start_timer() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def observe(response: Response) -> Response:
        endpoint = request.endpoint or "unmatched"
        if "metrics_started" in g and endpoint not in UNTIMED:
            REQUEST_SECONDS.labels(endpoint, request.method, str(response.status_code)).observe(
                time.perf_counter() - g.metrics_started
            )
        return response

    @app.get("/metrics")
    def metrics() -> Response:
        if not _allowed(supervisor_token):
            abort(401, f"send Authorization: Bearer <{TOKEN_ENV} or the supervisor token>")
        return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
