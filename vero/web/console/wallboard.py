"""What the wallboard and the agents page show, as one JSON-ready snapshot.

The snapshot carries display-ready text (durations, percentages, state labels in the page's
language, a red/amber/green verdict) so that the browser only swaps text: formatting lives here,
once, in Python.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from telephony.complaints.store import CaseStore
from telephony.routing.breaches import (
    BreachLog,
    Judgement,
    describe,
    judge_all,
    service_level_level,
    worst,
)
from telephony.routing.router import RedisRouter
from telephony.routing.stats import queue_stats
from vero.kernel.centre import Centre
from vero.kernel.service_level import definition
from vero.web.console.agents_board import agent_rows
from vero.web.console.cases import overdue_summary
from vero.web.console.sl_chart import chart, day_span
from vero.web.i18n import current_language, here, t

SHOWN_STATES = ("available", "busy", "break", "offline")
SETTABLE_STATES = ("available", "break", "offline")  # busy follows from the tasks


def format_duration(seconds: float) -> str:
    """`m:ss`, or `h:mm:ss` from an hour on: what a wallboard reader scans fastest."""
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def format_span(seconds: float) -> str:
    """A target or a mean in its natural unit, to a tenth, in local form: 15 dtk, 10,2 mnt."""
    if seconds < 120:
        value, unit = seconds, "unit.s"
    elif seconds < 7200:
        value, unit = seconds / 60, "unit.min"
    else:
        value, unit = seconds / 3600, "unit.h"
    shown = float(round(value, 1))
    return f"{here().number(shown, 0 if shown.is_integer() else 1)} {t(unit)}"


def verdict(service_level: float | None, goal: float) -> str:
    """green at or above the goal, amber within 10 points below it, red further below."""
    return service_level_level(service_level, goal)


def shown_channels(centre: Centre, queue: str, stats: dict[str, Any]) -> list[str]:
    """The channels a queue's row shows a line for: its first (the centre lists voice first) and
    every other that reached the queue today or has contacts waiting."""
    first = centre.queue_channels(queue)[0]
    return [
        ch
        for ch, day in stats["channels"].items()
        if ch == first or day["offered"] or stats["by_channel"][ch]["live"]["waiting"]
    ]


def queue_label(centre: Centre, queue: str) -> str:
    """A queue by its name in the page's language (Centre.queue_name: never two alike)."""
    return centre.queue_name(queue, current_language())


def queue_subtitle(centre: Centre, queue: str) -> str:
    """What the row's title leaves out: the skill of a named queue, else the queue's id."""
    spec = centre.queues[queue]
    if current_language() in spec.names:
        return centre.skills[spec.skill][current_language()]
    return queue


def target_text(centre: Centre, channel: str) -> str:
    """A channel's service-level goal as a supervisor reads it: 'target 80% within 15 s (Phone)'."""
    rule = definition(centre, channel)
    return (
        f"{t('wall.target')} {here().percent(rule.goal)} {t('wall.within')} "
        f"{format_span(rule.target_seconds)} ({t('channel.' + channel)})"
    )


def _minute_of_day(centre: Centre, now: float) -> int:
    local = dt.datetime.fromtimestamp(now, centre.tz)
    return local.hour * 60 + local.minute


def _channel_line(
    centre: Centre,
    queue: str,
    channel: str,
    stats: dict[str, Any],
    judged: Judgement,
    since: float | None,
    span: tuple[int, int],
    now: float,
) -> dict[str, Any]:
    """One queue on one channel, against that channel's own goal and answer target."""
    today, per = stats["channels"][channel], stats["by_channel"][channel]
    live, rule, lang = per["live"], definition(centre, channel), here()
    level = today["service_level"]
    counted = today["answered"] + today["abandoned"]
    line = {
        "channel": channel,
        "channel_text": t("channel." + channel),
        "service_level": level,
        "service_level_text": "—" if level is None else lang.percent(level),
        "target_text": target_text(centre, channel),
        "target_short": f"{lang.percent(rule.goal)} / {format_span(rule.target_seconds)}",
        "verdict": judged.service_level,
        "state": judged.state,
        "state_text": t("wall.state_" + judged.state),
        "waiting": live["waiting"],
        "wait_level": judged.wait,
        "longest_wait": format_duration(live["longest_wait_seconds"]),
        "eligible": live["eligible_agents"],
        "ready_level": "red" if judged.no_agents else "none",
        "offered": today["offered"],
        "answered": today["answered"],
        "abandon_rate_text": "—" if not counted else lang.percent(today["abandoned"] / counted),
        "chart": chart(per["buckets"], rule.goal, span, _minute_of_day(centre, now), lang),
        "breach": bool(judged.reasons),
        "breach_since": since,
    }
    line["reasons_text"] = describe(centre, channel, judged, today, live, lang)
    line["since_text"] = (
        ""
        if since is None
        else t(
            "alert.since",
            time=lang.time(dt.datetime.fromtimestamp(since, centre.tz)),
            duration=lang.duration(max(0.0, now - since)),
        )
    )
    return line


