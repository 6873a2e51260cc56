"""The SimPy twin: contacts arrive, wait, abandon or are answered, and every routing decision is
taken by `MemoryRouter`, the same policy the live router applies. No file I/O here.

A contact's handle time is all the time it takes of its agent, wrap-up included, as Vero's
contact records measure it (`telephony/routing/contact_log.py`) and as staffing counts the AHT:
the agent talks for the handle time less the queue's wrap-up, then wraps up.

An agent whose shift ends stops taking contacts but finishes (and wraps up) those in hand, and
the overrun counts as logged-in time. When the centre closes (`Closing`), the contacts still
queued are served by the agents on shift, who stay until none is left for them (`serve`, what
most centres do), or are ended by the centre (`abandon`); a re-dial while closed never enters.

Times are seconds from the start of the simulation; the router sees them rounded to the
millisecond, as the live router stores them, so a recorded run replays exactly.
"""

from __future__ import annotations

import gc
import math
from dataclasses import dataclass, field
from typing import Literal, cast

import numpy as np
import simpy

from simulations.arrivals import (
    CustomerClass,
    HandleTimes,
    Series,
    draw_arrivals,
    mean_patience,
    streams,
)
from simulations.staff import Profile, Shift
from telephony.routing.errors import RoutingError
from telephony.routing.policy.memory import MemoryRouter
from telephony.routing.policy.records import AgentState, Reservation
from vero.kernel.centre import Centre

ClosingPolicy = Literal["serve", "abandon"]


@dataclass(frozen=True)
class Closing:
    """The centre's closed spans, (from, to) seconds from the start of the simulation, and
    what happens to contacts still queued when one begins: `serve` (the agents on shift
    answer them before logging off) or `abandon` (the centre ends them: counted abandoned)."""

    policy: ClosingPolicy = "serve"
    closed: tuple[tuple[float, float], ...] = ()

    def is_closed(self, at: float) -> bool:
        return any(start <= at < end for start, end in self.closed)


@dataclass(frozen=True)
class Behaviour:
    """How callers and agents behave. `patience`: mean seconds a caller waits before hanging up
    (exponential), per channel; a channel not listed never abandons. `accept_delay`: seconds
    from an offer to the agent accepting it, per channel. `callbacks`: a caller offered a
    callback by the queue's fallback takes it and stops abandoning. Abandoned callers re-dial
    with `redial_probability` after an exponential delay of mean `redial_seconds`. `classes`:
    customer classes with their share, priority and patience (none: one class, priority 0).
    `closing`: when the centre closes and what happens then (no spans: it never closes)."""

    handle: HandleTimes = HandleTimes()
    patience: dict[str, float] = field(default_factory=dict)
    accept_delay: dict[str, float] = field(default_factory=lambda: {"voice": 2.0})
    callbacks: bool = False
    redial_probability: float = 0.0
    redial_seconds: float = 300.0
    classes: tuple[CustomerClass, ...] = ()
    closing: Closing = Closing()


@dataclass(frozen=True)
class Outcome:
    """What happened in one run. Per contact: arrival, series index, answer and abandon times
    (nan when it did not happen), customer class (index into `classes`; all 0 without).
    Per staffing group and bin: work done (handle and wrap-up seconds, a concurrent task
    counting 1/capacity) and logged-in seconds."""

    arrival: np.ndarray
    series: np.ndarray
    answered: np.ndarray
    abandoned: np.ndarray
    groups: tuple[str, ...]
    workload: np.ndarray
    staffed: np.ndarray
    bin_seconds: float
    customer_class: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    classes: tuple[str, ...] = ()


