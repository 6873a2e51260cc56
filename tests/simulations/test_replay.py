"""The twin decides nothing itself: replaying its calls into a fresh router gives the same offers.

The twin runs on a `MemoryRouter` that records every call and its result; the calls are then fed
to a fresh `MemoryRouter` and to the live `RedisRouter`, which must make identical reservations.
"""

from __future__ import annotations

import numpy as np
import redis

from simulations.arrivals import HandleTimes, Series
from simulations.model import Behaviour, Twin
from simulations.staff import Shift, group_profile
from telephony.routing.errors import RoutingError
from telephony.routing.policy.memory import MemoryRouter
from telephony.routing.router import RedisRouter
from vero.kernel.centre import Centre

CALLS = ("upsert_agent", "set_agent_state", "enqueue", "accept", "complete", "cancel", "tick")


class RecordingRouter(MemoryRouter):
    """A MemoryRouter that keeps (call, arguments, result) of every public call."""

    def __init__(self, centre: Centre) -> None:
        super().__init__(centre)
        self.journal: list[tuple[str, tuple, object]] = []

    def __getattribute__(self, name: str):
        method = super().__getattribute__(name)
        if name not in CALLS:
            return method

        def recorded(*args):
            result = _call(method, *args)
            self.journal.append((name, args, result))
            if isinstance(result, RoutingError):
                raise result
            return result

        return recorded


def _call(method, *args):
    try:
        return method(*args)
    except RoutingError as exc:
        return exc


def comparable(result) -> object:
    """Offers as (offer, task, agent, expiry in ms); accepted tasks by id; errors by code."""
    if isinstance(result, RoutingError):
        return ("error", result.code)
    if isinstance(result, tuple):  # RedisRouter.upsert_agent: (offers, token)
        result = result[0]
    if isinstance(result, list):
        return [(r.offer, r.task, r.agent, round(r.expires, 3)) for r in result]
    return ("task", result["id"] if isinstance(result, dict) else result.id)


def recorded_run(centre: Centre) -> list[tuple[str, tuple, object]]:
    hour = 3600.0
    demand = [
        Series(0.0, hour, "voice", "general", "id", 40, 200),
        Series(0.0, hour, "voice", "complaints", "id", 15, 300),
        Series(0.0, hour, "voice", "product", "en", 10, 240),
        Series(0.0, hour, "chat", "orders", "id", 30, 400),
    ]
    groups = {"voice-id": 3, "voice-en": 1, "digital": 2}
    shifts = [
        Shift(f"{g}-{k}", g, 0.0, hour + 600, 1200.0 + 60 * k, 1500.0 + 60 * k)
        for g, n in groups.items()
        for k in range(n)
    ]
    profiles = {s.agent: group_profile(centre, s.group) for s in shifts}
    behaviour = Behaviour(
        handle=HandleTimes("lognormal", cv=0.8),
        patience={"voice": 90, "chat": 900},
        accept_delay={"voice": 2.0, "chat": 5.0},
        callbacks=True,
        redial_probability=0.3,
        redial_seconds=120,
    )
    router = RecordingRouter(centre)
    Twin(centre, demand, shifts, profiles, behaviour, np.random.SeedSequence(7), router=router).run(
        hour + 1800
    )
    return router.journal


def replay(router, journal) -> None:
    for name, args, result in journal:
        if name == "upsert_agent":
            agent, skills, languages, capacity, now = args
            got = _call(router.upsert_agent, agent, skills, languages, capacity, now)
        else:
            got = _call(getattr(router, name), *args)
        assert comparable(got) == comparable(result), (name, args)


def test_twin_calls_replay_identically_in_memory(centre: Centre) -> None:
    journal = recorded_run(centre)
    names = {name for name, _, _ in journal}
    assert {"enqueue", "accept", "complete", "cancel", "tick", "set_agent_state"} <= names
    assert sum(1 for name, _, r in journal if name == "enqueue" and r) > 20
    replay(MemoryRouter(centre), journal)


def test_twin_calls_replay_identically_in_redis(
    centre: Centre, redis_client: redis.Redis, namespace: str
) -> None:
    journal = recorded_run(centre)
    replay(RedisRouter(redis_client, centre, namespace=namespace), journal)
