"""Faults an operator meets: a Twilio API that accepts the connection and never answers, and
`kill -9` of a dispatcher and of the web master in the middle of traffic. Timers stay on time
(lateness measured by Redis: an event's stream id against the due time it carries)."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest
import redis

from telephony.outbox import GROUP as OUTBOX_GROUP
from telephony.routing.router import RedisRouter
from telephony.twilio_emulator import RestRecorder
from tests.production.conftest import KEYS, timer_lateness
from tests.production.layout import (
    OFFER_SECONDS,
    Api,
    HungTwilio,
    Processes,
    environment,
    free_port,
    ready,
    wait_until,
)
from vero.cli.embedded_redis import EmbeddedRedis
from vero.kernel.centre import load_centre


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def test_hung_twilio_delays_no_timer_and_ends_in_a_dead_letter(tmp_path):
    with EmbeddedRedis(tmp_path / "redis", persistent=False) as server, HungTwilio() as hung:
        env = environment(
            server.url,
            tmp_path,
            "http://127.0.0.1:9",
            hung.url,
            VERO_TWILIO_TIMEOUT="0.3",
            VERO_TWILIO_TRIES="3",
        )
        processes = Processes(tmp_path)
        client = redis.Redis.from_url(server.url)
        router = RedisRouter(client, load_centre(Path(env["VERO_CENTRE"])))
        try:
            processes.dispatcher(env)
            wait_until(lambda: client.hlen(KEYS.dispatchers()), 60, "the dispatcher")
            capacity = {"voice": 1, "chat": 1, "whatsapp": 0, "sms": 0, "email": 0}
            for name, languages in (("ayu", ("id",)), ("budi", ("id",))):
                router.upsert_agent(
                    name, {"general": 2}, languages, capacity, contact={"client": name}
                )
                router.set_agent_state(name, "available")
            router.enqueue(
                "voice-1", "voice", "general", "id", attributes={"call_sid": "CA" + "1" * 32}
            )
            router.enqueue("chat-1", "chat", "general", "id")  # offered, never accepted
            router.enqueue("chat-en", "chat", "general", "en")  # nobody: its step times out
            router.enqueue("done-1", "chat", "general", "id")
            offer = router.task("done-1")["offer"] or router.task("chat-1")["offer"]
            wrapped = router.accept(offer).id
            router.complete(wrapped)  # wrap-up ends by its timer
            wait_until(lambda: client.xlen(KEYS.outbox_dead()), 20, "the dead letter")
            wait_until(lambda: router.task(wrapped)["state"] == "completed", 10, "wrap-up end")
            wait_until(lambda: router.task("chat-en")["step"] == 1, 10, "the step timeout")
            time.sleep(OFFER_SECONDS + 1)
            beat = json.loads(client.hvals(KEYS.dispatchers())[0])
        except BaseException:
            print(processes.logs())
            raise
        finally:
            processes.stop_all()
        # each try to dial the agent's leg hangs until its timeout; after the third, the dead
        # letter and the offer goes back (to be offered again, and to fail again, while Twilio
        # hangs)
        letter, *_ = [
            {k.decode(): v.decode() for k, v in f.items()}
            for _, f in client.xrange(KEYS.outbox_dead())
        ]
        assert (letter["kind"], letter["op"], letter["tries"]) == ("rest", "create_call", "3")
        assert json.loads(letter["args"])["to"].startswith("client:")
        assert letter["task"] == "voice-1" and "Timeout" in letter["error"]
        assert hung.held, "the stand-in saw the connections"
        assert beat["rest_dead"] >= 1 and beat["rest_retried"] >= 2 and beat["rest_ok"] == 0
        assert router.task("voice-1")["offer"] != letter["offer"]  # the offer went back
        late = timer_lateness(client, ("timeout", "step", "completed"))
        assert late["chat-1"] and late["chat-en"] and late[wrapped]
        assert max(v for values in late.values() for v in values) < 1.0, late
        # a request in flight at SIGTERM stays pending, for another dispatcher to claim
        assert client.xpending(KEYS.outbox(), OUTBOX_GROUP)["pending"] == client.xlen(KEYS.outbox())


@pytest.mark.concurrency
def test_kill_9_of_a_dispatcher_and_the_web_master_loses_nothing(tmp_path):
    with EmbeddedRedis(tmp_path / "redis", persistent=False) as server, RestRecorder() as rest:
        ports = [free_port(), free_port()]
        env = environment(server.url, tmp_path, f"http://127.0.0.1:{ports[0]}", rest.url)
        processes = Processes(tmp_path)
        client = redis.Redis.from_url(server.url)
        apis = [Api(f"http://127.0.0.1:{p}") for p in ports]
        accepted: list[str] = []
        refused = 0
        web = [0]  # index of the web server the traffic uses
        stop = threading.Event()

        def traffic() -> None:
            nonlocal refused
            n = 0
            while not stop.is_set():
                n += 1
                try:
                    status, body = apis[web[0]].call(
                        "POST",
                        "/api/tasks",
                        {
                            "id": f"chat-{n}",
                            "channel": "chat",
                            "queue": "general",
                            "language": "id",
                        },
                    )
                    if status == 201:
                        accepted.append(body["id"])
                except OSError:
                    refused += 1  # the web server is down: not accepted, nothing to keep
                time.sleep(0.03)

        try:
            master = processes.web(env, ports[0])
            dispatchers = [processes.dispatcher(env), processes.dispatcher(env)]
            wait_until(lambda: ready(apis[0]), 60, "the layout")
            for i in range(8):  # agents who never accept: every offer must expire on time
                apis[0].call(
                    "PUT",
                    f"/api/agents/a{i}",
                    {"skills": {"general": 2}, "languages": ["id"], "capacity": {"chat": 2}},
                )
                apis[0].call("POST", f"/api/agents/a{i}/state", {"state": "available"})
            sender = threading.Thread(target=traffic, daemon=True)
            sender.start()
            time.sleep(3)
            workers = children(master.pid)
            os.kill(dispatchers[0].pid, signal.SIGKILL)
            os.kill(master.pid, signal.SIGKILL)
            killed_at = time.time()
            processes.web(env, ports[1])
            wait_until(lambda: ready(apis[1]), 60, "the new web server")
            web[0] = 1
            time.sleep(4)
            stop.set()
            sender.join(timeout=10)
            time.sleep(OFFER_SECONDS + 1.5)  # the last offers expire too
            for pid in workers:  # orphaned gunicorn workers leave by themselves; make sure
                if Path(f"/proc/{pid}").exists():
                    os.kill(pid, signal.SIGKILL)
            live = wait_until(
                lambda: apis[1].call("GET", "/readyz")[1].get("dispatchers") == 1,
                10,
                "the dead dispatcher's heartbeat to age out",
            )
        except BaseException:
            print(processes.logs())
            raise
        finally:
            stop.set()
            processes.stop_all()
        assert live and accepted and refused >= 0
        stored = {k.decode() for k in client.hkeys(KEYS.tasks())}
        assert set(accepted) <= stored, set(accepted) - stored  # nothing accepted is lost
        late = timer_lateness(client, ("timeout",))
        after_kill = [v for values in late.values() for v in values]
        assert len(after_kill) > 20
        assert max(after_kill) < 1.0, sorted(after_kill)[-5:]
        # every offer made more than one offer time ago has expired: none is stuck
        now = time.time()
        tasks = [json.loads(v) for v in client.hvals(KEYS.tasks())]
        stuck = [
            t["id"] for t in tasks if t["state"] == "reserved" and t["offer_expires"] < now - 1
        ]
        assert not stuck, stuck
        assert killed_at < now
