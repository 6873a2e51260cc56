"""The Redis router and the in-memory reference make the same decisions.

Hypothesis generates random event sequences (agents with random skills, levels, languages and
capacities; tasks on random queues, channels, languages and priorities; state changes; accepts and
rejects of pending offers; completions; cancellations; ticks at increasing times) and feeds each
sequence to `MemoryRouter` and `RedisRouter` through the one `Router` interface. After every step
both must have made the same reservations (or accepted the same task, or both raised a
`RoutingError` with the same code), and at the end every task and agent must be in the same
state. Invariants are checked on the Redis side after every step: no task held by two agents,
capacity never exceeded, every task in exactly one state and place.

The sequences run on the reference centre and on random centres (queues, steps, skills,
languages, channels, capacities, selections and fallbacks drawn by hypothesis); the
`routing_long` runs (deselected by default, for a nightly job: `pytest -m routing_long`) draw
many more examples.
"""

from __future__ import annotations

import json
import uuid
from typing import Any, cast, get_args

import pytest
import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from telephony.routing.errors import RoutingError
from telephony.routing.policy.memory import MemoryRouter
from telephony.routing.policy.protocol import Router
from telephony.routing.policy.records import AgentUpdate, Reservation, Task
from telephony.routing.router import RedisRouter
from vero.kernel.centre import Centre, Selection, load_centre
from vero.kernel.redis_client import connect, text

CENTRE = load_centre()
AGENT_IDS = [f"a{i}" for i in range(6)]
START = 1_700_000_000.0  # epoch seconds; every time below is START + whole milliseconds
QUICK = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NIGHTLY = settings(QUICK, max_examples=1500)


@st.composite
def centres(draw: st.DrawFn) -> Centre:
    """A valid centre of 1-4 queues over random skills, languages and channels."""
    languages = draw(
        st.lists(st.sampled_from(["id", "en", "jv", "ms"]), min_size=1, max_size=3, unique=True)
    )
    skills = draw(
        st.lists(
            st.sampled_from(["s0", "s1", "s2", "s3", "s4"]), min_size=1, max_size=4, unique=True
        )
    )
    channels = draw(
        st.lists(
            st.sampled_from(["voice", "chat", "email", "sms"]), min_size=1, max_size=4, unique=True
        )
    )
    queues = [f"q{i}" for i in range(draw(st.integers(1, 4)))]
    data: dict[str, Any] = {
        "id": "random",
        "name": "Random centre",
        "opening_hours": {"mon": ["08:00", "17:00"]},
        "languages": languages,
        "default_language": languages[0],
        "max_missed_offers": draw(st.integers(1, 3)),
        "channels": {
            name: {
                "target_seconds": draw(st.integers(5, 300)),
                "offer_timeout": draw(st.integers(5, 60)),
                "exclusive": draw(st.booleans()),
            }
            for name in channels
        },
        "skills": {name: dict.fromkeys(languages, name) for name in skills},
        "queues": {
            name: draw(queue_definitions(skills, channels, queues, name)) for name in queues
        },
        "staffing_groups": {"all": {"channels": channels}},
    }
    for definition in data[
        "queues"
    ].values():  # the centre refuses an overflow that drops a channel
        overflow = (definition["fallback"] or {}).get("overflow")
        if overflow and not set(definition["channels"] or channels) <= set(
            data["queues"][overflow]["channels"] or channels
        ):
            definition["fallback"] = None
    return Centre.model_validate(data)


@st.composite
def queue_definitions(
    draw: st.DrawFn, skills: list[str], channels: list[str], queues: list[str], name: str
) -> dict[str, Any]:
    """A queue's definition: its steps (timeouts growing, only the last may have none), its
    selection, and a fallback (overflow to another queue, or an offer) after a last timeout."""
    steps: list[dict[str, Any]] = []
    timeout = 0
    for _ in range(draw(st.integers(1, 3))):
        timeout += draw(st.integers(1, 90))
        steps.append(
            {
                "skill": draw(st.sampled_from(["__queue__", None, *skills])),
                "min_level": draw(st.integers(1, 5)),
                "language": draw(st.sampled_from(["same", "any"])),
                "timeout": timeout,
                "priority": draw(st.one_of(st.none(), st.integers(0, 20))),
            }
        )
    others = [q for q in queues if q != name]
    fallback = draw(
        st.one_of(
            st.none(),
            st.builds(lambda offer: {"offer": offer}, st.sampled_from(["callback", "voicemail"])),
            *([st.builds(lambda q: {"overflow": q}, st.sampled_from(others))] if others else []),
        )
    )
    if fallback is None and draw(st.booleans()):
        steps[-1]["timeout"] = None
    return {
        "skill": draw(st.sampled_from(skills)),
        "channels": draw(
            st.one_of(st.none(), st.lists(st.sampled_from(channels), min_size=1, unique=True))
        ),
        "wrap_up_seconds": draw(st.sampled_from([0, 5, 30])),
        "selection": draw(st.sampled_from(get_args(Selection))),
        "steps": steps,
        "fallback": fallback,
    }


