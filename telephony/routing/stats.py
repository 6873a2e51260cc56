"""Queue statistics as supervisors read them: live (waiting, longest wait, agents) and today's
counters per 15-minute bucket (offered, answered, within target, abandoned, ASA, service level).

Service level = answered within target / (answered + abandoned): an abandoned contact counts
against the queue.
"""

from __future__ import annotations

import json
from collections import defaultdict

from telephony.routing.policy import rules
from telephony.routing.router import RedisRouter
from vero.kernel.redis_client import text

METRICS = ("offered", "answered", "answered_in_target", "abandoned", "canceled", "wait_sum")


def _figures(counts: dict[str, float]) -> dict[str, float | int | None]:
    answered, abandoned = counts.get("answered", 0), counts.get("abandoned", 0)
    handled = answered + abandoned
    return {
        "offered": int(counts.get("offered", 0)),
        "answered": int(answered),
        "answered_in_target": int(counts.get("answered_in_target", 0)),
        "abandoned": int(abandoned),
        "canceled": int(counts.get("canceled", 0)),
        "asa_seconds": round(counts.get("wait_sum", 0) / answered, 1) if answered else None,
        "service_level": round(counts.get("answered_in_target", 0) / handled, 3)
        if handled
        else None,
    }


def queue_stats(router: RedisRouter, now: float | None = None) -> dict[str, dict]:
    now = router.timestamp(now)
    centre, layout = router.centre, router.layout
    day, _ = router.local_bucket(now)

    waiting_ids: dict[str, list[str]] = defaultdict(list)
    with router.redis.pipeline(transaction=False) as pipe:
        slots = []
        for queue, q in centre.queues.items():
            for channel in centre.queue_channels(queue):
                for step in range(len(q.steps)):
                    for lang in centre.languages:
                        pipe.zrange(layout.wait_key(queue, channel, step, lang), 0, -1)
                        slots.append(queue)
        for queue, ids in zip(slots, pipe.execute(), strict=True):
            waiting_ids[queue] += [i.decode() for i in ids]
    all_ids = [i for ids in waiting_ids.values() for i in ids]
    created = {}
    if all_ids:
        for raw in router.redis.hmget(router.keys.tasks(), all_ids):
            if raw:
                task = json.loads(raw)
                created[task["id"]] = task["created"]

    agents = router.agents()
    counters: dict[str, dict[str, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    for field, value in router.redis.hgetall(router.keys.stats(day)).items():
        queue, _channel, bucket, metric = text(field).split("|")
        slot = counters[queue][bucket]
        slot[metric] = slot.get(metric, 0) + float(value)

    out = {}
    for queue, q in centre.queues.items():
        ages = [now - created[i] for i in waiting_ids[queue] if i in created]
        channels = centre.queue_channels(queue)
        eligible = [
            a
            for a in agents
            if a["state"] == "available"
            and q.skill in a["skills"]
            and any(rules.has_room(centre, a["capacity"], a["load"], ch) for ch in channels)
        ]
        buckets = {b: _figures(c) for b, c in sorted(counters[queue].items()) if b != "day"}
        out[queue] = {
            "live": {
                "waiting": len(ages),
                "longest_wait_seconds": round(max(ages), 1) if ages else 0.0,
                "available_agents": sum(a["state"] == "available" for a in agents),
                "eligible_agents": len(eligible),
            },
            "today": _figures(counters[queue].get("day", {})),
            "buckets": buckets,
        }
    return out
