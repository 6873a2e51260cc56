"""The roster's shortfall summary: intervals and agent-hours short, the worst interval per group."""

import datetime as dt

from tests.wfm.roster_helpers import CENTRE, WEEK
from wfm.scheduler.model import Coverage, Roster
from wfm.scheduler.solver import SolveInfo


def _at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(WEEK, dt.time(hour, minute), CENTRE.tz)


def _roster(*cells: Coverage) -> Roster:
    return Roster("optimal", (), cells, SolveInfo("highs", "optimal", 0.0, 0.0, 0.0, 0.0))


def test_shortfalls_count_intervals_hours_and_the_worst_interval_per_group():
    roster = _roster(
        Coverage(_at(8), "voice-id", 3, 1),  # 2 short
        Coverage(_at(8, 30), "voice-id", 3, 3),  # covered
        Coverage(_at(9), "voice-id", 2.5, 2),  # half an agent short
        Coverage(_at(10), "voice-id", 4, 2),  # 2 short, later than 08:00: not the worst
        Coverage(_at(8), "digital", 1, 0),
        Coverage(_at(8), "voice-en", 0, 2),  # over-staffed is not short
    )
    digital, voice = roster.shortfalls(30)
    assert (digital.group, digital.intervals, digital.agent_hours) == ("digital", 1, 0.5)
    assert digital.worst.interval_start == _at(8)
    assert (voice.group, voice.intervals, voice.agent_hours) == ("voice-id", 3, 2.25)
    assert voice.worst.interval_start == _at(8)
    assert voice.worst.required - voice.worst.scheduled == 2


def test_a_covered_roster_has_no_shortfall():
    assert _roster(Coverage(_at(8), "voice-id", 1, 1)).shortfalls(30) == []


def test_short_spans_merge_back_to_back_intervals_of_a_group():
    roster = _roster(
        Coverage(_at(8), "voice-id", 3, 1),
        Coverage(_at(8, 30), "voice-id", 2, 1),  # continues the 08:00 span
        Coverage(_at(9), "voice-id", 2, 2),  # covered: the span ends
        Coverage(_at(9, 30), "voice-id", 1, 0),
        Coverage(_at(8, 30), "digital", 1, 0),
    )
    spans = roster.short_spans(30)
    assert [(s.group, s.start, s.end, s.missing) for s in spans] == [
        ("digital", _at(8, 30), _at(9), 1),
        ("voice-id", _at(8), _at(9), 2),
        ("voice-id", _at(9, 30), _at(10), 1),
    ]