def scenarios(centre: Centre) -> st.SearchStrategy[list]:
    """An event sequence on `centre`: a few agents sign in, then 10-40 random steps, each
    advancing the clock by 0 ms to 25 s (whole milliseconds)."""
    queues, channels = sorted(centre.queues), sorted(centre.channels)
    skills, languages = sorted(centre.skills), list(centre.languages)
    skills_st = st.dictionaries(st.sampled_from(skills), st.integers(1, 5), min_size=1, max_size=6)
    languages_st = st.lists(st.sampled_from(languages), min_size=1, max_size=2, unique=True)
    capacity_st = st.dictionaries(
        st.sampled_from(channels), st.integers(1, 3), min_size=1, max_size=len(channels)
    )
    enqueue_st = st.tuples(
        st.just("enqueue"),
        st.sampled_from(queues),
        st.integers(0, 99),
        st.sampled_from(languages),
        st.integers(0, 3),
        st.integers(0, 30_000),
    )
    accept_st = st.tuples(st.just("accept"), st.integers(0, 99))
    op_st = st.one_of(
        st.tuples(
            st.just("upsert"), st.sampled_from(AGENT_IDS), skills_st, languages_st, capacity_st
        ),
        enqueue_st,
        enqueue_st,
        accept_st,
        st.tuples(
            st.just("state"),
            st.sampled_from(AGENT_IDS),
            st.sampled_from(["available", "available", "break", "offline"]),
        ),
        enqueue_st,
        accept_st,
        st.tuples(st.just("reject"), st.integers(0, 99)),
        st.tuples(st.just("complete"), st.integers(0, 99)),
        st.tuples(
            st.just("cancel"),
            st.integers(0, 99),
            st.sampled_from(["canceled", "abandoned", "callback", "voicemail"]),
        ),
        st.tuples(st.just("tick")),
        st.tuples(st.just("stale"), st.integers(0, 99)),
    )
    staff_st = st.lists(
        st.tuples(skills_st, languages_st, capacity_st), min_size=1, max_size=len(AGENT_IDS)
    )
    steps_st = st.lists(st.tuples(op_st, st.integers(0, 25_000)), min_size=10, max_size=40)
    return st.builds(lambda staff, steps: opening(staff) + steps, staff_st, steps_st)


def opening(staff: list) -> list:
    steps = []
    for agent_id, (skills, languages, capacity) in zip(AGENT_IDS, staff, strict=False):
        steps += [
            (("upsert", agent_id, skills, languages, capacity), 0),
            (("state", agent_id, "available"), 1),
        ]
    return steps


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _res(offers: list[Reservation]) -> list[tuple]:
    return [(r.offer, r.task, r.agent, _ms(r.expires)) for r in offers]


def _task(t: Task) -> tuple:
    """The fields of a task both routers must agree on (times to the millisecond)."""
    return (
        t.id,
        t.state,
        t.queue,
        t.step,
        t.priority,
        t.agent,
        t.offer,
        t.attempts,
        t.fallback,
        _ms(t.entered),
        _ms(t.answered_at),
        _ms(t.ended_at),
    )


def _outcome(result: object) -> tuple[str, object]:
    """A router's answer in comparable form: offers, the accepted task, or an error code."""
    if isinstance(result, RoutingError):
        return "error", result.code
    if isinstance(result, AgentUpdate):  # the token is the Redis router's alone
        return "ok", _res(result.offers)
    if isinstance(result, Task):
        return "ok", _task(result)
    assert isinstance(result, list)
    return "ok", _res(result)


