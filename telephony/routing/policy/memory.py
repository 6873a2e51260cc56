"""The whole router as an in-memory state machine: the reference the Redis router must match and
the engine the simulation twin runs.

Every operation takes `now` and returns the reservations (offers) it made, in order. Timers
(offer expiry, step timeouts, end of wrap-up) fire in `tick(now)` in (due time, name) order,
exactly as the Redis router processes its timer set. Agent and task records are updated in place
(see `records`); the indexes below are kept up to date at each change.
"""

from __future__ import annotations

import heapq

from telephony.routing.errors import RoutingError
from telephony.routing.policy import rules
from telephony.routing.policy.records import (
    Agent,
    AgentState,
    AgentUpdate,
    CancelOutcome,
    Reservation,
    Task,
)
from vero.kernel.centre import Centre

Need = tuple[str, int, str]  # (skill, min level, language), as `rules.step_requirement` gives
Work = tuple[Need, str]  # (requirement, channel): tasks alike for every agent


class _Kind:
    """Agents with the same skills, languages, capacity and load decide every match alike: a kind
    keeps its free agents in a heap in (idle_since, id) order, and works out once whether it has
    room on some channel and which work it can take."""

    __slots__ = ("room", "heap", "fits")

    def __init__(self, room: bool) -> None:
        self.room = room
        self.heap: list[tuple[float, str]] = []  # stale entries are skipped when they surface
        self.fits: dict[Work, bool] = {}


