"""The answer target of each channel, stated once for the router, the consoles, the KPIs, the twin
and the demo.

Voice is answered 'in under three rings': its target is the centre's ring cadence times its
answer rings (15 s with the Indonesian cadence), not the voice channel's `target_seconds`. Every
other channel answers within its own `target_seconds` (first response on messages). A contact is
in target when its wait is at most the target.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vero.kernel.centre import Centre


def voice_answer_target(centre: Centre) -> float:
    """'Answered in under three rings' in seconds."""
    return centre.ring_seconds * centre.answer_rings


def answer_target(centre: Centre, channel: str) -> float:
    """The answer target of one channel in seconds."""
    if channel == "voice":
        return voice_answer_target(centre)
    return centre.channels[channel].target_seconds


def answer_targets(centre: Centre) -> dict[str, float]:
    """The answer target of every channel of the centre, by channel name."""
    return {name: answer_target(centre, name) for name in centre.channels}


def within_target(wait: float, target: float) -> bool:
    """Whether a contact that waited `wait` seconds was answered in target."""
    return wait <= target
