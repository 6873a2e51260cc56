"""Each history format: good rows are used, bad rows are reported with file:line:reason."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from vero.kernel.errors import VeroError
from wfm.forecast.history import combine, detect_format, load_history

JAKARTA = ZoneInfo("Asia/Jakarta")
DEFAULTS = {"channel": "voice", "queue": "general", "language": "id"}
VERO_HEADER = (
    "contact_id,task_id,channel,queue,language,created_at,answered_at,ended_at,"
    "wait_seconds,handle_seconds,agent_id,outcome,csat"
)


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load(path, fmt="auto", **kwargs):
    return load_history(path, fmt, tz=JAKARTA, defaults=DEFAULTS, **kwargs)


def test_vero_records_good_and_broken_rows(tmp_path):
    path = write(
        tmp_path,
        "2026-11-23.csv",
        "\n".join(
            [
                VERO_HEADER,
                "c1,t1,chat,orders,en,2026-11-23T01:02:03+00:00,2026-11-23T01:02:10+00:00,"
                "2026-11-23T01:06:10+00:00,7,240,a1,completed,5",
                "c2,t2,voice,general,id,2026-11-23T02:00:00+00:00,,,30,,,abandoned,",
                "c3,t3,voice,general,id,not-a-time,,,30,,,abandoned,",
                "c4,t4,voice,general,id,2026-11-23T02:00:00+00:00,,,30,,,lost,",
                "c5,t5,voice,general",
                "c6,t6,voice,general,id,2026-11-23T03:00:00+00:00,,,1,-5,,completed,",
            ]
        )
        + "\n",
    )
    history = load(path)
    assert history.kind == "contacts"
    assert (history.used, history.skipped) == (2, 4)
    assert [i.line for i in history.issues] == [4, 5, 6, 7]
    assert str(history.issues[0]).startswith(f"{path}:4 field 'created_at': bad timestamp")
    assert "outcome 'lost'" in history.issues[1].reason
    assert "fields" in history.issues[2].reason
    assert "handle_seconds" in history.issues[3].reason
    first = history.records.iloc[0]
    assert first["at"] == pd.Timestamp("2026-11-23T01:02:03", tz="UTC")
    assert (first["channel"], first["handle_seconds"]) == ("chat", 240)
    assert "2 rows used, 4 skipped" in history.summary()


def test_generic_contacts_detects_columns_and_fills_defaults(tmp_path):
    path = write(
        tmp_path,
        "export.csv",
        "Timestamp,Channel,Duration\n2026-11-23 08:15:00,chat,100\n"
        "2026-11-23 08:20:00,,200\nyesterday,chat,1\n",
    )
    history = load(path)
    assert (history.used, history.skipped) == (2, 1)
    assert history.records["channel"].tolist() == ["chat", "voice"]
    assert history.records["language"].tolist() == ["id", "id"]
    # naive times are centre local time: 08:15 in Jakarta is 01:15 UTC
    assert history.records["at"].iloc[0] == pd.Timestamp("2026-11-23T01:15", tz="UTC")
    named = load(path, "contacts", columns={"timestamp": "Timestamp", "handle": "Duration"})
    assert named.records["handle_seconds"].tolist() == [100, 200]
    with pytest.raises(VeroError, match="no column 'When'"):
        load(path, "contacts", columns={"timestamp": "When"})


def test_twilio_export_counts_inbound_calls_only(tmp_path):
    path = write(
        tmp_path,
        "twilio.csv",
        "\n".join(
            [
                "Call Sid,Date Created,Start Time,End Time,Duration,From,To,Direction,Status",
                "CA1,2026-11-23 01:00:00 UTC,2026-11-23 01:00:05 UTC,2026-11-23 01:04:05 UTC,240,"
                "+6281,+6221,inbound,completed",
                "CA2,2026-11-23 01:10:00 UTC,2026-11-23 01:10:00 UTC,,0,+6282,+6221,inbound,"
                "no-answer",
                "CA3,2026-11-23 01:20:00 UTC,2026-11-23 01:20:00 UTC,,60,+6221,+6283,outbound-api,"
                "completed",
            ]
        )
        + "\n",
    )
    assert detect_format(path.read_text().splitlines()[0].split(",")) == "twilio"
    history = load(path)
    assert (history.used, history.skipped) == (2, 1)
    assert history.issues[0].line == 4 and "not an inbound call" in history.issues[0].reason
    assert history.records["handle_seconds"].iloc[0] == 240
    assert pd.isna(history.records["handle_seconds"].iloc[1])


def test_interval_counts_local_time_and_bad_rows(tmp_path):
    path = write(
        tmp_path,
        "counts.csv",
        "start,date,interval,calls\n2026-11-23 08:00:00,2026-11-23,1,10\n"
        "2026-11-23 08:05:00,2026-11-23,2,x\n2026-11-23 08:10:00,2026-11-23,3,-1\n"
        "2026-11-23 08:15:00,2026-11-23,4,4\n",
    )
    history = load(path)
    assert history.kind == "counts" and history.source_minutes == 15
    assert (history.used, history.skipped) == (2, 2)
    assert [i.line for i in history.issues] == [3, 4]
    assert history.records["at"].iloc[0] == pd.Timestamp("2026-11-23T01:00", tz="UTC")


def test_fatal_problems_raise_with_file_and_line(tmp_path):
    with pytest.raises(VeroError, match="cannot read"):
        load(tmp_path / "absent.csv")
    with pytest.raises(VeroError, match=r"odd\.csv:1: cannot tell the format"):
        load(write(tmp_path, "odd.csv", "a,b\n1,2\n"))
    with pytest.raises(VeroError, match="missing column"):
        load(write(tmp_path, "c.csv", "start,date\n2026-11-23 08:00,x\n"), "counts")


def test_combine_refuses_mixed_kinds(tmp_path):
    counts = load(write(tmp_path, "c.csv", "start,calls\n2026-11-23 08:00,1\n2026-11-23 08:30,2\n"))
    contacts = load(write(tmp_path, "x.csv", "timestamp\n2026-11-23 08:00\n"))
    assert combine([contacts, contacts]).used == 2
    with pytest.raises(VeroError, match="cannot mix"):
        combine([counts, contacts])
