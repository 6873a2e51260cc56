"""State changes are all or nothing: an operation that reports an error changed nothing, and
one that changed something reports success."""

from __future__ import annotations

import pytest

from telephony.routing.errors import RoutingError
from telephony.routing.router import RedisRouter

T0 = 1_700_000_000.0
ALL = {"voice": 1, "chat": 3, "whatsapp": 5, "sms": 5, "email": 10}


class DispatcherRacesSetState(RedisRouter):
    """The dispatcher's expiry timer fires in the window right after the agent's new state is
    committed and before its pending offers are withdrawn (two processes, one real Redis)."""

    race_at: float | None = None

    def _call(self, name, now, keys, args):
        reply = super()._call(name, now, keys, args)
        if name == "set_state" and self.race_at is not None:
            at, self.race_at = self.race_at, None
            RedisRouter.tick(self, at)
        return reply


@pytest.fixture
def router(redis_client, centre, namespace) -> DispatcherRacesSetState:
    return DispatcherRacesSetState(redis_client, centre, namespace=namespace)


def test_going_on_break_while_the_offer_expires_succeeds_and_sticks(router):
    router.upsert_agent("ayu", {"general": 3}, ("id",), ALL, now=T0)
    router.set_agent_state("ayu", "available", now=T0)
    offers = router.enqueue("t1", "chat", "general", "id", now=T0)
    assert [(o.task, o.agent) for o in offers] == [("t1", "ayu")]
    router.race_at = T0 + 120  # the offer's expiry, due meanwhile
    router.set_agent_state("ayu", "break", "lunch", now=T0 + 120)  # no "expired" raised
    agent = router.agent("ayu")
    assert (agent["state"], agent["reason"]) == ("break", "lunch")
    task = router.task("t1")
    assert (task["state"], task["agent"], task["offer"]) == ("queued", "", "")


def test_a_refused_state_change_changes_nothing(router):
    router.upsert_agent("ayu", {"general": 3}, ("id",), ALL, now=T0)
    before = router.agent("ayu")
    with pytest.raises(RoutingError):
        router.set_agent_state("ayu", "dancing", now=T0)
    assert router.agent("ayu") == before
