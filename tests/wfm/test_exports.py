"""Roster exports: calendars a phone reads right (VTIMEZONE, the agent's language)."""

import datetime as dt

import icalendar
import pytest

from tests.wfm.roster_helpers import CENTRE, WEEK, agent, problem
from vero.kernel.errors import VeroError
from wfm.scheduler.exports import write_ics
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
    assert str(event["SUMMARY"]) == "Sif kerja: voice-id"
    assert str(event["DESCRIPTION"]) == "Istirahat 12:00-12:30"
    assert event.decoded("DTSTAMP").utcoffset() == dt.timedelta(0)

    _, (event,) = _events(tmp_path / "eve.ics")
    assert str(event["SUMMARY"]) == "Shift: voice-en"
    assert str(event["DESCRIPTION"]) == "Break 12:00-12:30"
    _, (event,) = _events(tmp_path / "dan.ics")
    assert str(event["SUMMARY"]) == "Shift: digital"


def test_a_digital_agent_without_languages_gets_the_centre_default():
    week = problem((agent("dan", "5x8", ("digital",)),))
    assert week.languages == {"dan": CENTRE.default_language}


def test_an_unknown_language_names_the_agent():
    with pytest.raises(VeroError, match="agent dan: unknown language"):
        problem((agent("dan", "5x8", ("digital",), languages=("fr",)),))
