"""A busy Wednesday afternoon in the reference centre for the wallboard's tests: today's counters
per 15 minutes since opening (written as the router's scripts write them), agents in several
states and contacts waiting, among them a chat waiting 25:33 with no agent ready beside that
queue's green 97 %."""

from __future__ import annotations

import datetime as dt
import json

from flask import Flask

from telephony.routing.breaches import BreachLog
from telephony.services import services

TZ = dt.timezone(dt.timedelta(hours=7))  # Asia/Jakarta
NOW = dt.datetime(2026, 12, 2, 14, 20, tzinfo=TZ).timestamp()  # a Wednesday, open 08-21
DAY = "2026-12-02"
# queue, channel: contacts per 15 minutes, share answered within target, share abandoned
PROFILE = {
    ("general", "voice"): (28, 0.86, 0.04),
    ("general", "chat"): (9, 0.91, 0.02),
    ("orders", "voice"): (18, 0.81, 0.05),
    ("orders", "whatsapp"): (6, 0.96, 0.0),
    ("complaints", "voice"): (10, 0.74, 0.08),
    ("complaints", "chat"): (5, 0.97, 0.0),
    ("product", "voice"): (11, 0.88, 0.03),
    ("vip", "voice"): (3, 1.0, 0.0),
    ("backoffice", "email"): (2, 1.0, 0.0),
}
DIP = {"10:45", "11:00", "11:15"}  # a late-morning peak: service levels dip


def bucket_counts(per: int, in_target: float, abandon: float, dip: bool) -> dict[str, float]:
    offered = per + (per // 3 if dip else 0)
    abandoned = round(offered * (abandon * 2 if dip else abandon))
    answered = offered - abandoned
    within = min(answered, round(offered * (in_target - (0.18 if dip else 0.0))))
    return {
        "offered": offered,
        "answered": answered,
        "answered_in_target": within,
        "abandoned": abandoned,
        "wait_sum": answered * (24.0 if dip else 9.0),
    }


def seed_counters(app: Flask, until: float = NOW) -> None:
    """Today's counters from opening (08:00) to the bucket before `until`."""
    with app.app_context():
        router = services().router
        key = router.keys.stats(DAY)
        end = dt.datetime.fromtimestamp(until, TZ)
        moment = end.replace(hour=8, minute=0)
        fields: dict[str, float] = {}
        while moment + dt.timedelta(minutes=15) <= end:
            bucket = moment.strftime("%H:%M")
            for (queue, channel), profile in PROFILE.items():
                for metric, value in bucket_counts(*profile, bucket in DIP).items():
                    for slot in (bucket, "day"):
                        field = f"{queue}|{channel}|{slot}|{metric}"
                        fields[field] = fields.get(field, 0) + value
            moment += dt.timedelta(minutes=15)
        router.redis.hset(key, mapping=fields)


def publish_forecast(app: Flask) -> None:
    """Today's forecast as the Forecast page publishes it: each busy line's volume per
    15 minutes from 08:00 to 21:00, a little above what came."""
    slots = [f"{h:02d}:{m:02d}" for h in range(8, 21) for m in (0, 15, 30, 45)]
    series = {
        f"{queue}|{channel}": {slot: round(per * 1.1, 2) for slot in slots}
        for (queue, channel), (per, _, _) in PROFILE.items()
    }
    with app.app_context():
        router = services().router
        payload = {"interval_minutes": 15, "series": series}
        router.redis.set(router.keys.published_forecast(DAY), json.dumps(payload))


def busy_afternoon(app: Flask) -> None:
    """The router's clock at NOW, the counters, six agents and the contacts waiting now."""
    with app.app_context():
        router = services().router
        router.clock = lambda: NOW
        seed_counters(app)
        team = {
            "budi": ({"general": 2, "orders": 2}, ("id",), "available"),
            "sari": ({"general": 1, "orders": 1, "product": 2}, ("id",), "available"),
            "dewi": ({"complaints": 4, "general": 2}, ("id", "en"), "break"),
            "rina": ({"complaints": 3}, ("id",), "offline"),
            "eko": ({"vip": 4, "general": 3}, ("id", "en"), "break"),
            "tono": ({"qc": 2, "rnd": 1}, ("id",), "available"),
        }
        for agent, (skills, languages, state) in team.items():
            router.upsert_agent(
                agent, skills, languages, {"voice": 1, "chat": 3, "email": 10}, name=agent.title()
            )
            router.set_agent_state(agent, state)
        # English callers wait for general: the two agents ready speak only Indonesian
        router.enqueue("t-en-1", "voice", "general", "en", created=NOW - 9)
        router.enqueue("t-en-2", "voice", "general", "en", created=NOW - 4)
        # a chat about a complaint, 25:33 in the queue, nobody with the skill ready
        router.enqueue("t-chat-1", "chat", "complaints", "id", created=NOW - 1533)
        router.enqueue("t-voice-1", "voice", "complaints", "id", created=NOW - 21)
        BreachLog(router.redis, router.keys).update([("complaints", "chat")], NOW - 754)
