"""Many processes routing at once against one Redis: no task assigned twice, capacities held,
statistics that add up.

Four OS processes (spawned) share one centre namespace. Each enqueues its share of 10,000 tasks
and plays a quarter of 200 agents: it handles the offers its calls return and polls its own agents'
offers (so an offer may be seen by two processes, which then race to accept it), accepts most,
rejects some, withdraws some by a short break, cancels a few, completes (twice: the second ends
the wrap-up) and ticks. Meanwhile this process samples every agent's load. Select it with
`-m concurrency` (or leave it out with `-m "not concurrency"`).
"""

from __future__ import annotations

import json
import multiprocessing
import random
import time
from collections import Counter, deque

import pytest

from telephony.routing.errors import RoutingError
from telephony.routing.router import RedisRouter
from vero.kernel.centre import load_centre
from vero.kernel.redis_client import connect

pytestmark = pytest.mark.concurrency

PROCESSES, AGENTS, TASKS = 4, 200, 10_000
QUEUES = ["general", "orders", "product", "complaints", "vip", "partners"]
CHANNELS = ["chat", "chat", "whatsapp", "voice"]
SKILLS = ["product", "orders", "complaints", "vip", "partners"]
CAPACITY = {"voice": 1, "chat": 3, "whatsapp": 5}


def _agent_profile(index: int) -> tuple[dict[str, int], tuple[str, ...]]:
    rng = random.Random(index)
    skills = {"general": rng.randint(1, 3)}
    for skill in rng.sample(SKILLS, 2):
        skills[skill] = rng.randint(1, 5)
    return skills, ("id", "en") if index % 3 else ("id",)


