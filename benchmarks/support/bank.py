"""The US bank's call arrivals (../shared/data, see its README): where the file is, and the
one-queue, weekday, English centre the benchmarks read it with."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vero.kernel.centre import Centre, parse_centre

CALLS = Path("shared") / "data" / "us-bank-calls" / "calls_5min_long.csv"


def bank_calls() -> Path:
    """The calls file beside the repository (or beside the folder of its worktrees)."""
    here = Path(__file__).resolve().parents
    return next((p / CALLS for p in here if (p / CALLS).exists()), here[2] / ".." / CALLS)


def bank_centre(voice: dict[str, Any], source: str) -> Centre:
    """The bank as a centre: weekdays 07:00-21:00, one English voice queue with `voice`'s
    channel settings (its answer target, service level, patience)."""
    return parse_centre(
        {
            "id": "bank",
            "name": "US bank (fpp2 calls)",
            "timezone": "America/New_York",
            "holiday_country": None,
            "opening_hours": {
                day: ["07:00", "21:00"] for day in ("mon", "tue", "wed", "thu", "fri")
            },
            "languages": ["en"],
            "default_language": "en",
            "channels": {"voice": voice},
            "skills": {"general": {"en": "General"}},
            "queues": {"general": {"skill": "general", "steps": [{}]}},
            "staffing_groups": {"all": {"channels": ["voice"]}},
        },
        source=source,
    )
