"""Scenario tests of the live router's semantics on a real Redis (the reference centre)."""

from __future__ import annotations

import pytest

from telephony.routing.errors import RoutingError
from telephony.routing.policy import rules
from telephony.routing.router import RedisRouter
from vero.kernel.redis_client import text

T0 = 1_700_000_000.0
ALL = {"voice": 1, "chat": 3, "whatsapp": 5, "sms": 5, "email": 10}


@pytest.fixture
def router(redis_client, centre, namespace) -> RedisRouter:
    return RedisRouter(redis_client, centre, namespace=namespace)


def agent(
    router: RedisRouter,
    agent_id: str,
    skills: dict[str, int],
    *,
    at: float = T0,
    languages=("id",),
    capacity=None,
    available: bool = True,
) -> list:
    router.upsert_agent(agent_id, skills, languages, capacity or ALL, now=at)
    return router.set_agent_state(agent_id, "available", now=at) if available else []


def offered(offers) -> list[tuple[str, str]]:
    return [(r.task, r.agent) for r in offers]


def day_stats(router: RedisRouter, queue: str, channel: str) -> dict[str, float]:
    raw = router.redis.hgetall(router.keys.stats(router.local_bucket(T0)[0]))
    prefix = f"{queue}|{channel}|day|"
    return {text(k)[len(prefix) :]: float(v) for k, v in raw.items() if text(k).startswith(prefix)}


# --- order of tasks --------------------------------------------------------------------------


def test_priority_first_then_oldest(router):
    router.enqueue("t1", "chat", "general", "id", 0, now=T0, created=T0)
    router.enqueue("t2", "chat", "general", "id", 1, now=T0 + 1, created=T0 + 1)
    router.enqueue("t3", "chat", "general", "id", 0, now=T0 + 2, created=T0 - 5)
    offers = agent(router, "a", {"general": 1}, at=T0 + 3)
    assert offered(offers) == [("t2", "a"), ("t3", "a"), ("t1", "a")]


def test_requeued_task_keeps_its_age(router):
    agent(router, "a", {"general": 1}, capacity={"chat": 1})
    assert offered(router.enqueue("old", "chat", "general", "id", now=T0 + 1)) == [("old", "a")]
    router.enqueue("new", "chat", "general", "id", now=T0 + 5)
    router.set_agent_state("a", "break", "lunch", now=T0 + 10)  # offer withdrawn: back it goes
    task = router.task("old")
    assert (task["state"], task["created"]) == ("queued", T0 + 1)
    offers = agent(router, "b", {"general": 1}, at=T0 + 11, capacity={"chat": 1})
    assert offered(offers) == [("old", "b")]  # ahead of "new", which entered the queue before


def test_rejected_task_goes_to_the_next_agent(router):
    agent(router, "a", {"general": 1}, at=T0)
    agent(router, "b", {"general": 1}, at=T0 + 1)
    (first,) = router.enqueue("t", "chat", "general", "id", now=T0 + 2)
    assert first.agent == "a"
    offers = router.reject(first.offer, now=T0 + 3)
    assert [(r.offer, r.agent) for r in offers] == [("t.2", "b")]  # a is now the least idle
    assert router.agent("a")["missed"] == 1


# --- routing steps --------------------------------------------------------------------------


def test_complaint_steps_widen_eligibility_with_time(router):
    agent(router, "l1", {"complaints": 1})
    agent(router, "gen", {"general": 2})
    agent(router, "en", {"general": 5}, languages=("en",))
    assert router.enqueue("c", "voice", "complaints", "id", now=T0) == []
    assert router.tick(T0 + 19.999) == []
    assert offered(router.tick(T0 + 20)) == [("c", "l1")]  # step 2: level >= 1
    router.set_agent_state("l1", "break", "lunch", now=T0 + 21)  # withdrawn
    assert router.tick(T0 + 59.999) == []
    assert offered(router.tick(T0 + 60)) == [("c", "gen")]  # step 3: any agent speaking id
    assert router.task("c")["step"] == 2


