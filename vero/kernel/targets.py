"""The answer target of each channel, stated once for the router, the consoles, the KPIs, the twin
and the demo.

Every channel answers within its own `target_seconds` (first response on messages). Voice is
answered 'in under three rings': the centre derives its `target_seconds` from the ring cadence
times the answer rings, or the rings from the seconds, and refuses the two when they disagree
(vero/kernel/centre.py). A contact is in target when its wait is at most the target; the service
level built on it is vero/kernel/service_level.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vero.kernel.centre import Centre


def voice_answer_target(centre: Centre) -> float:
    """'Answered in under three rings' in seconds."""
    if "voice" in centre.channels:
        return centre.channels["voice"].target_seconds
    return centre.ring_seconds * centre.answer_rings


def answer_target(centre: Centre, channel: str) -> float:
    """The answer target of one channel in seconds."""
    return centre.channels[channel].target_seconds


def answer_targets(centre: Centre) -> dict[str, float]:
    """The answer target of every channel of the centre, by channel name."""
    return {name: answer_target(centre, name) for name in centre.channels}
