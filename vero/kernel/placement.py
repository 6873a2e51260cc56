"""Which queue a live contact goes to by who the customer is: the centre's `placement` (VIP
members, directory segments → queues, the default queue), checked once and asked by the IVR and
messaging."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vero.kernel.errors import VeroError

if TYPE_CHECKING:
    from vero.kernel.centre import Centre, Placement

PLACED_CHANNELS = ("voice", "chat", "whatsapp", "sms")  # contacts the IVR and messaging place


def check_placement(centre: Centre) -> None:
    """Every queue the placement names exists and takes every placed channel the centre has."""
    if centre.placement is None:
        return
    named = {
        "default": centre.placement.default,
        "vip": centre.placement.vip,
        **{f"segments.{s}": q for s, q in centre.placement.segments.items()},
    }
    for field, queue in named.items():
        if queue is None:
            continue
        if queue not in centre.queues:
            raise ValueError(f"placement.{field}: unknown queue {queue!r}")
        refused = [
            ch
            for ch in PLACED_CHANNELS
            if ch in centre.channels and ch not in centre.queue_channels(queue)
        ]
        if refused:
            raise ValueError(
                f"placement.{field}: queue {queue!r} takes no {', '.join(refused)} contacts"
            )


def live_placement(centre: Centre) -> Placement:
    """The placement of live contacts; a centre without one cannot take them (the live
    service asks for it at start, so this fails there and nowhere later)."""
    if centre.placement is None:
        raise VeroError(
            "a centre that takes live contacts needs a placement (at least its default queue)",
            field="placement",
        )
    return centre.placement


def customer_queue(centre: Centre, segment: str, vip: bool) -> str | None:
    """The queue of a known customer's own (VIP first, then by segment), None when the
    centre has none for them."""
    placement = live_placement(centre)
    if vip and placement.vip:
        return placement.vip
    return placement.segments.get(segment)
