"""The wallboard's service-level chart: one line's service level per 15 minutes today against its
goal, as the coordinates of an inline SVG (static/live.js only sets them: no chart library, no
CDN, nothing but 'self' under the page's CSP).

The x axis is the centre's opening hours today (widened to any bucket outside them), the y axis
0-100 %; each point carries its verdict and a tooltip, so colour is never the only sign.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from telephony.routing.breaches import service_level_level
from vero.kernel.centre import Centre
from vero.kernel.language import Language

WIDTH, HEIGHT, PAD = 240.0, 48.0, 4.0  # the SVG's viewBox; PAD keeps 0 % and 100 % visible
SLOT = 15  # minutes per bucket


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def day_span(centre: Centre, day: dt.date, buckets: list[str]) -> tuple[int, int]:
    """Today's chart span in minutes after midnight: the opening hours (the whole day when
    closed), widened to every bucket with contacts."""
    hours = centre.hours_on(day)
    start, end = (_minutes(hours[0]), _minutes(hours[1])) if hours else (0, 24 * 60)
    marks = sorted(_minutes(b) for b in buckets)
    if marks:
        start, end = min(start, marks[0]), max(end, marks[-1] + SLOT)
    start -= start % SLOT
    return start, max(end, start + SLOT)


def level_y(level: float) -> float:
    return round(PAD + (1 - level) * (HEIGHT - 2 * PAD), 1)


def chart(
    buckets: Mapping[str, Mapping[str, Any]],
    goal: float,
    span: tuple[int, int],
    now: int,
    lang: Language,
) -> dict[str, Any]:
    """The chart of one line: points (x, y, verdict, tooltip), the polyline through them, the
    goal's line, where now is (minutes after midnight) and the axis ends."""
    start, end = span
    step = WIDTH * SLOT / (end - start)
    points = []
    for bucket, figures in sorted(buckets.items()):
        level = figures["service_level"]
        if level is None:
            continue
        x = round((_minutes(bucket) - start + SLOT / 2) / SLOT * step, 1)
        points.append(
            {
                "x": x,
                "y": level_y(level),
                "verdict": service_level_level(level, goal),
                "title": f"{bucket} · {lang.percent(level)} ({figures['offered']})",
            }
        )
    return {
        "points": points,
        "polyline": " ".join(f"{p['x']},{p['y']}" for p in points),
        "target_y": level_y(goal),
        "now_x": round(min(max(now - start, 0), end - start) / SLOT * step, 1),
        "target_text": lang.percent(goal),
        "start": _clock(start),
        "end": _clock(end),
    }
