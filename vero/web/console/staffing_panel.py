"""The wallboard's "required vs scheduled vs on duty" panel: per staffing group and interval of
today, the agents the staffing model requires (the published roster's requirements), the agents
the roster schedules to work, and the agents actually working (available, busy or in wrap-up):
for past intervals from the agent-state timeline, for now from the router's agents.

Drawn as a small SVG per group (scheduled as bars, required as a step line, on duty as dots)
with the current interval's three numbers beside it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, render_template

from telephony.routing.agent_states import AgentStates
from telephony.routing.router import RedisRouter
from telephony.services import services
from vero.web.console.roster_publish import published
from vero.web.i18n import here, t
from wfm.adherence import WORK, WORKING, scheduled_at, state_at, timeline

WIDTH, HEIGHT, TOP = 640, 110, 8  # the SVG's drawing area (px)


def panel(router: RedisRouter, states: AgentStates, now: float | None = None) -> dict[str, Any]:
    """Display-ready groups of today's published roster (empty when none is published)."""
    moment = router.timestamp(now)
    tz = router.centre.tz
    day = dt.datetime.fromtimestamp(moment, tz).date()
    found = published(router, day)
    if found is None:
        return {"published": False, "groups": []}
    schedules, payload = found
    minutes = int(payload.get("interval_minutes") or 15)
    midnight = dt.datetime.combine(day, dt.time(), tz).timestamp()
    segments = timeline(states.rows([day])[day], midnight, moment)
    live = {a["id"]: a["shown_state"] for a in router.agents()}
    required: dict[str, dict[str, float]] = payload.get("required", {})
    groups = sorted({s.group for s in schedules.values()} | set(required))
    result = []
    for group in groups:
        members = [s for s in schedules.values() if s.group == group]
        slots = sorted(
            set(required.get(group, {}))
            | {_slot(a.start, tz, minutes) for s in members for a in s.activities}
        )
        if not slots:
            continue
        first = min(_at(midnight, s) for s in slots)
        last = max(max(_at(midnight, s) for s in slots) + minutes * 60, _shift_end(members))
        rows = []
        at = first
        while at < last:
            middle = at + minutes * 30
            slot = _slot(at, tz, minutes)
            if at <= moment < at + minutes * 60:
                duty: int | None = sum(live.get(s.agent) in WORKING for s in members)
            elif middle <= moment:
                duty = sum(state_at(segments.get(s.agent, []), middle) in WORKING for s in members)
            else:
                duty = None
            rows.append(
                {
                    "slot": slot,
                    "required": required.get(group, {}).get(slot, 0.0),
                    "scheduled": sum(scheduled_at(s.activities, middle) == WORK for s in members),
                    "on_duty": duty,
                    "now": at <= moment < at + minutes * 60,
                }
            )
            at += minutes * 60
        known = router.centre.staffing_groups.get(group)
        channels = ", ".join(t(f"channel.{c}") for c in known.channels) if known else ""
        result.append({"group": group, "channels": channels, **_drawing(rows)})
    return {"published": True, "groups": result}


def _at(midnight: float, slot: str) -> float:
    hours, mins = slot.split(":")
    return midnight + int(hours) * 3600 + int(mins) * 60


def _slot(epoch: float, tz: dt.tzinfo, minutes: int) -> str:
    local = dt.datetime.fromtimestamp(epoch, tz)
    start = (local.hour * 60 + local.minute) // minutes * minutes
    return f"{start // 60:02d}:{start % 60:02d}"


def _shift_end(members: list) -> float:
    return max((a.end for s in members for a in s.activities), default=0.0)


def _drawing(rows: list[dict]) -> dict[str, Any]:
    """SVG coordinates and the current interval's figures."""
    top = max([1.0] + [max(r["required"], r["scheduled"], r["on_duty"] or 0) for r in rows])
    step = WIDTH / len(rows)

    def y(value: float) -> float:
        return round(TOP + (HEIGHT - TOP) * (1 - value / top), 1)

    bars, line, dots = [], [], []
    for k, r in enumerate(rows):
        x = round(k * step, 1)
        bars.append(
            {
                "x": x,
                "y": y(r["scheduled"]),
                "w": round(step * 0.8, 1),
                "h": round(HEIGHT - y(r["scheduled"]), 1),
            }
        )
        line += [f"{x},{y(r['required'])}", f"{round(x + step, 1)},{y(r['required'])}"]
        if r["on_duty"] is not None:
            short = r["on_duty"] < r["required"]
            dots.append({"x": round(x + step * 0.4, 1), "y": y(r["on_duty"]), "short": short})
    current = next((r for r in rows if r["now"]), None)
    lang = here()
    ticks = [
        {"x": round(k * step, 1), "text": r["slot"]}
        for k, r in enumerate(rows)
        if r["slot"].endswith(":00") and int(r["slot"][:2]) % 2 == 0
    ]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "bars": bars,
        "required_line": " ".join(line),
        "dots": dots,
        "ticks": ticks,
        "top_text": lang.number(top, 0),  # the scale: agents at the top of the drawing
        "now_x": next(
            (round(k * step + step / 2, 1) for k, r in enumerate(rows) if r["now"]), None
        ),
        "current": None
        if current is None
        else {
            "slot": current["slot"],
            "required": lang.number(current["required"], 1),
            "scheduled": lang.number(current["scheduled"], 0),
            "on_duty": lang.number(current["on_duty"] or 0, 0),
            "short": (current["on_duty"] or 0) < current["required"],
        },
    }


def staffing_panel() -> dict[str, Any]:
    svc = services()
    states = AgentStates(svc.redis, svc.router.keys, svc.centre, svc.settings.data_dir)
    return panel(svc.router, states)


def panel_page() -> str:
    """The panel alone: what its refresh fetches, instead of the whole wallboard (whose
    snapshot the stream already pushes)."""
    return render_template("console/_staffing.html")


def add_routes(bp: Blueprint) -> None:
    """`staffing_panel()` for the wallboard's partial (console/_staffing.html), and the
    partial on its own for its refresh."""
    bp.app_context_processor(lambda: {"staffing_panel": staffing_panel})
    bp.add_url_rule("/staffing-panel", view_func=panel_page, methods=["GET"])
