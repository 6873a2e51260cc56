"""A day is closed for every user or for none: the IVR's opening check, the forecast's open
intervals and month positions, and the twin's added shifts all ask the kernel's calendar."""

import datetime as dt

import pandas as pd
import pytest
import yaml

from vero.kernel.centre import parse_centre, reference_centre_path
from vero.kernel.errors import VeroError
from wfm.forecast.calendar import day_features
from wfm.forecast.intervals import open_mask

JAKARTA = dt.timezone(dt.timedelta(hours=7))
STOCKTAKE = dt.date(2026, 11, 24)  # a Tuesday, open 08:00-21:00 by the weekly hours
INDEPENDENCE_DAY = dt.date(2026, 8, 17)  # a Monday and a public holiday


def _centre(**changes):
    raw = yaml.safe_load(reference_centre_path().read_text(encoding="utf-8"))
    return parse_centre({**raw, **changes})


@pytest.fixture
def centre():
    return _centre(
        closed_days=[
            {"name": "stocktake", "date": STOCKTAKE.isoformat()},
            {"name": "anniversary", "date": "12-01"},
        ]
    )


@pytest.mark.parametrize("day", [STOCKTAKE, INDEPENDENCE_DAY, dt.date(2027, 12, 1)])
def test_a_closed_day_is_closed_for_the_ivr_and_the_forecast(centre, day):
    assert not centre.is_open(dt.datetime.combine(day, dt.time(10), JAKARTA))
    assert centre.closed_on(day) and centre.hours_on(day) is None
    dates = pd.date_range(day, periods=1)
    assert not open_mask(centre, dates, 60).loc[pd.Timestamp(day)].any()


def test_the_day_before_and_after_stay_open(centre):
    for day in (STOCKTAKE - dt.timedelta(days=1), STOCKTAKE + dt.timedelta(days=1)):
        assert centre.is_open(dt.datetime.combine(day, dt.time(10), JAKARTA))
        assert open_mask(centre, pd.date_range(day, periods=1), 60).to_numpy().sum() == 13


def test_the_forecast_ranks_month_days_without_the_closed_day(centre):
    dates = pd.date_range("2026-11-23", "2026-12-02")
    opened = open_mask(centre, dates, 60).any(axis=1)
    features = day_features(dates, opened, centre, [])
    assert features.loc["2026-11-25", "after_closure"] == 1  # the backlog after the stocktake
    assert features.loc["2026-12-02", "month_first_1"] == 1  # after the anniversary, 12-01


def test_public_holidays_count_only_when_the_centre_closes_on_them():
    open_on_holidays = _centre(closed_on_holidays=False)
    assert open_on_holidays.is_holiday(INDEPENDENCE_DAY)
    assert not open_on_holidays.closed_on(INDEPENDENCE_DAY)
    assert open_on_holidays.is_open(dt.datetime.combine(INDEPENDENCE_DAY, dt.time(10), JAKARTA))


def test_a_bad_closed_day_names_the_field():
    with pytest.raises(VeroError) as info:
        _centre(closed_days=[{"name": "x", "date": "13-01"}])
    assert "closed_days.0.date" in info.value.one_line()
