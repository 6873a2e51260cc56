"""The wallboard's intraday panel on real Redis: a published forecast against the router's
counts so far, and the reforecast of the rest of today (issue #17)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from telephony.services import services
from vero.kernel.errors import VeroError
from vero.web import jobs
from vero.web.console.intraday import KEEP_DAYS, panel, publish
from wfm.forecast.intraday import reforecast
from wfm.forecast.pipeline import OUTPUT_COLUMNS

JAKARTA = dt.timezone(dt.timedelta(hours=7))
NOW = dt.datetime(2026, 12, 1, 12, 10, tzinfo=JAKARTA)  # a Tuesday, just after 12:00
SLOTS = [dt.time(8 + k // 2, 30 * (k % 2)) for k in range(24)]  # 08:00-19:30, every 30 min


def forecast_csv(folder: Path, day: dt.date, volume: float = 10.0) -> Path:
    """Complaints by phone in both languages, `volume` per interval in each."""
    lines = [",".join(OUTPUT_COLUMNS)]
    for language in ("id", "en"):
        for slot in SLOTS:
            start = dt.datetime.combine(day, slot, JAKARTA).isoformat()
            lines.append(f"{start},30,voice,complaints,{language},{volume / 2},1,9,300")
    path = folder / "forecast.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def router(app):
    with app.app_context():
        router = services().router
        router.clock = NOW.timestamp  # the panel's "now" is the router's clock
        yield router


def contacts_at(router, times: list[dt.datetime]) -> None:
    for k, moment in enumerate(times):
        router.enqueue(f"t-{k}", "voice", "complaints", "id", now=moment.timestamp())


def test_a_published_forecast_meets_the_counts_so_far_and_the_rest_is_reforecast(
    router, supervisor, tmp_path
):
    assert publish(router, forecast_csv(tmp_path, NOW.date())) == ["2026-12-01"]
    key = router.keys.published_forecast("2026-12-01")
    assert 0 < router.redis.ttl(key) <= (1 + KEEP_DAYS) * 86400 + 12 * 3600
    morning = [NOW.replace(hour=9 + k // 8, minute=(7 * k) % 60) for k in range(24)]
    contacts_at(router, [*morning, NOW.replace(minute=5)])  # 12:05: not over yet, not counted
    figures = supervisor.get("/console/intraday").json
    assert figures["published"] and figures["until"] == "12:00"
    (row,) = figures["rows"]
    assert (row["queue"], row["channel"]) == ("complaints", "voice")
    assert row["forecast_so_far"] == 80 and row["actual_so_far"] == 24
    offered = np.zeros(8)
    for moment in morning:
        offered[(moment.hour - 8) * 2 + moment.minute // 30] += 1
    expected = reforecast(np.full(24, 10.0), offered, 30)
    assert row["factor_text"] == f"×{expected.factor:.2f}" and expected.factor < 1
    assert row["rest_forecast"] == 160 and row["rest_reforecast"] == round(expected.rest.sum())
    assert row["day_reforecast"] == 24 + round(expected.rest.sum())

    page = supervisor.get("/console/?lang=en").text
    panel_html = page[page.index('data-intraday="/console/intraday"') :]
    assert "Today&#39;s forecast" in page or "Today's forecast" in page
    assert 'data-series="complaints|voice"' in panel_html
    assert f'data-field="rest_reforecast">{row["rest_reforecast"]}<' in panel_html


def test_without_a_publication_the_panel_says_so(router, supervisor):
    assert panel(router) == {"published": False, "day": "2026-12-01", "rows": []}
    page = supervisor.get("/console/?lang=en").text
    assert "No forecast published for today yet" in page


def test_a_forecast_that_ended_before_today_is_refused(router, tmp_path):
    with pytest.raises(VeroError, match="no day from 2026-12-01 on"):
        publish(router, forecast_csv(tmp_path, dt.date(2026, 11, 30)))


def test_the_panel_needs_the_supervisor(client):
    assert client.get("/console/intraday").status_code in (302, 401)
    assert client.post("/console/forecast/20260101-000000-000000/publish").status_code in (
        302,
        401,
        403,
    )


def test_the_forecast_page_publishes_a_finished_run(router, supervisor, tmp_path):
    folder = jobs.new_run(tmp_path, "forecast")  # the app's data dir is tmp_path
    forecast_csv(folder, NOW.date() + dt.timedelta(days=1))
    (folder / "backtest.csv").write_text("\n")
    reply = supervisor.post(f"/console/forecast/{folder.name}/publish")
    assert reply.status_code == 409 and reply.json["error"].startswith("run:")  # not finished
    jobs.write_status(folder, "done")
    reply = supervisor.post(f"/console/forecast/{folder.name}/publish")
    assert reply.status_code == 303 and reply.location.endswith("published=1")
    assert router.redis.exists(router.keys.published_forecast("2026-12-02"))
    page = supervisor.get(f"{reply.location}&lang=en").text
    assert "Publish to the wallboard" in page and "Published: 1" in page
