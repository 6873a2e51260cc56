"""History → forecast in process: the chain `vero forecast` and `vero plan` both run.

The output frame follows the CSV contract read by `vero staff`: interval_start (ISO 8601 in
centre local time with offset), interval_minutes, channel, queue, language, volume, volume_lo,
volume_hi, aht_seconds. Only open intervals are written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import poisson

from vero.kernel.centre import Centre
from vero.kernel.errors import VeroError
from wfm.forecast.backtest import (
    MIN_HISTORY_DAYS,
    Backtest,
    apply_band,
    problem_at,
    rolling_origin,
)
from wfm.forecast.calendar import Event, closures, day_features, fixed_multipliers
from wfm.forecast.history import History
from wfm.forecast.intervals import DayMatrix, SeriesKey, aggregate, open_mask
from wfm.forecast.models import MODELS, forecast_aht

OUTPUT_COLUMNS = (
    "interval_start",
    "interval_minutes",
    "channel",
    "queue",
    "language",
    "volume",
    "volume_lo",
    "volume_hi",
    "aht_seconds",
)
HORIZONS = (1, 7, 14)
BACKTEST_DAYS = 28
SHORT_HISTORY_MODEL = "weekday_median"  # needs one whole day; robust with a few weeks


@dataclass
class SeriesForecast:
    """One series: its history matrix, the chosen model, its backtest and band coverage."""

    key: SeriesKey
    matrix: DayMatrix
    model: str
    backtest: Backtest | None
    coverage: float
    frame: pd.DataFrame
    note: str = ""  # why the forecast is simpler than asked (e.g. a short history)


@dataclass
class ForecastRun:
    frame: pd.DataFrame  # the CSV contract, all series
    series: list[SeriesForecast]
    outside_hours: float

    def backtest_table(self) -> pd.DataFrame:
        """All backtest rows with their series, for the report CSV."""
        parts = [
            s.backtest.table.assign(channel=s.key[0], queue=s.key[1], language=s.key[2])
            for s in self.series
            if s.backtest is not None
        ]
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def forecast_history(
    history: History,
    centre: Centre,
    *,
    interval_minutes: int = 30,
    horizon_days: int = 14,
    start: dt.date | None = None,
    model: str = "auto",
    events: list[Event] | None = None,
    default_aht: float = 300.0,
    tick: Callable[[], None] | None = None,
) -> ForecastRun:
    """Aggregate validated history, pick a model per series by rolling-origin backtest (or use
    the named one), and forecast volume with a band and handle time for `horizon_days` days
    from `start` (default: the day after the history ends)."""
    if model != "auto" and model not in MODELS:
        raise VeroError(f"unknown model {model!r}; use auto or {', '.join(MODELS)}")
    if history.records.empty:
        raise VeroError("no usable history rows: at least one whole open day is needed")
    events = events or []
    dates = pd.date_range(
        history.records["at"].dt.tz_convert(centre.tz).min().date(),
        history.records["at"].dt.tz_convert(centre.tz).max().date(),
        freq="D",
    )
    first = pd.Timestamp(start) if start else dates[-1] + pd.Timedelta(days=1)
    future = pd.date_range(first, periods=horizon_days, freq="D")
    everything = dates.union(future)
    closed = closures(events, everything)
    agg = aggregate(history, centre, interval_minutes, closed)
    full_open = open_mask(centre, everything, interval_minutes, closed)
    features = day_features(everything, full_open.any(axis=1), centre, events)
    multipliers = fixed_multipliers(everything, events)
    results = []
    for key, matrix in agg.series.items():
        target_open = full_open.loc[future, matrix.volume.columns]
        candidates = MODELS if model == "auto" else {model: MODELS[model]}
        backtest = _backtest(matrix, features, multipliers, candidates, tick)
        chosen, offsets, cover, note = model, (np.nan, np.nan), np.nan, ""
        if backtest is not None:
            chosen = backtest.best() if model == "auto" else model
            offsets, cover = backtest.band(chosen)
        else:
            note = (
                f"short history: fewer than {MIN_HISTORY_DAYS + 1} working days to "
                "backtest on, so no model comparison and a Poisson band"
            )
            if model == "auto":
                chosen = SHORT_HISTORY_MODEL
        problem = problem_at(matrix, features, multipliers, dates[-1], future, target_open)
        try:
            volume = MODELS[chosen](problem)
        except VeroError as exc:
            raise VeroError(
                f"{'/'.join(key)}: {exc}; at least one whole open day of history "
                "is needed (two weeks or more for a backtested model)"
            ) from exc
        lo, hi = apply_band(volume, offsets) if np.isfinite(offsets[0]) else _poisson_band(volume)
        aht = forecast_aht(matrix.handle, target_open, default_aht)
        frame = _frame(key, interval_minutes, target_open, volume, lo, hi, aht, centre)
        results.append(SeriesForecast(key, matrix, chosen, backtest, cover, frame, note))
    frame = pd.concat([r.frame for r in results], ignore_index=True)
    return ForecastRun(frame=frame, series=results, outside_hours=agg.outside_hours)


def _backtest(
    matrix: DayMatrix,
    features: pd.DataFrame,
    multipliers: pd.Series,
    candidates: dict,
    tick: Callable[[], None] | None,
) -> Backtest | None:
    """The rolling-origin backtest, or None when the history is too short for one origin."""
    try:
        backtest = rolling_origin(
            matrix, features, multipliers, candidates, HORIZONS, BACKTEST_DAYS, tick
        )
    except VeroError:
        return None
    return None if backtest.table.empty else backtest


def _poisson_band(volume: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A 90% Poisson band when the history is too short to backtest."""
    return poisson.ppf(0.05, volume), poisson.ppf(0.95, volume)


def _frame(
    key: SeriesKey,
    interval_minutes: int,
    target_open: pd.DataFrame,
    volume: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    aht: np.ndarray,
    centre: Centre,
) -> pd.DataFrame:
    days, slots = np.nonzero(target_open.to_numpy())
    starts = target_open.index[days] + pd.to_timedelta(target_open.columns[slots], unit="min")
    local = starts.tz_localize(centre.tz)
    return pd.DataFrame(
        {
            "interval_start": [t.isoformat() for t in local],
            "interval_minutes": interval_minutes,
            "channel": key[0],
            "queue": key[1],
            "language": key[2],
            "volume": np.round(volume[days, slots], 2),
            "volume_lo": np.round(lo[days, slots], 2),
            "volume_hi": np.round(hi[days, slots], 2),
            "aht_seconds": np.round(aht[days, slots], 1),
        },
        columns=list(OUTPUT_COLUMNS),
    )