def test_complaint_level_three_is_taken_at_once(router):
    agent(router, "l3", {"complaints": 3})
    assert offered(router.enqueue("c", "voice", "complaints", "id", now=T0 + 1)) == [("c", "l3")]


def test_step_changes_priority(router):
    agent(router, "busy", {"vip": 5, "general": 1}, available=False)
    router.enqueue("g", "chat", "general", "id", 5, now=T0, created=T0 - 100)
    router.enqueue("v", "chat", "vip", "id", 0, now=T0)
    assert router.task("v")["priority"] == 10  # the vip queue's first step sets priority 10
    router.tick(T0 + 10)  # step 2 (level >= 1) keeps it
    assert (router.task("v")["step"], router.task("v")["priority"]) == (1, 10)
    offers = agent(router, "x", {"vip": 1, "general": 1}, at=T0 + 11, capacity={"chat": 1})
    assert offered(offers) == [("v", "x")]  # priority 10 beats the older priority-5 task


def test_fallback_overflow_to_another_queue(router):
    agent(router, "gen", {"general": 1})
    assert router.enqueue("p", "chat", "partners", "id", now=T0) == []
    assert offered(router.tick(T0 + 60)) == [("p", "gen")]
    task = router.task("p")
    assert (task["queue"], task["origin_queue"], task["step"]) == ("general", "partners", 0)


def test_fallback_offer_marks_the_task(router):
    router.enqueue("c", "voice", "complaints", "id", now=T0)
    router.tick(T0 + 299)
    assert router.task("c")["fallback"] == ""
    router.tick(T0 + 300)
    task = router.task("c")
    assert (task["fallback"], task["state"], task["step"]) == ("callback", "queued", 2)


# --- selection of agents --------------------------------------------------------------------


def test_longest_idle_agent_first(router):
    for i, name in enumerate(["c", "a", "b"]):
        agent(router, name, {"general": 1}, at=T0 + i)
    assert [r.agent for r in router.enqueue("t1", "chat", "general", "id", now=T0 + 5)] == ["c"]
    assert [r.agent for r in router.enqueue("t2", "chat", "general", "id", now=T0 + 6)] == ["a"]


def test_highest_level_first(router):
    agent(router, "l3", {"complaints": 3}, at=T0)
    agent(router, "l5", {"complaints": 5}, at=T0 + 1)
    agent(router, "l4", {"complaints": 4}, at=T0 + 2)
    assert [r.agent for r in router.enqueue("c", "chat", "complaints", "id", now=T0 + 3)] == ["l5"]


def test_least_occupied_first(router):
    agent(router, "x", {"qc": 1}, at=T0)
    router.enqueue("e1", "email", "backoffice", "id", now=T0 + 1)
    router.enqueue("e2", "email", "backoffice", "id", now=T0 + 2)
    assert [t for t in router.agent("x")["tasks"]] == ["e1", "e2"]
    agent(router, "y", {"qc": 1}, at=T0 + 10)  # idle for less time, but holds nothing
    assert [r.agent for r in router.enqueue("e3", "email", "backoffice", "id", now=T0 + 11)] == [
        "y"
    ]


# --- both directions ------------------------------------------------------------------------


def test_new_task_finds_an_agent_and_freed_agent_finds_best_task_across_queues(router):
    agent(router, "a", {"general": 1, "orders": 1}, capacity={"chat": 1})
    (r,) = router.enqueue("first", "chat", "orders", "id", now=T0 + 1)
    router.accept(r.offer, now=T0 + 2)
    router.enqueue("o", "chat", "orders", "id", now=T0 + 3, created=T0 + 3)
    router.enqueue("g", "chat", "general", "id", now=T0 + 4, created=T0 - 10)
    router.enqueue("p", "chat", "product", "id", now=T0 + 5, created=T0 - 99)  # not its skill
    router.complete("first", now=T0 + 6)
    assert offered(router.complete("first", now=T0 + 7)) == [("g", "a")]


