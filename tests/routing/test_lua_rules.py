"""The Lua scripts and `policy/rules.py` state the policy once and compute it alike.

The scripts' prelude is generated from rules.py; these tests check that it carries rules.py's
numbers and orderings, that no Lua file types them again, and that lib.lua's `task_score`,
`pool_score` and `has_room` give bit for bit what rules.py gives, on random inputs, in Redis.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import get_args

import pytest
import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from telephony.routing import scripts
from telephony.routing.policy import rules
from tests.routing.test_equivalence import centres
from vero.kernel.centre import Centre, Selection
from vero.kernel.redis_client import connect

LUA = resources.files("telephony.routing") / "lua"
T0 = 1_700_000_000.0

PROBE = """
local status = cjson.decode(ARGV[3])
local out = {string.format('%.17g', task_score({priority = tonumber(ARGV[4]),
                                                created = tonumber(ARGV[5])}))}
for _, family in ipairs(cjson.decode(ARGV[6])) do
  out[#out + 1] = string.format('%.17g', pool_score(family, status))
end
for _, channel in ipairs(cjson.decode(ARGV[7])) do
  out[#out + 1] = has_room(status, channel) and '1' or '0'
end
return out
"""

CONSTANTS = """
local out = {string.format('%.17g', PRIORITY_WEIGHT)}
for _, name in ipairs(cjson.decode(ARGV[3])) do
  out[#out + 1] = string.format('%.17g', FAMILY_WEIGHT[name])
end
for _, name in ipairs(cjson.decode(ARGV[4])) do
  out[#out + 1] = BEST_LEVEL_FIRST[name] and '1' or '0'
end
return out
"""


def _script(body: str) -> str:
    """`body` after the prelude and lib.lua, as every routing script is loaded."""
    return scripts.prelude() + (LUA / "lib.lua").read_text() + "\n" + body


def _config(centre: Centre) -> str:
    return json.dumps(
        {
            "ch": {
                name: {"t": ch.offer_timeout, "x": int(ch.exclusive), "g": 1}
                for name, ch in centre.channels.items()
            },
            "wrap": {},
            "missed": 3,
            "bucket": "00:00",
        }
    )


@pytest.fixture(scope="module")
def client(redis_url: str):
    c = connect(redis_url)
    yield c
    c.close()


def test_every_selection_has_a_strategy() -> None:
    assert set(rules.STRATEGIES) == set(get_args(Selection))
    assert {s.family for s in rules.STRATEGIES.values()} <= set(rules.FAMILIES)


def test_no_lua_file_types_the_policy_again() -> None:
    for path in LUA.iterdir():
        if not path.name.endswith(".lua"):
            continue
        text = path.read_text()
        for literal in ("1e10", "10000000000", *rules.STRATEGIES):
            assert literal not in text, (path.name, literal)


def test_prelude_carries_the_rules(client: redis.Redis, centre: Centre) -> None:
    families, strategies = sorted(rules.FAMILIES), sorted(rules.STRATEGIES)
    reply = client.eval(
        _script(CONSTANTS),
        0,
        repr(T0),
        _config(centre),
        json.dumps(families),
        json.dumps(strategies),
    )
    got = [r.decode() for r in reply]
    assert float(got[0]) == rules.PRIORITY_WEIGHT
    assert [float(v) for v in got[1 : 1 + len(families)]] == [rules.FAMILIES[f] for f in families]
    assert got[1 + len(families) :] == [
        "1" if rules.STRATEGIES[s].best_level_first else "0" for s in strategies
    ]


@st.composite
def probes(draw: st.DrawFn) -> tuple[Centre, dict[str, int], dict[str, int], int, float, float]:
    """A centre, an agent's capacity and load on its channels, a task's priority and creation
    time, the agent's idle time (whole milliseconds, as stored)."""
    centre = draw(centres())
    channels = st.sampled_from(sorted(centre.channels))
    capacity = draw(st.dictionaries(channels, st.integers(0, 4)))
    load = draw(st.dictionaries(channels, st.integers(1, 4)))
    moment = st.integers(0, 10**11).map(lambda ms: round(T0 + ms / 1000, 3))
    return centre, capacity, load, draw(st.integers(-20, 20)), draw(moment), draw(moment)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(probe=probes())
def test_lua_scores_and_room_match_the_rules(client: redis.Redis, probe: tuple) -> None:
    centre, capacity, load, priority, created, idle = probe
    families, channels = sorted(rules.FAMILIES), sorted(centre.channels)
    status = {"cap": capacity, "load": load, "idle": idle}
    reply = client.eval(
        _script(PROBE),
        0,
        repr(T0),
        _config(centre),
        json.dumps(status),
        repr(priority),
        repr(created),
        json.dumps(families),
        json.dumps(channels),
    )
    got = [r.decode() for r in reply]
    tasks = sum(load.values())
    assert float(got[0]) == rules.task_score(priority, created)
    assert [float(v) for v in got[1 : 1 + len(families)]] == [
        rules.agent_score(f, tasks, idle) for f in families
    ]
    assert got[1 + len(families) :] == [
        "1" if rules.has_room(centre, capacity, load, ch) else "0" for ch in channels
    ]
