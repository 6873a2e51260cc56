"""Rolling-origin backtests, accuracy metrics and prediction bands. No I/O here.

Horizons count working days (days of the week the centre opens), so "7" is a week ahead for a
centre open every day and "5" is a week ahead for a weekday-only centre.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd

from wfm.forecast.intervals import DayMatrix
from wfm.forecast.models import Model, Problem, complete_days

BAND_QUANTILES = (0.05, 0.95)
MIN_HISTORY_DAYS = 14  # working days of history before the first backtest origin


def wape(actual: np.ndarray, forecast: np.ndarray) -> float:
    """Weighted absolute percentage error: total absolute error over total volume."""
    a, f = _paired(actual, forecast)
    return float(np.abs(a - f).sum() / a.sum()) if a.sum() > 0 else np.nan


def bias(actual: np.ndarray, forecast: np.ndarray) -> float:
    """Signed relative error; positive means the forecast is too high."""
    a, f = _paired(actual, forecast)
    return float((f - a).sum() / a.sum()) if a.sum() > 0 else np.nan


def mase(actual: np.ndarray, forecast: np.ndarray, scale: float) -> float:
    """Mean absolute error scaled by the in-sample error of the weekly seasonal naive."""
    a, f = _paired(actual, forecast)
    return float(np.abs(a - f).mean() / scale) if scale > 0 and len(a) else np.nan


def coverage(actual: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> float:
    """Share of actual values inside [lo, hi]."""
    mask = np.isfinite(actual) & np.isfinite(lo) & np.isfinite(hi)
    inside = (actual[mask] >= lo[mask]) & (actual[mask] <= hi[mask])
    return float(inside.mean()) if mask.any() else np.nan


def naive_scale(problem: Problem) -> float:
    """Mean absolute interval difference between each complete day and the previous complete
    day of the same weekday: the denominator of MASE."""
    days = problem.history.index[problem.complete]
    values = np.nan_to_num(problem.history.loc[days].to_numpy())
    diffs = []
    for weekday in set(days.day_of_week):
        rows = values[days.day_of_week == weekday]
        diffs.append(np.abs(np.diff(rows, axis=0)).ravel())
    joined = np.concatenate(diffs) if diffs else np.array([])
    return float(joined.mean()) if len(joined) else np.nan


def band_offsets(actual: np.ndarray, forecast: np.ndarray) -> tuple[float, float]:
    """Quantiles of residuals scaled by sqrt(forecast) (Poisson-like growth of the spread)."""
    a, f = _paired(actual, forecast)
    z = (a - f) / np.sqrt(np.maximum(f, 1.0))
    if len(z) == 0:
        return (np.nan, np.nan)
    return float(np.quantile(z, BAND_QUANTILES[0])), float(np.quantile(z, BAND_QUANTILES[1]))


def apply_band(forecast: np.ndarray, offsets: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper band around a forecast from scaled residual quantiles."""
    spread = np.sqrt(np.maximum(forecast, 1.0))
    lo = np.maximum(forecast + offsets[0] * spread, 0.0)
    hi = np.maximum(forecast + offsets[1] * spread, lo)
    return lo, hi


def problem_at(
    matrix: DayMatrix,
    features: pd.DataFrame,
    multipliers: pd.Series,
    origin: pd.Timestamp,
    targets: pd.DatetimeIndex,
    target_open: pd.DataFrame | None = None,
) -> Problem:
    """The forecasting problem as seen at the end of `origin` (history up to and including it)."""
    upto = matrix.volume.index <= origin
    opened = target_open if target_open is not None else matrix.open.loc[targets]
    return Problem(
        history=matrix.volume[upto],
        history_open=matrix.open[upto],
        target_open=opened,
        features=features,
        multipliers=multipliers,
    )


class Pair(NamedTuple):
    """One backtest forecast of one target day: its origin, horizon, actual and forecast."""

    origin: pd.Timestamp
    target: pd.Timestamp
    horizon: int
    actual: np.ndarray
    forecast: np.ndarray


