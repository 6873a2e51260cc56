"""Publishing a finished roster run for the live side: real-time adherence and the wallboard's
required-vs-scheduled panel read the published roster from Redis, one key per local day
(`Keys.published_roster`, expiring two days after its day, like the published forecast).

A day holds every agent of the roster with their scheduled activities (shift and break as
epoch seconds; none on a day off) and each group's required agents per interval, from the run's
requirements CSV (the staffing model's output the roster was solved against).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from flask import Blueprint, abort, redirect, url_for
from flask.typing import ResponseReturnValue

from telephony.routing.router import RedisRouter
from telephony.services import services
from vero.kernel.errors import VeroError
from vero.web.console.runs import read_status, run_folder
from wfm.adherence import Activity
from wfm.roster_schedule import Scheduled, read_required, read_roster

KEEP_DAYS = 2  # a day's key outlives the day by this many days


def publish(router: RedisRouter, folder: Path, now: float | None = None) -> list[str]:
    """Write the run's days from today (centre local time) on; returns those days."""
    tz = router.centre.tz
    today = dt.datetime.fromtimestamp(router.timestamp(now), tz).date()
    roster = read_roster(folder / "roster.csv", tz)
    minutes, required = (
        read_required(folder / "requirements.csv")
        if (folder / "requirements.csv").exists()
        else (0, {})
    )
    days = [day for day in sorted(roster) if day >= today]
    if not days:
        raise VeroError(f"the roster has no day from {today} on to publish", field="run")
    with router.redis.pipeline(transaction=False) as pipe:
        for day in days:
            payload = {
                "interval_minutes": minutes,
                "agents": {
                    a.agent: {
                        "name": a.name,
                        "group": a.group,
                        "activities": [[x.start, x.end, x.kind] for x in a.activities],
                    }
                    for a in roster[day].values()
                },
                "required": required.get(day, {}),
            }
            ends = dt.datetime.combine(day + dt.timedelta(days=1 + KEEP_DAYS), dt.time(), tz)
            pipe.set(
                router.keys.published_roster(day.isoformat()),
                json.dumps(payload),
                exat=int(ends.timestamp()),
            )
        pipe.execute()
    return [day.isoformat() for day in days]


def published(router: RedisRouter, day: dt.date) -> tuple[dict[str, Scheduled], dict] | None:
    """A published day: each agent's schedule, and the payload's interval minutes and
    requirements; None when nothing is published for it."""
    raw = router.redis.get(router.keys.published_roster(day.isoformat()))
    if raw is None:
        return None
    payload = json.loads(raw)
    agents = {
        agent: Scheduled(
            agent,
            entry["name"],
            entry["group"],
            tuple(Activity(float(s), float(e), k) for s, e, k in entry["activities"]),
        )
        for agent, entry in payload["agents"].items()
    }
    return agents, payload


def publish_roster(run_id: str) -> ResponseReturnValue:
    folder = run_folder("roster", run_id)
    if read_status("roster", folder)["state"] != "done":
        abort(409, "run: the roster run has not finished")
    try:
        days = publish(services().router, folder)
    except VeroError as exc:  # a past week, or a broken file
        abort(400, exc.one_line())
    return redirect(url_for("planning.roster_run", run_id=run_id, published=len(days)), 303)


def add_routes(bp: Blueprint) -> None:
    """The publish step on the planning blueprint (its login guard and CSRF check apply)."""
    bp.add_url_rule("/roster/<run_id>/publish", view_func=publish_roster, methods=["POST"])