def _queue_row(
    centre: Centre,
    queue: str,
    stats: dict[str, Any],
    judged: dict[tuple[str, str], Judgement],
    since: dict[tuple[str, str], float],
    span: tuple[int, int],
    now: float,
) -> dict[str, Any]:
    """A queue's live figures and today's totals, with one line per channel: channels are never
    mixed under one target. A queue with nothing offered and nothing waiting today is `quiet`."""
    live, today = stats["live"], stats["today"]
    lines = [
        _channel_line(
            centre, queue, ch, stats, judged[queue, ch], since.get((queue, ch)), span, now
        )
        for ch in shown_channels(centre, queue, stats)
    ]
    lines.sort(key=lambda line: not line["breach"])  # a line in breach first
    state = worst(line["state"] for line in lines)
    return {
        "id": queue,
        "label": queue_label(centre, queue),
        "subtitle": queue_subtitle(centre, queue),
        "waiting": live["waiting"],
        "longest_wait": format_duration(live["longest_wait_seconds"]),
        "eligible": live["eligible_agents"],
        "offered": today["offered"],
        "answered": today["answered"],
        "abandoned": today["abandoned"],
        "quiet": not today["offered"] and not live["waiting"],
        "state": state,
        "breach": any(line["breach"] for line in lines),
        "lines": lines,
    }


def queue_rows(router: RedisRouter, stats: dict[str, Any], now: float) -> list[dict[str, Any]]:
    """Every queue's row, those in breach first, then in the centre's order (a row moves only
    when a breach begins or ends: the board does not reshuffle at every change of colour); the
    breaches' starts are kept in the shared `BreachLog`."""
    centre = router.centre
    judged = judge_all(centre, stats)
    since = BreachLog(router.redis, router.keys).update(
        (line for line, judgement in judged.items() if judgement.reasons), now
    )
    buckets = [b for q in stats.values() for b in q["buckets"]]
    span = day_span(centre, dt.datetime.fromtimestamp(now, centre.tz).date(), buckets)
    rows = [_queue_row(centre, q, stats[q], judged, since, span, now) for q in centre.queues]
    order = list(centre.queues)
    return sorted(rows, key=lambda r: (r["quiet"], not r["breach"], order.index(r["id"])))


def quiet_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The one compact line of the queues with no contacts today."""
    quiet = [r for r in rows if r["quiet"]]
    return {
        "count": len(quiet),
        "text": t("wall.quiet", count=len(quiet)) if quiet else "",
        "names": " · ".join(r["label"] for r in quiet),
    }


def alerts(rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The lines in breach, the longest-running first, as the board's alert list shows them."""
    found = [(r, line) for r in rows for line in r["lines"] if line["breach"]]
    found.sort(key=lambda pair: pair[1]["breach_since"] or 0.0)
    return [
        {
            "line": f"{r['id']}|{line['channel']}",
            "title": f"{r['label']} · {line['channel_text']}",
            "reasons_text": line["reasons_text"],
            "since_text": line["since_text"],
        }
        for r, line in found
    ]


def layout(rows: list[dict[str, Any]]) -> str:
    """The board's shape (which lines in which order, which queues quiet): when a push brings
    another, live.js reloads the page instead of swapping text."""
    shown = [f"{r['id']}|{line['channel']}" for r in rows if not r["quiet"] for line in r["lines"]]
    return " ".join(shown) + " /" + " ".join(r["id"] for r in rows if r["quiet"])


def snapshot(router: RedisRouter, cases: CaseStore) -> dict[str, Any]:
    """The live picture of every queue, agent and overdue complaint case, in the current
    request's language."""
    centre = router.centre
    now = router.clock()
    stats = queue_stats(router, now)
    rows = queue_rows(router, stats, now)
    agents = router.agents()
    counts = dict.fromkeys(SHOWN_STATES, 0)
    for agent in agents:
        counts[agent["shown_state"]] = counts.get(agent["shown_state"], 0) + 1
    return {
        "updated": dt.datetime.fromtimestamp(now, centre.tz).strftime("%H:%M:%S"),
        "queues": rows,
        "layout": layout(rows),
        "quiet": quiet_summary(rows),
        "alerts": alerts(rows),
        "states": [{"state": s, "label": t("state." + s), "count": n} for s, n in counts.items()],
        "agents": agent_rows(router, agents, now),
        "overdue": overdue_summary(cases, now, centre.tz),
    }
