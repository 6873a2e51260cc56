"""Records of the in-memory router's state: what an agent and a task are now, and an offer.

`MemoryRouter` keeps one record per agent and per task and updates it in place: the simulation
twin changes a task and its agent about six times per contact, and a copy per change was a large
share of its time. Readers outside the router treat these records as read-only views of the live
state; a reservation is an immutable value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

AgentState = Literal["offline", "available", "break"]
TaskState = Literal["queued", "reserved", "assigned", "wrapping", "completed", "canceled",
                    "abandoned"]
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


@dataclass(frozen=True)
class Reservation:
    """A task offered to an agent: the agent has `expires - now` seconds to accept."""

    offer: str
    task: str
    agent: str
    expires: float
