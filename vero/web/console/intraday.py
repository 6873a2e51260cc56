"""The wallboard's intraday panel: today's published forecast against the contacts so far, and
the reforecast of the rest of today (wfm/forecast/intraday.py), per queue and channel.

A supervisor publishes a forecast run from the Forecast page: one Redis key per local day
(`Keys.published_forecast`, expiring two days after its day) holds that day's volume per
'queue|channel' and interval. The contacts so far are the router's 15-minute 'offered'
counters (`Keys.stats`), summed into the forecast's intervals; only intervals already over count,
so forecast and actual so far cover the same time.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from pathlib import Path

import numpy as np
from flask import Blueprint, abort, jsonify, redirect, url_for
from flask.typing import ResponseReturnValue

from telephony.routing.router import RedisRouter
from telephony.services import services
from vero.kernel.errors import VeroError
from vero.kernel.redis_client import text
from vero.web.console.runs import read_status, run_folder
from vero.web.console.wallboard import queue_label
from vero.web.i18n import t
from wfm.commands import read_forecast
from wfm.forecast.intraday import reforecast

PUBLISH_DAYS = 31  # days from today on that a publication writes (one key each)
KEEP_DAYS = 2  # a day's key outlives the day by this many days


def publish(router: RedisRouter, path: Path, now: float | None = None) -> list[str]:
    """Write the forecast CSV's days from today (centre local time) on, one key per day, and
    return those days; a forecast that ends before today has nothing to publish."""
    centre, frame = router.centre, read_forecast(path, router.centre)
    today = dt.datetime.fromtimestamp(router.timestamp(now), centre.tz).date()
    last = today + dt.timedelta(days=PUBLISH_DAYS - 1)
    days: dict[dt.date, dict] = {}
    for row in frame.itertuples():
        start = row.interval_start
        if not today <= start.date() <= last:
            continue
        entry = days.setdefault(start.date(), {"interval_minutes": row.interval_minutes})
        series = entry.setdefault("series", {}).setdefault(f"{row.queue}|{row.channel}", {})
        slot = _hhmm(start.hour * 60 + start.minute)
        series[slot] = round(series.get(slot, 0.0) + row.volume, 2)  # summed over languages
    if not days:
        raise VeroError(f"the forecast has no day from {today} on to publish", field="run")
    with router.redis.pipeline(transaction=False) as pipe:
        for day, payload in sorted(days.items()):
            ends = dt.datetime.combine(day + dt.timedelta(days=1 + KEEP_DAYS), dt.time())
            pipe.set(
                router.keys.published_forecast(day.isoformat()),
                json.dumps(payload),
                exat=int(ends.replace(tzinfo=centre.tz).timestamp()),
            )
        pipe.execute()
    return [day.isoformat() for day in sorted(days)]


def panel(router: RedisRouter, now: float | None = None) -> dict:
    """Display-ready rows for today: forecast and actual contacts of the intervals passed, the
    rest of today as forecast and as reforecast, and the whole day both ways."""
    now = router.timestamp(now)
    day, _ = router.local_bucket(now)
    raw = router.redis.get(router.keys.published_forecast(day))
    if raw is None:
        return {"published": False, "day": day, "rows": []}
    payload = json.loads(raw)
    minutes = int(payload["interval_minutes"])
    local = dt.datetime.fromtimestamp(now, router.centre.tz)
    clock = local.hour * 60 + local.minute
    offered = _offered(router, day, minutes)
    rows = []
    for name, slots in sorted(payload["series"].items()):
        queue, channel = name.split("|")
        starts = sorted(slots)
        forecast = np.array([slots[s] for s in starts], dtype=float)
        over = sum(_minutes(s) + minutes <= clock for s in starts)
        actual = np.array([offered.get((queue, channel, s), 0.0) for s in starts[:over]])
        update = reforecast(forecast, actual, minutes)
        rows.append(
            {
                "queue": queue,
                "label": queue_label(router.centre, queue),
                "channel": channel,
                "channel_text": t(f"channel.{channel}"),
                "forecast_so_far": round(forecast[:over].sum()),
                "actual_so_far": round(actual.sum()),
                "factor_text": f"×{update.factor:.2f}",
                "rest_forecast": round(forecast[over:].sum()),
                "rest_reforecast": round(update.rest.sum()),
                "day_forecast": round(forecast.sum()),
                "day_reforecast": round(actual.sum() + update.rest.sum()),
            }
        )
    return {"published": True, "day": day, "until": _hhmm(clock // minutes * minutes), "rows": rows}


def _offered(router: RedisRouter, day: str, minutes: int) -> dict[tuple[str, str, str], float]:
    """Contacts offered today per (queue, channel, interval start 'HH:MM') of `minutes`."""
    counts: dict[tuple[str, str, str], float] = defaultdict(float)
    for field, value in router.redis.hgetall(router.keys.stats(day)).items():
        queue, channel, bucket, metric = text(field).split("|")
        if metric != "offered" or bucket == "day":
            continue
        counts[(queue, channel, _hhmm(_minutes(bucket) // minutes * minutes))] += float(value)
    return counts


def _minutes(hhmm: str) -> int:
    hours, mins = hhmm.split(":")
    return int(hours) * 60 + int(mins)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def intraday() -> ResponseReturnValue:
    return jsonify(panel(services().router))


def publish_run(run_id: str) -> ResponseReturnValue:
    folder = run_folder("forecast", run_id)
    if read_status("forecast", folder)["state"] != "done":
        abort(409, "run: the forecast run has not finished")
    try:
        days = publish(services().router, folder / "forecast.csv")
    except VeroError as exc:  # a forecast that ended before today
        abort(400, str(exc))
    return redirect(url_for("planning.forecast_run", run_id=run_id, published=len(days)), 303)


def add_routes(bp: Blueprint) -> None:
    """The panel's data and the publish step on the planning blueprint (login guard, CSRF), and
    `intraday_panel()` for the wallboard's partial (console/_intraday.html)."""
    bp.add_url_rule("/intraday", view_func=intraday, methods=["GET"])
    bp.add_url_rule("/forecast/<run_id>/publish", view_func=publish_run, methods=["POST"])
    bp.app_context_processor(lambda: {"intraday_panel": lambda: panel(services().router)})
