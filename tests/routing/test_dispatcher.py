"""Several dispatchers on one Redis: each timer applied once, a dead process's stream work
taken over, heartbeats written and pruned."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter

from telephony.connector import Connector
from telephony.outbox import Outbox
from telephony.routing.contact_log import ContactLog
from telephony.routing.dispatcher import Dispatcher, live_dispatchers
from telephony.routing.router import RedisRouter

T0 = 1_752_548_400.0  # a Tuesday, 10:00 in Jakarta
CAPACITY = {"voice": 1, "chat": 1, "whatsapp": 0, "sms": 0, "email": 0}


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_four_dispatchers_apply_each_timer_once(redis_client, centre, namespace):
    clock = Clock(T0)
    routers = [
        RedisRouter(redis_client, centre, namespace=namespace, clock=clock) for _ in range(4)
    ]
    router = routers[0]
    for i in range(60):
        router.upsert_agent(f"a{i}", {"general": 2}, ("id",), CAPACITY)
        router.set_agent_state(f"a{i}", "available", now=T0)
    for i in range(60):  # every chat offered, none accepted
        router.enqueue(f"c{i}", "chat", "general", "id", now=T0)
    for i in range(20):  # nobody speaks English: each waits for its step timeout
        router.enqueue(f"e{i}", "chat", "general", "en", now=T0)
    start = router.redis.xinfo_stream(router.keys.events())["last-generated-id"]
    clock.now = T0 + 31  # past the chat offer timeout (30 s) and the first step's (30 s)
    barrier = threading.Barrier(4)
    fired: list[float] = []  # one lateness per timer a dispatcher fired (applied or not)

    def tick(r: RedisRouter, share: float) -> None:
        barrier.wait()
        r.tick(lateness=fired, share=share)  # as dispatchers do: each begins elsewhere

    threads = [
        threading.Thread(target=tick, args=(r, share))
        for r, share in zip(routers, (0.0, 0.2, 0.5, 0.8), strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    events = [
        {k.decode(): v.decode() for k, v in f.items()}
        for _, f in redis_client.xrange(router.keys.events(), min=f"({start.decode()}")
    ]
    expired = Counter(e["offer"] for e in events if e["type"] == "timeout")
    stepped = Counter(e["task"] for e in events if e["type"] == "step")
    assert len(expired) == 60 and set(expired.values()) == {1}
    assert len(stepped) == 80 and set(stepped.values()) == {1}  # the returned chats too
    assert all(router.agent(f"a{i}")["missed"] == 1 for i in range(60))
    # a dispatcher leaves a batch where another has been: few timers are fired twice
    assert len(fired) < 1.5 * (len(expired) + len(stepped)), len(fired)


def test_a_survivor_takes_over_the_events_a_dead_connector_had_read(
    redis_client, centre, namespace
):
    router = RedisRouter(redis_client, centre, namespace=namespace)
    outbox = Outbox(redis_client, router.keys)
    dead = Connector(router, outbox, "https://vero.example.co.id", consumer="dead")
    survivor = Connector(
        router, outbox, "https://vero.example.co.id", consumer="alive", claim_idle=0.2
    )
    router.upsert_agent("ayu", {"general": 2}, ("id",), CAPACITY, contact={"client": "ayu"})
    router.set_agent_state("ayu", "available")
    router.enqueue("v1", "voice", "general", "id", attributes={"call_sid": "CA" + "1" * 32})
    # the dead process read the reservation and died before acknowledging it
    read = redis_client.xreadgroup("voice-connector", "dead", {dead.stream: ">"}, count=100)
    assert read and redis_client.xpending(dead.stream, "voice-connector")["pending"] >= 1
    time.sleep(0.3)
    assert survivor.poll() == 1
    ((_, job),) = redis_client.xrange(outbox.stream)
    assert job[b"offer"].decode() == router.task("v1")["offer"]
    assert redis_client.xpending(dead.stream, "voice-connector")["pending"] == 0


def test_heartbeats_are_written_every_round_and_stale_ones_pruned(
    redis_client, centre, namespace, tmp_path
):
    router = RedisRouter(redis_client, centre, namespace=namespace)
    redis_client.hset(router.keys.dispatchers(), "gone-1", json.dumps({"at": time.time() - 90}))
    dispatcher = Dispatcher(
        router,
        ContactLog(redis_client, router.keys, centre, tmp_path),
        ident="here-1",
        report=lambda: {"ok": 3, "dead": 1},
    )
    dispatcher.run_once()
    beats = {
        k.decode(): json.loads(v)
        for k, v in redis_client.hgetall(router.keys.dispatchers()).items()
    }
    assert set(beats) == {"here-1"}
    assert beats["here-1"]["rest_ok"] == 3 and beats["here-1"]["rest_dead"] == 1
    assert 0 < redis_client.ttl(router.keys.dispatchers()) <= 60
    assert set(live_dispatchers(redis_client, router.keys, time.time())) == {"here-1"}
    assert not live_dispatchers(redis_client, router.keys, time.time() + 6)
    dispatcher.stop()  # never started: only withdraws its heartbeat
    assert not redis_client.hexists(router.keys.dispatchers(), "here-1")


def test_a_timer_with_nothing_left_to_apply_is_dropped_once(redis_client, centre, namespace):
    router = RedisRouter(redis_client, centre, namespace=namespace)
    timers = router.keys.timers()
    for share in (0.0, 0.5):  # alone, and as one of several dispatchers
        # timers no script removes: their tasks are gone from the hash
        redis_client.zadd(timers, {"offer|ghost.1": T0, "step|ghost|0": T0, "wrap|ghost": T0})
        late: list[float] = []
        assert router.tick(now=T0 + 1, lateness=late, share=share) == []
        assert len(late) == 3 and redis_client.zcard(timers) == 0
