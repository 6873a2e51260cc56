"""A task with no live caller (a callback): once its agent is in the conference, Vero dials the
customer from the centre's caller id; their answer fetches `/join` into the conference. What
follows a dialled customer's no-answer (the retry policy) is the callbacks' business.
"""

from __future__ import annotations

from telephony.ivr.twiml import url
from telephony.services import Services

RING_SECONDS = 30  # how long the customer's phone rings


def dial_customer(svc: Services, task: dict, attempt: int) -> None:
    """Queue the customer's leg of `task` (its `customer_leg` attribute once dialled)."""
    attrs = task["attributes"]
    svc.outbox.rest(
        "create_call",
        {
            "to": attrs.get("callback_to", ""),
            "from_": attrs.get("to") or svc.settings.messaging_number,
            "url": url("join", task=task["id"], lang=task["language"]),
            "status_callback": url("customer-status", task=task["id"], attempt=attempt),
            "timeout": RING_SECONDS,
        },
        task=task["id"],
        store="customer_leg",
    )
