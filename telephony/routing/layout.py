"""Which pools and wait lists a task or an agent touches, worked out from the centre definition.

The Lua scripts receive every key through KEYS (so they run on Redis Cluster); this module is
where those key lists come from. It only reads the centre definition and the `Keys` names.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property

from telephony.keys import Keys
from telephony.routing.policy import rules
from vero.kernel.centre import Centre, Selection

MAX_LEVEL = 5


@dataclass(frozen=True)
class StepPools:
    family: str  # a key of rules.FAMILIES ('idle' or 'load')
    mode: str  # the queue's selection (a key of rules.STRATEGIES)
    keys: list[str]  # best level first


@dataclass(frozen=True)
class AgentKeys:
    version: int
    pool_keys: list[str]
    pool_desc: str  # JSON [[family, channel], ...], one per pool key
    wait_keys: list[str]
    wait_desc: str  # JSON [channel, ...], one per wait key


class Layout:
    def __init__(self, centre: Centre, keys: Keys) -> None:
        self.centre = centre
        self.keys = keys

    @staticmethod
    def family(selection: Selection) -> str:
        return rules.STRATEGIES[selection].family

    def step_pools(self, queue: str, step: int, channel: str, language: str) -> StepPools:
        q = self.centre.queues[queue]
        family = self.family(q.selection)
        skill, level, lang = rules.step_requirement(self.centre, queue, q.steps[step], language)
        levels = [0] if skill == rules.ANY else range(MAX_LEVEL, level - 1, -1)
        return StepPools(
            family,
            q.selection,
            [self.keys.pool(family, channel, skill, lvl, lang) for lvl in levels],
        )

    def wait_key(self, queue: str, channel: str, step: int, language: str) -> str:
        return self.keys.waiting(queue, channel, step, language)

    @cached_property
    def _read_pools(self) -> set[tuple[str, str, str, str]]:
        """(family, channel, skill, 'same'|'any') of every pool some step reads."""
        out: set[tuple[str, str, str, str]] = set()
        for name, q in self.centre.queues.items():
            for step in q.steps:
                skill = self.centre.step_skill(name, step) or rules.ANY
                for channel in self.centre.queue_channels(name):
                    out.add((self.family(q.selection), channel, skill, step.language))
        return out

    def agent_keys(self, profile: dict) -> AgentKeys:
        """Every pool the agent belongs in and every wait list it may serve."""
        skills: dict[str, int] = profile["skills"]
        languages = [lang for lang in profile["languages"] if lang in self.centre.languages]
        capacity: dict[str, int] = profile["capacity"]
        pool_keys, pool_desc = [], []
        for family, channel, skill, lang_mode in sorted(self._read_pools):
            if capacity.get(channel, 0) <= 0 or (skill != rules.ANY and skill not in skills):
                continue
            level = 0 if skill == rules.ANY else skills[skill]
            for lang in languages if lang_mode == "same" else [rules.ANY]:
                pool_keys.append(self.keys.pool(family, channel, skill, level, lang))
                pool_desc.append([family, channel])
        wait_keys, wait_desc = [], []
        for name, q in self.centre.queues.items():
            for index, step in enumerate(q.steps):
                need = rules.step_requirement(self.centre, name, step, rules.ANY)
                if not rules.meets(skills, tuple(languages), need):
                    continue
                langs = languages if step.language == "same" else list(self.centre.languages)
                for channel in self.centre.queue_channels(name):
                    if capacity.get(channel, 0) <= 0:
                        continue
                    for lang in langs:
                        wait_keys.append(self.keys.waiting(name, channel, index, lang))
                        wait_desc.append(channel)
        return AgentKeys(
            int(profile.get("v", 0)),
            pool_keys,
            json.dumps(pool_desc),
            wait_keys,
            json.dumps(wait_desc),
        )
