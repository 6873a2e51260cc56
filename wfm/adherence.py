"""Schedule adherence and conformance of one agent's day: the published roster against the state
the agent actually showed (pure: no I/O; times are epoch seconds).

The definitions are the ones NICE IEX and Verint use:
- **adherence** = time in adherence ÷ scheduled time. Scheduled time is the shift, breaks
  included. A moment counts as in adherence when the agent does what the schedule says: on a
  scheduled work period logged in and working (available, busy on a contact or in wrap-up); on a
  scheduled break, on break. *When* the work is done matters.
- **conformance** = time worked ÷ scheduled work time: worked is every logged-in working moment
  of the day, scheduled or not; scheduled work is the shift less its breaks. *How much* is
  worked matters, not when; it can pass 100 % (overtime, a short break).
- an **exception** is a stretch in which the agent does something other than scheduled, with
  its minutes: a break taken during work, offline during the shift, logged in on a day off or
  after the shift. Exceptions outside the scheduled time do not lower adherence (its
  denominator is the schedule) but are still shown to the supervisor.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

WORK, BREAK, OFF = "work", "break", "off"  # scheduled activities
WORKING = frozenset({"available", "busy", "wrap-up"})  # actual states that are work
OFFLINE = "offline"
GOAL = 0.9  # the usual adherence goal of contact centres (NICE, Verint dashboards)


@dataclass(frozen=True)
class Activity:
    """One scheduled period: work or break, [start, end)."""

    start: float
    end: float
    kind: str


@dataclass(frozen=True)
class Segment:
    """One stretch of an actual state, [start, end)."""

    start: float
    end: float
    state: str


@dataclass(frozen=True)
class OutOfAdherence:
    """A stretch out of adherence: what was scheduled, what the agent did."""

    start: float
    end: float
    scheduled: str
    state: str

    @property
    def minutes(self) -> float:
        return (self.end - self.start) / 60


@dataclass(frozen=True)
class Day:
    scheduled_seconds: float
    in_adherence_seconds: float
    scheduled_work_seconds: float
    worked_seconds: float
    exceptions: tuple[OutOfAdherence, ...]

    @property
    def adherence(self) -> float | None:
        """None on a day with nothing scheduled."""
        if self.scheduled_seconds <= 0:
            return None
        return self.in_adherence_seconds / self.scheduled_seconds

    @property
    def conformance(self) -> float | None:
        if self.scheduled_work_seconds <= 0:
            return None
        return self.worked_seconds / self.scheduled_work_seconds


def shift(
    start: float, end: float, break_start: float | None = None, break_end: float | None = None
) -> tuple[Activity, ...]:
    """A roster shift as activities: work, break, work (a shift without a break: work)."""
    if break_start is None or break_end is None or not start <= break_start < break_end <= end:
        return (Activity(start, end, WORK),)
    parts = (
        Activity(start, break_start, WORK),
        Activity(break_start, break_end, BREAK),
        Activity(break_end, end, WORK),
    )
    return tuple(p for p in parts if p.end > p.start)


def scheduled_at(schedule: Sequence[Activity], moment: float) -> str:
    """The activity scheduled at `moment`: work, break or off."""
    return next((a.kind for a in schedule if a.start <= moment < a.end), OFF)


def state_at(segments: Sequence[Segment], moment: float) -> str:
    """The actual state at `moment` (offline where no segment says otherwise)."""
    return next((s.state for s in segments if s.start <= moment < s.end), OFFLINE)


def adheres(scheduled: str, state: str) -> bool:
    if scheduled == WORK:
        return state in WORKING
    if scheduled == BREAK:
        return state == "break"
    return state == OFFLINE or state == "break"  # off: not working is right


def evaluate(
    schedule: Sequence[Activity], segments: Sequence[Segment], start: float, end: float
) -> Day:
    """Adherence, conformance and exceptions over [start, end) (a day, or the day so far)."""
    cuts = {start, end}
    for a, b in [(x.start, x.end) for x in schedule] + [(x.start, x.end) for x in segments]:
        cuts.update(t for t in (a, b) if start < t < end)
    edges = sorted(cuts)
    scheduled = in_adherence = scheduled_work = worked = 0.0
    exceptions: list[OutOfAdherence] = []
    for a, b in zip(edges, edges[1:], strict=False):
        length = b - a
        planned, actual = scheduled_at(schedule, a), state_at(segments, a)
        if planned != OFF:
            scheduled += length
        if planned == WORK:
            scheduled_work += length
        if actual in WORKING:
            worked += length
        if adheres(planned, actual):
            if planned != OFF:
                in_adherence += length
            continue
        last = exceptions[-1] if exceptions else None
        if last and last.end == a and (last.scheduled, last.state) == (planned, actual):
            exceptions[-1] = OutOfAdherence(last.start, b, planned, actual)
        else:
            exceptions.append(OutOfAdherence(a, b, planned, actual))
    return Day(scheduled, in_adherence, scheduled_work, worked, tuple(exceptions))


def minutes_out(exceptions: Sequence[OutOfAdherence], now: float) -> float:
    """How long the agent has been out of adherence without a break in it, up to `now` (0 when
    in adherence now): the figure real-time adherence shows."""
    since = now
    for item in reversed(exceptions):
        if item.end != since:
            break
        since = item.start
    return (now - since) / 60


def timeline(
    changes: Iterable[Mapping[str, str]], start: float, end: float
) -> dict[str, list[Segment]]:
    """Segments per agent within [start, end) from state-change rows (agent_id, state,
    started_at ISO; VERO_DATA_DIR/agent_states): each state lasts until the agent's next change."""
    by_agent: dict[str, dict[float, str]] = {}
    for row in changes:
        at = dt.datetime.fromisoformat(row["started_at"]).timestamp()
        by_agent.setdefault(row["agent_id"], {})[at] = row["state"]
    result: dict[str, list[Segment]] = {}
    for agent_id, states in by_agent.items():
        moments = sorted(states)
        result[agent_id] = [
            Segment(max(a, start), min(b, end), states[a])
            for a, b in zip(moments, [*moments[1:], end], strict=True)
            if min(b, end) > max(a, start)
        ]
    return result
