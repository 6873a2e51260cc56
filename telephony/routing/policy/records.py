"""Records of the routing state machine: what an agent and a task are now, an offer, and the
result of an agent update. Both routers (`policy.protocol.Router`) answer in these types.

`MemoryRouter` keeps one record per agent and per task and updates it in place: the simulation
twin changes a task and its agent about six times per contact, and a copy per change was a large
share of its time. Readers outside the router treat these records as read-only views of the live
state; the Redis router's `Task` is a snapshot of the stored task; a reservation is an immutable
value.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Literal, NamedTuple

AgentState = Literal["offline", "available", "break"]
CancelOutcome = Literal["canceled", "abandoned", "callback", "voicemail"]  # how a waiting task ends
TaskState = Literal[
    "queued",
    "reserved",
    "assigned",
    "wrapping",
    "completed",
    "canceled",
    "abandoned",
    "callback",
    "voicemail",
]
OPEN_TASK_STATES = ("queued", "reserved", "assigned", "wrapping")


@dataclass(slots=True)
class Agent:
    id: str
    skills: dict[str, int]
    languages: tuple[str, ...]
    capacity: dict[str, int]
    state: AgentState = "offline"
    reason: str = ""
    since: float = 0.0
    idle_since: float = 0.0
    load: dict[str, int] = field(default_factory=dict)
    tasks: list[str] = field(default_factory=list)
    missed: int = 0

    @property
    def task_count(self) -> int:
        return sum(self.load.values())


@dataclass(slots=True)
class Task:
    id: str
    channel: str
    queue: str
    language: str
    priority: int
    created: float
    entered: float
    step: int = 0
    state: TaskState = "queued"
    origin_queue: str = ""
    agent: str = ""
    offer: str = ""
    offer_expires: float = 0.0
    attempts: int = 0
    answered_at: float | None = None
    ended_at: float | None = None
    wrap_until: float | None = None
    fallback: str = ""
    attributes: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_stored(cls, stored: dict[str, Any]) -> Task:
        """A task as the Redis router stores it (JSON with the same field names; the times a
        task has not reached yet are absent)."""
        return cls(**{name: stored[name] for name in _TASK_FIELDS if name in stored})


_TASK_FIELDS = tuple(f.name for f in fields(Task))


@dataclass(frozen=True)
class Reservation:
    """A task offered to an agent: the agent has `expires - now` seconds to accept."""

    offer: str
    task: str
    agent: str
    expires: float


class AgentUpdate(NamedTuple):
    """What `upsert_agent` did: the offers it made and the agent's new token (the Redis router,
    for a new agent or a new token; None otherwise, and always for `MemoryRouter`, which keeps
    no tokens). A tuple, so that `offers, token = router.upsert_agent(...)` reads it."""

    offers: list[Reservation]
    token: str | None
