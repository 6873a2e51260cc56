"""Chart axes in a person's language: matplotlib tick labels through `vero.kernel.language`, so
a chart on the Indonesian console reads `97,5%`, `1.234` and `Sen 30 Nov 08.00` like its page
(and the plan's tables write interval starts the same way).

Every chart Vero draws (forecast, what-if, plan) takes its titles, axis names and legends from
the catalogues and its ticks from here; matplotlib's own formatters know only the C locale.
"""

from __future__ import annotations

import datetime as dt

import matplotlib.dates as mdates
from matplotlib.axis import Axis
from matplotlib.ticker import FuncFormatter

from vero.kernel.language import Language

CLOCKS = {"id": "HH.mm", "en": "HH:mm"}  # planners read a 24-hour clock in both languages


def clock(moment: dt.datetime | dt.time, lang: Language) -> str:
    """A time of day on the 24-hour clock, with the language's separator (`08.30`, `08:30`):
    interval starts on charts and in the plan's tables."""
    return lang.time(moment, CLOCKS[lang.code])


def interval_start(moment: dt.datetime, lang: Language) -> str:
    """An interval's start as a planner reads it: `Sen 30 Nov 08.30`."""
    return f"{lang.date(moment, 'EEE d MMM')} {clock(moment, lang)}"


def percent_axis(axis: Axis, lang: Language, digits: int = 0) -> None:
    """Ticks of shares in [0, 1] as local percentages."""
    axis.set_major_formatter(FuncFormatter(lambda value, _: lang.percent(value, digits)))


def number_axis(axis: Axis, lang: Language, digits: int = 0) -> None:
    """Ticks as local decimals (a decimal comma and a thousands dot in Indonesian)."""
    axis.set_major_formatter(FuncFormatter(lambda value, _: lang.number(value, digits)))


def time_axis(axis: Axis, lang: Language, tz: dt.tzinfo = dt.UTC, weekly: bool = False) -> None:
    """Date-time ticks as the local short weekday, day and month, with the clock time unless
    at midnight (`tz`: the clock the plotted times are read in; naive times are plotted as if
    UTC, so UTC shows them as they are). `weekly`: one tick each Monday, for weeks of history,
    where matplotlib's own day ticks restart on each month's 1st and collide."""
    if weekly:
        axis.set_major_locator(mdates.WeekdayLocator(byweekday=mdates.MO, tz=tz))
    else:
        axis.set_major_locator(mdates.AutoDateLocator(tz=tz))

    def label(value: float, _: int | None) -> str:
        moment = mdates.num2date(value, tz=tz)
        day = lang.date(moment, "EEE d MMM")
        return day if (moment.hour, moment.minute) == (0, 0) else f"{day}\n{clock(moment, lang)}"

    axis.set_major_formatter(FuncFormatter(label))
