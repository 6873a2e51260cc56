"""What the demo tells while it runs: the span it compresses (simulated minutes, speed, real
time) and a status line of the traffic so far, so a newcomer watching the wallboard knows how
far the run is and why the queues are busy."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from vero.cli.demo.api import Api
from vero.cli.demo.callers import Ledger
from vero.kernel.language import Language

TICKS = 10  # status lines over the whole span


@dataclass(frozen=True)
class Span:
    """`minutes` of simulated traffic played `speed` times faster."""

    minutes: float
    speed: float
    words: Language

    @property
    def real_seconds(self) -> float:
        return self.minutes * 60 / self.speed

    def text(self) -> str:
        """'3 simulated minutes at 60× = 3 s of real time' in the chosen language."""
        return self.words.text(
            "demo.span",
            minutes=self.words.number(self.minutes, 0 if self.minutes % 1 == 0 else 1),
            speed=self.words.number(self.speed, 0 if self.speed % 1 == 0 else 1),
            real=self.words.duration(self.real_seconds),
        )

    def ticks(self) -> Iterator[float]:
        """The simulated minutes at which a status line is due: every tenth of the span, at
        least every simulated minute apart, the last one at its end."""
        step = max(self.minutes / TICKS, min(1.0, self.minutes))
        k = 1
        while k * step < self.minutes - 1e-9:
            yield k * step
            k += 1
        yield self.minutes


@dataclass(frozen=True)
class Status:
    """The one-line status: simulated clock, contacts started, contacts waiting in the queues
    now (the router's live figure, as the wallboard shows it)."""

    supervisor: Api
    ledger: Ledger
    run: Span

    def line(self, minute: float) -> str:
        words = self.run.words
        return words.text(
            "demo.status",
            clock=clock(minute),
            span=clock(self.run.minutes),
            contacts=len(self.ledger.tasks),
            waiting=self.waiting(),
        )

    def waiting(self) -> int:
        queues = self.supervisor.call("GET", "/api/queues")["queues"]
        return sum(q["live"]["waiting"] for q in queues.values())


def clock(minutes: float) -> str:
    """Simulated minutes as m:ss (h:mm:ss from an hour on)."""
    whole = round(minutes * 60)
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"