class Twin:
    """One replication. Build it, then `run(until)`, which returns its `Outcome`."""

    def __init__(
        self,
        centre: Centre,
        demand: list[Series],
        shifts: list[Shift],
        profiles: dict[str, Profile],
        behaviour: Behaviour,
        seed: np.random.SeedSequence,
        *,
        bin_seconds: float = 1800.0,
        router: MemoryRouter | None = None,
    ) -> None:
        self.centre = centre
        self.demand = demand
        self.behaviour = behaviour
        self.router = router if router is not None else MemoryRouter(centre)
        self.env = simpy.Environment()
        self.rngs = streams(seed)
        arrivals = draw_arrivals(
            demand, behaviour.handle, behaviour.patience, self.rngs, behaviour.classes
        )
        self.arrival = arrivals.time.tolist()
        self._drawn = len(self.arrival)  # re-dials are appended after the drawn arrivals
        self.series = arrivals.series.tolist()
        self.handle = arrivals.handle.tolist()
        self.patience = arrivals.patience.tolist()
        self.customer_class = arrivals.customer_class.tolist()
        self._priority = [c.priority for c in behaviour.classes] or [0]
        self.answered = [math.nan] * len(self.arrival)
        self.abandoned = [math.nan] * len(self.arrival)
        self._wake_at = math.inf
        self.bin_seconds = bin_seconds
        horizon = max([s.start + s.length for s in demand] + [s.end for s in shifts] + [0.0])
        self.groups = tuple(sorted({s.group for s in shifts}))
        self.n_bins = int(math.ceil(horizon / bin_seconds)) + 1
        # (group row, start, end, weight) spans, spread over the bins once, when the run ends
        self._work: list[tuple[int, float, float, float]] = []
        self._staffed: list[tuple[int, float, float, float]] = []
        self._wrap = {name: queue.wrap_up_seconds for name, queue in centre.queues.items()}
        self._group_of: dict[str, int] = {}
        # agents past their shift's end, finishing what they hold: agent -> (group row, end)
        self._leaving: dict[str, tuple[int, float]] = {}
        self._profiles = profiles
        for shift in shifts:
            self._schedule_shift(shift)
        if behaviour.closing.policy == "abandon":
            for start, _ in behaviour.closing.closed:
                self.env.timeout(start).callbacks.append(self._close)
        self._schedule_arrival(0)

    # --- setup ----------------------------------------------------------------------------

    def _schedule_shift(self, shift: Shift) -> None:
        group = self.groups.index(shift.group)
        moves = [(shift.start, "available"), (shift.end, "offline")]
        if shift.break_start is not None and shift.break_end is not None:
            moves += [(shift.break_start, "break"), (shift.break_end, "available")]
            self._staffed += [
                (group, shift.start, shift.break_start, 1.0),
                (group, shift.break_end, shift.end, 1.0),
            ]
        else:
            self._staffed.append((group, shift.start, shift.end, 1.0))
        for at, state in moves:
            event = self.env.timeout(at, value=(shift.agent, group, state))
            event.callbacks.append(self._agent_move)

    def _schedule_arrival(self, index: int) -> None:
        """One pending arrival at a time, as a plain timeout whose callback books the next (no
        SimPy process to resume per contact); re-dials are booked apart."""
        if index < self._drawn:
            self.env.timeout(self.arrival[index] - self.env.now, value=index).callbacks.append(
                self._next_arrival
            )

    def _next_arrival(self, event: simpy.Event) -> None:
        index = cast(int, event.value)
        self._arrive(index)
        self._schedule_arrival(index + 1)

    # --- events ---------------------------------------------------------------------------

    def _now(self) -> float:
        return round(self.env.now, 3)

    def _agent_move(self, event: simpy.Event) -> None:
        agent, group, state = cast(tuple[str, int, AgentState], event.value)
        now = self._now()
        offers: list[Reservation] = []
        if agent not in self.router.agents:
            profile = self._profiles[agent]
            offers += self.router.upsert_agent(
                agent, profile.skills, profile.languages, profile.capacity, now
            ).offers
        if state == "available":
            self._group_of[agent] = group
            self._end_overrun(agent, now)  # a shift starting where the last one ended
        elif state == "offline" and self.router.agents[agent].tasks:
            self._leaving[agent] = (group, now)
            if self.behaviour.closing.policy == "serve" and self.behaviour.closing.is_closed(now):
                self._dispatch(offers, now)  # stays available: serves the queue left at closing
                return
        offers += self.router.set_agent_state(
            agent, state, "break" if state == "break" else "", now
        )
        self._dispatch(offers, now)

    def _arrive(self, index: int) -> None:
        series = self.demand[self.series[index]]
        now = self._now()
        priority = self._priority[self.customer_class[index]]
        offers = self.router.enqueue(
            f"c{index}", series.channel, series.queue, series.language, priority, now
        )
        patience = self.patience[index]
        if patience < math.inf:
            self.env.timeout(patience, value=index).callbacks.append(self._give_up)
        self._dispatch(offers, now)

    def _dispatch(self, offers: list[Reservation], now: float) -> None:
        """Agents accept each offer after their delay; then the router's next timer is armed.
        `now` is `_now()`, worked out once per event by the caller."""
        delays = self.behaviour.accept_delay
        for offer in offers:
            delay = delays.get(self.router.tasks[offer.task].channel, 0.0) if delays else 0.0
            if delay > 0:
                self.env.timeout(delay, value=offer).callbacks.append(self._accept_later)
            else:
                self._accept(offer, now)
        due = self.router.next_timer()
        if due is not None and due < self._wake_at:
            self._wake_at = due
            self.env.timeout(max(due - self.env.now, 0.0), value=due).callbacks.append(self._wake)
        if self._leaving:
            for agent in [a for a in self._leaving if not self.router.agents[a].tasks]:
                self._left(agent, now)

    def _end_overrun(self, agent: str, now: float) -> None:
        """The time an agent worked past the shift's end counts as logged in."""
        if agent in self._leaving:
            group, end = self._leaving.pop(agent)
            self._staffed.append((group, end, now, 1.0))

    def _left(self, agent: str, now: float) -> None:
        """An agent past the shift's end holds nothing more; one still serving the closing
        queue logs off (holding nothing, no offer goes back to a queue)."""
        self._end_overrun(agent, now)
        if self.router.agents[agent].state == "available":
            self.router.set_agent_state(agent, "offline", "", now)

    def _accept_later(self, event: simpy.Event) -> None:
        now = self._now()
        self._accept(cast(Reservation, event.value), now)
        self._dispatch([], now)

    def _accept(self, offer: Reservation, now: float) -> None:
        try:
            task = self.router.accept(offer.offer, now)
        except RoutingError:  # withdrawn meanwhile: the caller hung up or the agent left
            return
        index = int(task.id[1:])
        self.answered[index] = now
        wrap = self._wrap[task.queue]
        talk = max(self.handle[index] - wrap, 0.0)  # the handle time includes the wrap-up
        share = 1.0 / self.router.agents[task.agent].capacity[task.channel]
        self._work.append((self._group_of[task.agent], now, now + talk + wrap, share))
        self.env.timeout(talk, value=task.id).callbacks.append(self._hang_up)

    def _hang_up(self, event: simpy.Event) -> None:
        now = self._now()
        self._dispatch(self.router.complete(cast(str, event.value), now), now)

    def _give_up(self, event: simpy.Event) -> None:
        index = cast(int, event.value)
        task = self.router.tasks[f"c{index}"]
        if task.state not in ("queued", "reserved"):
            return
        if self.behaviour.callbacks and task.fallback == "callback":
            return  # took the callback: keeps the place in the queue without holding on
        now = self._now()
        self.abandoned[index] = now
        offers = self.router.cancel(task.id, "abandoned", now)
        if self.rngs["redial"].random() < self.behaviour.redial_probability:
            self.env.timeout(
                self.rngs["redial"].exponential(self.behaviour.redial_seconds), value=index
            ).callbacks.append(self._redial)
        self._dispatch(offers, now)

    def _redial(self, event: simpy.Event) -> None:
        """The same caller again: a new contact of the same series and class, the same handle
        time and a fresh patience; the IVR turns a re-dial away while the centre is closed."""
        first = event.value
        if self.behaviour.closing.is_closed(self.env.now):
            return
        self.arrival.append(self.env.now)
        self.series.append(self.series[first])
        self.handle.append(self.handle[first])
        self.customer_class.append(self.customer_class[first])
        channel = self.demand[self.series[first]].channel
        behaviour = self.behaviour
        mean = mean_patience(
            channel, behaviour.patience, behaviour.classes, self.customer_class[first]
        )
        self.patience.append(mean * self.rngs["redial"].standard_exponential())
        self.answered.append(math.nan)
        self.abandoned.append(math.nan)
        self._arrive(len(self.arrival) - 1)

    def _close(self, event: simpy.Event) -> None:
        """Closing under the `abandon` policy: every contact still waiting is ended, except
        those already offered to an agent (answered) and callbacks taken (kept for later)."""
        now = self._now()
        for task in list(self.router.queued):
            if self.behaviour.callbacks and self.router.tasks[task].fallback == "callback":
                continue
            self.abandoned[int(task[1:])] = now
            self.router.cancel(task, "abandoned", now)
        self._dispatch([], now)

    def _wake(self, event: simpy.Event) -> None:
        if event.value != self._wake_at:
            return  # superseded by an earlier timer that re-armed
        self._wake_at = math.inf
        self._dispatch(self.router.tick(event.value), self._now())

    # --- accounting -----------------------------------------------------------------------

    def _spread(self, spans: list[tuple[int, float, float, float]]) -> np.ndarray:
        """Seconds per (group, bin) of (group, start, end, weight) spans: weight x the seconds of
        [start, end) in each bin it overlaps; the last bin takes whatever runs past it."""
        table = np.zeros((len(self.groups), self.n_bins))
        if not spans:
            return table
        row, start, end, weight = np.array(spans, dtype=float).T
        row, size, last = row.astype(int), self.bin_seconds, self.n_bins - 1
        b = (start // size).astype(int)
        live = (start < end) & (b <= last)
        while live.any():  # one pass per bin boundary crossed
            r, s, e, w, k = row[live], start[live], end[live], weight[live], b[live]
            stop = np.where(k < last, np.minimum(e, (k + 1) * size), e)
            np.add.at(table, (r, k), w * (stop - s))
            start[live], b[live] = stop, k + 1
            live = (start < end) & (b <= last)
        return table

    # --- running --------------------------------------------------------------------------

    def run(self, until: float) -> Outcome:
        """Simulate up to `until` seconds and return what happened. The cyclic garbage collector
        is paused meanwhile: the run makes millions of short-lived acyclic objects (freed by
        reference counting anyway) and keeps every finished task, which the collector would
        rescan again and again for nothing (a tenth of the run time)."""
        collecting = gc.isenabled()
        gc.disable()
        try:
            self.env.run(until=until)
        finally:
            if collecting:
                gc.enable()
        return Outcome(
            np.asarray(self.arrival),
            np.asarray(self.series, dtype=int),
            np.asarray(self.answered),
            np.asarray(self.abandoned),
            self.groups,
            self._spread(self._work),
            self._spread(self._staffed),
            self.bin_seconds,
            np.asarray(self.customer_class, dtype=int),
            tuple(c.name for c in self.behaviour.classes),
        )
