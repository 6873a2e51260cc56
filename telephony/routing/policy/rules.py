"""Decision rules shared by the Redis router (mirrored in Lua) and the in-memory router.

Orderings are expressed as composite float scores so that Redis sorted sets and Python agree to
the last bit: the same IEEE arithmetic runs on both sides, and ties break on the id string.
"""

from __future__ import annotations

from vero.kernel.centre import Centre, Step

ANY = "*"              # pool / wait-list wildcard for "any skill" and "any language"
PRIORITY_WEIGHT = 1e10  # one priority point outweighs any difference in creation time
LOAD_WEIGHT = 1e10      # one task of load outweighs any difference in idle time


def task_score(priority: int, created: float) -> float:
    """Higher priority first, then oldest: lower score wins."""
    return -priority * PRIORITY_WEIGHT + created


def idle_score(idle_since: float) -> float:
    """Longest idle first."""
    return idle_since


def load_score(tasks: int, idle_since: float) -> float:
    """Least occupied first (fewest tasks), then longest idle."""
    return tasks * LOAD_WEIGHT + idle_since


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
