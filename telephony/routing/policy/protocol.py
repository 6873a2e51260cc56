"""`Router`: the routing state machine as both executors offer it, `MemoryRouter` (the reference,
run by the simulation twin) and `RedisRouter` (the live router, atomic in Redis).

The operations take `now` and answer in the records of `policy.records`: the reservations
(offers) they made, in order, or the accepted task. The equivalence and replay tests drive both
routers through this one interface. The Redis router's read views (`task`, `agent`, `agents`,
`offers_for`) are the JSON the HTTP API shows and are not part of it.
"""

from __future__ import annotations

from typing import Protocol

from telephony.routing.policy.records import (
    AgentState,
    AgentUpdate,
    CancelOutcome,
    Reservation,
    Task,
)


class Router(Protocol):
    def upsert_agent(
        self,
        agent_id: str,
        skills: dict[str, int],
        languages: tuple[str, ...],
        capacity: dict[str, int],
        now: float,
    ) -> AgentUpdate: ...

    def set_agent_state(
        self, agent_id: str, state: AgentState, reason: str, now: float
    ) -> list[Reservation]: ...

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
    ) -> list[Reservation]: ...

    def accept(self, offer_id: str, now: float) -> Task: ...

    def reject(self, offer_id: str, now: float) -> list[Reservation]: ...

    def complete(self, task_id: str, now: float) -> list[Reservation]: ...

    def cancel(self, task_id: str, outcome: CancelOutcome, now: float) -> list[Reservation]: ...

    def tick(self, now: float) -> list[Reservation]: ...

    def next_timer(self) -> float | None: ...