# --- offers ---------------------------------------------------------------------------------


def test_offer_timeout_requeues_and_three_misses_mean_break(router):
    agent(router, "a", {"general": 1})
    (r,) = router.enqueue("t", "chat", "general", "id", now=T0)
    assert r.expires == T0 + 30
    assert router.tick(T0 + 29.999) == []
    assert [(o.offer, o.agent) for o in router.tick(T0 + 30)] == [("t.2", "a")]
    assert [(o.offer, o.agent) for o in router.tick(T0 + 60)] == [("t.3", "a")]
    assert router.tick(T0 + 90) == []
    view, task = router.agent("a"), router.task("t")
    assert (view["state"], view["reason"], view["missed"]) == ("break", "missed", 3)
    assert (task["state"], task["attempts"]) == ("queued", 3)


def test_accepting_an_expired_offer_fails(router):
    agent(router, "a", {"general": 1})
    (r,) = router.enqueue("t", "chat", "general", "id", now=T0)
    with pytest.raises(RoutingError) as err:
        router.accept(r.offer, now=T0 + 30)
    assert err.value.code == "expired"
    router.tick(T0 + 30)
    with pytest.raises(RoutingError) as err:
        router.accept(r.offer, now=T0 + 31)
    assert err.value.code == "expired"


def test_accept_resets_missed_count(router):
    agent(router, "a", {"general": 1})
    (r,) = router.enqueue("t", "chat", "general", "id", now=T0)
    (r2,) = router.reject(r.offer, now=T0 + 1)
    assert router.agent("a")["missed"] == 1
    task = router.accept(r2.offer, now=T0 + 2)
    assert (task.state, task.agent, task.answered_at) == ("assigned", "a", T0 + 2)
    view = router.task("t")
    assert (view["state"], view["agent"], view["answered_at"]) == ("assigned", "a", T0 + 2)
    assert router.agent("a")["missed"] == 0


def test_a_call_is_answered_when_bridged_not_at_accept(router):
    agent(router, "a", {"general": 1})
    (r,) = router.enqueue("call", "voice", "general", "id", now=T0)
    task = router.accept(r.offer, now=T0 + 2)
    assert (task.state, task.answered_at) == ("assigned", None)
    assert "answered_at" not in router.task("call")
    assert router.bridge("call", now=T0 + 4)
    assert router.task("call")["answered_at"] == T0 + 4
    assert not router.bridge("call", now=T0 + 9)
    assert router.task("call")["answered_at"] == T0 + 4
    with pytest.raises(RoutingError) as err:
        router.bridge("nope", now=T0 + 9)
    assert err.value.code == "unknown"


def test_bridge_wants_an_assigned_call(router):
    agent(router, "a", {"general": 1})
    (r,) = router.enqueue("call", "voice", "general", "id", now=T0)
    with pytest.raises(RoutingError) as err:
        router.bridge("call", now=T0 + 1)  # still only offered
    assert err.value.code == "state"


def test_unassign_returns_an_unbridged_call_with_its_age(router):
    agent(router, "a", {"general": 1})
    agent(router, "b", {"general": 1})
    (r,) = router.enqueue("call", "voice", "general", "id", now=T0)
    router.accept(r.offer, now=T0 + 2)
    first = r.agent
    offers = router.unassign("call", now=T0 + 20)
    assert [(o.task, o.agent) for o in offers] == [("call", "b" if first == "a" else "a")]
    task = router.task("call")
    assert (task["state"], task["created"], task["attempts"]) == ("reserved", T0, 2)
    assert router.agent(first)["missed"] == 1 and router.agent(first)["load"] == {}


