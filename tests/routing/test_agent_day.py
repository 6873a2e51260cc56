"""Per-agent "since" and today's counters on a real Redis: the shown state's start is reset by
calls, wrap-ups and the return to available; handled, average handle time and occupancy follow
a scripted day (every step at an explicit time, the router's clock injection)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from telephony.routing.router import RedisRouter
from telephony.routing.stats import agent_day

# 08:00 in Jakarta on a Tuesday: the scripted day's first moment
T = dt.datetime(2026, 12, 1, 8, 0, tzinfo=ZoneInfo("Asia/Jakarta")).timestamp()


@pytest.fixture
def router(redis_client, centre, namespace) -> RedisRouter:
    return RedisRouter(redis_client, centre, namespace=namespace, clock=lambda: T)


def shown(router: RedisRouter, agent_id: str = "a") -> tuple[str, float]:
    view = router.agent(agent_id)
    return view["shown_state"], view["shown_since"] - T


def ready_agent(router: RedisRouter, at: float = 0.0) -> None:
    router.upsert_agent("a", {"general": 3}, ("id",), {"voice": 1, "chat": 2}, now=T + at)
    router.set_agent_state("a", "available", now=T + at)


def test_since_resets_on_offer_answer_wrap_up_and_back_to_available(router):
    ready_agent(router)
    assert shown(router) == ("available", 0)
    (offer,) = router.enqueue("c1", "voice", "general", "id", now=T + 60)
    assert shown(router) == ("busy", 60)
    router.accept(offer.offer, now=T + 65)
    router.bridge("c1", now=T + 70)
    assert shown(router) == ("busy", 60)  # still the same call
    router.complete("c1", now=T + 250)
    assert shown(router) == ("wrap-up", 250)
    router.tick(now=T + 280)  # general's 30 s wrap-up ends by its timer
    assert shown(router) == ("available", 280)
    # the agent's own state change is kept apart: `since` is the last one the agent chose
    assert router.agent("a")["since"] == T


def test_since_resets_when_an_offer_goes_back_and_on_a_click_to_call(router):
    ready_agent(router)
    router.upsert_agent("b", {"general": 3}, ("id",), {"chat": 1}, now=T + 5)
    router.set_agent_state("b", "available", now=T + 5)
    (offer,) = router.enqueue("c1", "chat", "general", "id", now=T + 10)
    assert (offer.agent, shown(router)) == ("a", ("busy", 10))
    (again,) = router.reject(offer.offer, now=T + 20)
    assert (again.agent, shown(router)) == ("b", ("available", 20))
    router.assign("out1", "a", "voice", "general", "id", {}, now=T + 40)
    assert shown(router) == ("busy", 40)
    router.complete("out1", now=T + 100)
    router.complete("out1", now=T + 110)  # the agent ends the wrap-up early
    assert shown(router) == ("available", 110)
    router.set_agent_state("a", "break", "lunch", now=T + 200)
    assert shown(router) == ("break", 200)


def test_a_second_chat_keeps_the_since_of_the_first(router):
    ready_agent(router)
    (first,) = router.enqueue("x1", "chat", "general", "id", now=T + 10)
    router.accept(first.offer, now=T + 12)
    (second,) = router.enqueue("x2", "chat", "general", "id", now=T + 30)
    router.accept(second.offer, now=T + 31)
    router.complete("x1", now=T + 60)  # x2 still live: busy, not wrap-up
    assert shown(router) == ("busy", 10)
    router.complete("x2", now=T + 70)
    assert shown(router) == ("wrap-up", 70)


def test_handled_handle_time_and_occupancy_of_a_scripted_day(router):
    ready_agent(router)  # available 0-60
    (call,) = router.enqueue("c1", "voice", "general", "id", now=T + 60)  # busy 60-250
    router.accept(call.offer, now=T + 65)
    router.bridge("c1", now=T + 70)  # talk 70-250
    router.complete("c1", now=T + 250)  # wrap-up 250-280
    router.complete("c1", now=T + 280)  # handled: 280 - 70 = 210 s; available 280-400
    (chat,) = router.enqueue("x1", "chat", "general", "id", now=T + 400)  # busy 400-505
    router.accept(chat.offer, now=T + 405)  # a chat is answered when taken
    router.complete("x1", now=T + 505)
    router.tick(now=T + 535)  # wrap-up 505-535; handled: 535 - 405 = 130 s
    router.set_agent_state("a", "break", "lunch", now=T + 600)  # available 535-600
    router.set_agent_state("a", "available", now=T + 900)  # break 600-900: not counted
    now = T + 1000  # available 900-1000, still open

    day = agent_day(router, router.agents(), now)["a"]
    assert day["handled"] == 2
    assert day["aht_seconds"] == pytest.approx((210 + 130) / 2)
    assert day["time"] == {"available": 60 + 120 + 65 + 100, "busy": 190 + 105, "wrap-up": 60}
    handling = 190 + 105 + 60
    assert day["occupancy"] == pytest.approx(round(handling / (handling + 345), 3))


def test_an_agent_without_a_day_yet_has_no_figures(router):
    router.upsert_agent("a", {"general": 3}, ("id",), {"voice": 1}, now=T)  # offline
    day = agent_day(router, router.agents(), T + 500)["a"]
    assert (day["handled"], day["aht_seconds"], day["occupancy"]) == (0, None, None)


def test_the_day_starts_at_local_midnight_and_its_counters_expire(router, redis_client):
    ready_agent(router, at=-3600)  # available since 07:00
    (call,) = router.enqueue("c1", "chat", "general", "id", now=T + 60)
    router.accept(call.offer, now=T + 61)
    key = router.keys.agent_day(router.local_bucket(T)[0])
    assert 0 < redis_client.ttl(key) <= 8 * 86400
    tomorrow = T + 86400 - 8 * 3600 + 100  # 00:01:40 the next day, still on the chat
    day = agent_day(router, router.agents(), tomorrow)["a"]
    assert day["time"] == {"available": 0.0, "busy": 100.0, "wrap-up": 0.0}
    assert day["occupancy"] == 1.0
