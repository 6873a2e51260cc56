"""The textbook queue as a centre definition, for validation against Erlang and for benchmarks."""

from __future__ import annotations

from vero.kernel.centre import Centre, parse_centre


def single_skill_centre(target: float) -> Centre:
    """One voice queue, one skill, no wrap-up, answer target `target` s: the M/M/c model."""
    return parse_centre(
        {
            "id": "mmc",
            "name": "M/M/c",
            "opening_hours": {},
            "languages": ["id"],
            "default_language": "id",
            "ring_seconds": target,
            "answer_rings": 1,
            "channels": {
                "voice": {"target_seconds": target, "offer_timeout": 15, "exclusive": True}
            },
            "skills": {"s": {"id": "s"}},
            "queues": {"q": {"skill": "s", "wrap_up_seconds": 0, "steps": [{"min_level": 1}]}},
            "staffing_groups": {"g": {"channels": ["voice"]}},
        }
    )
