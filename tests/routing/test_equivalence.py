"""The Redis router and the in-memory reference make the same decisions.

Hypothesis generates random event sequences (agents with random skills, levels, languages and
capacities; tasks on random queues, channels, languages and priorities; state changes; accepts and
rejects of pending offers; completions; cancellations; ticks at increasing times) and feeds each
sequence to `MemoryRouter` and `RedisRouter`. After every step both must have made the same
reservations (or both raised a `RoutingError` with the same code), and at the end every task and
agent must be in the same state. Invariants are checked on the Redis side after every step: no task
held by two agents, capacity never exceeded, every task in exactly one state and place.
"""

from __future__ import annotations

import json
import uuid

import pytest
import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from telephony.routing.errors import RoutingError
from telephony.routing.policy.memory import MemoryRouter
from telephony.routing.policy.records import Reservation
from telephony.routing.router import RedisRouter
from vero.kernel.centre import Centre, load_centre
from vero.kernel.redis_client import connect

CENTRE = load_centre()
QUEUES = sorted(CENTRE.queues)
CHANNELS = sorted(CENTRE.channels)
SKILLS = sorted(CENTRE.skills)
LANGUAGES = list(CENTRE.languages)
AGENT_IDS = [f"a{i}" for i in range(6)]
START = 1_700_000_000.0  # epoch seconds; every time below is START + whole milliseconds

skills_st = st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 5), min_size=1, max_size=6)
languages_st = st.lists(st.sampled_from(LANGUAGES), min_size=1, max_size=2, unique=True)
capacity_st = st.dictionaries(
    st.sampled_from(CHANNELS), st.integers(1, 3), min_size=1, max_size=len(CHANNELS))

enqueue_st = st.tuples(st.just("enqueue"), st.sampled_from(QUEUES), st.integers(0, 99),
                       st.sampled_from(LANGUAGES), st.integers(0, 3), st.integers(0, 30_000))
op_st = st.one_of(
    st.tuples(st.just("upsert"), st.sampled_from(AGENT_IDS), skills_st, languages_st,
              capacity_st),
    enqueue_st, enqueue_st,
    st.tuples(st.just("accept"), st.integers(0, 99)),
    st.tuples(st.just("state"), st.sampled_from(AGENT_IDS),
              st.sampled_from(["available", "available", "break", "offline"])),
    st.tuples(st.just("enqueue"), st.sampled_from(QUEUES), st.integers(0, 99),
              st.sampled_from(LANGUAGES), st.integers(0, 3), st.integers(0, 30_000)),
    st.tuples(st.just("accept"), st.integers(0, 99)),
    st.tuples(st.just("reject"), st.integers(0, 99)),
    st.tuples(st.just("complete"), st.integers(0, 99)),
    st.tuples(st.just("cancel"), st.integers(0, 99),
              st.sampled_from(["canceled", "abandoned", "callback", "voicemail"])),
    st.tuples(st.just("tick")),
    st.tuples(st.just("stale"), st.integers(0, 99)),
)
# every step advances the clock by 0 ms to 25 s (whole milliseconds)
steps_st = st.lists(st.tuples(op_st, st.integers(0, 25_000)), min_size=10, max_size=40)
# the sequence starts with a few agents signed in
staff_st = st.lists(st.tuples(skills_st, languages_st, capacity_st), min_size=1,
                    max_size=len(AGENT_IDS))


def opening(staff: list) -> list:
    steps = []
    for agent_id, (skills, languages, capacity) in zip(AGENT_IDS, staff, strict=False):
        steps += [(("upsert", agent_id, skills, languages, capacity), 0),
                  (("state", agent_id, "available"), 1)]
    return steps


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _res(offers: list[Reservation]) -> list[tuple]:
    return [(r.offer, r.task, r.agent, _ms(r.expires)) for r in offers]


def _apply(fn, *args):
    """('ok', result) or ('error', code)."""
    try:
        return "ok", fn(*args)
    except RoutingError as exc:
        return "error", exc.code


def _cleanup(client: redis.Redis, namespace: str) -> None:
    doomed = list(client.scan_iter(match=f"{namespace}:*", count=1000))
    for start in range(0, len(doomed), 500):
        client.delete(*doomed[start:start + 500])