def test_unassign_refuses_a_bridged_call_or_a_chat(router):
    agent(router, "a", {"general": 1}, capacity={"voice": 1, "chat": 1})
    (r,) = router.enqueue("call", "voice", "general", "id", now=T0)
    router.accept(r.offer, now=T0 + 2)
    router.bridge("call", now=T0 + 3)
    with pytest.raises(RoutingError) as err:
        router.unassign("call", now=T0 + 4)
    assert err.value.code == "state"
    router.complete("call", now=T0 + 5)
    router.complete("call", now=T0 + 6)
    (c,) = router.enqueue("chat", "chat", "general", "id", now=T0 + 7)
    router.accept(c.offer, now=T0 + 8)
    with pytest.raises(RoutingError) as err:
        router.unassign("chat", now=T0 + 9)
    assert err.value.code == "state"


# --- end of work ----------------------------------------------------------------------------


def test_wrap_up_ends_by_timer(router):
    agent(router, "a", {"general": 1}, capacity={"chat": 1})
    (r,) = router.enqueue("t", "chat", "general", "id", now=T0)
    router.accept(r.offer, now=T0 + 1)
    router.enqueue("next", "chat", "general", "id", now=T0 + 2)
    assert router.complete("t", now=T0 + 10) == []
    assert (router.task("t")["state"], router.task("t")["wrap_until"]) == ("wrapping", T0 + 40)
    assert router.tick(T0 + 39.9) == []
    assert offered(router.tick(T0 + 40)) == [("next", "a")]
    assert router.task("t")["state"] == "completed"


def test_wrap_up_ended_early_by_completing_again(router):
    agent(router, "a", {"general": 1})
    (r,) = router.enqueue("t", "chat", "general", "id", now=T0)
    router.accept(r.offer, now=T0 + 1)
    router.complete("t", now=T0 + 10)
    router.complete("t", now=T0 + 12)
    assert router.task("t")["state"] == "completed"
    assert router.agent("a")["load"] == {}
    assert router.tick(T0 + 100) == []
    with pytest.raises(RoutingError) as err:
        router.complete("t", now=T0 + 101)
    assert err.value.code == "state"


def test_voice_is_exclusive_both_ways(router):
    agent(router, "v", {"general": 1})
    (r,) = router.enqueue("call", "voice", "general", "id", now=T0)
    router.accept(r.offer, now=T0 + 1)
    assert router.enqueue("chat1", "chat", "general", "id", now=T0 + 2) == []  # on a call
    router.complete("call", now=T0 + 3)
    assert offered(router.complete("call", now=T0 + 4)) == [("chat1", "v")]
    assert router.enqueue("call2", "voice", "general", "id", now=T0 + 5) == []  # holds a chat
    assert router.task("call2")["state"] == "queued"


def test_capacity_is_never_exceeded(router):
    agent(router, "a", {"general": 1}, capacity={"chat": 2})
    offers = [router.enqueue(f"t{i}", "chat", "general", "id", now=T0 + i) for i in range(3)]
    assert [len(o) for o in offers] == [1, 1, 0]
    assert router.agent("a")["load"] == {"chat": 2}
    router.accept(offers[0][0].offer, now=T0 + 5)
    router.complete("t0", now=T0 + 6)
    assert router.agent("a")["load"] == {"chat": 2}  # wrap-up still holds the slot
    assert offered(router.complete("t0", now=T0 + 7)) == [("t2", "a")]
    assert router.agent("a")["load"] == {"chat": 2}


# --- cancel ---------------------------------------------------------------------------------


def test_cancel_a_queued_task(router):
    router.enqueue("t", "voice", "general", "id", now=T0)
    assert router.cancel("t", "abandoned", now=T0 + 8) == []
    assert router.task("t")["state"] == "abandoned"
    assert router.next_timer() is None  # its step timer went with it
    stats = day_stats(router, "general", "voice")
    assert (stats["offered"], stats["abandoned"], stats["abandon_wait_sum"]) == (1, 1, 8)


def test_cancel_a_reserved_task_frees_the_agent_for_the_next(router):
    agent(router, "a", {"general": 1}, capacity={"voice": 1})
    (r,) = router.enqueue("t", "voice", "general", "id", now=T0)
    router.enqueue("u", "voice", "general", "id", now=T0 + 1)
    assert offered(router.cancel("t", "abandoned", now=T0 + 2)) == [("u", "a")]
    with pytest.raises(RoutingError) as err:
        router.accept(r.offer, now=T0 + 3)
    assert err.value.code == "expired"
    router.accept("u.1", now=T0 + 3)
    with pytest.raises(RoutingError) as err:
        router.cancel("u", "canceled", now=T0 + 4)
    assert err.value.code == "state"


