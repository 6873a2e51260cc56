"""When a queue's channel is in breach, and since when: the one rule the wallboard's colours, its
alert banner and the duty supervisor's messages share.

A line (one queue on one channel) is judged on three signals against the channel's own target
(vero.kernel.service_level): its service level today (below the goal with contacts counted),
its longest wait (amber from half the answer target, red from the target) and contacts waiting
with no agent ready to take them. Its state is the worst of its signals, so a chat waiting 25
minutes with nobody ready never looks fine beside a green 97 %.

`BreachLog` keeps in Redis since when each line has been in breach, for every process that
looks (the web's snapshots, the dispatcher's alerts): the first to see a breach writes its
start, the first to see it over deletes it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from telephony.keys import Keys
from vero.kernel.centre import Centre
from vero.kernel.language import Language
from vero.kernel.redis_client import Client, text
from vero.kernel.service_level import definition

Level = Literal["none", "green", "amber", "red"]
ORDER: dict[Level, int] = {"red": 0, "amber": 1, "green": 2, "none": 3}  # worst first
AMBER_SHARE = 0.5  # a wait is amber from half the channel's answer target, red from all of it
AMBER_POINTS = 0.10  # a service level within 10 points below its goal is amber, lower is red
REASONS = ("service_level", "wait", "no_agents")
LOG_TTL = 2 * 86400  # the log expires two days after its last change


def worst(levels: Iterable[Level]) -> Level:
    """The most serious of `levels` ('none' when there are none)."""
    return min(levels, key=ORDER.__getitem__, default="none")


def wait_level(seconds: float, target_seconds: float, waiting: int = 1) -> Level:
    """A wait against its answer target: red from the target, amber from half of it."""
    if not waiting:
        return "none"
    if seconds >= target_seconds:
        return "red"
    return "amber" if seconds >= AMBER_SHARE * target_seconds else "green"


def service_level_level(level: float | None, goal: float) -> Level:
    """green at or above the goal, amber within 10 points below it, red further below."""
    if level is None:
        return "none"
    if level >= goal:
        return "green"
    return "amber" if level >= round(goal - AMBER_POINTS, 3) else "red"


@dataclass(frozen=True)
class Judgement:
    """One line's signals, its state (the worst of them) and why it breaches (none: it does not)."""

    service_level: Level
    wait: Level
    no_agents: bool
    reasons: tuple[str, ...]

    @property
    def state(self) -> Level:
        return worst((self.service_level, self.wait, "red" if self.no_agents else "none"))


def judge(
    centre: Centre, channel: str, today: Mapping[str, Any], live: Mapping[str, Any]
) -> Judgement:
    """A line's judgement from its figures today (`queue_stats`' channels[ch]) and its live
    figures (`by_channel[ch]["live"]`)."""
    rule = definition(centre, channel)
    level = service_level_level(today["service_level"], rule.goal)
    wait = wait_level(live["longest_wait_seconds"], rule.target_seconds, live["waiting"])
    no_agents = live["waiting"] > 0 and live["eligible_agents"] == 0
    below = today["service_level"] is not None and today["service_level"] < rule.goal
    flags = (below, wait == "red", no_agents)
    return Judgement(
        level, wait, no_agents, tuple(r for r, f in zip(REASONS, flags, strict=True) if f)
    )


def describe(
    centre: Centre,
    channel: str,
    judgement: Judgement,
    today: Mapping[str, Any],
    live: Mapping[str, Any],
    lang: Language,
) -> str:
    """Why a line breaches, in `lang`: 'longest wait 25 min 33 s, past the 5 min target · …'."""
    rule = definition(centre, channel)
    texts = {
        "service_level": lambda: lang.text(
            "alert.service_level",
            level=lang.percent(today["service_level"]),
            goal=lang.percent(rule.goal),
        ),
        "wait": lambda: lang.text(
            "alert.wait",
            wait=lang.duration(live["longest_wait_seconds"]),
            target=lang.duration(rule.target_seconds),
        ),
        "no_agents": lambda: lang.text("alert.no_agents", count=live["waiting"]),
    }
    return " · ".join(texts[reason]() for reason in judgement.reasons)


def judge_all(centre: Centre, stats: Mapping[str, Any]) -> dict[tuple[str, str], Judgement]:
    """Every line (queue, channel) of `queue_stats` judged."""
    return {
        (queue, channel): judge(centre, channel, today, stats[queue]["by_channel"][channel]["live"])
        for queue in centre.queues
        for channel, today in stats[queue]["channels"].items()
    }


class BreachLog:
    """Since when each line in breach has been so (a Redis hash, `Keys.breaches`)."""

    def __init__(self, client: Client, keys: Keys) -> None:
        self.redis, self.keys = client, keys

    def update(
        self, breaching: Iterable[tuple[str, str]], now: float
    ) -> dict[tuple[str, str], float]:
        """Record the lines breaching now (a new one starts now, an ended one is forgotten);
        returns each breaching line's start."""
        key = self.keys.breaches()
        current = {f"{queue}|{channel}" for queue, channel in breaching}
        known = {text(field) for field in self.redis.hkeys(key)}
        with self.redis.pipeline(transaction=False) as pipe:
            for field in current - known:
                pipe.hsetnx(key, field, str(now))
            for field in known - current:
                pipe.hdel(key, field)
            if current:
                pipe.expire(key, LOG_TTL)
            pipe.hgetall(key)
            since = pipe.execute()[-1]
        return {
            (queue, channel): float(value)
            for field, value in since.items()
            if (name := text(field)) in current
            for queue, channel in [name.split("|", 1)]
        }
