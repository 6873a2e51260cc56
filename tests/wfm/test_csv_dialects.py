"""CSV files as spreadsheets write them: `;` or tab separators, decimal commas, day-first dates.
The separator and decimal mark are detected; the day/month order is read from the data or
asked for in one line; skipped rows are named with their whole reason."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from click.testing import CliRunner

from vero.cli import cli
from vero.kernel.centre import load_centre
from vero.kernel.errors import VeroError
from vero.kernel.files import csv_rows, detect_separator
from wfm.commands import read_forecast
from wfm.forecast.history import date_order, load_history

JAKARTA = ZoneInfo("Asia/Jakarta")
DEFAULTS = {"channel": "voice", "queue": "general", "language": "id"}
# What Excel in an Indonesian locale saves: `;` between fields, `,` as the decimal mark,
# dd/mm/yyyy HH:MM, a BOM and CRLF line ends.
INDONESIAN_EXPORT = (
    "\ufeffdatetime;channel;queue;handle_time\r\n"
    "02/11/2026 08:00;voice;general;245,5\r\n"
    "02/11/2026 08:07;chat;orders;610,25\r\n"
    "13/11/2026 09:15;voice;general;180\r\n"
    "31/02/2026 10:00;voice;general;200\r\n"
)


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


def load(path, fmt="auto", **kwargs):
    return load_history(path, fmt, tz=JAKARTA, defaults=DEFAULTS, **kwargs)


def test_an_indonesian_excel_export_is_read_day_first_with_decimal_commas(tmp_path):
    history = load(write(tmp_path, "ekspor.csv", INDONESIAN_EXPORT))
    assert (history.used, history.skipped) == (3, 1)
    # 2 November 08:00 in Jakarta, not 11 February
    assert history.records["at"].iloc[0] == pd.Timestamp("2026-11-02T01:00", tz="UTC")
    assert history.records["at"].iloc[2] == pd.Timestamp("2026-11-13T02:15", tz="UTC")
    assert history.records["handle_seconds"].tolist() == [245.5, 610.25, 180.0]
    assert history.records["channel"].tolist() == ["voice", "chat", "voice"]
    [issue] = history.issues
    assert (issue.line, issue.field) == (5, "datetime")
    assert history.summary() == (
        "3 rows used, 1 skipped: line 5 field 'datetime': not a date ('31/02/2026 10:00', "
        "read day-first)"
    )


def test_every_format_reads_semicolon_and_tab_files(tmp_path):
    counts = load(
        write(tmp_path, "c.csv", "start;calls\n13/11/2026 08:00;5\n13/11/2026 08:30;7,0\n")
    )
    assert counts.source_minutes == 30 and counts.records["count"].tolist() == [5, 7]
    tabbed = load(
        write(tmp_path, "t.csv", "start\tcalls\n2026-11-02 08:00\t5\n2026-11-02 08:30\t7\n")
    )
    assert tabbed.source_minutes == 30 and tabbed.used == 2
    twilio = load(
        write(
            tmp_path,
            "tw.csv",
            "Call Sid;Start Time;Duration;Direction;Status\n"
            "CA1;11/13/2026 01:00:05;240;inbound;completed\n"
            "CA2;11/02/2026 01:10:00;60;inbound;completed\n",
        )
    )
    assert twilio.records["at"].tolist() == [
        pd.Timestamp("2026-11-13T01:00:05", tz="UTC"),
        pd.Timestamp("2026-11-02T01:10", tz="UTC"),
    ]


def test_an_ambiguous_file_asks_for_the_order_in_one_line(tmp_path):
    path = write(tmp_path, "c.csv", "start;calls\n02/11/2026 08:00;5\n02/11/2026 08:30;7\n")
    with pytest.raises(VeroError) as caught:
        load(path)
    assert str(caught.value) == (
        f"{path}:2: dates like 02/11/2026 could be day-first or month-first; "
        "give --dayfirst or --monthfirst"
    )
    day_first = load(path, dates="dayfirst")
    assert day_first.records["at"].iloc[0] == pd.Timestamp("2026-11-02T01:00", tz="UTC")
    month_first = load(path, dates="monthfirst")
    assert month_first.records["at"].iloc[0] == pd.Timestamp("2026-02-11T01:00", tz="UTC")


def test_mixed_or_contradicted_orders_name_the_line(tmp_path):
    mixed = write(
        tmp_path, "m.csv", "start,calls\n13/11/2026 08:00,5\n01/02/2026 08:30,7\n11/14/2026,1\n"
    )
    with pytest.raises(VeroError, match=r"m\.csv:4 field 'start': '11/14/2026' is month-first"):
        load(mixed)
    with pytest.raises(VeroError, match="line 2 .'13/11/2026 08:00'. is day-first"):
        load(mixed)
    day = write(tmp_path, "d.csv", "start,calls\n01/02/2026 08:00,5\n13/11/2026 08:30,7\n")
    with pytest.raises(VeroError, match=r"d\.csv:3 field 'start': .* but --monthfirst was given"):
        load(day, dates="monthfirst")


def test_iso_dates_need_no_answer_and_ignore_it(tmp_path):
    path = write(tmp_path, "iso.csv", "start,calls\n2026-02-11 08:00,5\n2026-02-11 08:30,7\n")
    for dates in ("auto", "dayfirst", "monthfirst"):
        history = load(path, dates=dates)
        assert history.records["at"].iloc[0] == pd.Timestamp("2026-02-11T01:00", tz="UTC")
    assert date_order([(2, {"start": "2026-02-11"})], "start", "x.csv") == "auto"


def test_the_summary_names_skipped_rows_whole_and_counts_the_rest(tmp_path):
    rows = "".join(f"2026-11-02 08:{m:02d},x{m}\n" for m in range(8))
    history = load(
        write(tmp_path, "c.csv", "start,calls\n2026-11-02 07:00,1\n2026-11-02 07:30,2\n" + rows)
    )
    assert history.summary() == (
        "2 rows used, 8 skipped: line 4 field 'calls': calls 'x0' is not a number; "
        "line 5 field 'calls': calls 'x1' is not a number; "
        "line 6 field 'calls': calls 'x2' is not a number; "
        "line 7 field 'calls': calls 'x3' is not a number; "
        "line 8 field 'calls': calls 'x4' is not a number; and 3 more"
    )


def test_an_unknown_header_says_how_it_was_split(tmp_path):
    with pytest.raises(VeroError, match=r"odd\.csv:1: .*2 column\(s\) separated by semicolons"):
        load(write(tmp_path, "odd.csv", "waktu;jumlah\n1;2\n"))


def test_separator_is_counted_on_the_header_line():
    assert detect_separator("a;b;c\n") == ";"
    assert detect_separator("a\tb\n") == "\t"
    assert detect_separator("timestamp\n") == ","
    assert detect_separator("id,name,groups;extra\n") == ","
    assert detect_separator('"a;b",c\n') == ","


def test_planning_csvs_read_semicolons_and_decimal_commas(tmp_path):
    forecast = write(
        tmp_path,
        "forecast.csv",
        "interval_start;interval_minutes;channel;queue;language;volume;volume_lo;volume_hi;"
        "aht_seconds\n2026-11-02T08:00:00+07:00;30;voice;general;id;12,5;10,25;15;245,5\n",
    )
    [row] = read_forecast(forecast, load_centre(None)).to_dict("records")
    assert (row["volume"], row["aht_seconds"]) == (12.5, 245.5)
    # a comma file, and a tab file that also writes 1.5, keep their commas
    plain = write(tmp_path, "p.csv", 'a,b\n"1,5",2\n')
    assert [r for _, r in csv_rows(plain, ("a",))] == [{"a": "1,5", "b": "2"}]
    tabbed = write(tmp_path, "t.csv", "a\tb\n1,234\t1.5\n")
    assert [r for _, r in csv_rows(tabbed, ("a",))] == [{"a": "1,234", "b": "1.5"}]


def test_csv_rows_fails_at_the_row_it_failed_at_before(tmp_path):
    path = write(tmp_path, "r.csv", "a;b\n1;2\n1;2;3\n" + "x" * 200_000 + "\n")
    rows = csv_rows(path, ("a",))
    assert next(rows) == (2, {"a": "1", "b": "2"})
    with pytest.raises(VeroError, match=r"r\.csv:3: more values than columns"):
        next(rows)


@pytest.mark.parametrize("command", ["forecast", "plan"])
def test_the_cli_passes_the_date_order(tmp_path, command):
    history = write(tmp_path, "h.csv", "start,calls\n01/02/2026 08:00,5\n13/11/2026 08:30,7\n")
    agents = write(tmp_path, "agents.csv", "id,name,groups,contract\na1,Ani,voice-id,5x8\n")
    extra = (
        ["--agents", str(agents), "--out-dir", str(tmp_path / "out")] if command == "plan" else []
    )
    result = CliRunner().invoke(
        cli, [command, "--history", str(history), "--monthfirst", *extra], prog_name="vero"
    )
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert result.stderr.strip() == (
        f"vero: error: {history}:3 field 'start': '13/11/2026 08:30' can only be day-first, "
        "but --monthfirst was given"
    )
