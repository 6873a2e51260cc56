"""Loads the routing Lua scripts once: each is `lib.lua` followed by the script's own file,
except the contact log's standalone scripts, which touch no routing state but the tasks."""

from __future__ import annotations

from functools import cache
from importlib import resources

import redis
from redis.commands.core import Script

NAMES = ("enqueue", "match_task", "agent_ready", "accept", "return_offer", "complete", "cancel",
         "advance", "upsert_agent", "set_state", "annotate")
STANDALONE = ("settle", "purge_closed")


@cache
def source(name: str) -> str:
    folder = resources.files("telephony.routing") / "lua"
    own = (folder / f"{name}.lua").read_text()
    return own if name in STANDALONE else (folder / "lib.lua").read_text() + "\n" + own


def register(client: redis.Redis, names: tuple[str, ...] = NAMES) -> dict[str, Script]:
    """Script objects by name; redis-py sends EVALSHA and reloads on NOSCRIPT by itself."""
    return {name: client.register_script(source(name)) for name in names}
