"""Aggregating history into day × interval matrices in the centre's local time.

A cell is NaN when the centre is closed or when the data has a gap there; `open` tells the two
apart, so a gap is never read as zero demand.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from vero.kernel.calendar import WEEKDAYS
from vero.kernel.centre import Centre
from vero.kernel.errors import VeroError
from wfm.forecast.history import KEYS, History

INTERVALS = (15, 30, 60)
SeriesKey = tuple[str, str, str]


@dataclass(frozen=True)
class DayMatrix:
    """One series: rows are local dates, columns are interval starts in minutes after midnight."""

    volume: pd.DataFrame
    handle: pd.DataFrame
    open: pd.DataFrame
    interval_minutes: int

    @property
    def missing(self) -> pd.DataFrame:
        """Open cells without data: gaps, not zeros."""
        return self.open & self.volume.isna()


@dataclass(frozen=True)
class Aggregate:
    series: dict[SeriesKey, DayMatrix]
    outside_hours: float  # contacts that arrived while the centre was closed (not forecast)


def open_mask(
    centre: Centre,
    dates: pd.DatetimeIndex,
    interval_minutes: int,
    closures: frozenset[dt.date] = frozenset(),
) -> pd.DataFrame:
    """Which intervals of which local dates the centre is open, by its weekly hours, its
    holidays and extra closure days. An interval partly inside the hours counts as open."""
    slots = np.arange(0, 24 * 60, interval_minutes)
    rows = []
    for day in dates:
        hours = centre.hours_on(day.date())
        if hours is None or day.date() in closures:
            rows.append(np.zeros(len(slots), dtype=bool))
            continue
        start, end = (_minutes(text) for text in hours)
        rows.append((slots < end) & (slots + interval_minutes > start))
    return pd.DataFrame(rows, index=dates, columns=slots, dtype=bool)


def workdays(centre: Centre) -> frozenset[int]:
    """Weekday numbers (Monday 0) the centre normally opens."""
    return frozenset(i for i, name in enumerate(WEEKDAYS) if name in centre.opening_hours)


def aggregate(
    history: History,
    centre: Centre,
    interval_minutes: int,
    closures: frozenset[dt.date] = frozenset(),
) -> Aggregate:
    """Count contacts per local interval for every channel/queue/language series."""
    if interval_minutes not in INTERVALS:
        raise VeroError(f"interval must be one of {INTERVALS} minutes")
    step = history.source_minutes or 0  # minutes per counts row; contact records have none
    if history.kind == "counts" and interval_minutes % step:
        raise VeroError(
            f"cannot build {interval_minutes}-minute intervals from {step}-minute counts"
        )
    records = history.records
    if records.empty:
        raise VeroError("no usable history rows")
    local = records["at"].dt.tz_convert(centre.tz)
    frame = records.assign(
        date=local.dt.tz_localize(None).dt.normalize(),
        slot=local.dt.hour * 60 + local.dt.minute // interval_minutes * interval_minutes,
        handled=records["handle_seconds"].notna().astype(float),
        handle_sum=records["handle_seconds"].fillna(0.0),
    )
    dates = pd.date_range(frame["date"].min(), frame["date"].max(), freq="D")
    full_open = open_mask(centre, dates, interval_minutes, closures)
    columns = full_open.columns[full_open.any(axis=0)]
    is_open = full_open[columns]
    open_cells = is_open.stack()
    inside = pd.MultiIndex.from_arrays([frame["date"], frame["slot"]]).isin(
        open_cells[open_cells].index
    )
    outside_hours = float(frame.loc[~inside, "count"].sum())
    frame = frame[inside]
    observed_days = pd.DatetimeIndex(frame["date"].unique())
    # an interval-count export that never writes a zero leaves its empty intervals out (as
    # real exports do): there, as in contact records, an open interval of a day with data is
    # a zero when absent, and only a day without any row is a gap
    leaves_out_zeros = history.kind == "counts" and not (records["count"] == 0).any()
    series = {}
    for key, group in frame.groupby(list(KEYS), sort=True):
        cells = group.groupby(["date", "slot"])[["count", "handled", "handle_sum"]].sum()
        volume = cells["count"].unstack().reindex(index=dates, columns=columns)
        if history.kind == "contacts" or leaves_out_zeros:
            observed = pd.DataFrame(
                np.isin(dates, observed_days)[:, None] & np.ones(len(columns), dtype=bool),
                index=dates,
                columns=columns,
            )
            volume = volume.fillna(0.0)
        else:
            rows = group.groupby(["date", "slot"]).size().unstack()
            expected = interval_minutes // step
            observed = rows.reindex(index=dates, columns=columns).eq(expected)
        volume = volume.where(observed & is_open)
        handle = (cells["handle_sum"] / cells["handled"].replace(0, np.nan)).unstack()
        series[tuple(key)] = DayMatrix(
            volume=volume,
            open=is_open,
            handle=handle.reindex(index=dates, columns=columns),
            interval_minutes=interval_minutes,
        )
    return Aggregate(series=series, outside_hours=outside_hours)


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)