def perform(router: Router, call: tuple, now: float) -> object:
    """One operation on either router; a `RoutingError` is the answer, not a failure."""
    name, *args = call
    try:
        if name == "upsert":
            agent_id, skills, languages, capacity = args
            return router.upsert_agent(agent_id, skills, languages, capacity, now)
        if name == "state":
            agent_id, state, reason = args
            return router.set_agent_state(agent_id, state, reason, now)
        if name == "enqueue":
            task_id, channel, queue, language, priority, created = args
            return router.enqueue(task_id, channel, queue, language, priority, now, created)
        if name == "accept":
            return router.accept(args[0], now)
        if name == "reject":
            return router.reject(args[0], now)
        if name == "complete":
            return router.complete(args[0], now)
        if name == "cancel":
            return router.cancel(args[0], args[1], now)
        assert name == "tick", call
        return router.tick(now)
    except RoutingError as exc:
        return exc


def concrete(
    op: tuple,
    index: int,
    now: float,
    centre: Centre,
    memory: MemoryRouter,
    enqueued: set[str],
    offers_seen: list[str],
) -> tuple | None:
    """The call a drawn step makes (None: it has nothing to act on), picking offers and tasks
    from the reference router's state."""
    kind = op[0]
    if kind == "upsert":
        _, agent_id, skills, languages, capacity = op
        return "upsert", agent_id, skills, tuple(languages), capacity
    if kind == "state":
        _, agent_id, state = op
        return "state", agent_id, state, "lunch" if state == "break" else ""
    if kind == "enqueue":
        _, queue, channel_pick, language, priority, age_ms = op
        channels = centre.queue_channels(queue)
        # a fresh id usually; sometimes one already used (both must refuse it)
        task_id = f"t{index}" if channel_pick % 10 or not enqueued else sorted(enqueued)[0]
        return (
            "enqueue",
            task_id,
            channels[channel_pick % len(channels)],
            queue,
            language,
            priority,
            round(now - age_ms / 1000, 3),
        )
    if kind in ("accept", "reject", "stale"):
        pending = sorted(t.offer for t in memory.tasks.values() if t.state == "reserved")
        pool = pending if kind != "stale" else offers_seen
        if not pool:
            return None
        offer_id = pool[op[1] % len(pool)]
        return (
            "reject" if kind == "reject" or (kind == "stale" and op[1] % 2) else "accept",
            offer_id,
        )
    if kind in ("complete", "cancel"):
        if not enqueued:
            return None
        return kind, sorted(enqueued)[op[1] % len(enqueued)], *op[2:]
    return ("tick",)


def _cleanup(client: redis.Redis, namespace: str) -> None:
    doomed = list(client.scan_iter(match=f"{namespace}:*", count=1000))
    for start in range(0, len(doomed), 500):
        client.delete(*doomed[start : start + 500])


def _redis_state(router: RedisRouter) -> tuple[dict[str, dict], dict[str, dict]]:
    tasks = {text(k): json.loads(v) for k, v in router.redis.hgetall(router.keys.tasks()).items()}
    status = {
        text(k): json.loads(v) for k, v in router.redis.hgetall(router.keys.agent_status()).items()
    }
    return tasks, status


def check_invariants(
    router: RedisRouter, centre: Centre, enqueued: set[str], before: dict[str, dict]
) -> dict[str, dict]:
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
    wait_keys = {
        text(k)
        for k in router.redis.scan_iter(
            match=router.keys.all_keys_pattern().replace("*", "wait:*"), count=1000
        )
    }
    waiting: dict[str, list[str]] = {}
    for key in wait_keys:
        for member in cast(list[bytes], router.redis.zrange(key, 0, -1)):
            waiting.setdefault(text(member), []).append(key)
    for task_id, task in tasks.items():
        held = holders.get(task_id, [])
        if task["state"] in ("reserved", "assigned", "wrapping"):
            assert len(held) == 1, (task_id, held)  # no task assigned twice
        else:
            assert held == [], (task_id, held)
        if task["state"] == "queued":
            expected = router.layout.wait_key(
                task["queue"], task["channel"], task["step"], task["language"]
            )
            assert waiting.get(task_id) == [expected], (task_id, waiting.get(task_id))
        else:
            assert task_id not in waiting, (task_id, task["state"])
    return status