# --- records and counters -------------------------------------------------------------------


def test_contact_records_written_for_closed_contacts(router):
    agent(router, "a", {"general": 1})
    (r,) = router.enqueue("done", "chat", "general", "id", now=T0)
    router.accept(r.offer, now=T0 + 3)
    router.complete("done", now=T0 + 60)
    router.enqueue("gone", "voice", "orders", "en", now=T0 + 61)
    router.cancel("gone", "abandoned", now=T0 + 70)
    assert router.redis.xlen(router.keys.contacts()) == 1  # wrap-up still running
    router.tick(T0 + 90)
    records = [
        {k.decode(): v.decode() for k, v in fields.items()}
        for _, fields in router.redis.xrange(router.keys.contacts())
    ]
    assert [(r["task_id"], r["outcome"], r["agent_id"]) for r in records] == [
        ("gone", "abandoned", ""),
        ("done", "completed", "a"),
    ]
    assert (
        float(records[1]["answered_at"]),
        float(records[1]["ended_at"]),
        float(records[1]["closed_at"]),
    ) == (T0 + 3, T0 + 60, T0 + 90)


def test_stats_counters(router):
    agent(router, "a", {"general": 1}, capacity={"voice": 1})
    (r,) = router.enqueue("fast", "voice", "general", "id", now=T0)
    router.accept(r.offer, now=T0 + 4)
    assert day_stats(router, "general", "voice").get("answered", 0) == 0  # not bridged yet
    assert router.bridge("fast", now=T0 + 5)  # within the 15 s target
    assert not router.bridge("fast", now=T0 + 6)  # once
    router.enqueue("slow", "voice", "general", "id", now=T0 + 6)
    router.enqueue("gone", "voice", "general", "id", now=T0 + 7)
    router.cancel("gone", "abandoned", now=T0 + 9)
    router.complete("fast", now=T0 + 30)
    (r2,) = router.complete("fast", now=T0 + 31)
    router.accept(r2.offer, now=T0 + 32)
    router.bridge("slow", now=T0 + 32)  # 26 s after it arrived
    stats = day_stats(router, "general", "voice")
    assert {
        k: stats[k] for k in ("offered", "answered", "answered_in_target", "abandoned", "wait_sum")
    } == {"offered": 3, "answered": 2, "answered_in_target": 1, "abandoned": 1, "wait_sum": 31}
    bucket = router.local_bucket(T0)[1]
    key = router.keys.stats(router.local_bucket(T0)[0])
    assert float(router.redis.hget(key, f"general|voice|{bucket}|offered")) == 3


def test_wait_list_score_is_priority_then_creation(router):
    router.enqueue("t", "chat", "general", "id", 2, now=T0, created=T0 - 7)
    key = router.layout.wait_key("general", "chat", 0, "id")
    assert router.redis.zscore(key, "t") == rules.task_score(2, T0 - 7)


def test_errors(router):
    with pytest.raises(RoutingError) as err:
        router.set_agent_state("nobody", "available", now=T0)
    assert err.value.code == "unknown"
    router.enqueue("t", "chat", "general", "id", now=T0)
    with pytest.raises(RoutingError) as err:
        router.enqueue("t", "chat", "general", "id", now=T0)
    assert err.value.code == "exists"
    with pytest.raises(RoutingError) as err:
        router.enqueue("e", "voice", "backoffice", "id", now=T0)
    assert err.value.code == "invalid"
    with pytest.raises(RoutingError) as err:
        router.complete("t", now=T0)
    assert err.value.code == "state"
    with pytest.raises(RoutingError) as err:
        router.reject("t.1", now=T0)
    assert err.value.code == "expired"
