"""A target day's forecast is the same whatever window it sits in, and short histories forecast
with a simpler model instead of failing (issue #17)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.wfm.test_forecast_core import contacts
from vero.kernel.centre import load_centre
from vero.kernel.errors import VeroError
from wfm.forecast.calendar import day_features
from wfm.forecast.history import History
from wfm.forecast.pipeline import forecast_history


def weekday_history(days: int, seed: int = 3):
    """About six contacts an hour on the reference centre's weekday hours, in UTC."""
    rng = np.random.default_rng(seed)
    times = []
    for day in pd.date_range("2026-06-01", periods=days):
        if day.day_of_week >= 5:
            continue
        for hour in range(2, 9):  # 09:00-16:00 Jakarta
            times += [
                (day + pd.Timedelta(hours=hour, minutes=int(m))).tz_localize("UTC").isoformat()
                for m in rng.integers(0, 60, rng.poisson(6))
            ]
    return contacts(times)


def test_month_end_flags_do_not_depend_on_where_the_window_is_cut():
    centre = load_centre()
    for end in ("2026-11-11", "2026-11-18", "2026-11-30"):
        dates = pd.date_range("2026-10-01", end, freq="D")
        opened = pd.Series(dates.day_of_week < 5, index=dates)
        features = day_features(dates, opened, centre, [])
        flagged = features.index[features["month_last_1"] == 1].strftime("%m-%d").tolist()
        assert flagged == ["10-30"] + (["11-30"] if end == "2026-11-30" else []), end


def test_a_target_day_is_forecast_the_same_in_windows_of_1_7_and_14_days():
    centre = load_centre()
    history = weekday_history(120)
    target = "2026-09-29"  # a Tuesday inside the month, one day after the history ends
    start = pd.Timestamp("2026-09-29").date()
    volumes = []
    for horizon in (1, 7, 14):
        run = forecast_history(
            history,
            centre,
            interval_minutes=60,
            horizon_days=horizon,
            start=start,
            model="daily_profile",
        )
        day = run.frame[run.frame["interval_start"].str.startswith(target)]
        volumes.append(day["volume"].to_numpy())
    np.testing.assert_allclose(volumes[0], volumes[1])
    np.testing.assert_allclose(volumes[0], volumes[2])


def test_a_target_day_is_forecast_the_same_first_or_last_in_its_window():
    """The artefact of issue #17: the last days of a window looked like a month's end. Here the
    target is the month's last working day, first in one window and last in the others."""
    centre = load_centre()
    history = weekday_history(120)  # ends on Sunday 2026-09-27
    target = pd.Timestamp("2026-09-30")
    volumes = []
    for first, horizon in ((target, 1), (target - pd.Timedelta(days=6), 7), (target, 14)):
        run = forecast_history(
            history,
            centre,
            interval_minutes=60,
            horizon_days=horizon,
            start=first.date(),
            model="daily_profile",
        )
        day = run.frame[run.frame["interval_start"].str.startswith(str(target.date()))]
        volumes.append(day[["volume", "volume_lo", "volume_hi"]].to_numpy())
    for other in volumes[1:]:
        np.testing.assert_allclose(volumes[0], other)


@pytest.mark.parametrize("days", [3, 10, 14])  # calendar days: 3, 8 and 10 working days
def test_a_short_history_forecasts_with_a_simpler_model(days):
    run = forecast_history(
        weekday_history(days), load_centre(), interval_minutes=60, horizon_days=3
    )
    assert not run.frame.empty
    assert run.series[0].model == "weekday_median"
    assert "short history" in run.series[0].note


def test_fifteen_working_days_forecast_with_whatever_the_backtest_allows():
    run = forecast_history(weekday_history(21), load_centre(), interval_minutes=60, horizon_days=3)
    assert not run.frame.empty


def test_a_history_without_one_complete_day_says_what_is_needed():
    history = contacts(["2026-06-01T02:10:00+00:00"])
    history.records = history.records.iloc[:0]
    with pytest.raises(VeroError, match="history"):
        forecast_history(history, load_centre(), interval_minutes=60, horizon_days=3)


def test_a_short_interval_count_export_without_its_empty_intervals_forecasts():
    """Real exports leave empty intervals out; with two weeks of them the forecast still runs."""
    centre = load_centre()
    rng = np.random.default_rng(5)
    starts = pd.date_range("2026-06-01 09:00", "2026-06-12 16:45", freq="15min", tz=centre.tz)
    starts = starts[(starts.day_of_week < 5) & (starts.hour >= 9) & (starts.hour < 17)]
    counts = rng.poisson(0.8, len(starts)).astype(float)
    records = pd.DataFrame(
        {
            "at": starts[counts > 0].tz_convert("UTC"),
            "count": counts[counts > 0],
            "handle_seconds": np.nan,
            "channel": "voice",
            "queue": "general",
            "language": "id",
        }
    )
    history = History(kind="counts", records=records, source_minutes=15, used=len(records))
    run = forecast_history(history, centre, interval_minutes=60, horizon_days=3)
    assert run.frame["volume"].sum() > 0
    assert "short history" in run.series[0].note