def compare_final(memory: MemoryRouter, router: RedisRouter) -> None:
    tasks, status = _redis_state(router)
    assert set(tasks) == set(memory.tasks)
    for task_id, task in memory.tasks.items():
        assert _task(Task.from_stored(tasks[task_id])) == _task(task), task_id
    assert set(status) == set(memory.agents)
    for agent_id, agent in memory.agents.items():
        s = status[agent_id]
        held = list(s["tasks"]) if isinstance(s["tasks"], list) else []
        assert (
            s["state"],
            s["reason"],
            held,
            {k: v for k, v in (s["load"] or {}).items() if v},
            s["missed"],
            _ms(s["since"]),
            _ms(s["idle"]),
        ) == (
            agent.state,
            agent.reason,
            list(agent.tasks),
            dict(agent.load),
            agent.missed,
            _ms(agent.since),
            _ms(agent.idle_since),
        ), agent_id
    timers = sorted((at, name) for name, at in memory.timers.items())
    stored = cast(
        list[tuple[bytes, float]], router.redis.zrange(router.keys.timers(), 0, -1, withscores=True)
    )
    assert [(name, _ms(at)) for at, name in timers] == [
        (text(name), _ms(at)) for name, at in stored
    ]


def run_sequence(client: redis.Redis, centre: Centre, steps: list) -> None:
    namespace = f"eq-{uuid.uuid4().hex[:12]}"
    memory = MemoryRouter(centre)
    router = RedisRouter(client, centre, namespace=namespace)
    routers: tuple[Router, Router] = (memory, router)
    enqueued: set[str] = set()
    offers_seen: list[str] = []
    now_ms = 0
    status: dict[str, dict] = {}
    try:
        for index, (op, advance) in enumerate(steps):
            now_ms += advance
            now = round(START + now_ms / 1000, 3)
            call = concrete(op, index, now, centre, memory, enqueued, offers_seen)
            if call is None:
                continue
            m, r = (_outcome(perform(each, call, now)) for each in routers)
            if call[0] == "enqueue":
                enqueued.add(call[1])
            if m[0] == "ok" and isinstance(m[1], list):
                offers_seen += [o[0] for o in m[1]]
            assert r == m, f"step {index} {call} at +{now_ms} ms: redis {r} memory {m}"
            status = check_invariants(router, centre, enqueued, status)
        compare_final(memory, router)
    finally:
        _cleanup(client, namespace)


@pytest.fixture(scope="module")
def client(redis_url: str):
    c = connect(redis_url)
    yield c
    c.close()


random_cases = centres().flatmap(lambda c: st.tuples(st.just(c), scenarios(c)))


@QUICK
@given(steps=scenarios(CENTRE))
def test_redis_router_matches_memory_router(client: redis.Redis, steps: list) -> None:
    run_sequence(client, CENTRE, steps)


@settings(QUICK, max_examples=40)
@given(case=random_cases)
def test_random_centres_match(client: redis.Redis, case: tuple[Centre, list]) -> None:
    run_sequence(client, *case)


@pytest.mark.routing_long
@NIGHTLY
@given(steps=scenarios(CENTRE))
def test_redis_router_matches_memory_router_long(client: redis.Redis, steps: list) -> None:
    run_sequence(client, CENTRE, steps)


@pytest.mark.routing_long
@NIGHTLY
@given(case=random_cases)
def test_random_centres_match_long(client: redis.Redis, case: tuple[Centre, list]) -> None:
    run_sequence(client, *case)


def test_busy_centre_sequence_matches(client: redis.Redis) -> None:
    """A fixed, dense scenario: many agents and tasks, every kind of event."""
    queues, skills, languages = sorted(CENTRE.queues), sorted(CENTRE.skills), CENTRE.languages
    steps: list[tuple[tuple, int]] = []
    for i, agent_id in enumerate(AGENT_IDS):
        agent_skills = {skills[(i + j) % len(skills)]: 1 + (i + j) % 5 for j in range(4)}
        steps.append(
            (
                (
                    "upsert",
                    agent_id,
                    agent_skills,
                    languages[: 1 + i % 2],
                    {"voice": 1, "chat": 2, "email": 3},
                ),
                100,
            )
        )
        steps.append((("state", agent_id, "available"), 50))
    for i in range(30):
        steps.append((("enqueue", queues[i % len(queues)], i, languages[i % 2], i % 3, i * 7), 700))
        steps.append(((("accept", "reject", "complete", "tick")[i % 4], i), 4_000))
    steps.append((("tick",), 400_000))
    run_sequence(client, CENTRE, steps)
