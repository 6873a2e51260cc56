"""The one service-level formula: staffing, the twin, the router's live statistics, the
wallboard, the KPI page, `vero report`, `vero plan` and the demo all compute it here.

Each channel of the centre names its formula (`channels.<name>.service_level_formula`):
- "offered" (the default): answered within the target over offered contacts, so every
  abandoner counts as a failure (pyworkforce's and most WFM tools' convention);
- "offered_minus_short_abandons": the same over offered contacts less those that abandoned
  within `short_abandon_seconds` (default: the answer target), as many ACD reports do;
- "answered": answered within the target over answered contacts (abandonment ignored).

Offered contacts are those answered or abandoned, and, at the end of a simulated run, those
still waiting (they count as not answered in time). A contact the channel withdrew (canceled,
or turned into a callback or a voicemail) is not offered to the queue's service level.

A figure over several channels (a queue serving voice and chat, the whole centre) pools them:
answered within target over the contacts each channel's own formula counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from vero.kernel.centre import Centre

Formula = Literal["offered", "offered_minus_short_abandons", "answered"]
FORMULAS: tuple[Formula, ...] = ("offered", "offered_minus_short_abandons", "answered")


@dataclass(frozen=True)
class Definition:
    """One channel's service level: `goal` of contacts answered within `target_seconds`,
    counted under `formula`; an abandon within `short_abandon_seconds` is a short abandon."""

    target_seconds: float
    goal: float
    formula: Formula = "offered"
    short_abandon_seconds: float | None = None  # None: the answer target

    @property
    def short_seconds(self) -> float:
        """The short-abandon threshold in seconds."""
        if self.short_abandon_seconds is None:
            return self.target_seconds
        return self.short_abandon_seconds

    def in_target(self, wait: Any) -> Any:
        """Whether an answered contact that waited `wait` s was in target (arrays too)."""
        return wait <= self.target_seconds

    def short_abandon(self, wait: Any) -> Any:
        """Whether an abandoned contact that waited `wait` s is a short abandon (arrays too)."""
        return wait <= self.short_seconds


@dataclass(frozen=True)
class Counts:
    """Contacts of one queue and channel (or of any pooling). The fields may be numbers or
    numpy / pandas arrays of them: everything here is plain arithmetic."""

    offered: Any = 0
    answered: Any = 0
    in_target: Any = 0  # answered within the target
    abandoned: Any = 0
    short_abandoned: Any = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(Counts)))


def definition(centre: Centre, channel: str) -> Definition:
    """The service-level definition of one channel of the centre."""
    spec = centre.channels[channel]
    return Definition(
        spec.target_seconds,
        spec.service_level,
        spec.service_level_formula,
        spec.short_abandon_seconds,
    )


def definitions(centre: Centre) -> dict[str, Definition]:
    """The service-level definition of every channel of the centre, by channel name."""
    return {name: definition(centre, name) for name in centre.channels}


def counted(counts: Counts, formula: Formula) -> Any:
    """How many of the contacts `formula` counts: the service level's denominator."""
    if formula == "offered":
        return counts.offered
    if formula == "offered_minus_short_abandons":
        return counts.offered - counts.short_abandoned
    if formula == "answered":
        return counts.answered
    raise ValueError(f"unknown service level formula {formula!r}")


def ratio(in_target: float, base: float) -> float | None:
    """Answered within target over the counted contacts; None when none is counted."""
    return in_target / base if base > 0 else None


def service_level(counts: Counts, formula: Formula) -> float | None:
    """The service level of one channel's contacts; None when its formula counts none."""
    return ratio(counts.in_target, counted(counts, formula))


def pooled(parts: Iterable[tuple[Counts, Formula]]) -> float | None:
    """The service level of several channels' contacts, each counted by its own formula."""
    in_target = base = 0.0
    for counts, formula in parts:
        in_target += counts.in_target
        base += counted(counts, formula)
    return ratio(in_target, base)
