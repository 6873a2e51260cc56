"""The whole router as an in-memory state machine: the reference the Redis router must match and
the engine the simulation twin runs.

Every operation takes `now` and returns the reservations (offers) it made, in order. Timers
(offer expiry, step timeouts, end of wrap-up) fire in `tick(now)` in (due time, name) order,
exactly as the Redis router processes its timer set.
"""

from __future__ import annotations

import heapq
from typing import TypeVar

from telephony.routing.errors import RoutingError
from telephony.routing.policy import rules
from telephony.routing.policy.records import Agent, Reservation, Task
from vero.centre import Centre

_Record = TypeVar("_Record", Agent, Task)


def replace(record: _Record, **changes) -> _Record:
    """`dataclasses.replace` without re-running `__init__` (the records validate nothing there):
    the simulation twin calls this several times per contact, and this is ten times faster."""
    fields = record.__dict__ | changes
    if len(fields) != len(record.__dict__):  # an unknown name adds a key
        raise TypeError(f"unknown fields {sorted(changes.keys() - record.__dict__.keys())}")
    copy = object.__new__(type(record))
    object.__setattr__(copy, "__dict__", fields)  # frozen: bypass its guard
    return copy


_BLANK_TASK = Task("", "", "", "", 0, 0.0, 0.0)  # new tasks are copies: cheaper than frozen init


class _Agents(dict[str, Agent]):
    """Agents by id, indexing those who could take some task now (available, room left on a
    channel) in `free`, and again in `alike`: agents with the same skills, languages, capacity
    and load decide every match alike, so each such kind keeps a heap in (idle_since, id) order
    and matching looks at one agent per kind. Stale heap entries are skipped when they surface.
    An agent's profile (skills, languages, capacity) is keyed once per profile change, and
    whether a kind has room is worked out once per kind: only the load changes per task.
    """

    def __init__(self, centre: Centre) -> None:
        super().__init__()
        self.centre = centre
        self.free: dict[str, tuple] = {}  # agent id -> (kind, idle_since)
        self.alike: dict[tuple, list[tuple[float, str]]] = {}
        self._profiles: dict[str, tuple] = {}  # agent id -> (skills, languages, capacity, key)
        self._room: dict[tuple, bool] = {}  # kind -> room left on some channel
        self._fits: dict[tuple, bool] = {}  # (kind, need, channel) -> can take such a task

    def __setitem__(self, agent_id: str, agent: Agent) -> None:
        dict.__setitem__(self, agent_id, agent)  # faster than super() on this hot path
        if agent.state != "available":
            self.free.pop(agent_id, None)
            return
        profile = self._profiles.get(agent_id)
        if (profile is None or profile[0] is not agent.skills or profile[1] is not agent.languages
                or profile[2] is not agent.capacity):
            profile = self._profiles[agent_id] = self._profile(agent)
        kind = (profile[3], frozenset(agent.load.items()))
        room = self._room.get(kind)
        if room is None:
            room = self._room[kind] = any(
                ch in self.centre.channels
                and rules.has_room(self.centre, agent.capacity, agent.load, ch)
                for ch in agent.capacity)
        if not room:
            self.free.pop(agent_id, None)
        elif self.free.get(agent_id) != (kind, agent.idle_since):
            self.free[agent_id] = (kind, agent.idle_since)
            heap = self.alike.get(kind)
            if heap is None:
                heap = self.alike[kind] = []
            heapq.heappush(heap, (agent.idle_since, agent_id))

    @staticmethod
    def _profile(agent: Agent) -> tuple:
        """(skills, languages, capacity, hashable key of the three). Records share these objects
        from copy to copy, so the key is rebuilt only when the profile itself is replaced."""
        key = (frozenset(agent.skills.items()), agent.languages, frozenset(agent.capacity.items()))
        return agent.skills, agent.languages, agent.capacity, key

    def first_of_each_kind(self) -> list[str]:
        """The longest-idle free agent (ties: lowest id) of every kind."""
        firsts = []
        for kind, heap in list(self.alike.items()):
            while heap and self.free.get(heap[0][1]) != (kind, heap[0][0]):
                heapq.heappop(heap)
            if heap:
                firsts.append(heap[0][1])
            else:
                del self.alike[kind]
        return firsts

    def can_take(self, agent_id: str, need: tuple[str, int, str], channel: str) -> bool:
        """Whether an agent can take a task with this requirement on this channel now: only a
        free agent can, and the answer is the same for its whole kind, so it is worked out once."""
        entry = self.free.get(agent_id)
        if entry is None:
            return False
        key = (entry[0], need, channel)
        fits = self._fits.get(key)
        if fits is None:
            agent = self[agent_id]
            # meets first: it is the cheaper test and rejects most agents in a multi-skill centre
            fits = self._fits[key] = (
                rules.meets(agent.skills, agent.languages, need)
                and rules.has_room(self.centre, agent.capacity, agent.load, channel))
        return fits