def _redis_state(router: RedisRouter) -> tuple[dict[str, dict], dict[str, dict]]:
    tasks = {k.decode(): json.loads(v)
             for k, v in router.redis.hgetall(router.keys.tasks()).items()}
    status = {k.decode(): json.loads(v)
              for k, v in router.redis.hgetall(router.keys.agent_status()).items()}
    return tasks, status


def check_invariants(router: RedisRouter, centre: Centre, enqueued: set[str],
                     before: dict[str, dict]) -> dict[str, dict]:
    """Check the Redis side; `before` is the agents' status after the previous step (an agent
    whose capacity was lowered below its load may keep its tasks, but gets no new one)."""
    tasks, status = _redis_state(router)
    # nothing lost: every task enqueued is stored, in exactly one state
    assert set(tasks) == enqueued
    holders: dict[str, list[str]] = {}
    for agent_id, s in status.items():
        held = list(s["tasks"]) if isinstance(s["tasks"], list) else []
        load: dict[str, int] = {}
        for task_id in held:
            holders.setdefault(task_id, []).append(agent_id)
            task = tasks[task_id]
            assert task["state"] in ("reserved", "assigned", "wrapping"), (task_id, task)
            assert task["agent"] == agent_id
            load[task["channel"]] = load.get(task["channel"], 0) + 1
        assert load == {k: v for k, v in (s["load"] or {}).items() if v}, (agent_id, s)
        # capacity never exceeded, exclusive channels alone
        for channel, n in load.items():
            previous = (before.get(agent_id, {}).get("load") or {}).get(channel, 0)
            assert n <= max(s["cap"].get(channel, 0), previous), (agent_id, s)
            if centre.channels[channel].exclusive:
                assert sum(load.values()) == 1, (agent_id, s)
    wait_keys = {k.decode() for k in router.redis.scan_iter(
        match=router.keys.all_keys_pattern().replace("*", "wait:*"), count=1000)}
    waiting: dict[str, list[str]] = {}
    for key in wait_keys:
        for member in router.redis.zrange(key, 0, -1):
            waiting.setdefault(member.decode(), []).append(key)
    for task_id, task in tasks.items():
        held = holders.get(task_id, [])
        if task["state"] in ("reserved", "assigned", "wrapping"):
            assert len(held) == 1, (task_id, held)  # no task assigned twice
        else:
            assert held == [], (task_id, held)
        if task["state"] == "queued":
            expected = router.layout.wait_key(task["queue"], task["channel"], task["step"],
                                              task["language"])
            assert waiting.get(task_id) == [expected], (task_id, waiting.get(task_id))
        else:
            assert task_id not in waiting, (task_id, task["state"])
    return status


def compare_final(memory: MemoryRouter, router: RedisRouter) -> None:
    tasks, status = _redis_state(router)
    assert set(tasks) == set(memory.tasks)
    for task_id, m in memory.tasks.items():
        r = tasks[task_id]
        assert (r["state"], r["queue"], r["step"], r["priority"], r["agent"], r["offer"],
                r["attempts"], r["fallback"], _ms(r["entered"]), _ms(r.get("answered_at")),
                _ms(r.get("ended_at"))) == \
            (m.state, m.queue, m.step, m.priority, m.agent, m.offer, m.attempts, m.fallback,
             _ms(m.entered), _ms(m.answered_at), _ms(m.ended_at)), task_id
    assert set(status) == set(memory.agents)
    for agent_id, m in memory.agents.items():
        s = status[agent_id]
        held = list(s["tasks"]) if isinstance(s["tasks"], list) else []
        assert (s["state"], s["reason"], held, {k: v for k, v in (s["load"] or {}).items() if v},
                s["missed"], _ms(s["since"]), _ms(s["idle"])) == \
            (m.state, m.reason, list(m.tasks), dict(m.load), m.missed, _ms(m.since),
             _ms(m.idle_since)), agent_id
    timers = sorted((at, name) for name, at in memory.timers.items())
    assert [(name, _ms(at)) for at, name in timers] == [(name.decode(), _ms(at)) for name, at in
            router.redis.zrange(router.keys.timers(), 0, -1, withscores=True)]


