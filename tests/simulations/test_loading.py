"""Reading forecast, roster, agents and staffing files into the twin's data, and their errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulations.loading import demand, load_forecast, load_roster, load_staffing
from vero.kernel.centre import load_centre
from vero.kernel.errors import VeroError

FORECAST = """\
interval_start,interval_minutes,channel,queue,language,volume,volume_lo,volume_hi,\
aht_seconds
2026-12-01T08:00:00+07:00,30,voice,general,id,60,50,70,180
2026-12-01T08:30:00+07:00,30,chat,product,id,30,20,40,400
2026-12-02T08:00:00+07:00,30,voice,orders,en,10,5,15,200
"""
ROSTER_HEADER = "agent,name,date,shift_start,shift_end,break_start,break_end,work_hours,group\n"
CENTRE = load_centre()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def forecast(tmp_path: Path):
    return load_forecast(write(tmp_path, "forecast.csv", FORECAST), CENTRE)


def test_forecast_sets_the_origin_at_local_midnight_of_the_first_day(forecast) -> None:
    assert forecast.origin.isoformat() == "2026-12-01T00:00:00+07:00"
    assert forecast.end_seconds == 2 * 86400
    first = demand(forecast)[0]
    assert (first.start, first.length, first.channel, first.volume) == (
        8 * 3600,
        1800,
        "voice",
        60.0,
    )


def test_forecast_with_an_unknown_queue_names_line_and_field(tmp_path: Path) -> None:
    bad = FORECAST.replace("chat,product", "chat,lipstick")
    with pytest.raises(VeroError) as info:
        load_forecast(write(tmp_path, "f.csv", bad), CENTRE)
    assert (info.value.line, info.value.field) == (3, "queue")
    assert "f.csv" in info.value.source


def test_roster_crossing_midnight_with_break_and_group_segments(tmp_path: Path, forecast) -> None:
    roster = write(
        tmp_path,
        "roster.csv",
        ROSTER_HEADER
        + "a1,A,2026-12-01,16:00,00:30,20:00,20:30,8,voice-id\n"
        + "a2,B,2026-12-01,08:00,12:00,,,4,digital 08:00-10:00; voice-en 10:00-12:00\n",
    )
    staff = load_roster(roster, CENTRE, forecast)
    first, *segments = staff.shifts
    assert (first.start, first.end, first.break_start) == (16 * 3600, 24.5 * 3600, 20 * 3600)
    assert [(s.group, s.start, s.end) for s in segments] == [
        ("digital", 8 * 3600, 10 * 3600),
        ("voice-en", 10 * 3600, 12 * 3600),
    ]
    assert set(staff.profiles["a2"].capacity) == {"chat", "whatsapp", "sms", "email", "voice"}
    assert staff.profiles["a1"].languages == ("id",)


def test_agents_file_overrides_skills_and_languages(tmp_path: Path, forecast) -> None:
    roster = write(
        tmp_path, "roster.csv", ROSTER_HEADER + "a1,A,2026-12-01,08:00,12:00,,,4,voice-id\n"
    )
    agents = write(
        tmp_path,
        "agents.csv",
        "id,name,groups,contract,skills,languages\n"
        "a1,A,voice-id,5x8,complaints:4;general:2,id;en\n",
    )
    profile = load_roster(roster, CENTRE, forecast, agents).profiles["a1"]
    assert profile.skills == {"complaints": 4, "general": 2}
    assert profile.languages == ("id", "en")
    assert profile.capacity == {"voice": 1}


@pytest.mark.parametrize(
    "row, line, field",
    [
        ("a1,A,2026-13-01,08:00,12:00,,,4,voice-id", 2, "date"),
        ("a1,A,2026-11-30,08:00,12:00,,,4,voice-id", 2, "date"),  # before the forecast
        ("a1,A,2026-12-01,8h,12:00,,,4,voice-id", 2, "shift_start"),
        ("a1,A,2026-12-01,08:00,12:00,11:00,13:00,4,voice-id", 2, "break_end"),
        ("a1,A,2026-12-01,08:00,12:00,,,4,telepathy", 2, "group"),
        ("a1,A,2026-12-01,08:00,12:00,,,4,digital 08:00", 2, "group"),
    ],
)
def test_broken_roster_rows(tmp_path: Path, forecast, row: str, line: int, field: str) -> None:
    roster = write(tmp_path, "roster.csv", ROSTER_HEADER + row + "\n")
    with pytest.raises(VeroError) as info:
        load_roster(roster, CENTRE, forecast)
    assert (info.value.source, info.value.line, info.value.field) == (str(roster), line, field)


def test_roster_agent_missing_from_the_agents_file(tmp_path: Path, forecast) -> None:
    roster = write(
        tmp_path,
        "roster.csv",
        ROSTER_HEADER
        + "a1,A,2026-12-01,08:00,12:00,,,4,voice-id\n"
        + "zz,Z,2026-12-01,08:00,12:00,,,4,voice-id\n",
    )
    agents = write(tmp_path, "agents.csv", "id,groups\na1,voice-id\n")
    with pytest.raises(VeroError, match="'zz' is not in the agents file") as info:
        load_roster(roster, CENTRE, forecast, agents)
    assert (info.value.line, info.value.field) == (3, "agent")


@pytest.mark.parametrize(
    "row, field",
    [
        ("a1,voice-id,cooking:3,", "skills"),
        ("a1,voice-id,general:9,", "skills"),
        ("a1,voice-id,,jv", "languages"),
        ("a1,nobody,,", "groups"),
    ],
)
def test_broken_agents_file(tmp_path: Path, forecast, row: str, field: str) -> None:
    roster = write(
        tmp_path, "roster.csv", ROSTER_HEADER + "a1,A,2026-12-01,08:00,12:00,,,4,voice-id\n"
    )
    agents = write(tmp_path, "agents.csv", "id,groups,skills,languages\n" + row + "\n")
    with pytest.raises(VeroError) as info:
        load_roster(roster, CENTRE, forecast, agents)
    assert (info.value.line, info.value.field) == (2, field)


STAFFING = "interval_start,interval_minutes,group,required_net,required_agents\n"


def test_staffing_table_becomes_contiguous_shifts(tmp_path: Path, forecast) -> None:
    table = write(
        tmp_path,
        "staff.csv",
        STAFFING
        + "2026-12-01T08:00:00+07:00,30,voice-id,2,3\n"
        + "2026-12-01T08:30:00+07:00,30,voice-id,0.2,1\n",
    )
    staff = load_staffing(table, CENTRE, forecast)
    assert sorted((s.agent, s.start, s.end) for s in staff.shifts) == [
        ("voice-id-1", 28800, 32400),
        ("voice-id-2", 28800, 30600),
    ]


@pytest.mark.parametrize(
    "row, field",
    [
        ("2026-12-01T08:00:00,30,voice-id,2,3", "interval_start"),
        ("2026-11-30T08:00:00+07:00,30,voice-id,2,3", "interval_start"),
        ("2026-12-01T08:00:00+07:00,0,voice-id,2,3", "interval_minutes"),
        ("2026-12-01T08:00:00+07:00,30,nobody,2,3", "group"),
        ("2026-12-01T08:00:00+07:00,30,voice-id,-1,3", "required_net"),
    ],
)
def test_broken_staffing_rows(tmp_path: Path, forecast, row: str, field: str) -> None:
    table = write(tmp_path, "staff.csv", STAFFING + row + "\n")
    with pytest.raises(VeroError) as info:
        load_staffing(table, CENTRE, forecast)
    assert (info.value.line, info.value.field) == (2, field)


def test_missing_column_and_missing_file(tmp_path: Path, forecast) -> None:
    with pytest.raises(VeroError, match="missing column") as info:
        load_staffing(write(tmp_path, "s.csv", "interval_start,group\n"), CENTRE, forecast)
    assert (info.value.line, info.value.field) == (1, "interval_minutes")
    with pytest.raises(VeroError, match="cannot read"):
        load_roster(tmp_path / "absent.csv", CENTRE, forecast)
