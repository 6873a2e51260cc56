"""The SimPy twin: contacts arrive, wait, abandon or are answered, and every routing decision is
taken by `MemoryRouter`, the same policy the live router applies. No file I/O here.

Times are seconds from the start of the simulation; the router sees them rounded to the
millisecond, as the live router stores them, so a recorded run replays exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import simpy

from simulations.arrivals import HandleTimes, Series, draw_arrivals, streams
from simulations.staff import Profile, Shift
from telephony.routing.errors import RoutingError
from telephony.routing.policy.memory import MemoryRouter
from telephony.routing.policy.records import Reservation
from vero.centre import Centre


@dataclass(frozen=True)
class Behaviour:
    """How callers and agents behave. `patience`: mean seconds a caller waits before hanging up
    (exponential), per channel; a channel not listed never abandons. `accept_delay`: seconds
    from an offer to the agent accepting it, per channel. `callbacks`: a caller offered a
    callback by the queue's fallback takes it and stops abandoning. Abandoned callers re-dial
    with `redial_probability` after an exponential delay of mean `redial_seconds`."""

    handle: HandleTimes = HandleTimes()
    patience: dict[str, float] = field(default_factory=dict)
    accept_delay: dict[str, float] = field(default_factory=lambda: {"voice": 2.0})
    callbacks: bool = False
    redial_probability: float = 0.0
    redial_seconds: float = 300.0


@dataclass(frozen=True)
class Outcome:
    """What happened in one run. Per contact: arrival, series index, answer and abandon times
    (nan when it did not happen). Per staffing group and bin: work done (handle and wrap-up
    seconds, a concurrent task counting 1/capacity) and logged-in seconds."""

    arrival: np.ndarray
    series: np.ndarray
    answered: np.ndarray
    abandoned: np.ndarray
    groups: tuple[str, ...]
    workload: np.ndarray
    staffed: np.ndarray
    bin_seconds: float


class Twin:
    """One replication. Build it, then `run(until)`; read `outcome()`."""

    def __init__(self, centre: Centre, demand: list[Series], shifts: list[Shift],
                 profiles: dict[str, Profile], behaviour: Behaviour,
                 seed: np.random.SeedSequence, *, bin_seconds: float = 1800.0,
                 router: MemoryRouter | None = None) -> None:
        self.centre = centre
        self.demand = demand
        self.behaviour = behaviour
        self.router = router if router is not None else MemoryRouter(centre)
        self.env = simpy.Environment()
        self.rngs = streams(seed)
        arrivals = draw_arrivals(demand, behaviour.handle, behaviour.patience, self.rngs)
        self.arrival = arrivals.time.tolist()
        self.series = arrivals.series.tolist()
        self.handle = arrivals.handle.tolist()
        self.patience = arrivals.patience.tolist()
        self.answered = [math.nan] * len(self.arrival)
        self.abandoned = [math.nan] * len(self.arrival)
        self._wake_at = math.inf
        self.bin_seconds = bin_seconds
        horizon = max([s.start + s.length for s in demand] + [s.end for s in shifts] + [0.0])
        self.groups = tuple(sorted({s.group for s in shifts}))
        n_bins = int(math.ceil(horizon / bin_seconds)) + 1
        self.workload = np.zeros((len(self.groups), n_bins))
        self.staffed = np.zeros((len(self.groups), n_bins))
        self._group_of: dict[str, int] = {}
        self._profiles = profiles
        for shift in shifts:
            self._schedule_shift(shift)
        self.env.process(self._arrival_process(len(self.arrival)))

    # --- setup ----------------------------------------------------------------------------

    def _schedule_shift(self, shift: Shift) -> None:
        group = self.groups.index(shift.group)
        moves = [(shift.start, "available"), (shift.end, "offline")]
        if shift.break_start is not None and shift.break_end is not None:
            moves += [(shift.break_start, "break"), (shift.break_end, "available")]
            self._spread(self.staffed, group, shift.start, shift.break_start, 1.0)
            self._spread(self.staffed, group, shift.break_end, shift.end, 1.0)
        else:
            self._spread(self.staffed, group, shift.start, shift.end, 1.0)
        for at, state in moves:
            event = self.env.timeout(at, value=(shift.agent, group, state))
            event.callbacks.append(self._agent_move)

    def _arrival_process(self, count: int):
        env, arrival = self.env, self.arrival
        for index in range(count):
            yield env.timeout(arrival[index] - env.now)
            self._arrive(index)

    # --- events ---------------------------------------------------------------------------

    def _now(self) -> float:
        return round(self.env.now, 3)

    def _agent_move(self, event: simpy.Event) -> None:
        agent, group, state = event.value
        now = self._now()
        offers: list[Reservation] = []
        if agent not in self.router.agents:
            profile = self._profiles[agent]
            offers += self.router.upsert_agent(agent, profile.skills, profile.languages,
                                               profile.capacity, now)
        if state == "available":
            self._group_of[agent] = group
        offers += self.router.set_agent_state(agent, state, "break" if state == "break" else "",
                                              now)
        self._dispatch(offers)

    def _arrive(self, index: int) -> None:
        series = self.demand[self.series[index]]
        offers = self.router.enqueue(f"c{index}", series.channel, series.queue, series.language,
                                     0, self._now())
        patience = self.patience[index]
        if patience < math.inf:
            self.env.timeout(patience, value=index).callbacks.append(self._give_up)
        self._dispatch(offers)

    def _dispatch(self, offers: list[Reservation]) -> None:
        """Agents accept each offer after their delay; then the router's next timer is armed."""
        delays = self.behaviour.accept_delay
        for offer in offers:
            channel = self.router.tasks[offer.task].channel
            delay = delays.get(channel, 0.0)
            if delay > 0:
                self.env.timeout(delay, value=offer).callbacks.append(self._accept_later)
            else:
                self._accept(offer)
        due = self.router.next_timer()
        if due is not None and due < self._wake_at:
            self._wake_at = due
            self.env.timeout(max(due - self.env.now, 0.0), value=due).callbacks.append(self._wake)

    def _accept_later(self, event: simpy.Event) -> None:
        self._accept(event.value)
        self._dispatch([])

    def _accept(self, offer: Reservation) -> None:
        now = self._now()
        try:
            task = self.router.accept(offer.offer, now)
        except RoutingError:  # withdrawn meanwhile: the caller hung up or the agent left
            return
        index = int(task.id[1:])
        self.answered[index] = now
        handle = self.handle[index]
        wrap = self.centre.queues[task.queue].wrap_up_seconds
        share = 1.0 / self.router.agents[task.agent].capacity[task.channel]
        self._spread(self.workload, self._group_of[task.agent], now, now + handle + wrap, share)
        self.env.timeout(handle, value=task.id).callbacks.append(self._hang_up)

    def _hang_up(self, event: simpy.Event) -> None:
        self._dispatch(self.router.complete(event.value, self._now()))

    def _give_up(self, event: simpy.Event) -> None:
        index = event.value
        task = self.router.tasks[f"c{index}"]
        if task.state not in ("queued", "reserved"):
            return
        if self.behaviour.callbacks and task.fallback == "callback":
            return  # took the callback: keeps the place in the queue without holding on
        now = self._now()
        self.abandoned[index] = now
        offers = self.router.cancel(task.id, "abandoned", now)
        if self.rngs["redial"].random() < self.behaviour.redial_probability:
            self.env.timeout(self.rngs["redial"].exponential(self.behaviour.redial_seconds),
                             value=index).callbacks.append(self._redial)
        self._dispatch(offers)

    def _redial(self, event: simpy.Event) -> None:
        """The same caller again: a new contact of the same series, the same handle time and a
        fresh patience."""
        first = event.value
        self.arrival.append(self.env.now)
        self.series.append(self.series[first])
        self.handle.append(self.handle[first])
        mean = self.behaviour.patience[self.demand[self.series[first]].channel]
        self.patience.append(mean * self.rngs["redial"].standard_exponential())
        self.answered.append(math.nan)
        self.abandoned.append(math.nan)
        self._arrive(len(self.arrival) - 1)

    def _wake(self, event: simpy.Event) -> None:
        if event.value != self._wake_at:
            return  # superseded by an earlier timer that re-armed
        self._wake_at = math.inf
        self._dispatch(self.router.tick(event.value))

    # --- accounting -----------------------------------------------------------------------

    def _spread(self, table: np.ndarray, row: int, start: float, end: float,
                weight: float) -> None:
        """Add `weight` x the seconds of [start, end) to the bins they fall in."""
        size = self.bin_seconds
        last = table.shape[1] - 1
        b = int(start // size)
        while start < end and b <= last:
            stop = min(end, (b + 1) * size) if b < last else end
            table[row, b] += weight * (stop - start)
            start, b = stop, b + 1

    # --- running --------------------------------------------------------------------------

    def run(self, until: float) -> Outcome:
        """Simulate up to `until` seconds and return what happened."""
        self.env.run(until=until)
        return Outcome(np.asarray(self.arrival), np.asarray(self.series, dtype=int),
                       np.asarray(self.answered), np.asarray(self.abandoned), self.groups,
                       self.workload, self.staffed, self.bin_seconds)
