"""`vero staff` end to end with click's CliRunner on small forecast files."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner

from vero.cli import cli
from wfm.staffing_plan import OUTPUT_COLUMNS

HEADER = (
    "interval_start,interval_minutes,channel,queue,language,volume,volume_lo,volume_hi,"
    "aht_seconds\n"
)
ROWS = [
    "2026-11-30T08:00:00+07:00,30,voice,general,id,60,50,70,180",
    "2026-11-30T08:00:00+07:00,30,voice,orders,id,40,30,50,180",
    "2026-11-30T08:00:00+07:00,30,chat,general,id,30,20,40,400",
    "2026-11-30T08:00:00+07:00,30,email,general,en,10,5,15,300",
    "2026-11-30T08:00:00+07:00,30,voice,b2b,id,4,2,6,300",
    "2026-11-30T08:00:00+07:00,30,chat,b2b,en,2,1,3,600",
    "2026-11-30T08:30:00+07:00,30,voice,general,id,0,0,0,0",
    "2026-11-30T01:30:00+00:00,30,voice,orders,id,0,0,0,180",
]


def write(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "forecast.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["staff", *args])
    return result.exit_code, result.output


def read(path: Path) -> dict[tuple[str, str], dict[str, str]]:
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        times = ("interval_start_local", "interval_start_utc")
        assert tuple(reader.fieldnames or ()) == (*times, *OUTPUT_COLUMNS)
        return {(row["interval_start"], row["group"]): row for row in reader}


def test_staff_writes_requirements_and_a_chart(tmp_path: Path) -> None:
    out, chart = tmp_path / "req.csv", tmp_path / "req.png"
    code, output = run(
        "--forecast",
        str(write(tmp_path, ROWS)),
        "--out",
        str(out),
        "--chart",
        str(chart),
        "--model",
        "erlang-c",
    )
    assert code == 0, output
    rows = read(out)
    voice = rows[("2026-11-30T08:00:00+07:00", "voice-id")]
    # 100 calls in 30 min at 180 s, 80 % in 15 s, occupancy <= 0.85 → 14 on seat, 20 rostered
    assert (voice["volume"], voice["aht_seconds"]) == ("100", "180")  # whole: no ".0"
    assert (voice["interval_start_local"], voice["interval_start_utc"]) == (
        "2026-11-30 08:00",
        "2026-11-30 01:00",
    )
    assert (voice["required_net"], voice["required_agents"]) == ("14", "20")
    assert voice["abandon_rate"] == ""
    empty = rows[("2026-11-30T08:30:00+07:00", "voice-id")]  # +00:00 row pooled in local time
    assert (empty["required_net"], empty["service_level"]) == ("0", "1.0")
    b2b = rows[("2026-11-30T08:00:00+07:00", "b2b")]  # voice and chat staffed, then added
    assert int(b2b["required_net"]) >= 2
    assert set(group for _, group in rows) == {"voice-id", "digital", "b2b"}
    assert chart.read_bytes().startswith(b"\x89PNG")


def test_erlang_a_fractional_to_stdout(tmp_path: Path) -> None:
    code, output = run(
        "--forecast",
        str(write(tmp_path, ROWS)),
        "--fractional",
        "--patience",
        "90",
        "--shrinkage",
        "0.25",
    )
    assert code == 0, output
    lines = [line for line in output.splitlines() if line.startswith("2026-11-30 08:00,")]
    voice = next(line.split(",") for line in lines if ",voice-id," in line)
    net, gross = float(voice[7]), float(voice[8])  # after the local and UTC times
    assert 11 < net < 14 and gross == pytest.approx(net / 0.75, abs=2e-3)
    assert 0 < float(voice[12]) < 0.2


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ("2026-11-30 08:00,30,voice,general,id,5,4,6,180", "interval_start"),
        ("2026-11-30T08:00:00,30,voice,general,id,5,4,6,180", "interval_start"),
        ("2026-11-30T09:00:00+07:00,15,voice,general,id,5,4,6,180", "interval_minutes"),
        ("2026-11-30T09:00:00+07:00,30,fax,general,id,5,4,6,180", "channel"),
        ("2026-11-30T09:00:00+07:00,30,voice,general,fr,5,4,6,180", "queue"),
        ("2026-11-30T09:00:00+07:00,30,voice,general,id,-1,4,6,180", "volume"),
        ("2026-11-30T09:00:00+07:00,30,voice,general,id,five,4,6,180", "volume"),
        ("2026-11-30T09:00:00+07:00,30,voice,general,id,5,4,6,0", "aht_seconds"),
        ("2026-11-30T09:00:00+07:00,30,voice,general,id,5,4,6,nan", "aht_seconds"),
        ("2026-11-30T08:00:00+07:00,30,voice,general,id,5,4,6,180", "interval_start"),  # duplicate
    ],
)
def test_a_bad_row_names_file_line_and_field(tmp_path: Path, row: str, field: str) -> None:
    path = write(tmp_path, ROWS[:2] + [row])
    code, output = run("--forecast", str(path))
    assert code == 2
    assert f"{path}:4 field '{field}'" in output


def test_missing_column_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "forecast.csv"
    path.write_text("interval_start,volume\n2026-11-30T08:00:00+07:00,3\n", encoding="utf-8")
    code, output = run("--forecast", str(path))
    assert code == 2 and f"{path}:1 field 'interval_minutes'" in output
    code, output = run("--forecast", str(tmp_path / "absent.csv"))
    assert code == 2 and "absent.csv: cannot read: No such file" in output


def test_help_documents_every_option() -> None:
    code, output = run("--help")
    assert code == 0
    for option in (
        "--forecast",
        "--centre",
        "--out",
        "--chart",
        "--model",
        "--patience",
        "--shrinkage",
        "--max-occupancy",
        "--fractional",
    ):
        assert option in output
