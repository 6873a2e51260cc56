"""Adherence and conformance of one day, computed by hand (wfm/adherence.py)."""

import datetime as dt

import pytest

from wfm.adherence import (
    OutOfAdherence,
    Segment,
    evaluate,
    minutes_out,
    scheduled_at,
    shift,
    timeline,
)

M = 60.0  # minutes from 09:00 in seconds


def at(minutes: float) -> float:
    return minutes * M


# 09:00-17:00 with a break 12:00-13:00
SCHEDULE = shift(at(0), at(480), at(180), at(240))
# logs in 10 minutes late, breaks on time but 15 minutes long, stays 20 minutes after the shift
SEGMENTS = [
    Segment(at(10), at(180), "available"),
    Segment(at(180), at(255), "break"),
    Segment(at(255), at(480), "busy"),
    Segment(at(480), at(500), "available"),
]


def test_a_day_by_the_standard_definitions():
    day = evaluate(SCHEDULE, SEGMENTS, at(-60), at(600))
    assert day.scheduled_seconds == at(480)
    assert day.in_adherence_seconds == at(170 + 60 + 225)
    assert day.adherence == pytest.approx(455 / 480)  # 94.8 %
    assert day.scheduled_work_seconds == at(420)
    assert day.worked_seconds == at(170 + 225 + 20)  # the 20 minutes after the shift count
    assert day.conformance == pytest.approx(415 / 420)
    assert day.exceptions == (
        OutOfAdherence(at(0), at(10), "work", "offline"),
        OutOfAdherence(at(240), at(255), "work", "break"),
        OutOfAdherence(at(480), at(500), "off", "available"),
    )
    assert [e.minutes for e in day.exceptions] == [10, 15, 20]


def test_a_day_off_has_no_adherence_and_work_on_it_is_an_exception():
    day = evaluate((), [Segment(at(0), at(30), "available")], at(0), at(600))
    assert day.adherence is None and day.conformance is None
    assert day.exceptions == (OutOfAdherence(at(0), at(30), "off", "available"),)


def test_real_time_minutes_out_count_the_unbroken_stretch_up_to_now():
    so_far = evaluate(SCHEDULE, SEGMENTS, at(-60), at(250))
    assert minutes_out(so_far.exceptions, at(250)) == 10  # on break 10 minutes past 13:00
    assert minutes_out(evaluate(SCHEDULE, SEGMENTS, at(-60), at(200)).exceptions, at(200)) == 0
    assert scheduled_at(SCHEDULE, at(250)) == "work" and scheduled_at(SCHEDULE, at(200)) == "break"


def test_change_rows_become_segments_within_the_window():
    rows = [
        {"agent_id": "ayu", "state": "available", "started_at": "2026-12-01T01:00:00+00:00"},
        {"agent_id": "ayu", "state": "break", "started_at": "2026-12-01T05:00:00+00:00"},
    ]
    start = dt.datetime(2026, 12, 1, 3, tzinfo=dt.UTC).timestamp()
    assert timeline(rows, start, start + 3 * 3600)["ayu"] == [
        Segment(start, start + 2 * 3600, "available"),
        Segment(start + 2 * 3600, start + 3 * 3600, "break"),
    ]


def test_a_night_shift_counts_on_both_days(tmp_path):
    from wfm.roster_schedule import read_roster

    path = tmp_path / "roster.csv"
    path.write_text(
        "agent,name,date,shift_start,shift_end,break_start,break_end\n"
        "ayu,Ayu,2026-12-01,22:00,06:00,02:00,02:30\n"
    )
    tz = dt.timezone(dt.timedelta(hours=7))
    roster = read_roster(path, tz)
    first, second = dt.date(2026, 12, 1), dt.date(2026, 12, 2)
    assert [a.kind for a in roster[first]["ayu"].activities] == ["work", "break", "work"]
    midnight = dt.datetime(2026, 12, 2, tzinfo=tz).timestamp()
    day = evaluate(roster[second]["ayu"].activities, [], midnight, midnight + 86400)
    assert day.scheduled_seconds == 6 * 3600  # 00:00-06:00 of the shift begun the night before
    assert scheduled_at(roster[second]["ayu"].activities, midnight + 2.25 * 3600) == "break"