def run_sequence(client: redis.Redis, steps: list) -> None:
    namespace = f"eq-{uuid.uuid4().hex[:12]}"
    memory = MemoryRouter(CENTRE)
    router = RedisRouter(client, CENTRE, namespace=namespace)
    enqueued: set[str] = set()
    offers_seen: list[str] = []
    now_ms = 0
    status: dict[str, dict] = {}
    try:
        for index, (op, advance) in enumerate(steps):
            now_ms += advance
            now = round(START + now_ms / 1000, 3)
            kind = op[0]
            if kind == "upsert":
                _, agent_id, skills, languages, capacity = op
                m = _apply(memory.upsert_agent, agent_id, skills, tuple(languages), capacity, now)
                r = _apply(lambda *a: router.upsert_agent(*a)[0], agent_id, skills,
                           tuple(languages), capacity, now)
            elif kind == "state":
                _, agent_id, state = op
                reason = "lunch" if state == "break" else ""
                m = _apply(memory.set_agent_state, agent_id, state, reason, now)
                r = _apply(router.set_agent_state, agent_id, state, reason, now)
            elif kind == "enqueue":
                _, queue, channel_pick, language, priority, age_ms = op
                channels = CENTRE.queue_channels(queue)
                channel = channels[channel_pick % len(channels)]
                # a fresh id usually; sometimes one already used (both must refuse it)
                task_id = f"t{index}" if channel_pick % 10 or not enqueued else sorted(enqueued)[0]
                created = round(now - age_ms / 1000, 3)
                m = _apply(memory.enqueue, task_id, channel, queue, language, priority, now,
                           created)
                r = _apply(router.enqueue, task_id, channel, queue, language, priority, now,
                           created)
                enqueued.add(task_id)
            elif kind in ("accept", "reject", "stale"):
                pending = sorted(t.offer for t in memory.tasks.values() if t.state == "reserved")
                pool = pending if kind != "stale" else offers_seen
                if not pool:
                    continue
                offer_id = pool[op[1] % len(pool)]
                if kind == "reject" or (kind == "stale" and op[1] % 2):
                    m = _apply(memory.reject, offer_id, now)
                    r = _apply(router.reject, offer_id, now)
                else:
                    m = _apply(memory.accept, offer_id, now)
                    r = _apply(router.accept, offer_id, now)
                    m = ("ok", []) if m[0] == "ok" else m
                    r = ("ok", []) if r[0] == "ok" else r
            elif kind == "complete":
                if not enqueued:
                    continue
                task_id = sorted(enqueued)[op[1] % len(enqueued)]
                m = _apply(memory.complete, task_id, now)
                r = _apply(router.complete, task_id, now)
            elif kind == "cancel":
                if not enqueued:
                    continue
                task_id = sorted(enqueued)[op[1] % len(enqueued)]
                m = _apply(memory.cancel, task_id, op[2], now)
                r = _apply(router.cancel, task_id, op[2], now)
            else:
                m = _apply(memory.tick, now)
                r = _apply(router.tick, now)
            if m[0] == "ok":
                m = ("ok", _res(m[1]))
                offers_seen += [o[0] for o in m[1]]
            if r[0] == "ok":
                r = ("ok", _res(r[1]))
            assert r == m, f"step {index} {op} at +{now_ms} ms: redis {r} memory {m}"
            status = check_invariants(router, CENTRE, enqueued, status)
        compare_final(memory, router)
    finally:
        _cleanup(client, namespace)


@pytest.fixture(scope="module")
def client(redis_url: str):
    c = connect(redis_url)
    yield c
    c.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(staff=staff_st, steps=steps_st)
def test_redis_router_matches_memory_router(client: redis.Redis, staff: list,
                                            steps: list) -> None:
    run_sequence(client, opening(staff) + steps)


def test_busy_centre_sequence_matches(client: redis.Redis) -> None:
    """A fixed, dense scenario: many agents and tasks, every kind of event."""
    steps = []
    for i, agent_id in enumerate(AGENT_IDS):
        skills = {SKILLS[(i + j) % len(SKILLS)]: 1 + (i + j) % 5 for j in range(4)}
        steps.append((("upsert", agent_id, skills, LANGUAGES[: 1 + i % 2],
                       {"voice": 1, "chat": 2, "email": 3}), 100))
        steps.append((("state", agent_id, "available"), 50))
    for i in range(30):
        steps.append((("enqueue", QUEUES[i % len(QUEUES)], i, LANGUAGES[i % 2], i % 3, i * 7),
                      700))
        steps.append(((("accept", "reject", "complete", "tick")[i % 4], i), 4_000))
    steps.append((("tick",), 400_000))
    run_sequence(client, steps)
