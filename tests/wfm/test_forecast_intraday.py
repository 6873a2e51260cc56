"""The intraday reforecast by hand: the rest of the day follows the recent ratio, shrunk toward 1
while little of the day has passed (issue #17)."""

from __future__ import annotations

import numpy as np
import pytest

from wfm.forecast.intraday import reforecast


def test_a_busy_morning_raises_the_rest_of_the_day_by_the_shrunk_ratio():
    forecast = np.full(10, 100.0)  # ten intervals of 100
    result = reforecast(forecast, [120.0] * 4, interval_minutes=60, recent_minutes=180)
    share = 300 / 1000  # the last three hours passed hold 30% of the day
    weight = share / (share + 0.3)
    assert result.weight == pytest.approx(weight)
    assert result.factor == pytest.approx(1 + weight * 0.2)
    np.testing.assert_allclose(result.rest, 100 * (1 + weight * 0.2) * np.ones(6))


def test_only_the_recent_hours_count():
    forecast = np.full(8, 50.0)
    quiet_then_normal = [10.0, 10.0, 50.0, 50.0, 50.0]
    assert reforecast(forecast, quiet_then_normal, 60, recent_minutes=180).factor == 1.0


def test_nothing_passed_or_nothing_expected_leaves_the_forecast():
    forecast = np.array([0.0, 0.0, 5.0, 5.0])
    assert reforecast(forecast, [], 30).factor == 1.0
    unexpected = reforecast(forecast, [3.0, 1.0], 30)
    assert unexpected.factor == 1.0 and list(unexpected.rest) == [5.0, 5.0]
    assert len(reforecast(forecast, [0, 0, 5, 5], 30).rest) == 0
