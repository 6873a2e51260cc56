"""How the CSV files people open in Excel write their columns: one rule for every table Vero
writes (forecast, backtest, staffing, requirements, patience, plan), so no file keeps a
`2026-11-30T08:00:00+07:00` Excel reads as text or a 16-digit decimal.

A timestamp column `x` (aware datetimes, or ISO 8601 text with a UTC offset) is written three
times: `x_local` and `x_utc` as `2026-11-30 08:00` (Excel reads that as a date and time; local
is the wall time of the centre the value was made in), then `x` itself, the ISO 8601 key the
readers (`vero staff`, `vero roster`, the twin, the console) take back unambiguously. Decimals
are rounded: whole numbers as integers, `*_seconds` to 0.1 s, everything else (rates, shares,
fractional agents, volumes) to 4 decimals.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TextIO

import numpy as np
import pandas as pd

EXCEL_TIME = "%Y-%m-%d %H:%M"
SECONDS_DIGITS = 1
OTHER_DIGITS = 4


def excel_time(moment: dt.datetime) -> str:
    """A moment's wall time as Excel reads a date and time (`2026-11-30 08:00`)."""
    return moment.strftime(EXCEL_TIME)


def utc_time(moment: dt.datetime) -> str:
    """The same moment in UTC, written alike."""
    return excel_time(moment.astimezone(dt.UTC))


def _moments(column: pd.Series) -> list[dt.datetime] | None:
    """The column as aware datetimes, or None when it is not a timestamp column."""
    if isinstance(column.dtype, pd.DatetimeTZDtype):
        return list(column.dt.to_pydatetime())
    kinds = pd.api.types
    if column.empty or not (kinds.is_object_dtype(column) or kinds.is_string_dtype(column)):
        return None
    first = column.iloc[0]
    if isinstance(first, dt.datetime):
        return list(column) if first.tzinfo is not None else None
    if not isinstance(first, str) or "T" not in first:
        return None
    try:
        moments = [dt.datetime.fromisoformat(text) for text in column]
    except (TypeError, ValueError):
        return None
    return moments if all(m.tzinfo is not None for m in moments) else None


def _rounded(name: str, column: pd.Series) -> pd.Series:
    if not pd.api.types.is_float_dtype(column.dtype):
        return column
    values = column.to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    if finite.size and np.all(finite == np.round(finite)) and finite.size == values.size:
        return column.astype("int64")
    return column.round(SECONDS_DIGITS if name.endswith("_seconds") else OTHER_DIGITS)


def readable(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as it is written: each timestamp column preceded by its `_local` and `_utc`
    columns, decimals rounded (see the module's docstring)."""
    columns: dict[str, object] = {}
    for name in frame.columns:
        moments = _moments(frame[name])
        if moments is None:
            columns[name] = _rounded(str(name), frame[name])
            continue
        columns[f"{name}_local"] = [excel_time(m) for m in moments]
        columns[f"{name}_utc"] = [utc_time(m) for m in moments]
        columns[name] = [m.isoformat() for m in moments]
    return pd.DataFrame(columns, index=frame.index)


def write_frame(frame: pd.DataFrame, target: Path | TextIO) -> None:
    """The frame as a CSV people open: `readable` columns, no index."""
    readable(frame).to_csv(target, index=False)
