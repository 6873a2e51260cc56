"""Aggregation, calendar effects, models on synthetic data with known structure, and metrics."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
import yaml

from vero.kernel.centre import load_centre, parse_centre, reference_centre_path
from wfm.forecast.backtest import bias, coverage, mase, rolling_origin, wape
from wfm.forecast.calendar import Event, day_features, eid_al_fitr, fixed_multipliers, load_events
from wfm.forecast.history import History
from wfm.forecast.intervals import DayMatrix, aggregate, open_mask
from wfm.forecast.models import MODELS, Problem, daily_profile, forecast_aht


def centre_open_on_holidays():
    raw = yaml.safe_load(reference_centre_path().read_text(encoding="utf-8"))
    return parse_centre({**raw, "closed_on_holidays": False})


def contacts(times: list[str], handle: list[float] | None = None) -> History:
    records = pd.DataFrame(
        {
            "at": pd.to_datetime(times, utc=True),
            "count": 1.0,
            "handle_seconds": handle or [np.nan] * len(times),
            "channel": "voice",
            "queue": "general",
            "language": "id",
        }
    )
    return History(kind="contacts", records=records, used=len(times))


def test_utc_contacts_land_in_jakarta_intervals_and_gaps_stay_missing():
    centre = load_centre()
    history = contacts(
        [
            "2026-11-23T01:02:03+00:00",
            "2026-11-23T01:20:00+00:00",
            "2026-11-25T13:59:00+00:00",
            "2026-11-25T23:00:00+00:00",
        ],
        [100.0, 200.0, np.nan, np.nan],
    )
    agg = aggregate(history, centre, 30)
    matrix = agg.series[("voice", "general", "id")]
    monday, tuesday, wednesday = (pd.Timestamp(f"2026-11-{d}") for d in (23, 24, 25))
    assert matrix.volume.loc[monday, 480] == 2  # 08:02 and 08:20 Jakarta (+07:00)
    assert matrix.volume.loc[monday, 510] == 0  # open, no contact: a real zero
    assert matrix.handle.loc[monday, 480] == 150
    assert matrix.volume.loc[wednesday, 1230] == 1  # 20:59 local
    assert matrix.volume.loc[tuesday].isna().all()  # no data at all that day: a gap
    assert matrix.missing.loc[tuesday].all()
    assert not matrix.missing.loc[monday].any()
    assert agg.outside_hours == 1  # 06:00 local on Thursday, before opening
    assert 420 not in matrix.volume.columns  # 07:00 is never open


def test_counts_need_every_source_slot_of_an_interval():
    centre = load_centre()
    records = pd.DataFrame(
        {
            "at": pd.date_range(
                "2026-11-23 08:00", periods=5, freq="15min", tz=centre.tz
            ).tz_convert("UTC"),
            "count": [1.0, 2, 3, 4, 0],  # a file that writes its zeros
            "handle_seconds": np.nan,
            "channel": "voice",
            "queue": "general",
            "language": "id",
        }
    )
    history = History(kind="counts", records=records, source_minutes=15, used=5)
    volume = aggregate(history, centre, 30).series[("voice", "general", "id")].volume
    day = pd.Timestamp("2026-11-23")
    assert volume.loc[day, 480] == 3 and volume.loc[day, 510] == 7
    assert np.isnan(volume.loc[day, 540])  # only one of its two quarter hours is present


def test_counts_that_never_write_a_zero_leave_empty_intervals_out():
    centre = load_centre()
    starts = pd.date_range("2026-11-23 08:00", periods=4, freq="15min", tz=centre.tz)
    records = pd.DataFrame(
        {
            "at": starts.delete(1).append(starts[:1] + pd.Timedelta(days=2)).tz_convert("UTC"),
            "count": [1.0, 3, 4, 2],
            "handle_seconds": np.nan,
            "channel": "voice",
            "queue": "general",
            "language": "id",
        }
    )
    history = History(kind="counts", records=records, source_minutes=15, used=4)
    volume = aggregate(history, centre, 30).series[("voice", "general", "id")].volume
    monday, tuesday = pd.Timestamp("2026-11-23"), pd.Timestamp("2026-11-24")
    assert volume.loc[monday, 480] == 1 and volume.loc[monday, 510] == 7
    assert volume.loc[monday, 1200] == 0  # open, no row: an empty interval left out
    assert volume.loc[tuesday].isna().all()  # no row at all that day: a gap


def test_open_mask_follows_hours_holidays_and_closures():
    centre = load_centre()
    dates = pd.date_range("2026-08-16", "2026-08-18")  # Sun, Mon = Independence Day, Tue
    mask = open_mask(centre, dates, 60, frozenset({dt.date(2026, 8, 18)}))
    assert mask.loc["2026-08-16"].sum() == 6  # Sunday 09:00-15:00
    assert not mask.loc["2026-08-17"].any() and not mask.loc["2026-08-18"].any()


def test_ramadan_lebaran_and_events():
    assert dt.date(2026, 3, 21) in eid_al_fitr("ID", range(2026, 2027))
    centre = load_centre()
    dates = pd.date_range("2026-03-01", "2026-03-31")
    events = [Event("launch", dt.date(2026, 3, 10)), Event("sale", (3, 3), factor=1.5)]
    features = day_features(dates, pd.Series(True, index=dates), centre, events)
    assert features.loc["2026-03-05", "ramadan"] == 1 and features.loc["2026-03-25", "ramadan"] == 0
    assert features.loc["2026-03-22", "lebaran"] == 1
    assert features["event_launch"].sum() == 1
    assert features.loc["2026-03-02", "month_first_2"] == 1
    assert fixed_multipliers(dates, events).loc["2026-03-03"] == 1.5


def test_events_file_errors_name_the_line(tmp_path):
    good = tmp_path / "events.csv"
    good.write_text("name,date,factor\n1111,11-11,1.8\nlaunch,2026-12-01,\n")
    events = load_events(good)
    assert events[0].day == (11, 11) and events[1].factor is None
    bad = tmp_path / "bad.csv"
    bad.write_text("name,date\nx,2026-13-01\n")
    with pytest.raises(Exception, match=r"bad\.csv:2"):
        load_events(bad)


def synthetic(
    weeks: int,
    rng: np.random.Generator,
    holidays: frozenset = frozenset(),
    holiday_factor: float = 1.0,
) -> DayMatrix:
    """A seasonal Poisson process: weekday level × a smooth intraday shape, 12 hourly slots."""
    dates = pd.date_range("2025-01-06", periods=weeks * 7)
    slots = np.arange(8 * 60, 20 * 60, 60)
    shape = np.sin(np.linspace(0.3, np.pi - 0.3, len(slots)))
    level = np.array([1.4, 1.1, 1.0, 1.0, 1.2, 0.7, 0.5])[dates.day_of_week] * 60
    level = level * np.where(np.isin(dates.date, list(holidays)), holiday_factor, 1.0)
    volume = rng.poisson(level[:, None] * shape[None, :]).astype(float)
    frame = pd.DataFrame(volume, index=dates, columns=slots)
    opened = pd.DataFrame(True, index=dates, columns=slots)
    return DayMatrix(volume=frame, handle=frame * np.nan, open=opened, interval_minutes=60)


def test_profile_models_beat_seasonal_naive_on_a_seasonal_poisson_process():
    matrix = synthetic(12, np.random.default_rng(7))
    dates = matrix.volume.index
    features = pd.DataFrame(index=dates)
    table = rolling_origin(
        matrix, features, pd.Series(1.0, index=dates), MODELS, (1, 7), last_days=21
    ).table
    mean = table.groupby("model")["wape"].mean()
    assert mean["weekday_median"] < mean["seasonal_naive"]
    assert mean["daily_profile"] < mean["seasonal_naive"]
    assert mean["mstl"] < 0.5
    assert set(table["horizon"]) == {1, 7} and (table["days"] == 21).all()


def test_holiday_forecast_lower_when_history_shows_holidays_lower():
    centre = centre_open_on_holidays()
    rng = np.random.default_rng(11)
    dates = pd.date_range("2025-01-06", periods=52 * 7)
    features = day_features(
        dates.union(pd.date_range(dates[-1], periods=15)), pd.Series(True, index=dates), centre, []
    )
    holidays = frozenset(d.date() for d in features.index[features["holiday"] == 1])
    matrix = synthetic(52, rng, holidays, holiday_factor=0.4)
    targets = pd.DatetimeIndex(["2026-01-01", "2026-01-08"])  # New Year's Day, a Thursday later
    problem = Problem(
        matrix.volume,
        matrix.open,
        pd.DataFrame(True, index=targets, columns=matrix.open.columns),
        features,
        pd.Series(1.0, index=features.index),
    )
    holiday, normal = daily_profile(problem).sum(axis=1)
    assert holiday < 0.6 * normal


def test_fixed_event_factor_multiplies_the_day():
    matrix = synthetic(6, np.random.default_rng(3))
    target = pd.DatetimeIndex([matrix.volume.index[-1] + pd.Timedelta(days=7)])
    features = pd.DataFrame(index=matrix.volume.index.union(target))
    opened = pd.DataFrame(True, index=target, columns=matrix.open.columns)
    ones = pd.Series(1.0, index=features.index)
    plain = Problem(matrix.volume, matrix.open, opened, features, ones)
    boosted = Problem(
        matrix.volume, matrix.open, opened, features, ones.where(features.index != target[0], 2.0)
    )
    assert daily_profile(boosted).sum() == pytest.approx(2 * daily_profile(plain).sum())


def test_aht_profile_and_default():
    dates = pd.date_range("2026-11-02", periods=14)
    handle = pd.DataFrame({480: 200.0, 510: np.nan}, index=dates)
    handle.loc[dates[dates.day_of_week == 0], 480] = 400.0
    targets = pd.DatetimeIndex(["2026-11-16", "2026-11-17"])  # Monday, Tuesday
    opened = pd.DataFrame(True, index=targets, columns=[480, 510])
    aht = forecast_aht(handle, opened, default_seconds=300)
    assert aht[0, 0] == 400 and aht[1, 0] == 200
    assert aht[0, 1] == 200  # no value in that interval: the overall median
    assert forecast_aht(handle * np.nan, opened, 300)[0, 0] == 300


def test_metrics_by_hand():
    actual, forecast = np.array([10.0, 20.0, np.nan]), np.array([12.0, 15.0, 5.0])
    assert wape(actual, forecast) == pytest.approx(7 / 30)
    assert bias(actual, forecast) == pytest.approx(-3 / 30)
    assert mase(actual, forecast, scale=2.0) == pytest.approx(3.5 / 2)
    assert coverage(
        np.array([1.0, 5.0, 10.0]), np.array([0.0, 6.0, 9.0]), np.array([2.0, 7.0, 11.0])
    ) == pytest.approx(2 / 3)