def play(url: str, namespace: str, worker: int, start_at: float, results) -> None:
    """One process: enqueue its share, act for its agents until its work is done."""
    rng = random.Random(worker)
    client = connect(url)
    router = RedisRouter(client, load_centre(), namespace=namespace)
    mine = [f"a{i:03d}" for i in range(worker, AGENTS, PROCESSES)]
    pending: deque = deque()  # (offer id, task id) this process knows of
    assigned: deque = deque()  # task ids accepted by this process, to complete
    counts: Counter = Counter()

    def take(offers) -> None:
        pending.extend((r.offer, r.task) for r in offers)

    def handle(limit: int) -> None:
        for _ in range(min(limit, len(pending))):
            offer_id, task_id = pending.popleft()
            try:
                roll = rng.random()
                if roll < 0.08:
                    take(router.reject(offer_id))
                    counts["rejected"] += 1
                elif roll < 0.10:
                    take(router.cancel(task_id, "abandoned"))
                    counts["canceled"] += 1
                else:
                    if router.accept(offer_id).channel == "voice":
                        router.bridge(task_id)  # the call's conference: answered now
                    assigned.append(task_id)
                    counts["accepted"] += 1
            except RoutingError as exc:
                counts[f"lost-{exc.code}"] += 1  # another process acted on it first
        for _ in range(min(limit, len(assigned))):
            task_id = assigned.popleft()
            router.complete(task_id)  # wrap-up starts
            take(router.complete(task_id))  # and ends early: the agent takes new work
            counts["completed"] += 1

    def poll(agents) -> None:
        for agent_id in agents:
            view = router.agent(agent_id)
            if view["state"] != "available":  # back from a break "missed"
                take(router.set_agent_state(agent_id, "available"))
                counts["back"] += 1
            pending.extend((o["offer_id"], o["task"]["id"]) for o in router.offers_for(agent_id))

    while time.time() < start_at:  # all processes start together
        time.sleep(0.005)
    for agent_id in mine:
        skills, languages = _agent_profile(int(agent_id[1:]))
        take(router.upsert_agent(agent_id, skills, languages, CAPACITY)[0])
        take(router.set_agent_state(agent_id, "available"))
    share = range(worker, TASKS, PROCESSES)
    for n, i in enumerate(share):
        queue = QUEUES[i % len(QUEUES)]
        channel = CHANNELS[(i // len(QUEUES)) % len(CHANNELS)]
        take(router.enqueue(f"t{i:05d}", channel, queue, "id" if i % 4 else "en", i % 2))
        handle(2)
        if n % 100 == 0:
            take(router.tick())
            poll(rng.sample(mine, 5))
        if n % 500 == 250:  # a short break withdraws pending offers
            agent_id = rng.choice(mine)
            take(router.set_agent_state(agent_id, "break", "coffee"))
            take(router.set_agent_state(agent_id, "available"))
    deadline, quiet = time.time() + 20, 0
    while time.time() < deadline and quiet < 3:
        before = len(pending) + len(assigned)
        handle(1000)
        take(router.tick())
        poll(mine)
        quiet = quiet + 1 if before == 0 and not pending and not assigned else 0
        if not pending and not assigned:
            time.sleep(0.05)
    results.put((worker, dict(counts)))
    client.close()


def _check_capacity(status: dict[bytes, bytes], centre) -> int:
    for raw in status.values():
        s = json.loads(raw)
        load = {k: v for k, v in (s.get("load") or {}).items() if v}
        for channel, n in load.items():
            assert n <= s["cap"].get(channel, 0), s
            if centre.channels[channel].exclusive:
                assert sum(load.values()) == 1, s
    return len(status)


def test_four_processes_route_ten_thousand_tasks(redis_url, redis_client, namespace, centre):
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    start_at = time.time() + 3
    workers = [
        context.Process(target=play, args=(redis_url, namespace, w, start_at, results))
        for w in range(PROCESSES)
    ]
    for w in workers:
        w.start()
    router = RedisRouter(redis_client, centre, namespace=namespace)
    samples = 0
    try:
        while any(w.is_alive() for w in workers) and results.qsize() < PROCESSES:
            _check_capacity(redis_client.hgetall(router.keys.agent_status()), centre)
            samples += 1
            time.sleep(0.05)
        counts = Counter()
        for _ in range(PROCESSES):
            counts.update(results.get(timeout=60)[1])
    finally:
        for w in workers:
            w.join(timeout=30)
            if w.is_alive():
                w.terminate()
    assert all(w.exitcode == 0 for w in workers)
    assert samples > 10
    status = redis_client.hgetall(router.keys.agent_status())
    assert _check_capacity(status, centre) == AGENTS

    tasks = {
        k.decode(): json.loads(v) for k, v in redis_client.hgetall(router.keys.tasks()).items()
    }
    assert len(tasks) == TASKS
    states = Counter(t["state"] for t in tasks.values())
    assert set(states) <= {
        "queued",
        "reserved",
        "assigned",
        "wrapping",
        "completed",
        "abandoned",
    }, states
    assert states["completed"] > TASKS * 0.8, states

    # every task assigned at most once, each completed one exactly once (from the events stream)
    events = []
    last = "-"
    while True:
        chunk = redis_client.xrange(router.keys.events(), min=last, count=10_000)
        chunk = [e for e in chunk if e[0].decode() != last]
        if not chunk:
            break
        events += chunk
        last = chunk[-1][0].decode()
    kinds = Counter(f[b"type"].decode() for _, f in events)
    assert kinds["queued"] == TASKS  # nothing trimmed from the stream
    assigned = Counter(f[b"task"].decode() for _, f in events if f[b"type"] == b"assigned")
    assert max(assigned.values()) == 1
    for task_id, task in tasks.items():
        if task["state"] in ("completed", "assigned", "wrapping"):
            assert assigned[task_id] == 1, task
        else:
            assert assigned[task_id] == 0, task

    # the agents' live status agrees with the tasks they hold
    held = Counter()
    for raw in status.values():
        for task_id in json.loads(raw)["tasks"] or []:
            held[task_id] += 1
            assert tasks[task_id]["state"] in ("reserved", "assigned", "wrapping")
    open_tasks = {i for i, t in tasks.items() if t["state"] in ("reserved", "assigned", "wrapping")}
    assert set(held) == open_tasks and set(held.values()) <= {1}

    # statistics add up per queue: offered = answered + abandoned + still waiting
    day = router.local_bucket(time.time())[0]
    stats = Counter()
    for field, value in redis_client.hgetall(router.keys.stats(day)).items():
        queue, _channel, bucket, metric = field.decode().split("|")
        if bucket == "day":
            stats[(queue, metric)] += float(value)
    for queue in QUEUES:
        mine = [t for t in tasks.values() if t["origin_queue"] == queue]
        waiting = sum(t["state"] in ("queued", "reserved") for t in mine)
        answered = sum(t["state"] in ("assigned", "wrapping", "completed") for t in mine)
        abandoned = sum(t["state"] == "abandoned" for t in mine)
        assert stats[(queue, "offered")] == len(mine)
        assert stats[(queue, "answered")] == answered
        assert stats[(queue, "abandoned")] == abandoned
        assert stats[(queue, "offered")] == answered + abandoned + waiting
    assert counts["accepted"] == sum(assigned.values())
