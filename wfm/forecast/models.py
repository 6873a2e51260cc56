"""Volume and handle-time models over day × interval matrices. No I/O here.

Every volume model takes a `Problem` (history up to the forecast origin plus what is known about
the target days) and returns a targets × intervals array, NaN where the centre is closed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd
from statsmodels.tsa.seasonal import MSTL

from vero.kernel.errors import VeroError


@dataclass(frozen=True)
class Problem:
    """History (NaN = closed or gap) with its open mask, the target days' open mask, calendar
    features for history and target dates, and fixed event multipliers for the targets."""

    history: pd.DataFrame
    history_open: pd.DataFrame
    target_open: pd.DataFrame
    features: pd.DataFrame
    multipliers: pd.Series

    @property
    def complete(self) -> np.ndarray:
        return complete_days(self.history, self.history_open)


def complete_days(volume: pd.DataFrame, opened: pd.DataFrame) -> np.ndarray:
    """Days with data in every open interval (and at least one open interval)."""
    has_open = opened.to_numpy().any(axis=1)
    gap = (opened.to_numpy() & np.isnan(volume.to_numpy())).any(axis=1)
    return has_open & ~gap


Model = Callable[[Problem], np.ndarray]


def _complete_days(problem: Problem) -> tuple[pd.DatetimeIndex, np.ndarray]:
    days = problem.history.index[problem.complete]
    if len(days) == 0:
        raise VeroError("no complete day in the history to forecast from")
    return days, np.nan_to_num(problem.history.loc[days].to_numpy())


def _masked(values: np.ndarray, problem: Problem) -> np.ndarray:
    return np.where(problem.target_open.to_numpy(), np.maximum(values, 0.0), np.nan)


def seasonal_naive(problem: Problem) -> np.ndarray:
    """The last complete day with the same weekday (the last complete day if none)."""
    days, values = _complete_days(problem)
    rows = []
    for target in problem.target_open.index:
        same = np.flatnonzero(days.day_of_week == target.day_of_week)
        rows.append(values[same[-1] if len(same) else -1])
    return _masked(np.array(rows), problem)


def weekday_profile(problem: Problem, weeks: int = 6, statistic: str = "median") -> np.ndarray:
    """Median (or mean) of the last `weeks` complete same-weekday days: robust to one odd day."""
    days, values = _complete_days(problem)
    reduce = np.median if statistic == "median" else np.mean
    rows = []
    for target in problem.target_open.index:
        same = np.flatnonzero(days.day_of_week == target.day_of_week)[-weeks:]
        rows.append(reduce(values[same if len(same) else slice(-weeks, None)], axis=0))
    return _masked(np.array(rows), problem)


def mstl(problem: Problem, weeks: int = 8) -> np.ndarray:
    """Double-seasonal decomposition (day and week) by statsmodels' MSTL: the last seasonal
    cycles carried forward on top of the last trend level."""
    weekdays = sorted(
        set(problem.target_open.index.day_of_week)
        | set(problem.history.index[problem.history_open.any(axis=1)].day_of_week)
    )
    history = problem.history[problem.history.index.day_of_week.isin(weekdays)].iloc[
        -weeks * len(weekdays) :
    ]
    opened = problem.history_open.loc[history.index].to_numpy()
    # a whole closed day (holiday) is a gap in the weekly cycle, not a day of zeros
    worked = np.broadcast_to(opened.any(axis=1)[:, None], opened.shape)
    filled = history.where(opened, 0.0).where(worked)
    filled = filled.groupby(filled.index.day_of_week).ffill().bfill().fillna(0.0)
    per_day = filled.shape[1]
    periods = (per_day, per_day * len(weekdays))
    if len(filled) * per_day < 2 * periods[1] + 1:
        raise VeroError("MSTL needs at least two weeks of history")
    fit = MSTL(filled.to_numpy().ravel(), periods=periods).fit()
    seasonal = np.asarray(fit.seasonal).reshape(len(filled) * per_day, -1)
    trend_level = float(np.asarray(fit.trend)[-per_day:].mean())
    end = filled.index[-1]
    rows = []
    for target in problem.target_open.index:
        ahead = int(
            np.sum(np.isin(pd.date_range(end, target, inclusive="right").day_of_week, weekdays))
        )
        row = np.full(per_day, trend_level)
        for k, period in enumerate(periods):
            cycles = -(-ahead * per_day // period)
            start = len(filled) * per_day + ahead * per_day - per_day - cycles * period
            row += seasonal[start : start + per_day, k]
        rows.append(row)
    return _masked(np.array(rows), problem)


def daily_profile(
    problem: Problem,
    level_half_life: float = 448.0,
    profile_half_life: float = 112.0,
    ridge: float = 0.001,
    recent_days: float = 1.0,
    recent_damping: float = 0.9,
) -> np.ndarray:
    """Daily total × intraday profile (top-down). The total is a weighted log-linear fit of
    daily totals on weekday and calendar indicators (holidays, Ramadan, Lebaran, month
    position, week of the month, backlog after closures, events), so old days fade with
    `level_half_life` days, plus the recent level: the fit's error on the last complete days
    (half-life `recent_days` of them), which persists for a few days, so it is damped by
    `recent_damping` per working day ahead. The profile is the weighted mean share of each
    interval on the same weekday: intraday shapes are far steadier than daily totals, so they
    take a longer memory."""
    days, values = _complete_days(problem)
    totals = values.sum(axis=1)
    targets = problem.target_open.index
    age = (days[-1] - days).days.to_numpy()
    multipliers = problem.multipliers.reindex(days, fill_value=1.0).to_numpy()
    fitted, level = _log_linear_totals(
        days,
        np.log1p(totals / multipliers),
        targets,
        problem.features,
        0.5 ** (age / level_half_life),
        ridge,
    )
    residual = np.log1p(totals / multipliers) - fitted
    recent = 0.5 ** (np.arange(len(days))[::-1] / recent_days)
    worked = set(days.day_of_week)
    ahead = np.array(
        [
            np.isin(pd.date_range(days[-1], t, inclusive="right").day_of_week, list(worked)).sum()
            for t in targets
        ]
    )
    level = level + (recent @ residual / recent.sum()) * recent_damping**ahead
    forecast_totals = np.expm1(level) * problem.multipliers.reindex(targets, fill_value=1.0)
    shares = values / np.where(totals > 0, totals, 1.0)[:, None]
    weights = 0.5 ** (age / profile_half_life)
    opened = problem.target_open.to_numpy()
    rows = []
    for i, target in enumerate(targets):
        same = days.day_of_week == target.day_of_week
        use = same if same.any() else np.ones(len(days), dtype=bool)
        profile = weights[use] @ shares[use] * opened[i]
        rows.append(forecast_totals.iloc[i] * profile / max(profile.sum(), 1e-12))
    return _masked(np.array(rows), problem)


def _log_linear_totals(
    days: pd.DatetimeIndex,
    y: np.ndarray,
    targets: pd.DatetimeIndex,
    features: pd.DataFrame,
    weights: np.ndarray,
    ridge: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted least squares of log totals on weekday dummies and the calendar indicators seen
    in history; a small ridge penalty keeps rarely-seen indicators from running wild. Returns
    the fit on the history days and the prediction for the targets."""
    seen_weekdays = sorted(set(days.day_of_week))
    calendar = features.reindex(days).fillna(0.0)
    used = [c for c in calendar.columns if calendar[c].any()]

    def design(index: pd.DatetimeIndex) -> np.ndarray:
        weekday = [(index.day_of_week == d).astype(float) for d in seen_weekdays[1:]]
        cal = features.reindex(index).fillna(0.0)[used].to_numpy().T
        return np.column_stack([np.ones(len(index)), *weekday, *cal])

    a = design(days)
    penalty = np.zeros(a.shape[1])
    penalty[len(seen_weekdays) :] = ridge * weights.sum()
    gram = a.T @ (weights[:, None] * a) + np.diag(penalty)
    beta = np.linalg.lstsq(gram, a.T @ (weights * y), rcond=None)[0]
    return a @ beta, design(targets) @ beta


MODELS: dict[str, Model] = {
    "seasonal_naive": seasonal_naive,
    "weekday_median": weekday_profile,
    "weekday_mean": partial(weekday_profile, statistic="mean"),
    "mstl": mstl,
    "daily_profile": daily_profile,
}


def forecast_aht(
    handle: pd.DataFrame, target_open: pd.DataFrame, default_seconds: float, weeks: int = 8
) -> np.ndarray:
    """Handle time per target interval: median of the last `weeks` same-weekday values in that
    interval, else the interval's median over all days, else the overall median, else the
    default (no handle times in the history)."""
    overall = float(np.nanmedian(handle.to_numpy())) if handle.notna().any().any() else np.nan
    fallback = handle.median(axis=0).fillna(overall if np.isfinite(overall) else default_seconds)
    rows = []
    for target in target_open.index:
        same = handle[handle.index.day_of_week == target.day_of_week].dropna(how="all")
        rows.append(same.iloc[-weeks:].median(axis=0).fillna(fallback).to_numpy())
    return np.where(target_open.to_numpy(), np.array(rows), np.nan)
