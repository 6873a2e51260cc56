"""Loads the routing Lua scripts once: each is the generated prelude, `lib.lua`, then the
script's own file, except the contact log's standalone scripts, which touch no routing state but
the tasks.

The prelude is written here from `policy/rules.py` (weights, pool families, strategies), so the
Lua never repeats a number or an ordering of the policy: `rules.py` is its one statement.
"""

from __future__ import annotations

import math
from functools import cache
from importlib import resources

from redis.commands.core import Script

from telephony.routing.policy import rules
from vero.kernel.redis_client import Client

NAMES = (
    "enqueue",
    "match_task",
    "agent_ready",
    "accept",
    "return_offer",
    "complete",
    "cancel",
    "advance",
    "upsert_agent",
    "set_state",
    "annotate",
    "assign",
    "bridge",
    "transfer_queue",
    "transfer_agent",
)
STANDALONE = ("settle", "purge_closed")


def lua_number(value: float) -> str:
    """A float as a Lua literal that reads back as the same double (repr is the shortest
    round-trip form, and Lua reads it with strtod)."""
    if not math.isfinite(value):
        raise ValueError(f"no Lua literal for {value!r}")
    return repr(float(value))


def prelude() -> str:
    """The policy's numbers and orderings as Lua locals, for lib.lua's scoring and choosing."""

    def table(values: dict[str, str]) -> str:
        return "{" + ", ".join(f"{k} = {v}" for k, v in sorted(values.items())) + "}"

    families = {name: lua_number(weight) for name, weight in rules.FAMILIES.items()}
    best_level_first: dict[str, str] = {
        name: "true" if s.best_level_first else "false" for name, s in rules.STRATEGIES.items()
    }
    return "\n".join(
        [
            "-- generated from telephony/routing/policy/rules.py by telephony/routing/scripts.py",
            f"local PRIORITY_WEIGHT = {lua_number(rules.PRIORITY_WEIGHT)}",
            "-- pool family -> weight of the tasks an agent holds in its score",
            f"local FAMILY_WEIGHT = {table(families)}",
            "-- a queue's selection -> whether the best skill level with a free agent wins first",
            f"local BEST_LEVEL_FIRST = {table(best_level_first)}",
            "",
        ]
    )


@cache
def source(name: str) -> str:
    folder = resources.files("telephony.routing") / "lua"
    own = (folder / f"{name}.lua").read_text()
    if name in STANDALONE:
        return own
    return prelude() + (folder / "lib.lua").read_text() + "\n" + own


def register(client: Client, names: tuple[str, ...] = NAMES) -> dict[str, Script]:
    """Script objects by name; redis-py sends EVALSHA and reloads on NOSCRIPT by itself."""
    return {name: client.register_script(source(name)) for name in names}
