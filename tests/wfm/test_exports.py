"""Roster exports: calendars a phone reads right (VTIMEZONE, the agent's language), a coverage
chart per group with closed hours blank."""

import datetime as dt
import math

import icalendar
import pytest

from tests.wfm.roster_helpers import CENTRE, WEEK, agent, problem
from vero.kernel.errors import VeroError
from wfm.scheduler.exports import coverage_series, write_chart, write_ics
from wfm.scheduler.model import Roster, Shift, coverage
from wfm.scheduler.solver import SolveInfo


def _shift(ident: str, group: str, hour: int = 8) -> Shift:
    start = dt.datetime.combine(WEEK, dt.time(hour), CENTRE.tz)
    end = start + dt.timedelta(hours=8, minutes=30)
    rest = start + dt.timedelta(hours=4)
    return Shift(
        ident,
        WEEK,
        start,
        end,
        rest,
        rest + dt.timedelta(minutes=30),
        480,
        ((start, rest, group), (rest + dt.timedelta(minutes=30), end, group)),
    )


def _roster(week, shifts: tuple[Shift, ...]) -> Roster:
    info = SolveInfo("highs", "optimal", 0.0, 0.0, 0.0, 0.0)
    return Roster("optimal", shifts, coverage(week, shifts), info)


def _events(path):
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    return calendar, list(calendar.walk("VEVENT"))


def test_calendar_carries_the_centre_timezone_and_the_agents_language(tmp_path):
    people = (
        agent("ani", "5x8"),  # voice-id speaks Indonesian
        agent("eve", "5x8", ("voice-en",)),
        agent("dan", "5x8", ("digital",), languages=("en", "id")),  # the file's first wins
    )
    week = problem(people)
    shifts = (_shift("ani", "voice-id"), _shift("eve", "voice-en"), _shift("dan", "digital"))
    write_ics(week, _roster(week, shifts), tmp_path)

    calendar, (event,) = _events(tmp_path / "ani.ics")
    zones = list(calendar.walk("VTIMEZONE"))
    assert [str(z["TZID"]) for z in zones] == ["Asia/Jakarta"]
    assert event["DTSTART"].params["TZID"] == "Asia/Jakarta"
    assert event["DTEND"].params["TZID"] == "Asia/Jakarta"
    assert event.decoded("DTSTART") == shifts[0].start
    assert str(event["SUMMARY"]) == "Giliran kerja: Telepon (Bahasa Indonesia)"
    assert str(event["DESCRIPTION"]) == "Kerja 08:00–16:30 (8 jam)\nIstirahat 12:00–12:30"
    assert str(calendar["X-WR-CALNAME"]) == "Jadwal kerja Ani"
    assert event.decoded("DTSTAMP").utcoffset() == dt.timedelta(0)

    _, (event,) = _events(tmp_path / "eve.ics")
    assert str(event["SUMMARY"]) == "Shift: Phone (English)"
    assert str(event["DESCRIPTION"]) == "Work 08:00–16:30 (8 h)\nBreak 12:00–12:30"
    _, (event,) = _events(tmp_path / "dan.ics")
    assert str(event["SUMMARY"]) == "Shift: Digital (chat, WhatsApp, SMS, email)"


def test_a_digital_agent_without_languages_gets_the_centre_default():
    week = problem((agent("dan", "5x8", ("digital",)),))
    assert week.languages == {"dan": CENTRE.default_language}


def test_an_unknown_language_names_the_agent():
    with pytest.raises(VeroError, match="agent dan: unknown language"):
        problem((agent("dan", "5x8", ("digital",), languages=("fr",)),))


def test_chart_has_one_series_per_group_blank_while_closed(tmp_path):
    people = (agent("ani", "5x8"), agent("dan", "5x8", ("digital",)))
    week = problem(people)
    shifts = (_shift("ani", "voice-id"), _shift("dan", "digital", hour=9))
    roster = _roster(week, shifts)
    series = {line.group: line for line in coverage_series(week, roster)}
    assert sorted(series) == ["digital", "voice-id"]  # not summed into one line
    voice = series["voice-id"]
    assert len(voice.times) == len(voice.required) == len(voice.scheduled) == 7 * 48
    assert voice.times[0] == week.origin
    for slot, moment in enumerate(voice.times):
        closed = not CENTRE.is_open(moment)
        assert math.isnan(voice.required[slot]) == closed
        assert math.isnan(voice.scheduled[slot]) == closed
    assert math.isnan(voice.required[0])  # Monday 00:00: the centre is closed
    at = {moment: slot for slot, moment in enumerate(voice.times)}
    eight, nine = at[shifts[0].start], at[shifts[1].start]
    assert (voice.required[eight], voice.scheduled[eight]) == (1.0, 1.0)
    assert (series["digital"].required[eight], series["digital"].scheduled[eight]) == (0.5, 0.0)
    assert series["digital"].scheduled[nine] == 1.0
    write_chart(week, roster, tmp_path / "coverage.png")
    assert (tmp_path / "coverage.png").read_bytes()[:4] == b"\x89PNG"
