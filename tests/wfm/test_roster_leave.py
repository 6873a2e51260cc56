"""Paid leave: a whole day without a shift that counts toward the contract hours."""

import dataclasses
import datetime as dt

import icalendar
import pytest
from openpyxl import load_workbook

from tests.wfm.roster_helpers import CENTRE, WEEK, agent, problem
from vero.kernel.errors import VeroError
from wfm.scheduler import exports
from wfm.scheduler import roster as roster_module
from wfm.scheduler.check import check_roster
from wfm.scheduler.inputs import less_leave, load_agents, parse_contract
from wfm.scheduler.problem import with_leave
from wfm.scheduler.roster import make_roster

TUESDAY = WEEK + dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("contract", "paid", "patterns", "weekly"),
    [
        ("5x8", [None], (((480, 4),),), 1920),
        ("6x7", [None], (((300, 1), (420, 4)),), 1980),  # a 6x7 leave day is a 7 h day
        ("6x7", [300], (((420, 5),),), 2100),
        ("full-time", [420], (((300, 1), (420, 4)),), 1980),  # only the 6-day week has 7 h
        ("full-time", [None], (((480, 4),), ((300, 1), (420, 4))), 1920),
        ("5x8", [None] * 5, ((),), 0),
        ("part-time:20", [240, 120], (), 840),
    ],
)
def test_leave_comes_off_the_contract(contract, paid, patterns, weekly):
    left = less_leave(parse_contract(contract), paid)
    assert (left.patterns, left.weekly_minutes) == (patterns, weekly)


@pytest.mark.parametrize(
    ("contract", "paid", "message"),
    [
        ("5x8", [420], "do not fit contract 5x8"),
        ("5x8", [None] * 6, "do not fit"),
        ("part-time:12", [None], "part-time leave needs its paid hours"),
        ("part-time:4", [300], "exceed contract"),
    ],
)
def test_leave_that_cannot_be_paid_is_refused(contract, paid, message):
    with pytest.raises(ValueError, match=message):
        less_leave(parse_contract(contract), paid)


def test_a_leave_day_is_honoured_checked_and_exported(tmp_path):
    people = (
        agent("ani", "5x8", leave=((TUESDAY, None), (WEEK - dt.timedelta(days=1), None))),
        agent("budi", "part-time:12", ("digital",), leave=((TUESDAY, 240),)),
    )
    week = problem(people)
    ani, budi = week.agents
    assert ani.paid_leave == ((TUESDAY, None),)  # the day before the week is ignored
    assert with_leave(ani, WEEK, CENTRE.tz) == ani  # applied once, however often built
    roster = make_roster(week, "highs", time_limit=10)
    shifts = {a.id: [s for s in roster.shifts if s.agent_id == a.id] for a in week.agents}
    assert sorted(s.work_minutes for s in shifts["ani"]) == [480] * 4  # 4 days + 8 h leave = 40
    assert TUESDAY not in {s.day for s in shifts["ani"]}
    assert sum(s.work_minutes for s in shifts["budi"]) == 480  # 12 h less 4 h of leave
    assert check_roster(week, roster.shifts) == []
    # the check sees a shift on the leave day, and a full contract, as broken rules
    worked = shifts["ani"][0]
    moved = TUESDAY - worked.day
    on_leave = dataclasses.replace(
        worked,
        day=TUESDAY,
        start=worked.start + moved,
        end=worked.end + moved,
        break_start=None,
        break_end=None,
        segments=(),
    )
    broken = check_roster(week, (*roster.shifts, on_leave))
    assert any("unavailable" in v for v in broken)
    assert any("contract 5x8 less 1 leave day(s)" in v for v in broken)

    exports.write_xlsx(week, roster, tmp_path / "roster.xlsx", "en")
    grid = load_workbook(tmp_path / "roster.xlsx")["Roster"]
    rows = {row[0]: row for row in grid.iter_rows(values_only=True)}
    assert rows["ani"][3] == "Paid leave"  # columns: id, name, Mon, Tue
    assert rows["budi"][3] == "Paid leave (4 h)"
    exports.write_ics(week, roster, tmp_path)
    calendar = icalendar.Calendar.from_ical((tmp_path / "ani.ics").read_bytes())
    (leave,) = [e for e in calendar.walk("VEVENT") if str(e["SUMMARY"]) == "Cuti"]
    assert leave.decoded("DTSTART") == TUESDAY
    assert leave.decoded("DTEND") == TUESDAY + dt.timedelta(days=1)


def test_agents_file_reads_leave(tmp_path):
    path = tmp_path / "agents.csv"
    path.write_text(
        "id,name,groups,contract,leave\n"
        "a1,Ani,voice-id,5x8,2026-12-01;2026-12-03=8\n"
        "a2,Budi,voice-id,5x8,\n"
    )
    a1, a2 = load_agents(path, tuple(CENTRE.staffing_groups), CENTRE.tz)
    assert a1.leave == ((dt.date(2026, 12, 1), None), (dt.date(2026, 12, 3), 480))
    assert a2.leave == ()
    path.write_text("id,name,groups,contract,leave\na1,Ani,voice-id,5x8,2026-12-01=9\n")
    with pytest.raises(VeroError, match="leave hours must be in"):
        load_agents(path, tuple(CENTRE.staffing_groups), CENTRE.tz)


def test_column_generation_honours_leave(monkeypatch):
    monkeypatch.setattr(roster_module, "NAMED_MODEL_LIMIT", 0)  # force column generation
    people = tuple(
        agent(f"a{i}", contract, groups, leave=((TUESDAY + dt.timedelta(days=i), paid),))
        for i, (contract, groups, paid) in enumerate(
            [
                ("5x8", ("voice-id",), None),
                ("6x7", ("digital", "voice-id"), 300),
                ("full-time", ("digital",), None),
                ("part-time:20", ("voice-id",), 240),
            ]
        )
    )
    week = problem(people, level=2)
    roster = make_roster(week, "highs", time_limit=20)  # make_roster checks the hard rules
    for a in week.agents:
        ((day, _),) = a.paid_leave
        assert day not in {s.day for s in roster.shifts if s.agent_id == a.id}
    part_time = [s for s in roster.shifts if s.agent_id == "a3"]
    assert sum(s.work_minutes for s in part_time) == 16 * 60


def test_leave_that_does_not_fit_names_the_agent():
    with pytest.raises(VeroError, match="agent ani: .*do not fit contract 5x8"):
        problem((agent("ani", "5x8", leave=((TUESDAY, 420),)),))
