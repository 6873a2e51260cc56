"""Calendar effects on daily volume: public holidays, Ramadan and Lebaran, month position and
week of the month, the backlog after a closure, and configured event days (11.11, 12.12, product
launches).

Features are 0/1 indicators per date; the daily model estimates a multiplicative effect for each
one seen in history. Events given with a `factor` are applied as fixed multipliers instead.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from vero.kernel.calendar import EventDay, eid_al_fitr, event_day, falls_on
from vero.kernel.centre import Centre
from vero.kernel.errors import VeroError
from vero.kernel.files import csv_rows, read_yaml
from wfm.forecast.intervals import workdays

RAMADAN_DAYS = 30  # Ramadan is the month before Idul Fitri (Eid al-Fitr)
LEBARAN_DAYS = 7  # Idul Fitri and the collective-leave week after it
MONTH_FIRST, MONTH_LAST = 3, 2  # working days of the month with their own effect
MONTH_WEEKS = 4  # weeks of the month (days 1-7, 8-14, 15-21, 22 on) with their own level


@dataclass(frozen=True)
class Event:
    """A named event day: `day` is a date, or (month, day) to recur every year."""

    name: str
    day: EventDay
    factor: float | None = None
    closed: bool = False

    def falls_on(self, date: dt.date) -> bool:
        return falls_on(self.day, date)


def load_events(path: str | Path) -> list[Event]:
    """Read event days from YAML (a list of mappings) or CSV with fields name, date
    (YYYY-MM-DD, or MM-DD for every year), optional factor and closed (true/false)."""
    path = Path(path)
    entries: list[tuple[int | None, object]]
    if path.suffix.lower() == ".csv":
        entries = list(csv_rows(path, ("name", "date")))
    else:
        raw = read_yaml(path)
        if not isinstance(raw, list) or not raw:
            raise VeroError("events must be a list of {name, date, factor}", source=str(path))
        entries = [(None, row) for row in raw]
    return [_event(row, str(path), line, index) for index, (line, row) in enumerate(entries)]


def _event(row: object, source: str, line: int | None, index: int) -> Event:
    where = {"source": source, "line": line} if line else {"source": source, "field": f"[{index}]"}
    if not isinstance(row, dict) or not row.get("name") or not row.get("date"):
        raise VeroError("each event needs a name and a date", **where)
    try:
        day = event_day(str(row["date"]))
        factor = float(row["factor"]) if row.get("factor") not in (None, "") else None
    except ValueError as exc:
        raise VeroError(f"bad date or factor in event {row['name']!r}: {exc}", **where) from exc
    if factor is not None and factor <= 0:
        raise VeroError(f"event {row['name']!r}: factor must be positive", **where)
    closed = str(row.get("closed", "false")).lower() in ("true", "1", "yes")
    return Event(name=str(row["name"]), day=day, factor=factor, closed=closed)


def closures(events: list[Event], dates: pd.DatetimeIndex) -> frozenset[dt.date]:
    """Extra closure days (events marked closed) among `dates`: closures the forecast alone
    knows, such as past ones that explain gaps in the history. Days the centre itself closes
    (its public holidays and `closed_days`) the forecast asks the centre (`Centre.closed_on`),
    like the IVR and the roster do."""
    return frozenset(d.date() for d in dates for e in events if e.closed and e.falls_on(d.date()))


def day_features(
    dates: pd.DatetimeIndex, open_days: pd.Series, centre: Centre, events: list[Event]
) -> pd.DataFrame:
    """0/1 calendar indicators for `dates` (consecutive local dates). `open_days` tells which
    dates the centre opens at all; `after_closure` marks the first open day after a closed
    normal working day (the backlog day)."""
    frame = pd.DataFrame(index=dates)
    days = [d.date() for d in dates]
    years = range(dates[0].year - 1, dates[-1].year + 2)
    frame["holiday"] = [float(centre.is_holiday(d)) for d in days]
    eids = eid_al_fitr(centre.holiday_country, years)
    frame["ramadan"] = [float(any(0 < (e - d).days <= RAMADAN_DAYS for e in eids)) for d in days]
    frame["lebaran"] = [float(any(0 <= (d - e).days < LEBARAN_DAYS for e in eids)) for d in days]
    normal = pd.Series([d.day_of_week in workdays(centre) for d in dates], index=dates)
    worked = open_days.reindex(dates, fill_value=False)
    frame["after_closure"], frame["after_closure_2"] = _after_closure(normal, worked)
    first, last = _month_positions(dates, worked, centre)
    for k in range(MONTH_FIRST):
        frame[f"month_first_{k + 1}"] = (first == k).astype(float)
    for k in range(MONTH_LAST):
        frame[f"month_last_{k + 1}"] = (last == k).astype(float)
    week = np.minimum((dates.day - 1) // 7 + 1, MONTH_WEEKS)
    for k in range(2, MONTH_WEEKS + 1):  # the first week is the baseline
        frame[f"month_week_{k}"] = (week == k).astype(float)
    for name in sorted({e.name for e in events if e.factor is None and not e.closed}):
        named = [e for e in events if e.name == name]
        frame[f"event_{name}"] = [float(any(e.falls_on(d) for e in named)) for d in days]
    return frame


def _month_positions(
    dates: pd.DatetimeIndex, worked: pd.Series, centre: Centre
) -> tuple[pd.Series, pd.Series]:
    """Each worked date's rank among the worked days of its month, from the start and from the
    end. Ranked over whole months (the days outside `dates` worked as the centre normally
    works), so where a window is cut never makes its last days look like a month's end."""
    whole = pd.date_range(dates[0].replace(day=1), dates[-1] + pd.offsets.MonthEnd(0), freq="D")
    normally = [d.day_of_week in workdays(centre) and not centre.closed_on(d.date()) for d in whole]
    everyday = pd.Series(normally, index=whole)
    everyday.loc[dates] = worked.to_numpy()
    position = pd.Series(range(len(whole)), index=whole)[everyday.to_numpy(dtype=bool)]
    by_month = position.groupby([position.index.year, position.index.month])
    return (by_month.cumcount().reindex(dates), by_month.cumcount(ascending=False).reindex(dates))


def fixed_multipliers(dates: pd.DatetimeIndex, events: list[Event]) -> pd.Series:
    """The product of configured event factors per date (1 where none applies)."""
    values = []
    for date in dates:
        factor = 1.0
        for event in events:
            if event.factor is not None and event.falls_on(date.date()):
                factor *= event.factor
        values.append(factor)
    return pd.Series(values, index=dates)


def _after_closure(normal: pd.Series, worked: pd.Series) -> tuple[list[float], list[float]]:
    """The first and the second worked day after a closed normal working day: the backlog
    of a closure spreads over two days."""
    first, second, pending, last_first = [], [], False, False
    for is_normal, is_worked in zip(normal, worked, strict=True):
        first.append(float(is_worked and pending))
        second.append(float(is_worked and last_first and not pending))
        if is_worked:
            last_first, pending = pending, False
        elif is_normal:
            pending = True
    return first, second
