"""The forecast and staffing charts in the reader's language: title, axis names, legend and
ticks from the catalogues and the language's formats (a decimal comma, Indonesian day names,
a 24-hour clock), as the console's Indonesian pages beside them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from tests.wfm.test_forecast_cli import router_history
from vero.kernel.centre import load_centre
from vero.kernel.chart_axes import clock, interval_start
from vero.kernel.language import language
from wfm.commands import write_chart as write_staffing_chart
from wfm.forecast.commands import write_chart
from wfm.forecast.history import load_history
from wfm.forecast.pipeline import ForecastRun, forecast_history

DEFAULTS = {"channel": "voice", "queue": "general", "language": "id"}


@pytest.fixture(scope="module")
def forecast(tmp_path_factory: pytest.TempPathFactory) -> ForecastRun:
    path = tmp_path_factory.mktemp("history") / "contacts.csv"
    router_history(path, days=28)
    centre = load_centre(None)
    history = load_history(path, "vero", tz=centre.tz, defaults=DEFAULTS)
    return forecast_history(history, centre, interval_minutes=60, horizon_days=3)


def test_the_forecast_chart_is_drawn_in_both_languages(forecast, drawn, tmp_path: Path):
    write_chart(forecast, tmp_path / "id.png", "id")
    write_chart(forecast, tmp_path / "en.png", "en")
    indonesian, english = drawn
    assert (tmp_path / "id.png").read_bytes()[:4] == b"\x89PNG"
    assert indonesian["title"] == language("id").text("chart.forecast_title")
    assert indonesian["legend"] == ["riwayat", "rentang 90%", "prakiraan"]
    assert indonesian["ylabel"] == "kontak per interval"
    days = ("Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min")
    assert indonesian["xticks"] and all(t.split()[0] in days for t in indonesian["xticks"])
    assert english["legend"] == ["history", "90% band", "forecast"]
    assert english["title"] == "Contact volume: history and forecast (centre local time)"
    assert all(
        t.split()[0] in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun") for t in english["xticks"]
    )


def test_the_staffing_chart_names_its_axes_in_the_language(drawn, tmp_path: Path):
    tz = load_centre(None).tz
    starts = pd.date_range("2026-11-30 08:00", periods=6, freq="30min", tz=tz)
    result = pd.DataFrame(
        {
            "interval_start": list(starts),
            "interval_minutes": 30,
            "group": "voice-id",
            "required_agents": [3.5, 4, 6, 6, 5, 4],
        }
    )
    write_staffing_chart(result, tmp_path / "staff.png", "id")
    (chart,) = drawn
    assert chart["title"] == "Kebutuhan agen per interval"
    assert chart["xlabel"] == "awal interval (waktu pusat kontak)"
    assert "Sen 30 Nov\n08.00" in chart["xticks"]  # the centre's clock, not UTC


def test_interval_starts_read_on_a_24_hour_clock_in_both_languages():
    moment = dt.datetime(2026, 11, 30, 17, 30)
    assert interval_start(moment, language("id")) == "Sen 30 Nov 17.30"
    assert interval_start(moment, language("en")) == "Mon 30 Nov 17:30"
    assert clock(moment, language("en")) == "17:30"
