"""Real-time adherence: each agent's scheduled activity now (the published roster) against the
state they show (the agent-state timeline), with the minutes out of adherence and the day's
adherence so far (wfm/adherence.py); filtered by group, refreshed in place by adherence.js.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, render_template, request

from telephony.routing.agent_states import AgentStates
from telephony.routing.router import RedisRouter
from telephony.services import services
from vero.web.console.roster_publish import published
from vero.web.i18n import here, t
from wfm.adherence import (
    BREAK,
    Segment,
    adheres,
    evaluate,
    minutes_out,
    scheduled_at,
    timeline,
)
from wfm.roster_schedule import Scheduled


def board(
    router: RedisRouter, states: AgentStates, group: str = "", now: float | None = None
) -> dict[str, Any]:
    """Display-ready rows of every agent (out of adherence first, longest out first)."""
    moment = router.timestamp(now)
    tz = router.centre.tz
    day = dt.datetime.fromtimestamp(moment, tz).date()
    start = dt.datetime.combine(day, dt.time(), tz).timestamp()
    found = published(router, day)
    schedules: dict[str, Scheduled] = found[0] if found else {}
    segments = timeline(states.rows([day])[day], start, moment)
    live = {a["id"]: a for a in router.agents()}
    groups = sorted({s.group for s in schedules.values() if s.group})
    rows: list[dict[str, Any]] = []
    for agent_id in sorted(set(schedules) | set(live)):
        plan = schedules.get(agent_id)
        if group and (plan is None or plan.group != group):
            continue
        agent = live.get(agent_id, {})
        shown = agent.get("shown_state", "offline")
        own = segments.get(agent_id) or [
            Segment(max(start, float(agent.get("since", start))), moment, shown)
        ]
        activities = plan.activities if plan else ()
        today = evaluate(activities, own, start, moment)
        scheduled = scheduled_at(activities, moment)
        out = not adheres(scheduled, shown)
        minutes = minutes_out(today.exceptions, moment) if out else 0.0
        rows.append(
            {
                "id": agent_id,
                "name": (plan.name if plan else "") or agent.get("name", "") or agent_id,
                "group": plan.group if plan else "",
                "scheduled": t(f"rta.activity.{scheduled}"),
                "scheduled_kind": scheduled,
                "shift": _shift_text(plan, tz),
                "state": shown,
                "state_text": t(f"state.{shown}"),
                "out": out,
                "minutes": minutes,
                "out_text": t(
                    "rta.out_for",
                    state=t(f"state.{shown}"),
                    span=here().duration(round(minutes) * 60),
                )
                if out
                else "",
                "since": t(
                    "rta.since",
                    time=here().time(dt.datetime.fromtimestamp(own[-1].start, tz)),
                )
                if agent_id in segments or agent
                else "",  # never seen by the router: no since to tell
                "adherence": "—" if today.adherence is None else here().percent(today.adherence),
            }
        )
    rows.sort(key=lambda r: (not r["out"], -r["minutes"], r["name"]))
    return {
        "published": found is not None,
        "day": here().date(day),
        "clock": here().time(dt.datetime.fromtimestamp(moment, tz)),
        "groups": groups,
        "group": group,
        "rows": rows,
        "out_count": sum(r["out"] for r in rows),
    }


def _shift_text(plan: Scheduled | None, tz: dt.tzinfo) -> str:
    """'09.00–17.00 · istirahat 12.00–13.00' (the page's time format), or the day off."""
    if plan is None:
        return t("rta.not_rostered")
    if not plan.activities:
        return t("rta.day_off")

    def hhmm(epoch: float) -> str:
        return here().time(dt.datetime.fromtimestamp(epoch, tz))

    text = f"{hhmm(plan.activities[0].start)}–{hhmm(plan.activities[-1].end)}"
    pauses = [a for a in plan.activities if a.kind == BREAK]
    for pause in pauses:
        text += f" · {t('rta.break_at', span=f'{hhmm(pause.start)}–{hhmm(pause.end)}')}"
    return text


def adherence() -> str:
    svc = services()
    states = AgentStates(svc.redis, svc.router.keys, svc.centre, svc.settings.data_dir)
    data = board(svc.router, states, request.args.get("group", ""))
    return render_template("console/adherence.html", rta=data)


def add_routes(bp: Blueprint) -> None:
    """The page on the planning blueprint (its login guard applies)."""
    bp.add_url_rule("/adherence", view_func=adherence, methods=["GET"])
