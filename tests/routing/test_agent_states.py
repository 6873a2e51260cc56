"""Agents' shown states over the day, replayed from real router actions on Redis and recorded
once each in the day's CSV (telephony/routing/agent_states.py)."""

import csv
import datetime as dt

from telephony.routing.agent_states import COLUMNS, AgentStates
from telephony.routing.router import RedisRouter
from wfm.adherence import Segment, timeline

JAKARTA = dt.timezone(dt.timedelta(hours=7))
T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=JAKARTA).timestamp()


def day_of_work(router: RedisRouter) -> None:
    """Ayu logs in at 09:00, takes a call 09:10-09:14 with 20 s wrap-up, breaks 10:00-10:15."""
    router.upsert_agent("ayu", {"orders": 2}, ("id",), {"voice": 1}, now=T0 - 60)
    router.set_agent_state("ayu", "available", now=T0)
    [offer] = router.enqueue("call-1", "voice", "orders", "id", now=T0 + 600)
    router.accept(offer.offer, now=T0 + 605)
    router.bridge("call-1", now=T0 + 606)
    router.complete("call-1", now=T0 + 840)
    router.tick(now=T0 + 861)  # the wrap-up (20 s for orders) ends
    router.set_agent_state("ayu", "break", "lunch", now=T0 + 3600)
    router.set_agent_state("ayu", "available", now=T0 + 4500)


def test_router_actions_become_segments_of_the_shown_state(
    redis_client, namespace, centre, tmp_path
):
    router = RedisRouter(redis_client, centre, namespace=namespace)
    day_of_work(router)
    states = AgentStates(redis_client, router.keys, centre, tmp_path)
    day = dt.date(2026, 12, 1)
    live = timeline(states.rows([day])[day], T0 - 3600, T0 + 5400)  # before anything is recorded
    expected = [
        Segment(T0, T0 + 600, "available"),
        Segment(T0 + 600, T0 + 840, "busy"),  # offered at 09:10, then talking
        Segment(T0 + 840, T0 + 860, "wrap-up"),  # ends at its due time
        Segment(T0 + 860, T0 + 3600, "available"),
        Segment(T0 + 3600, T0 + 4500, "break"),
        Segment(T0 + 4500, T0 + 5400, "available"),
    ]
    assert live["ayu"] == expected
    assert states.record() == 6
    assert timeline(states.rows([day])[day], T0 - 3600, T0 + 5400)["ayu"] == expected
    [path] = (tmp_path / "agent_states").iterdir()
    assert path.name == "2026-12-01.csv"
    rows = list(csv.DictReader(path.open()))
    assert tuple(rows[0]) == COLUMNS
    assert [r["state"] for r in rows] == [s.state for s in expected]
    assert rows[4]["reason"] == "lunch" and rows[4]["started_local"] == "2026-12-01 10:00:00"
    assert rows[4]["started_at"] == "2026-12-01T03:00:00.000+00:00"


def test_the_log_is_idempotent_and_a_lost_cursor_writes_nothing_twice(
    redis_client, namespace, centre, tmp_path
):
    router = RedisRouter(redis_client, centre, namespace=namespace)
    day_of_work(router)
    states = AgentStates(redis_client, router.keys, centre, tmp_path)
    assert states.record() == 6
    assert states.record() == 0
    redis_client.delete(router.keys.agent_timeline())  # as if the save had failed
    assert AgentStates(redis_client, router.keys, centre, tmp_path).record() == 0
    router.set_agent_state("ayu", "offline", now=T0 + 6000)
    assert states.record() == 1
    rows = list(csv.DictReader((tmp_path / "agent_states" / "2026-12-01.csv").open()))
    assert len(rows) == len({r["change_id"] for r in rows}) == 7


def test_a_new_day_opens_with_the_state_carried_over(redis_client, namespace, centre, tmp_path):
    router = RedisRouter(redis_client, centre, namespace=namespace)
    router.upsert_agent("ayu", {"orders": 2}, ("id",), {"voice": 1}, now=T0 - 60)
    router.set_agent_state("ayu", "available", now=T0 + 14 * 3600)  # 23:00
    router.set_agent_state("ayu", "break", now=T0 + 16 * 3600)  # 01:00 the next day
    states = AgentStates(redis_client, router.keys, centre, tmp_path)
    assert states.record() == 3
    rows = list(csv.DictReader((tmp_path / "agent_states" / "2026-12-02.csv").open()))
    assert [(r["started_local"], r["state"]) for r in rows] == [
        ("2026-12-02 00:00:00", "available"),
        ("2026-12-02 01:00:00", "break"),
    ]


def test_states_lost_with_a_trimmed_stream_are_corrected_from_the_router(
    redis_client, namespace, centre, tmp_path
):
    """Hours without a dispatcher: the capped stream dropped Ayu's events before they were
    recorded; the occasional reconcile writes her state as the router has it, at that moment."""
    router = RedisRouter(redis_client, centre, namespace=namespace)
    states = AgentStates(redis_client, router.keys, centre, tmp_path, clock=lambda: T0 + 7200)
    router.upsert_agent("ayu", {"orders": 2}, ("id",), {"voice": 1}, now=T0 - 60)
    assert states.record() == 0  # created offline: no change yet
    router.set_agent_state("ayu", "available", now=T0)
    router.enqueue("call-1", "voice", "orders", "id", now=T0 + 600)  # offered to her
    redis_client.xtrim(router.keys.events(), maxlen=0)
    assert states.record() == 0 and states.reconcile() == 1
    assert states.reconcile() == 0  # nothing left to correct
    day = dt.date(2026, 12, 1)
    assert timeline(states.rows([day])[day], T0, T0 + 9000)["ayu"] == [
        Segment(T0 + 7200, T0 + 9000, "busy")
    ]
    router.set_agent_state("ayu", "break", now=T0 + 8000)  # the offer is withdrawn
    assert states.record() == 1


def test_a_quiet_midnight_still_opens_the_new_day(redis_client, namespace, centre, tmp_path):
    router = RedisRouter(redis_client, centre, namespace=namespace)
    router.upsert_agent("ayu", {"orders": 2}, ("id",), {"voice": 1}, now=T0 - 60)
    router.set_agent_state("ayu", "available", now=T0 + 14 * 3600)  # 23:00, then nothing
    after_midnight = T0 + 15 * 3600 + 5
    states = AgentStates(redis_client, router.keys, centre, tmp_path, clock=lambda: after_midnight)
    assert states.record() == 1 and states.reconcile() == 1 and states.reconcile() == 0
    rows = list(csv.DictReader((tmp_path / "agent_states" / "2026-12-02.csv").open()))
    assert [(r["started_local"], r["state"]) for r in rows] == [
        ("2026-12-02 00:00:00", "available")
    ]
