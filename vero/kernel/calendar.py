"""When the centre is open: weekly opening hours, public holidays and the centre's own closed days.

One answer for every user: the IVR asks `is_open` at a moment, the forecast and the roster ask
`closed_on` / `hours_on` for a day, the twin adds agents only in `hours_on`. The `holidays`
package is called here and nowhere else, so a day is a holiday for all of them or for none.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import TYPE_CHECKING

import holidays as holidays_lib

if TYPE_CHECKING:
    from vero.kernel.centre import Centre

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
EventDay = dt.date | tuple[int, int]  # a date, or (month, day) recurring every year


def minutes_of_day(hhmm: str) -> int:
    """'HH:MM' as minutes after midnight; '24:00' is the end of the day."""
    try:
        hours, minutes = hhmm.split(":")
        value = int(hours) * 60 + int(minutes)
    except ValueError as exc:
        raise ValueError(f"{hhmm!r} is not a HH:MM time") from exc
    if not 0 <= value <= 24 * 60:
        raise ValueError(f"{hhmm!r} is not a time of day")
    return value


def check_opening_hours(value: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """The weekly hours, validated: known weekdays, each opening before its closing."""
    for day, (start, end) in value.items():
        if day not in WEEKDAYS:
            raise ValueError(f"unknown day {day!r}; use {', '.join(WEEKDAYS)}")
        if minutes_of_day(start) >= minutes_of_day(end):
            raise ValueError(f"{day}: opening {start} is not before closing {end}")
    return value


def event_day(text: str) -> EventDay:
    """A day as written in a centre or events file: YYYY-MM-DD, or MM-DD for every year."""
    if len(text) == 5:
        day = (int(text[:2]), int(text[3:]))
        dt.date(2024, *day)  # a leap year: 02-29 is a valid recurring day
        return day
    return dt.date.fromisoformat(text)


def falls_on(day: EventDay, date: dt.date) -> bool:
    """Whether an event day (a date or a recurring month and day) is `date`."""
    if isinstance(day, tuple):
        return (date.month, date.day) == day
    return date == day


@cache
def public_holidays(country: str, year: int) -> holidays_lib.HolidayBase:
    """A country's public holidays of one year: built once, asked on every IVR step."""
    return holidays_lib.country_holidays(country, years=year)


def is_holiday(centre: Centre, day: dt.date) -> bool:
    """A public holiday of the centre's country (whether or not the centre closes on it)."""
    return bool(centre.holiday_country) and day in public_holidays(centre.holiday_country, day.year)


def closed_on(centre: Centre, day: dt.date) -> bool:
    """Whether the centre is closed all of a local day beyond its weekly hours: a public holiday
    it closes on, or one of its own closed days."""
    if centre.closed_on_holidays and is_holiday(centre, day):
        return True
    return any(falls_on(closed.date, day) for closed in centre.closed_days)


def hours_on(centre: Centre, day: dt.date) -> tuple[str, str] | None:
    """The opening and closing time of a local day, None when the centre is closed that day."""
    if closed_on(centre, day):
        return None
    return centre.opening_hours.get(WEEKDAYS[day.weekday()])


def is_open(centre: Centre, moment: dt.datetime) -> bool:
    """Whether the centre takes live contacts at an aware moment."""
    local = moment.astimezone(centre.tz)
    hours = hours_on(centre, local.date())
    if hours is None:
        return False
    minute = local.hour * 60 + local.minute
    return minutes_of_day(hours[0]) <= minute < minutes_of_day(hours[1])


def eid_al_fitr(country: str | None, years: range) -> list[dt.date]:
    """First day of Idul Fitri per year, from the `holidays` package (none outside its data)."""
    if not country:
        return []
    try:
        days = holidays_lib.country_holidays(country, years=list(years), language="en_US")
    except NotImplementedError:
        return []
    firsts: dict[int, dt.date] = {}
    for day, name in days.items():
        if name == "Eid al-Fitr":
            firsts[day.year] = min(day, firsts.get(day.year, day))
    return sorted(firsts.values())