class _Agents(dict[str, Agent]):
    """Agents by id, indexing in `free` those who could take some task now (available, room left
    on a channel) with their kind, so that matching looks at one agent per kind. The router
    changes an agent record in place, then calls `index` on it. An agent's profile (skills,
    languages, capacity) is keyed once per profile change: only the load changes per task.
    """

    def __init__(self, centre: Centre) -> None:
        super().__init__()
        self.centre = centre
        self.free: dict[str, tuple[_Kind, float]] = {}  # agent id -> (kind, idle_since)
        self.alike: dict[_Kind, None] = {}  # kinds whose heap is not empty (a set, in order)
        # agent id -> (skills, languages, capacity, the kinds of that profile by load)
        self._profiles: dict[str, tuple] = {}
        self._kinds: dict[tuple, dict[frozenset, _Kind]] = {}  # profile key -> kinds by load

    def add(self, agent: Agent) -> None:
        self[agent.id] = agent
        self.index(agent)

    def index(self, agent: Agent) -> None:
        agent_id = agent.id
        if agent.state != "available":
            self.free.pop(agent_id, None)
            return
        profile = self._profiles.get(agent_id)
        if (
            profile is None
            or profile[0] is not agent.skills
            or profile[1] is not agent.languages
            or profile[2] is not agent.capacity
        ):
            profile = self._profiles[agent_id] = self._profile(agent)
        load = frozenset(agent.load.items())
        kind = profile[3].get(load)
        if kind is None:
            kind = profile[3][load] = _Kind(
                any(
                    ch in self.centre.channels
                    and rules.has_room(self.centre, agent.capacity, agent.load, ch)
                    for ch in agent.capacity
                )
            )
        if not kind.room:
            self.free.pop(agent_id, None)
            return
        entry = (kind, agent.idle_since)
        if self.free.get(agent_id) != entry:
            self.free[agent_id] = entry
            if not kind.heap:
                self.alike[kind] = None
            heapq.heappush(kind.heap, (agent.idle_since, agent_id))

    def _profile(self, agent: Agent) -> tuple:
        """(skills, languages, capacity, the kinds of agents with this profile by load). An agent
        keeps these objects until its profile is replaced, so they are looked up only then."""
        key = (frozenset(agent.skills.items()), agent.languages, frozenset(agent.capacity.items()))
        return agent.skills, agent.languages, agent.capacity, self._kinds.setdefault(key, {})

    def takers(self, work: Work, every_agent: bool) -> list[Agent]:
        """Free agents who can take such work: the longest-idle (ties: lowest id) of each kind,
        or with `every_agent` all of them."""
        free = self.free
        if every_agent:
            return [
                self[agent_id]
                for agent_id, (kind, _) in free.items()
                if self._fits(kind, agent_id, work)
            ]
        takers = []
        for kind in list(self.alike):
            heap = kind.heap
            while heap and free.get(heap[0][1]) != (kind, heap[0][0]):
                heapq.heappop(heap)
            if not heap:
                del self.alike[kind]
            elif self._fits(kind, heap[0][1], work):
                takers.append(self[heap[0][1]])
        return takers

    def can_take(self, agent_id: str, work: Work) -> bool:
        """Whether an agent can take such work now."""
        entry = self.free.get(agent_id)
        return entry is not None and self._fits(entry[0], agent_id, work)

    def _fits(self, kind: _Kind, agent_id: str, work: Work) -> bool:
        """Whether an agent of this kind can take such work: the answer is the same for the
        whole kind, so it is worked out once."""
        fits = kind.fits.get(work)
        if fits is None:
            agent = self[agent_id]
            need, channel = work
            # meets first: it is the cheaper test and rejects most agents in a multi-skill centre
            fits = kind.fits[work] = rules.meets(
                agent.skills, agent.languages, need
            ) and rules.has_room(self.centre, agent.capacity, agent.load, channel)
        return fits


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
        self.tasks: dict[str, Task] = {}  # finished tasks stay
        # Waiting tasks (queued, no offer) by work, as the Redis router's wait lists: a heap of
        # (score, id) entries per work; `queued` maps a waiting task's id to its live entry, and
        # entries that are no longer live are skipped when they surface.
        self.queued: dict[str, tuple[float, str]] = {}
        self._wait_lists: dict[Work, list[tuple[float, str]]] = {}
        self.timers = _Timers()
        self._needs: dict[tuple[str, int, str], Need] = {}

    # --- agents ---------------------------------------------------------------------------

    def upsert_agent(
        self,
        agent_id: str,
        skills: dict[str, int],
        languages: tuple[str, ...],
        capacity: dict[str, int],
        now: float,
    ) -> AgentUpdate:
        agent = self.agents.get(agent_id)
        if agent is None:
            self.agents.add(
                Agent(
                    agent_id,
                    dict(skills),
                    tuple(languages),
                    dict(capacity),
                    since=now,
                    idle_since=now,
                )
            )
            return AgentUpdate([], None)
        agent.skills, agent.languages = dict(skills), tuple(languages)
        agent.capacity = dict(capacity)
        self.agents.index(agent)
        return AgentUpdate(self._agent_ready(agent_id, now), None)

    def set_agent_state(
        self, agent_id: str, state: AgentState, reason: str, now: float
    ) -> list[Reservation]:
        agent = self._agent(agent_id)
        if state != agent.state:
            agent.since = now
            if state == "available":
                agent.idle_since = now
        agent.state = state
        agent.reason = reason if state == "break" else ""
        if state == "available":
            agent.missed = 0
        self.agents.index(agent)
        if state == "available":
            return self._agent_ready(agent_id, now)
        offers: list[Reservation] = []
        for task_id in list(agent.tasks):  # pending offers go back to their queues
            if self.tasks[task_id].state == "reserved":
                offers += self._return_offer(self.tasks[task_id], now, missed=False)
        return offers

    # --- tasks ----------------------------------------------------------------------------

    def enqueue(
        self,
        task_id: str,
        channel: str,
        queue: str,
        language: str,
        priority: int,
        now: float,
        created: float | None = None,
        attributes: dict[str, str] | None = None,
    ) -> list[Reservation]:
        if task_id in self.tasks:
            raise RoutingError("exists", f"task {task_id} exists")
        task = Task(
            task_id,
            channel,
            queue,
            language,
            priority,
            now if created is None else created,
            now,
            origin_queue=queue,
            attributes=dict(attributes or {}),
        )
        self._enter_step(task, 0)
        self.tasks[task_id] = task
        return self._match_task(task, now)

    def accept(self, offer_id: str, now: float) -> Task:
        task = self._offered(offer_id)
        if now >= task.offer_expires:
            raise RoutingError("expired", f"offer {offer_id} has expired")
        self.timers.pop(f"offer|{offer_id}", None)
        self.agents[task.agent].missed = 0
        task.state, task.offer = "assigned", ""
        # a call is answered when caller and agent are bridged; a voicemail when taken
        if task.channel != "voice" or task.attributes.get("kind") == "voicemail":
            task.answered_at = now
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
        task.ended_at, task.wrap_until = now, now + wrap
        if wrap <= 0:  # no wrap-up: completed at once
            task.state = "completed"
            self._release_agent(task, now)
            return self._agent_ready(task.agent, now)
        task.state = "wrapping"
        self.timers[f"wrap|{task_id}"] = now + wrap
        return []

    def cancel(self, task_id: str, outcome: CancelOutcome, now: float) -> list[Reservation]:
        task = self._task(task_id)
        if task.state not in ("queued", "reserved"):
            raise RoutingError(
                "state", f"task {task_id} is {task.state}; only waiting tasks can be canceled"
            )
        self._drop_timers(task)
        self.queued.pop(task_id, None)
        held, agent_id = task.state == "reserved", task.agent
        if held:
            self._release_agent(task, now)
        task.state, task.ended_at, task.offer, task.agent = outcome, now, "", ""
        return self._agent_ready(agent_id, now) if held else []

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

    def _enter_step(self, task: Task, step: int) -> None:
        """Put a task on a step of its queue: new priority if the step sets one, next timer."""
        rule = self.centre.queues[task.queue].steps[step]
        task.step = step
        if rule.priority is not None:
            task.priority = rule.priority
        if rule.timeout is not None:
            self.timers[f"step|{task.id}|{step}"] = task.entered + rule.timeout

    def _work(self, task: Task) -> Work:
        """The task's requirement and channel; the requirement is worked out once per (queue,
        step, language)."""
        key = (task.queue, task.step, task.language)
        need = self._needs.get(key)
        if need is None:
            step = self.centre.queues[task.queue].steps[task.step]
            need = self._needs[key] = rules.step_requirement(
                self.centre, task.queue, step, task.language
            )
        return need, task.channel

    def _match_task(self, task: Task, now: float) -> list[Reservation]:
        """A queued task goes to the best free agent who can take it, or else waits."""
        work = self._work(task)
        strategy = rules.STRATEGIES[self.centre.queues[task.queue].selection]
        # Within a kind, longest idle then lowest id wins when the score is the idle time; any
        # other float score may tie differently: then matching looks at all free agents.
        candidates = self.agents.takers(work, not strategy.orders_by_idle)
        if not candidates:
            entry = self.queued[task.id] = (rules.task_score(task.priority, task.created), task.id)
            heapq.heappush(self._wait_lists.setdefault(work, []), entry)
            return []
        skill = work[0][0]
        if len(candidates) == 1:  # the usual case in a big single-skill pool: no ranking needed
            best = candidates[0]
        else:
            best = min(
                candidates,
                key=lambda a: rules.agent_rank(
                    strategy,
                    a.skills.get(skill, 0) if skill != rules.ANY else 0,
                    a.task_count,
                    a.idle_since,
                    a.id,
                ),
            )
        return [self._reserve(task, best, now)]

    def _agent_ready(self, agent_id: str, now: float) -> list[Reservation]:
        """A free agent takes the best waiting tasks it can, one at a time: of the heads of the
        wait lists of work it can take, the lowest (score, id)."""
        offers: list[Reservation] = []
        while agent_id in self.agents.free and self.queued:
            best = None
            for work, heap in list(self._wait_lists.items()):
                while heap and self.queued.get(heap[0][1]) is not heap[0]:
                    heapq.heappop(heap)
                if not heap:
                    del self._wait_lists[work]
                elif (best is None or heap[0] < best) and self.agents.can_take(agent_id, work):
                    best = heap[0]
            if best is None:
                break
            offers.append(self._reserve(self.tasks[best[1]], self.agents[agent_id], now))
        return offers

    def _reserve(self, task: Task, agent: Agent, now: float) -> Reservation:
        task.attempts += 1
        offer_id = f"{task.id}.{task.attempts}"
        expires = now + self.centre.channels[task.channel].offer_timeout
        task.state, task.agent, task.offer = "reserved", agent.id, offer_id
        task.offer_expires = expires
        self.queued.pop(task.id, None)
        agent.load[task.channel] = agent.load.get(task.channel, 0) + 1
        agent.tasks.append(task.id)
        agent.idle_since = now
        self.agents.index(agent)
        self.timers[f"offer|{offer_id}"] = expires
        return Reservation(offer_id, task.id, agent.id, expires)

    def _release_agent(self, task: Task, now: float) -> Agent:
        """The task's agent no longer holds it (the task still names the agent)."""
        agent = self.agents[task.agent]
        left = agent.load[task.channel] - 1
        if left:
            agent.load[task.channel] = left
        else:
            del agent.load[task.channel]
        agent.tasks.remove(task.id)
        agent.idle_since = now
        self.agents.index(agent)
        return agent

    def _return_offer(self, task: Task, now: float, missed: bool) -> list[Reservation]:
        """A rejected, expired or withdrawn offer: the task goes back with its age."""
        self.timers.pop(f"offer|{task.offer}", None)
        agent = self._release_agent(task, now)
        if missed:
            agent.missed += 1
            if agent.missed >= self.centre.max_missed_offers and agent.state == "available":
                agent.state, agent.reason, agent.since = "break", "missed", now
                self.agents.index(agent)
        task.state, task.agent, task.offer = "queued", "", ""
        return self._match_task(task, now) + self._agent_ready(agent.id, now)

    def _advance(self, task: Task, step: int, now: float) -> list[Reservation]:
        if task.step != step or task.state not in ("queued", "reserved"):
            return []
        queue = self.centre.queues[task.queue]
        if step + 1 < len(queue.steps):
            self._enter_step(task, step + 1)
        elif queue.fallback is not None and queue.fallback.overflow:
            task.queue, task.entered = queue.fallback.overflow, now
            self._enter_step(task, 0)
        else:  # a fallback offer to the channel, or no fallback: the task keeps its last step
            if queue.fallback is not None and queue.fallback.offer:
                task.fallback = queue.fallback.offer
            return []
        return self._match_task(task, now) if task.state == "queued" else []

    def _finish(self, task: Task, now: float) -> list[Reservation]:
        self.timers.pop(f"wrap|{task.id}", None)
        task.state = "completed"
        self._release_agent(task, now)
        return self._agent_ready(task.agent, now)

    def _drop_timers(self, task: Task) -> None:
        for name in (f"offer|{task.offer}", f"step|{task.id}|{task.step}", f"wrap|{task.id}"):
            self.timers.pop(name, None)
