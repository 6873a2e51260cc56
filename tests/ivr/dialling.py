"""What the outbound tests share: the outbox worked at once in the test's thread (against the
FakeGateway, or the real TwilioGateway pointed at a RestRecorder), an agent, a callback task."""

from __future__ import annotations

from telephony.gateway import Gateway
from telephony.outbox import Outbox, Senders

CAPACITY = {"voice": 1, "chat": 3, "whatsapp": 5, "sms": 5, "email": 10}
CENTRE_NUMBER = "+622150001234"  # the number the emulator's callers reach


def drain(svc, gateway: Gateway) -> int:
    """Send every queued outbox request through `gateway`; returns how many."""
    outbox = Outbox(svc.redis, svc.router.keys)
    senders = Senders(outbox, svc.router, lambda: gateway, "t", backoff=0.01)
    sent = 0
    while entries := outbox.read("t", block_seconds=0.01):
        for entry_id, fields in entries:
            senders.handle(gateway, entry_id, {k.decode(): v.decode() for k, v in fields.items()})
            sent += 1
    return sent


def agent(svc, agent_id: str, contact: dict | None = None, available: bool = True) -> str:
    """An agent of every queue's skill (a softphone by default); returns its token."""
    skills = {name: 3 for name in svc.centre.skills}
    update = svc.router.upsert_agent(
        agent_id,
        skills,
        ("id", "en"),
        CAPACITY,
        contact={"client": agent_id} if contact is None else contact,
    )
    if available:
        svc.router.set_agent_state(agent_id, "available")
    assert update.token is not None
    return update.token


def callback_task(twilio, svc, caller: str = "+628999000111") -> str:
    """A caller on hold in the general queue presses 1 for a callback: the callback task's id."""
    call = twilio.call(caller).start().press("1").press("0")
    call.press("1")
    assert call.said("menelepon Anda kembali") and call.ended
    return f"cb-{call.sid}"
