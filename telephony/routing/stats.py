"""Queue statistics as supervisors read them: live (waiting, longest wait, agents) and today's
counters per 15-minute bucket (offered, answered, within target, abandoned, ASA, service level),
for the queue and for each of its channels.

Service level: each channel's formula (vero/kernel/service_level.py) over its contacts answered
or abandoned so far (those still waiting are not yet counted); a queue's figure pools its
channels.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable

from telephony.routing.policy import rules
from telephony.routing.router import RedisRouter
from vero.kernel import service_level as sl
from vero.kernel.redis_client import text

METRICS = (
    "offered",
    "answered",
    "answered_in_target",
    "abandoned",
    "short_abandoned",
    "canceled",
    "wait_sum",
)
Counters = dict[str, dict[str, float]]  # channel -> metric -> value


def service_counts(counts: dict[str, float]) -> sl.Counts:
    """One channel's counters as the service level counts them."""
    answered, abandoned = counts.get("answered", 0), counts.get("abandoned", 0)
    return sl.Counts(
        answered + abandoned,
        answered,
        counts.get("answered_in_target", 0),
        abandoned,
        counts.get("short_abandoned", 0),
    )


def _figures(
    by_channel: Counters, definitions: dict[str, sl.Definition]
) -> dict[str, float | int | None]:
    """The figures of one or more channels' counters; the service level pools them."""
    summed: dict[str, float] = defaultdict(float)
    for counts in by_channel.values():
        for metric, value in counts.items():
            summed[metric] += value
    answered = summed["answered"]
    level = sl.pooled(
        (service_counts(counts), definitions[channel].formula)
        for channel, counts in by_channel.items()
    )
    return {
        "offered": int(summed["offered"]),
        "answered": int(answered),
        "answered_in_target": int(summed["answered_in_target"]),
        "abandoned": int(summed["abandoned"]),
        "short_abandoned": int(summed["short_abandoned"]),
        "canceled": int(summed["canceled"]),
        "asa_seconds": round(summed["wait_sum"] / answered, 1) if answered else None,
        "service_level": None if level is None else round(level, 3),
    }


def queue_stats(router: RedisRouter, now: float | None = None) -> dict[str, dict]:
    now = router.timestamp(now)
    centre, layout = router.centre, router.layout
    day, _ = router.local_bucket(now)

    waiting_ids: dict[tuple[str, str], list[str]] = defaultdict(list)  # (queue, channel) → ids
    with router.redis.pipeline(transaction=False) as pipe:
        slots = []
        for queue, q in centre.queues.items():
            for channel in centre.queue_channels(queue):
                for step in range(len(q.steps)):
                    for lang in centre.languages:
                        pipe.zrange(layout.wait_key(queue, channel, step, lang), 0, -1)
                        slots.append((queue, channel))
        for line, ids in zip(slots, pipe.execute(), strict=True):
            waiting_ids[line] += [i.decode() for i in ids]
    all_ids = [i for ids in waiting_ids.values() for i in ids]
    created = {}
    if all_ids:
        for raw in router.redis.hmget(router.keys.tasks(), all_ids):
            if raw:
                task = json.loads(raw)
                created[task["id"]] = task["created"]

    agents = router.agents()
    definitions = sl.definitions(centre)
    # queue -> bucket ('day' for the whole day) -> channel -> metric -> value
    counters: dict[str, dict[str, Counters]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(dict))
    )
    for field, value in router.redis.hgetall(router.keys.stats(day)).items():
        queue, channel, bucket, metric = text(field).split("|")
        if channel not in definitions:
            continue  # a channel the centre no longer has
        slot = counters[queue][bucket][channel]
        slot[metric] = slot.get(metric, 0) + float(value)

    available = [a for a in agents if a["state"] == "available"]

    def live(queue: str, channels: Iterable[str]) -> dict[str, float | int]:
        """Waiting, longest wait and the available agents of the queue's skill with room for
        one more contact of `channels`."""
        channels = tuple(channels)
        ages = [now - created[i] for ch in channels for i in waiting_ids[queue, ch] if i in created]
        skill = centre.queues[queue].skill
        eligible = [
            a
            for a in available
            if skill in a["skills"]
            and any(rules.has_room(centre, a["capacity"], a["load"], ch) for ch in channels)
        ]
        return {
            "waiting": len(ages),
            "longest_wait_seconds": round(max(ages), 1) if ages else 0.0,
            "available_agents": len(available),
            "eligible_agents": len(eligible),
        }

    out = {}
    for queue in centre.queues:
        buckets = {
            b: _figures(c, definitions) for b, c in sorted(counters[queue].items()) if b != "day"
        }
        today = counters[queue].get("day", {})
        # each channel the queue serves, or that reached it today (a transfer)
        shown = sorted(
            set(centre.queue_channels(queue)) | set(today), key=list(centre.channels).index
        )
        out[queue] = {
            "live": live(queue, centre.queue_channels(queue)),
            "today": _figures(today, definitions),
            "buckets": buckets,
            "channels": {
                ch: _figures({ch: today[ch]} if ch in today else {}, definitions) for ch in shown
            },
            # per channel: its own live figures and 15-minute buckets (each under its own target)
            "by_channel": {
                ch: {
                    "live": live(queue, [ch]),
                    "buckets": {
                        b: _figures({ch: c[ch]}, definitions)
                        for b, c in sorted(counters[queue].items())
                        if b != "day" and ch in c
                    },
                }
                for ch in shown
            },
        }
    return out


HANDLING_STATES = ("busy", "wrap-up")  # offered or live work, then its wrap-up
WORKING_STATES = ("available", *HANDLING_STATES)  # the time occupancy is a share of


def agent_day(router: RedisRouter, agents: list[dict], now: float | None = None) -> dict[str, dict]:
    """Today's figures per agent (of `router.agents()`): contacts handled (completed, with their
    wrap-up), average handle time (talk + wrap-up) and occupancy.

    Occupancy is the standard one: handling time ÷ (available + handling time), where handling
    is the time shown busy (offered, talking or chatting; concurrent chats count once) or in
    wrap-up; time on break or offline counts in neither. The times are those since the local
    midnight, the current state's until `now`."""
    now = router.timestamp(now)
    day, _ = router.local_bucket(now)
    day0 = router.day_start(day)
    counters: dict[str, dict[str, float]] = defaultdict(dict)
    for field, value in router.redis.hgetall(router.keys.agent_day(day)).items():
        agent_id, metric = text(field).split("|", 1)
        counters[agent_id][metric] = float(value)
    out = {}
    for agent in agents:
        counts = counters[agent["id"]]
        time = {s: counts.get("time|" + s, 0.0) for s in WORKING_STATES}
        if agent["shown_state"] in time:
            time[agent["shown_state"]] += max(0.0, now - max(agent["shown_since"], day0))
        handled = int(counts.get("handled", 0))
        handling = sum(time[s] for s in HANDLING_STATES)
        working = handling + time["available"]
        out[agent["id"]] = {
            "handled": handled,
            "aht_seconds": round(counts.get("handle_sum", 0) / handled, 1) if handled else None,
            "occupancy": round(handling / working, 3) if working else None,
            "time": {s: round(v, 1) for s, v in time.items()},
        }
    return out
