"""/metrics: Prometheus text that parses, a token or loopback to read it, and the figures that
only Redis holds (queues, router events, dispatcher heartbeats) read at scrape time."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from prometheus_client.parser import text_string_to_metric_families

from vero.kernel.settings import Settings
from vero.web.app import create_app
from vero.web.metrics import tally_events

SUPERVISOR = "metrics-supervisor-token"


@pytest.fixture
def app(redis_client, namespace, tmp_path) -> Flask:
    settings = Settings(
        redis_url=None,
        public_base_url="http://127.0.0.1:8000",
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token="secret",
        centre_path=None,
        supervisor_token=SUPERVISOR,
        data_dir=tmp_path,
    )
    return create_app(settings, redis_client=redis_client, namespace=namespace)


def scrape(app: Flask) -> dict[str, list]:
    reply = app.test_client().get("/metrics", headers={"Authorization": f"Bearer {SUPERVISOR}"})
    assert reply.status_code == 200 and reply.mimetype == "text/plain"
    return {f.name: f.samples for f in text_string_to_metric_families(reply.text)}


def value(samples: list, name: str, **labels: str) -> float:
    return next(
        s.value
        for s in samples
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
    )


def test_metrics_need_the_token(app, monkeypatch):
    client = app.test_client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert "error" in client.get("/metrics").json
    monkeypatch.setenv("VERO_METRICS_TOKEN", "a-separate-metrics-token")
    assert (
        client.get("/metrics", headers={"Authorization": f"Bearer {SUPERVISOR}"}).status_code == 401
    )
    assert (
        client.get(
            "/metrics", headers={"Authorization": "Bearer a-separate-metrics-token"}
        ).status_code
        == 200
    )


def test_local_only_metrics_answer_loopback_and_nobody_else(app, monkeypatch):
    monkeypatch.setenv("VERO_METRICS_TOKEN", "local")
    client = app.test_client()
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 401


def test_request_latency_is_a_histogram_per_endpoint(app):
    client = app.test_client()
    for _ in range(3):
        client.get("/healthz")
    samples = scrape(app)["vero_http_request_duration_seconds"]
    assert (
        value(
            samples,
            "vero_http_request_duration_seconds_count",
            endpoint="healthz",
            method="GET",
            status="200",
        )
        >= 3
    )
    assert not any(s.labels.get("endpoint") == "metrics" for s in samples)


def test_queues_and_offers_come_from_redis(app):
    router = app.extensions["vero"].router
    scrape(app)  # the first scrape starts the event tally
    router.upsert_agent("ayu", {"complaints": 4}, ("id",), {"voice": 1})
    router.set_agent_state("ayu", "available")
    offers = router.enqueue("t-1", "voice", "complaints", "id")
    router.accept(offers[0].offer)
    router.enqueue("t-2", "voice", "complaints", "id")  # waits: ayu is busy
    families = scrape(app)
    assert value(families["vero_queue_waiting"], "vero_queue_waiting", queue="complaints") == 1
    assert (
        value(
            families["vero_queue_today_contacts"],
            "vero_queue_today_contacts",
            queue="complaints",
            outcome="offered",
        )
        == 2
    )
    offers_made = value(families["vero_offers"], "vero_offers_total", outcome="made")
    accepted = value(families["vero_offers"], "vero_offers_total", outcome="accepted")
    assert (offers_made, accepted) == (1, 1)
    assert value(families["vero_router_events"], "vero_router_events_total", type="queued") == 2


def test_the_tally_counts_each_event_once_across_scrapes(app, redis_client):
    router = app.extensions["vero"].router
    keys = router.keys
    assert tally_events(redis_client, keys.events(), keys.event_tally()) == {}
    for i in range(5):
        router.enqueue(f"t-{i}", "chat", "general", "id")
    first = tally_events(redis_client, keys.events(), keys.event_tally())
    again = tally_events(redis_client, keys.events(), keys.event_tally())
    assert first == again and first["queued"] == 5


def test_dispatcher_heartbeats_tolerate_missing_and_broken_fields(app, redis_client):
    import time

    key = app.extensions["vero"].router.keys.dispatchers()
    now = time.time()
    redis_client.hset(
        key,
        mapping={
            "d-1": json.dumps(
                {
                    "at": now - 2,
                    "lateness_p99_s": 0.12,
                    "rest_ok": 40,
                    "rest_retried": 3,
                    "rest_dead": 1,
                }
            ),
            "d-2": json.dumps({"at": now - 1}),  # an older dispatcher: no figures yet
            "d-3": "not json",
            "d-4": json.dumps([1, 2]),
            "d-5": json.dumps({"at": "soon", "rest_ok": True}),
        },
    )
    families = scrape(app)
    ages = {
        s.labels["dispatcher"]: s.value for s in families["vero_dispatcher_heartbeat_age_seconds"]
    }
    assert set(ages) == {"d-1", "d-2"} and 1.5 < ages["d-1"] < 30
    assert (
        value(
            families["vero_dispatcher_timer_lateness_p99_seconds"],
            "vero_dispatcher_timer_lateness_p99_seconds",
            dispatcher="d-1",
        )
        == 0.12
    )
    rest = families["vero_twilio_rest_calls"]
    assert value(rest, "vero_twilio_rest_calls_total", dispatcher="d-1", outcome="dead") == 1
    assert {s.labels["dispatcher"] for s in rest} == {"d-1"}
