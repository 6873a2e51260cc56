"""`vero roster` end to end on small files: CSV, XLSX, ICS and PNG come out and parse."""

import csv

import icalendar
from click.testing import CliRunner
from openpyxl import load_workbook

from tests.wfm.roster_helpers import requirements
from vero.cli import cli

COLUMNS = (
    "interval_start,interval_minutes,group,volume,aht_seconds,required_net,"
    "required_agents,service_level,asa_seconds,occupancy,abandon_rate"
)


def _files(tmp_path):
    lines = [COLUMNS] + [
        f"{start.isoformat()},30,{group},5,300,1,{value},0.8,10,0.8,0.02"
        for (start, group), value in sorted(requirements(1).required.items())
    ]
    (tmp_path / "req.csv").write_text("\n".join(lines) + "\n")
    (tmp_path / "agents.csv").write_text(
        "id,name,groups,contract,unavailable,preferred_days_off\n"
        "a1,Ani,voice-id;digital,part-time:12,2026-12-02,sun\n"
        "a2,Budi,voice-id,5x8,,\n"
    )
    (tmp_path / "tpl.yaml").write_text('starts: ["08:00", "09:00", "12:00"]\nwork_hours: [4, 8]\n')
    (tmp_path / "pins.csv").write_text("agent,date,start\na2,2026-11-30,12:00\n")


def test_roster_command_writes_valid_files(tmp_path):
    _files(tmp_path)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        [
            "roster",
            "--requirements",
            str(tmp_path / "req.csv"),
            "--agents",
            str(tmp_path / "agents.csv"),
            "--templates",
            str(tmp_path / "tpl.yaml"),
            "--pins",
            str(tmp_path / "pins.csv"),
            "--week-start",
            "2026-11-30",
            "--out-dir",
            str(out),
            "--time-limit",
            "5",
            "--lang",
            "en",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader((out / "roster.csv").open()))
    assert {r["agent"] for r in rows} == {"a1", "a2"}
    assert any(
        r["agent"] == "a2" and r["date"] == "2026-11-30" and r["shift_start"] == "12:00"
        for r in rows
    )
    book = load_workbook(out / "roster.xlsx")
    assert book.sheetnames == ["Roster", "Shifts", "Coverage", "Chart"]
    assert [row[0] for row in book["Roster"].iter_rows(min_row=2, max_row=3, values_only=True)] == [
        "a1",
        "a2",
    ]
    calendar = icalendar.Calendar.from_ical((out / "calendars" / "a2.ics").read_bytes())
    assert len(list(calendar.walk("VEVENT"))) == 5
    assert (out / "coverage.png").read_bytes()[:4] == b"\x89PNG"


def test_bad_agents_file_names_file_row_and_field(tmp_path):
    _files(tmp_path)
    (tmp_path / "agents.csv").write_text("id,name,groups,contract\na1,Ani,voice-id,7x9\n")
    result = CliRunner().invoke(
        cli,
        [
            "roster",
            "--requirements",
            str(tmp_path / "req.csv"),
            "--agents",
            str(tmp_path / "agents.csv"),
            "--out-dir",
            str(tmp_path / "out"),
        ],
    )
    assert result.exit_code == 2
    assert "agents.csv:2 field 'contract': unknown contract" in result.output


def _roster_args(tmp_path, *extra):
    return [
        "roster",
        "--requirements",
        str(tmp_path / "req.csv"),
        "--agents",
        str(tmp_path / "agents.csv"),
        "--templates",
        str(tmp_path / "tpl.yaml"),
        "--week-start",
        "2026-11-30",
        "--out-dir",
        str(tmp_path / "out"),
        "--time-limit",
        "5",
        *extra,
    ]


def test_uncovered_intervals_are_summarised_and_fail_only_when_asked(tmp_path):
    _files(tmp_path)  # two agents cannot cover a week of voice-id and digital
    plain = CliRunner().invoke(cli, _roster_args(tmp_path))
    assert plain.exit_code == 0, plain.output
    assert "Under-staffed:" in plain.output
    assert "agent-hours short" in plain.output
    assert "voice-id" in plain.output and "digital" in plain.output
    assert "Under-staffed intervals" in plain.output  # each stretch listed, not only counted
    assert "Sat 05 Dec 09:00" in plain.output
    assert "every interval is covered" not in plain.output

    strict = CliRunner().invoke(cli, _roster_args(tmp_path, "--require-cover"))
    assert strict.exit_code == 1
    assert "under-staffed (--require-cover)" in strict.output
    assert (tmp_path / "out" / "roster.csv").exists()  # the files are still written


def test_a_covered_roster_says_so_and_passes_require_cover(tmp_path):
    _files(tmp_path)
    (tmp_path / "req.csv").write_text(
        COLUMNS + "\n2026-11-30T09:00:00+07:00,30,voice-id,5,300,1,1,0.8,10,0.8,0.02\n"
    )
    result = CliRunner().invoke(cli, _roster_args(tmp_path, "--require-cover"))
    assert result.exit_code == 0, result.output
    assert "every interval is covered" in result.output
    assert "Under-staffed" not in result.output
