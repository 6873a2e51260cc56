"""Intraday reforecast: the rest of today's forecast, updated by today's actuals so far. No I/O.

What WFM tools do: the remaining profile is scaled by actual / forecast over the last few hours,
shrunk toward 1 while those hours hold little of the day's volume (an early ratio is mostly
noise). The recent hours, not the whole morning, because a level shift that starts mid-morning
is what the rest of the day carries on. Validated on the US bank data in benchmarks/forecast.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RECENT_MINUTES = 180  # the hours whose actual / forecast ratio carries on
PRIOR_SHARE = 0.3  # the day's share of volume at which the observed ratio counts half


@dataclass(frozen=True)
class Reforecast:
    """The factor applied to the rest of the day, how much the observed ratio was trusted, and
    the reforecast of the intervals not yet passed."""

    factor: float
    weight: float
    rest: np.ndarray


def reforecast(
    forecast: np.ndarray,
    actual: np.ndarray,
    interval_minutes: int,
    recent_minutes: int = RECENT_MINUTES,
    prior_share: float = PRIOR_SHARE,
) -> Reforecast:
    """`forecast` holds today's intervals in order, `actual` the counts of the intervals passed
    (the first len(actual) of them). The ratio of the last `recent_minutes` is trusted with
    weight share / (share + `prior_share`), share being the day's forecast volume in them."""
    forecast = np.nan_to_num(np.asarray(forecast, dtype=float))
    actual = np.nan_to_num(np.asarray(actual, dtype=float))
    passed = min(len(actual), len(forecast))
    first = max(0, passed - max(1, recent_minutes // interval_minutes))
    expected, seen = forecast[first:passed].sum(), actual[first:passed].sum()
    rest = forecast[passed:]
    if expected <= 0 or forecast.sum() <= 0:
        return Reforecast(factor=1.0, weight=0.0, rest=rest)
    share = expected / forecast.sum()
    weight = share / (share + prior_share)
    factor = 1.0 + weight * (seen / expected - 1.0)
    return Reforecast(factor=float(factor), weight=float(weight), rest=rest * factor)
