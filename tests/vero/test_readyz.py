"""/readyz: ready only when Redis answers and a dispatcher beat in the last 5 s."""

from __future__ import annotations

import json
import time

import redis

from tests.ivr.conftest import settings
from vero.web.app import create_app


def test_ready_only_with_a_fresh_dispatcher_heartbeat(redis_client, namespace, tmp_path):
    app = create_app(settings(tmp_path), redis_client=redis_client, namespace=namespace)
    client = app.test_client()
    reply = client.get("/readyz")
    assert reply.status_code == 503 and "dispatcher" in reply.get_json()["error"]
    beats = app.extensions["vero"].router.keys.dispatchers()
    redis_client.hset(beats, "old", json.dumps({"at": time.time() - 10}))
    assert client.get("/readyz").status_code == 503
    redis_client.hset(beats, "host-1", json.dumps({"at": time.time()}))
    assert client.get("/readyz").get_json() == {"status": "ready", "dispatchers": 1}


def test_not_ready_when_redis_is_unreachable(namespace, tmp_path):
    down = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5)
    app = create_app(settings(tmp_path), redis_client=down, namespace=namespace)
    reply = app.test_client().get("/readyz")
    assert reply.status_code == 503 and "redis unreachable" in reply.get_json()["error"]
