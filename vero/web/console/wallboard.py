"""What the wallboard and the agents page show, as one JSON-ready snapshot.

The snapshot carries display-ready text (durations, percentages, state labels in the page's
language, a red/amber/green verdict) so that the browser only swaps text: formatting lives here,
once, in Python.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from telephony.complaints.store import CaseStore
from telephony.routing.router import RedisRouter
from telephony.routing.stats import queue_stats
from vero.kernel.centre import Centre
from vero.kernel.service_level import definition
from vero.web.console.agents_board import agent_rows
from vero.web.console.cases import overdue_summary
from vero.web.i18n import current_language, t

SHOWN_STATES = ("available", "busy", "break", "offline")
SETTABLE_STATES = ("available", "break", "offline")  # busy follows from the tasks
AMBER_POINTS = 0.10  # within 10 points below the target is amber, further below is red


def format_duration(seconds: float) -> str:
    """`m:ss`, or `h:mm:ss` from an hour on: what a wallboard reader scans fastest."""
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def format_span(seconds: float) -> str:
    """A target or a mean in its natural unit, to a tenth: 15 dtk, 10.2 mnt, 24 jam."""
    if seconds < 120:
        return f"{round(seconds, 1):g} {t('unit.s')}"
    if seconds < 7200:
        return f"{round(seconds / 60, 1):g} {t('unit.min')}"
    return f"{round(seconds / 3600, 1):g} {t('unit.h')}"


def verdict(service_level: float | None, goal: float) -> str:
    """green at or above the goal, amber within 10 points below it, red further below."""
    if service_level is None:
        return "none"
    if service_level >= goal:
        return "green"
    return "amber" if service_level >= round(goal - AMBER_POINTS, 3) else "red"


def shown_channels(centre: Centre, queue: str, stats: dict[str, Any]) -> list[str]:
    """The channels a queue's row shows a service level for: its first (the centre lists voice
    first) and every other that reached the queue today."""
    first = centre.queue_channels(queue)[0]
    return [ch for ch, day in stats["channels"].items() if ch == first or day["offered"]]


def queue_label(centre: Centre, queue: str) -> str:
    """A queue by the name of its skill in the page's language (the id when it has none)."""
    skill = centre.skills.get(centre.queues[queue].skill, {})
    return skill.get(current_language(), queue)


def target_text(centre: Centre, channel: str) -> str:
    """A channel's service-level goal as a supervisor reads it: 'target 80% within 15 s (Phone)'."""
    rule = definition(centre, channel)
    return (
        f"{t('wall.target')} {rule.goal:.0%} {t('wall.within')} "
        f"{format_span(rule.target_seconds)} ({t('channel.' + channel)})"
    )


def _channel_line(centre: Centre, channel: str, today: dict[str, Any]) -> dict[str, Any]:
    """One channel's service level today against its own goal and target."""
    level = today["service_level"]
    return {
        "channel": channel,
        "service_level": level,
        "service_level_text": "—" if level is None else f"{level:.0%}",
        "target_text": target_text(centre, channel),
        "verdict": verdict(level, definition(centre, channel).goal),
    }


def _queue_row(centre: Centre, queue: str, stats: dict[str, Any]) -> dict[str, Any]:
    """A queue's live figures and today's totals, with one service-level line per channel:
    channels are never mixed under one target."""
    live, today = stats["live"], stats["today"]
    return {
        "id": queue,
        "label": queue_label(centre, queue),
        "waiting": live["waiting"],
        "longest_wait": format_duration(live["longest_wait_seconds"]),
        "eligible": live["eligible_agents"],
        "offered": today["offered"],
        "answered": today["answered"],
        "abandoned": today["abandoned"],
        "lines": [
            _channel_line(centre, ch, stats["channels"][ch])
            for ch in shown_channels(centre, queue, stats)
        ],
    }


def snapshot(router: RedisRouter, cases: CaseStore) -> dict[str, Any]:
    """The live picture of every queue, agent and overdue complaint case, in the current
    request's language."""
    centre = router.centre
    now = router.clock()
    stats = queue_stats(router, now)
    agents = router.agents()
    counts = dict.fromkeys(SHOWN_STATES, 0)
    for agent in agents:
        counts[agent["shown_state"]] = counts.get(agent["shown_state"], 0) + 1
    return {
        "updated": dt.datetime.fromtimestamp(now, centre.tz).strftime("%H:%M:%S"),
        "queues": [_queue_row(centre, q, stats[q]) for q in centre.queues],
        "states": [{"state": s, "label": t("state." + s), "count": n} for s, n in counts.items()],
        "agents": agent_rows(router, agents, now),
        "overdue": overdue_summary(cases, now, centre.tz),
    }