@dataclass
class Backtest:
    """Per model and horizon: WAPE, MASE, bias, number of target days; plus the paired
    actual/forecast values kept for bands and coverage."""

    table: pd.DataFrame
    pairs: dict[str, list[Pair]] = field(default_factory=dict)

    def best(self) -> str:
        """The model with the lowest mean WAPE over the horizons."""
        return str(self.table.groupby("model")["wape"].mean().idxmin())

    def band(self, model: str) -> tuple[tuple[float, float], float]:
        """Band offsets from all origins, and the empirical coverage of bands fitted on the
        earlier half of the origins and checked on the later half (honest, out of sample)."""
        pairs = sorted(self.pairs[model], key=lambda p: p.origin)
        actual = np.concatenate([p.actual for p in pairs])
        forecast = np.concatenate([p.forecast for p in pairs])
        half = sum(len(p.actual) for p in pairs[: len(pairs) // 2])
        early = band_offsets(actual[:half], forecast[:half])
        lo, hi = apply_band(forecast[half:], early)
        return band_offsets(actual, forecast), coverage(actual[half:], lo, hi)


def working_days(matrix: DayMatrix) -> pd.DatetimeIndex:
    """History dates on weekdays the centre opens (closed holidays included, as gaps)."""
    index = matrix.volume.index
    weekdays = set(index[matrix.open.any(axis=1).to_numpy()].day_of_week)
    return index[index.day_of_week.isin(sorted(weekdays))]


def plan_origins(
    matrix: DayMatrix, horizons: Sequence[int], last_days: int
) -> tuple[pd.DatetimeIndex, dict[int, list[tuple[int, int]]]]:
    """Working days, and per origin position the (horizon, target position) pairs to forecast:
    the last `last_days` complete working days, each from `h` working days earlier."""
    days = working_days(matrix)
    complete = set(matrix.volume.index[complete_days(matrix.volume, matrix.open)])
    targets = [i for i, d in enumerate(days) if d in complete][-last_days:]
    jobs: dict[int, list[tuple[int, int]]] = {}
    for h in horizons:
        for t in targets:
            if t - h >= MIN_HISTORY_DAYS:
                jobs.setdefault(t - h, []).append((h, t))
    return days, jobs


def rolling_origin(
    matrix: DayMatrix,
    features: pd.DataFrame,
    multipliers: pd.Series,
    models: dict[str, Model],
    horizons: Sequence[int] = (1, 7, 14),
    last_days: int = 28,
    tick: Callable[[], None] | None = None,
) -> Backtest:
    """Forecast each of the last `last_days` complete working days from origins `h` working
    days earlier, for every horizon h, with every model; `tick` is called after each origin."""
    days, jobs = plan_origins(matrix, horizons, last_days)
    first_origin = days[min(jobs)] if jobs else days[-1]
    scale = naive_scale(problem_at(matrix, features, multipliers, first_origin, days[:0]))
    rows = []
    pairs: dict[str, list[Pair]] = {n: [] for n in models}
    results: dict[tuple[str, int], list[tuple[np.ndarray, np.ndarray]]] = {}
    for origin, wanted in sorted(jobs.items()):
        target_days = pd.DatetimeIndex([days[t] for _, t in wanted])
        problem = problem_at(matrix, features, multipliers, days[origin], target_days)
        for name, model in models.items():
            forecast = model(problem)
            for row, (h, t) in enumerate(wanted):
                actual = matrix.volume.loc[days[t]].to_numpy()
                results.setdefault((name, h), []).append((actual, forecast[row]))
                pairs[name].append(Pair(days[origin], days[t], h, actual, forecast[row]))
        if tick:
            tick()
    for (name, h), items in sorted(results.items()):
        actual = np.concatenate([a for a, _ in items])
        forecast = np.concatenate([f for _, f in items])
        rows.append(
            {
                "model": name,
                "horizon": h,
                "wape": wape(actual, forecast),
                "mase": mase(actual, forecast, scale),
                "bias": bias(actual, forecast),
                "days": len(items),
            }
        )
    return Backtest(table=pd.DataFrame(rows), pairs=pairs)


def _paired(actual: np.ndarray, forecast: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mask = np.isfinite(actual) & np.isfinite(forecast)
    return actual[mask], forecast[mask]
