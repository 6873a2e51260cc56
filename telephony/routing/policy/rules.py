"""Decision rules shared by the Redis router and the in-memory router: the one statement of the
routing policy.

Orderings are expressed as composite float scores so that Redis sorted sets and Python agree to
the last bit: the same IEEE arithmetic runs on both sides, and ties break on the id string. The
Lua scripts do not repeat the numbers and orderings below: `telephony.routing.scripts` writes them
into the prelude every script is loaded with (see `scripts.prelude`).
"""

from __future__ import annotations

from dataclasses import dataclass

from vero.kernel.centre import Centre, Selection, Step

ANY = "*"  # pool / wait-list wildcard for "any skill" and "any language"
PRIORITY_WEIGHT = 1e10  # one priority point outweighs any difference in creation time
LOAD_WEIGHT = 1e10  # one task of load outweighs any difference in idle time

# Agent pools by family, named for the score that orders them: agent score = tasks held *
# weight + idle since (lower first). 'idle' is longest idle first; 'load' is least occupied
# (fewest tasks) first, then longest idle.
FAMILIES: dict[str, float] = {"idle": 0.0, "load": LOAD_WEIGHT}


@dataclass(frozen=True)
class Strategy:
    """How a queue chooses among the free agents who can take a task. The agents of one step
    sit in one pool per skill level, best level first."""

    family: str  # which agent score orders the pools (a key of FAMILIES)
    best_level_first: bool  # the best level with a free agent wins, whatever the scores

    @property
    def orders_by_idle(self) -> bool:
        """Whether the score is the idle time alone (agents alike then rank by idle time)."""
        return FAMILIES[self.family] == 0.0


# A queue's `selection` (vero/kernel/centre.py `Selection`) -> its strategy.
STRATEGIES: dict[Selection, Strategy] = {
    "longest_idle": Strategy("idle", best_level_first=False),
    "highest_level": Strategy("idle", best_level_first=True),
    "least_occupied": Strategy("load", best_level_first=False),
}


def task_score(priority: int, created: float) -> float:
    """Higher priority first, then oldest: lower score wins."""
    return -priority * PRIORITY_WEIGHT + created


def agent_score(family: str, tasks: int, idle_since: float) -> float:
    """An agent's score in a pool of `family`: lower wins (ties: lowest id)."""
    return tasks * FAMILIES[family] + idle_since


def agent_rank(
    strategy: Strategy, level: int, tasks: int, idle_since: float, agent_id: str
) -> tuple[int, float, str]:
    """The order in which `strategy` chooses agents: lowest rank first. `level` is the agent's
    level in the step's skill (0 when the step takes any skill)."""
    return (
        -level if strategy.best_level_first else 0,
        agent_score(strategy.family, tasks, idle_since),
        agent_id,
    )


def step_index(centre: Centre, queue: str, age: float) -> int | None:
    """The step that applies at `age` seconds in the queue; None once every step has timed out."""
    for i, step in enumerate(centre.queues[queue].steps):
        if step.timeout is None or age < step.timeout:
            return i
    return None


def step_requirement(centre: Centre, queue: str, step: Step, language: str) -> tuple[str, int, str]:
    """(skill, min level, language) an agent must have; ANY for 'no requirement'."""
    skill = centre.step_skill(queue, step)
    if skill is None:
        return ANY, 0, language if step.language == "same" else ANY
    return skill, step.min_level, language if step.language == "same" else ANY


def meets(skills: dict[str, int], languages: tuple[str, ...], need: tuple[str, int, str]) -> bool:
    skill, level, language = need
    skill_ok = skill == ANY or skills.get(skill, 0) >= level
    return skill_ok and (language == ANY or language in languages)


def has_room(centre: Centre, capacity: dict[str, int], load: dict[str, int], channel: str) -> bool:
    """Channel capacity left, with exclusive channels (voice) taking the whole agent."""
    if load.get(channel, 0) >= capacity.get(channel, 0):
        return False
    if not load:  # nothing held: no exclusive channel in use
        return True
    total = sum(load.values())
    if centre.channels[channel].exclusive and total > 0:
        return False
    return not any(centre.channels[ch].exclusive and n > 0 for ch, n in load.items())
