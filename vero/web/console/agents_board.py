"""The agents page's rows: who each agent is (groups, skills, languages), what they are doing
since when, and how their day went (handled, average handle time, occupancy), as display-ready
text for the page and its live push (the wallboard's `snapshot` carries them).

"Since" is when the shown state began: a call, a wrap-up or the return to available resets it
(the router records it, lib.lua `put_status`). The day's figures are `stats.agent_day`'s.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from telephony.ivr.call_control import is_live
from telephony.routing.errors import RoutingError
from telephony.routing.router import RedisRouter
from telephony.routing.stats import agent_day
from vero.kernel.centre import Centre
from vero.web.i18n import current_language, here, t


def live_call(router: RedisRouter, agent: dict[str, Any]) -> str:
    """The task of the agent's live call ('' when on none): what a supervisor may monitor."""
    for task_id in agent["tasks"] if agent["load"].get("voice") else ():
        try:
            if is_live(router.task(task_id)):
                return task_id
        except RoutingError:  # ended meanwhile
            continue
    return ""


def agent_groups(centre: Centre, agent: dict[str, Any]) -> list[str]:
    """The staffing groups an agent can work in: a group one of its channels (capacity above
    zero), skills (a queue's skill) and languages is covered by."""
    channels = [ch for ch, cap in agent["capacity"].items() if cap > 0 and ch in centre.channels]
    queues = [q for q, rule in centre.queues.items() if rule.skill in agent["skills"]]
    return [
        name
        for name, group in centre.staffing_groups.items()
        if any(
            group.covers(ch, q, lang)
            for ch in channels
            for q in queues
            if ch in centre.queue_channels(q)
            for lang in agent["languages"]
        )
    ]


def skill_label(centre: Centre, skill: str) -> str:
    """A skill's short name in the page's language: its name before any parenthesis
    ('Konsultasi produk (bahan, jenis kulit)' reads 'Konsultasi produk'); the id if unnamed."""
    return centre.skills.get(skill, {}).get(current_language(), skill).split(" (")[0]


def skill_options(centre: Centre) -> list[dict[str, str]]:
    """The skills the skill filter offers: every skill of the centre, by its name."""
    return [{"id": s, "label": skill_label(centre, s)} for s in centre.skills]


def agent_row(
    centre: Centre, agent: dict[str, Any], day: dict[str, Any], now: float, call: str = ""
) -> dict[str, Any]:
    """One agent's row: every text formatted in the page's language."""
    lang = here()
    load = agent["load"]
    parts = [
        # a channel's figure never wraps inside
        f"{t('channel.' + ch)} {load.get(ch, 0)}/{cap}".replace(" ", "\u00a0")
        for ch, cap in agent["capacity"].items()
        if cap > 0 and ch in centre.channels
    ]
    since = dt.datetime.fromtimestamp(agent["shown_since"], centre.tz)
    skills = sorted(agent["skills"].items(), key=lambda item: (-item[1], item[0]))
    aht, occupancy = day["aht_seconds"], day["occupancy"]
    return {
        "id": agent["id"],
        "name": agent["name"] or agent["id"],
        "groups": agent_groups(centre, agent),
        "skills": [
            {"id": s, "label": skill_label(centre, s), "level": level} for s, level in skills
        ],
        "languages_text": " · ".join(code.upper() for code in agent["languages"]),
        "state": agent["shown_state"],
        "chosen": agent["state"],  # the drop-down's: what the agent chose (busy follows)
        "state_label": t("state." + agent["shown_state"]),
        "reason": agent["reason"],
        "since": lang.time(since),
        "for": lang.duration(now - agent["shown_since"]),
        "handled": day["handled"],
        "aht_text": "—" if aht is None else lang.duration(aht),
        "occupancy_text": "—" if occupancy is None else lang.percent(occupancy),
        "load_text": " · ".join(parts),
        "call": call,
    }


def agent_rows(router: RedisRouter, agents: list[dict[str, Any]], now: float) -> list[dict]:
    """Every agent's row, with today's figures read once for all of them."""
    days = agent_day(router, agents, now)
    return [agent_row(router.centre, a, days[a["id"]], now, live_call(router, a)) for a in agents]
