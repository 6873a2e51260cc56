"""The production layout, started once per module: a redis-server of its own (processes use
the default key namespace, so never a shared Redis), gunicorn with two workers, two `vero
dispatch` processes, a `vero worker` and a Twilio REST recorder."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from telephony.keys import Keys
from telephony.twilio_emulator import RestRecorder
from tests.production.layout import Api, Processes, environment, free_port, ready, wait_until
from vero.cli.embedded_redis import EmbeddedRedis

KEYS = Keys("cosmetics")


@dataclass
class Layout:
    processes: Processes
    env: dict
    api: Api
    redis: redis.Redis
    recorder: RestRecorder
    web_port: int
    folder: Path


def timer_lateness(client: redis.Redis, kinds: tuple[str, ...] = ("timeout", "step")) -> dict:
    """task id → seconds between a timer's due time (the event's `at`) and when Redis applied
    it (its stream id, Redis's clock), for the events of `kinds`."""
    late: dict[str, list[float]] = {}
    for entry_id, fields in client.xrange(KEYS.events()):
        if fields[b"type"].decode() in kinds:
            applied = int(entry_id.split(b"-")[0]) / 1000
            late.setdefault(fields[b"task"].decode(), []).append(applied - float(fields[b"at"]))
    return late


@pytest.fixture(scope="module")
def layout(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Layout]:
    folder = tmp_path_factory.mktemp("layout")
    with EmbeddedRedis(folder / "redis", persistent=False) as server, RestRecorder() as rest:
        port = free_port()
        env = environment(server.url, folder, f"http://127.0.0.1:{port}", rest.url)
        processes = Processes(folder)
        api = Api(f"http://127.0.0.1:{port}")
        try:
            processes.web(env, port)
            processes.dispatcher(env)
            processes.dispatcher(env)
            processes.worker(env)
            wait_until(lambda: ready(api), 60, "the web processes and a dispatcher")
            client = redis.Redis.from_url(server.url)
            wait_until(lambda: client.hlen(KEYS.dispatchers()) == 2, 30, "two dispatchers")
            yield Layout(processes, env, api, client, rest, port, folder)
        except BaseException:
            print(processes.logs())
            raise
        finally:
            processes.stop_all()
