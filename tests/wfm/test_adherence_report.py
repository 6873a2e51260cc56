"""`vero report --agent-states --roster` on a known day: adherence and conformance computed by
hand, the summary table and the chart in both languages."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner

from vero.cli import cli

CONTACT = (
    "contact_id,task_id,channel,queue,language,created_at,answered_at,ended_at,wait_seconds,"
    "handle_seconds,agent_id,outcome,csat,customer\n"
    "c1,c1,voice,general,id,2025-07-14T03:00:00+00:00,2025-07-14T03:00:10+00:00,"
    "2025-07-14T03:05:00+00:00,10,290,ayu,completed,5,+62811\n"
)
ROSTER = (
    "agent,name,date,shift_start,shift_end,break_start,break_end,work_hours,group\n"
    "ayu,Ayu Lestari,2025-07-14,09:00,17:00,12:00,13:00,7,general\n"
    "budi,Budi Santoso,2025-07-15,09:00,17:00,12:00,13:00,7,general\n"
)
# Ayu logs in 10 minutes late, takes a 75-minute break, stays 20 minutes after her shift
STATES = [
    ("09:10", "available"),
    ("12:00", "break"),
    ("13:15", "busy"),
    ("17:00", "available"),
    ("17:20", "offline"),
]


def states_csv() -> str:
    lines = ["change_id,agent_id,state,reason,started_at,started_local"]
    for k, (clock, state) in enumerate(STATES):
        hour, minute = map(int, clock.split(":"))
        lines.append(
            f"1-{k}:ayu,ayu,{state},,2025-07-14T{hour - 7:02d}:{minute:02d}:00.000+00:00,"
            f"2025-07-14 {clock}:00"
        )
    return "\n".join(lines) + "\n"


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "contacts").mkdir()
    (tmp_path / "contacts" / "2025-07-14.csv").write_text(CONTACT)
    (tmp_path / "roster.csv").write_text(ROSTER)
    folder = tmp_path / "agent_states"
    folder.mkdir()
    (folder / "2025-07-14.csv").write_text(states_csv())
    return tmp_path


def run(files: Path, *extra: str):
    return CliRunner().invoke(
        cli,
        [
            "report",
            "--contacts",
            str(files / "contacts"),
            "--from",
            "2025-07-14",
            "--to",
            "2025-07-15",
            "--out",
            str(files / "kpis.csv"),
            "--agent-states",
            str(files / "agent_states"),
            "--roster",
            str(files / "roster.csv"),
            *extra,
        ],
    )


def test_daily_adherence_and_conformance_match_the_hand_computed_figures(files):
    result = run(files)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader((files / "kpis-adherence.csv").open(encoding="utf-8")))
    by = {(r["day"], r["group"], r["agent"]): r for r in rows}
    assert set(by) == {
        ("2025-07-14", "general", "ayu"),
        ("2025-07-14", "general", "all"),
        ("2025-07-14", "all", "all"),
        ("2025-07-15", "general", "budi"),
        ("2025-07-15", "general", "all"),
        ("2025-07-15", "all", "all"),
    }  # Budi's day off on the 14th is no row
    ayu = by[("2025-07-14", "general", "ayu")]
    assert ayu["scheduled_minutes"] == "480.0" and ayu["in_adherence_minutes"] == "455.0"
    assert ayu["adherence"] == "0.9479"  # 455 / 480
    assert ayu["worked_minutes"] == "415.0" and ayu["conformance"] == "0.9881"  # 415 / 420
    assert ayu["exceptions"] == "3" and ayu["exception_minutes"] == "45.0"
    assert by[("2025-07-14", "all", "all")]["adherence"] == "0.9479"
    budi = by[("2025-07-15", "general", "budi")]  # rostered, never logged in: a no-show
    assert (budi["adherence"], budi["conformance"], budi["exception_minutes"]) == (
        "0.0",
        "0.0",
        "480.0",  # offline through the break too: a break is taken on break
    )
    assert "Kepatuhan jadwal dan konformitas" in result.output
    assert "94,8%" in result.output and "98,8%" in result.output  # id_ID decimals
    assert "3× · 45 mnt" in result.output
    assert "ditulis ke" in result.output and "KPI layanan" in result.output
    chart = files / "kpis.png"
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and chart.stat().st_size > 10_000


def test_the_summary_speaks_english_when_asked(files):
    result = run(files, "--lang", "en")
    assert result.exit_code == 0, result.output
    assert "Schedule adherence and conformance" in result.output and "94.8%" in result.output
    assert "wrote 6 rows to" in result.output


def test_bad_input_is_one_line(files):
    (files / "roster.csv").write_text(ROSTER.replace("2025-07-14,09:00", "2025-07-14,9h"))
    result = run(files)
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1
    assert "roster.csv:2" in result.output and "shift_start" in result.output
    alone = CliRunner().invoke(
        cli,
        [
            "report",
            "--contacts",
            str(files / "contacts"),
            "--from",
            "2025-07-14",
            "--to",
            "2025-07-14",
            "--roster",
            str(files / "roster.csv"),
        ],
    )
    assert alone.exit_code == 2 and "--agent-states and --roster go together" in alone.output