class _Tasks(dict[str, Task]):
    """Tasks by id (finished ones stay), indexing in `queued` the ids of the waiting ones."""

    def __init__(self) -> None:
        super().__init__()
        self.queued: set[str] = set()

    def __setitem__(self, task_id: str, task: Task) -> None:
        dict.__setitem__(self, task_id, task)
        if task.state == "queued":
            self.queued.add(task_id)
        else:
            self.queued.discard(task_id)


class _Timers(dict[str, float]):
    """Timer name -> due time, with a heap of (due, name) so the next timer is found without a
    scan. Heap entries whose name was since removed or re-set are skipped when they surface."""

    def __init__(self) -> None:
        super().__init__()
        self.heap: list[tuple[float, str]] = []

    def __setitem__(self, name: str, at: float) -> None:
        dict.__setitem__(self, name, at)
        heapq.heappush(self.heap, (at, name))

    def first(self) -> tuple[float, str] | None:
        """The (due, name) that comes next in (due time, name) order, if any."""
        heap = self.heap
        while heap and self.get(heap[0][1]) != heap[0][0]:
            heapq.heappop(heap)
        return heap[0] if heap else None


class MemoryRouter:
    def __init__(self, centre: Centre) -> None:
        self.centre = centre
        self.agents = _Agents(centre)
        self.tasks = _Tasks()
        self.timers = _Timers()
        self._needs: dict[tuple[str, int, str], tuple[str, int, str]] = {}

    # --- agents ---------------------------------------------------------------------------

    def upsert_agent(self, agent_id: str, skills: dict[str, int], languages: tuple[str, ...],
                     capacity: dict[str, int], now: float) -> list[Reservation]:
        old = self.agents.get(agent_id)
        if old is None:
            self.agents[agent_id] = Agent(agent_id, dict(skills), tuple(languages), dict(capacity),
                                          since=now, idle_since=now)
            return []
        self.agents[agent_id] = replace(old, skills=dict(skills), languages=tuple(languages),
                                        capacity=dict(capacity))
        return self._agent_ready(agent_id, now)

    def set_agent_state(self, agent_id: str, state: str, reason: str,
                        now: float) -> list[Reservation]:
        agent = self._agent(agent_id)
        changed = state != agent.state
        agent = replace(agent, state=state, reason=reason if state == "break" else "",
                        since=now if changed else agent.since,
                        idle_since=now if changed and state == "available" else agent.idle_since,
                        missed=0 if state == "available" else agent.missed)
        self.agents[agent_id] = agent
        if state == "available":
            return self._agent_ready(agent_id, now)
        offers: list[Reservation] = []
        for task_id in agent.tasks:  # pending offers go back to their queues
            if self.tasks[task_id].state == "reserved":
                offers += self._return_offer(self.tasks[task_id], now, missed=False)
        return offers

    # --- tasks ----------------------------------------------------------------------------

    def enqueue(self, task_id: str, channel: str, queue: str, language: str, priority: int,
                now: float, created: float | None = None,
                attributes: dict[str, str] | None = None) -> list[Reservation]:
        if task_id in self.tasks:
            raise RoutingError("exists", f"task {task_id} exists")
        task = replace(_BLANK_TASK, id=task_id, channel=channel, queue=queue, language=language,
                       priority=priority, created=now if created is None else created,
                       entered=now, origin_queue=queue, attributes=dict(attributes or {}))
        task = self._enter_step(task, 0, now)
        self.tasks[task_id] = task
        return self._match_task(task_id, now)

    def accept(self, offer_id: str, now: float) -> Task:
        task = self._offered(offer_id)
        if now >= task.offer_expires:
            raise RoutingError("expired", f"offer {offer_id} has expired")
        self.timers.pop(f"offer|{offer_id}", None)
        agent = self.agents[task.agent]
        if agent.missed:
            self.agents[agent.id] = replace(agent, missed=0)
        task = replace(task, state="assigned", answered_at=now, offer="")
        self.tasks[task.id] = task
        return task

    def reject(self, offer_id: str, now: float) -> list[Reservation]:
        task = self._offered(offer_id)
        return self._return_offer(task, now, missed=True)

    def complete(self, task_id: str, now: float) -> list[Reservation]:
        task = self._task(task_id)
        if task.state == "wrapping":
            return self._finish(task, now)
        if task.state != "assigned":
            raise RoutingError("state", f"task {task_id} is {task.state}, not assigned")
        wrap = self.centre.queues[task.queue].wrap_up_seconds
        if wrap <= 0:  # no wrap-up: completed at once, in one copy rather than two
            self.tasks[task_id] = replace(task, state="completed", ended_at=now,
                                          wrap_until=now + wrap)
            self._release_agent(task.agent, task_id, now)
            return self._agent_ready(task.agent, now)
        self.tasks[task_id] = replace(task, state="wrapping", ended_at=now, wrap_until=now + wrap)
        self.timers[f"wrap|{task_id}"] = now + wrap
        return []

    def cancel(self, task_id: str, outcome: str, now: float) -> list[Reservation]:
        task = self._task(task_id)
        if task.state not in ("queued", "reserved"):
            raise RoutingError("state", f"task {task_id} is {task.state}; only waiting tasks "
                                        "can be canceled")
        self._drop_timers(task)
        self.tasks[task_id] = replace(task, state=outcome, ended_at=now, offer="", agent="")
        if task.state == "reserved":
            self._release_agent(task.agent, task_id, now)
            return self._agent_ready(task.agent, now)
        return []

    # --- time -----------------------------------------------------------------------------

    def next_timer(self) -> float | None:
        first = self.timers.first()
        return None if first is None else first[0]

    def tick(self, now: float) -> list[Reservation]:
        offers: list[Reservation] = []
        while True:
            first = self.timers.first()
            if first is None or first[0] > now:
                return offers
            at, name = heapq.heappop(self.timers.heap)
            del self.timers[name]
            kind, ref, *rest = name.split("|")
            if kind == "offer":
                task = self.tasks[ref.rsplit(".", 1)[0]]
                offers += self._return_offer(task, at, missed=True)
            elif kind == "step":
                offers += self._advance(self.tasks[ref], int(rest[0]), at)
            elif kind == "wrap":
                offers += self._finish(self.tasks[ref], at)

    # --- internals ------------------------------------------------------------------------

    def _agent(self, agent_id: str) -> Agent:
        if agent_id not in self.agents:
            raise RoutingError("unknown", f"no agent {agent_id}")
        return self.agents[agent_id]

    def _task(self, task_id: str) -> Task:
        task = self.tasks.get(task_id)
        if task is None:
            raise RoutingError("unknown", f"no task {task_id}")
        return task

    def _offered(self, offer_id: str) -> Task:
        task = self.tasks.get(offer_id.rsplit(".", 1)[0])
        if task is None or task.offer != offer_id or task.state != "reserved":
            raise RoutingError("expired", f"offer {offer_id} is no longer pending")
        return task

    def _enter_step(self, task: Task, step: int, now: float) -> Task:
        """Put a task on a step of its queue: new priority if the step sets one, next timer."""
        rule = self.centre.queues[task.queue].steps[step]
        priority = rule.priority if rule.priority is not None else task.priority
        if (step, priority) != (task.step, task.priority):
            task = replace(task, step=step, priority=priority)
        if rule.timeout is not None:
            self.timers[f"step|{task.id}|{step}"] = task.entered + rule.timeout
        return task

    def _need(self, task: Task) -> tuple[str, int, str]:
        """The task's requirement, worked out once per (queue, step, language)."""
        key = (task.queue, task.step, task.language)
        need = self._needs.get(key)
        if need is None:
            step = self.centre.queues[task.queue].steps[task.step]
            need = self._needs[key] = rules.step_requirement(self.centre, task.queue, step,
                                                             task.language)
        return need

    def _match_task(self, task_id: str, now: float) -> list[Reservation]:
        task = self.tasks[task_id]
        if task.state != "queued":
            return []
        need = self._need(task)
        selection = self.centre.queues[task.queue].selection
        # Within a kind, longest idle then lowest id wins under every selection but
        # least_occupied, whose float score may tie differently: that one looks at all free agents.
        pool = (self.agents.free if selection == "least_occupied"
                else self.agents.first_of_each_kind())
        candidates = [self.agents[a] for a in pool if self.agents.can_take(a, need, task.channel)]
        if not candidates:
            return []
        skill = need[0]
        if len(candidates) == 1:  # the usual case in a big single-skill pool: no ranking needed
            best = candidates[0]
        elif selection == "highest_level":
            best = min(candidates, key=lambda a: (-(a.skills.get(skill, 0) if skill != rules.ANY
                                                    else 0), rules.idle_score(a.idle_since), a.id))
        elif selection == "least_occupied":
            best = min(candidates,
                       key=lambda a: (rules.load_score(a.task_count, a.idle_since), a.id))
        else:
            best = min(candidates, key=lambda a: (rules.idle_score(a.idle_since), a.id))
        return [self._reserve(task, best, now)]

    def _agent_ready(self, agent_id: str, now: float) -> list[Reservation]:
        offers: list[Reservation] = []
        while True:
            if agent_id not in self.agents.free or not self.tasks.queued:  # nothing to take
                return offers
            waiting = [t for t in map(self.tasks.__getitem__, self.tasks.queued)
                       if self.agents.can_take(agent_id, self._need(t), t.channel)]
            if not waiting:
                return offers
            best = min(waiting, key=lambda t: (rules.task_score(t.priority, t.created), t.id))
            offers.append(self._reserve(best, self.agents[agent_id], now))

    def _reserve(self, task: Task, agent: Agent, now: float) -> Reservation:
        offer_id = f"{task.id}.{task.attempts + 1}"
        expires = now + self.centre.channels[task.channel].offer_timeout
        self.tasks[task.id] = replace(task, state="reserved", agent=agent.id, offer=offer_id,
                                      offer_expires=expires, attempts=task.attempts + 1)
        load = dict(agent.load)
        load[task.channel] = load.get(task.channel, 0) + 1
        self.agents[agent.id] = replace(agent, load=load, tasks=agent.tasks + (task.id,),
                                        idle_since=now)
        self.timers[f"offer|{offer_id}"] = expires
        return Reservation(offer_id, task.id, agent.id, expires)

    def _release_agent(self, agent_id: str, task_id: str, now: float) -> Agent:
        agent = self.agents[agent_id]
        channel = self.tasks[task_id].channel
        load = dict(agent.load)
        load[channel] -= 1
        if not load[channel]:
            del load[channel]
        agent = replace(agent, load=load, tasks=tuple([t for t in agent.tasks if t != task_id]),
                        idle_since=now)
        self.agents[agent_id] = agent
        return agent

    def _return_offer(self, task: Task, now: float, missed: bool) -> list[Reservation]:
        """A rejected, expired or withdrawn offer: the task goes back with its age."""
        self.timers.pop(f"offer|{task.offer}", None)
        agent = self._release_agent(task.agent, task.id, now)
        if missed:
            agent = replace(agent, missed=agent.missed + 1)
            if agent.missed >= self.centre.max_missed_offers and agent.state == "available":
                agent = replace(agent, state="break", reason="missed", since=now)
            self.agents[agent.id] = agent
        self.tasks[task.id] = replace(task, state="queued", agent="", offer="")
        return self._match_task(task.id, now) + self._agent_ready(agent.id, now)

    def _advance(self, task: Task, step: int, now: float) -> list[Reservation]:
        if task.step != step or task.state not in ("queued", "reserved"):
            return []
        queue = self.centre.queues[task.queue]
        if step + 1 < len(queue.steps):
            task = self._enter_step(task, step + 1, now)
        elif queue.fallback is not None and queue.fallback.overflow:
            task = replace(task, queue=queue.fallback.overflow, entered=now)
            task = self._enter_step(task, 0, now)
        else:  # a fallback offer to the channel, or no fallback: the task keeps its last step
            if queue.fallback is not None:
                self.tasks[task.id] = replace(task, fallback=queue.fallback.offer)
            return []
        self.tasks[task.id] = task
        return self._match_task(task.id, now)

    def _finish(self, task: Task, now: float) -> list[Reservation]:
        self.timers.pop(f"wrap|{task.id}", None)
        self.tasks[task.id] = replace(task, state="completed")
        self._release_agent(task.agent, task.id, now)
        return self._agent_ready(task.agent, now)

    def _drop_timers(self, task: Task) -> None:
        for name in (f"offer|{task.offer}", f"step|{task.id}|{task.step}", f"wrap|{task.id}"):
            self.timers.pop(name, None)
