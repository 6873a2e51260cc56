"""The case repository and the journal on their own, without the app: a commit writes the
record, its timeline and the indexes and tells its listener; the journal writes one header and
a row per entry into the file of the entry's local day."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from telephony.complaints import model
from telephony.complaints.journal import CASE_COLUMNS, CaseJournal
from telephony.complaints.model import ComplaintRecord, Entry
from telephony.complaints.repository import CaseRepository
from telephony.keys import Keys
from telephony.routing.errors import RoutingError

NOW = 1_780_000_000.0  # 2026-05-28 20:26:40 UTC
FIELDS = {
    "origin": "web",
    "language": "en",
    "customer": {"phone": "+628111000001", "email": "", "name": "Sari"},
    "description": "the pump is broken",
}


def test_commit_writes_the_case_and_tells_its_listener(redis_client, namespace):
    heard: list[tuple[ComplaintRecord, list[Entry]]] = []
    cases = CaseRepository(
        redis_client,
        Keys("test", namespace),
        lambda: NOW,
        lambda case, entries: heard.append((case, entries)),
    )
    case = cases.commit(
        "CMP-2026-000001",
        lambda current: model.new_case(
            "CMP-2026-000001", FIELDS, "packaging_leak", "customer", NOW
        ),
    )
    assert cases.get("CMP-2026-000001") == case and heard == [(case, cases.timeline(case["ref"]))]
    assert [c["ref"] for c in cases.listing(open_only=True)] == ["CMP-2026-000001"]
    assert cases.open_for_customer("+628111000001") == [case]
    assert cases.listing(overdue=True) == []

    assert cases.commit("CMP-2026-000001", lambda current: None) == case  # nothing changes
    assert len(heard) == 1
    with pytest.raises(RoutingError) as missing:
        cases.commit("CMP-2026-000002", lambda current: None)
    assert missing.value.code == "unknown"


def test_the_journal_writes_a_row_per_entry_into_the_local_day(tmp_path):
    journal = CaseJournal(tmp_path / "cases", dt.timezone(dt.timedelta(hours=7)))
    case, entries = model.new_case("CMP-2026-000001", FIELDS, None, "customer", NOW)
    journal.append(case, entries)
    case, more = model.classify(case, "packaging_leak", "simple", "supervisor", NOW + 60)
    journal.append(case, more)

    (path,) = (tmp_path / "cases").iterdir()
    assert path.name == "2026-05-29.csv"  # 03:26 in UTC+7
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert tuple(rows[0]) == CASE_COLUMNS
    assert [(r["event"], r["state"], r["severity"]) for r in rows] == [
        ("created", "received", ""),
        ("classified", "classified", "simple"),
    ]
    assert rows[0]["text"] == "the pump is broken" and rows[0]["at"] == "2026-05-28T20:26:40+00:00"
