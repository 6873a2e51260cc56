"""The complaint journal: every committed timeline entry as one row of
`VERO_DATA_DIR/cases/YYYY-MM-DD.csv` (the local day of the entry).

Redis holds the live case; these files are its lasting documentation and the input of `vero
report` (wfm reads the CASE_COLUMNS). Kept apart from the repository because the file format is
a contract with the reports, not a detail of how cases are stored. One `write` per step in append
mode, so several processes may append to one file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

from telephony.complaints.model import ComplaintRecord, Entry, iso

CASE_COLUMNS = (
    "at",
    "ref",
    "event",
    "state",
    "actor",
    "origin",
    "category",
    "severity",
    "due_at",
    "team",
    "task_id",
    "channel",
    "solved",
    "nps",
    "text",
)
SOLVED_TEXT: dict[object, str] = {True: "yes", False: "no"}  # the customer's answer


def journal_row(case: ComplaintRecord, entry: Entry) -> dict[str, Any]:
    """One entry of `case` as a CSV row (the case's classification as it is after the step)."""
    return {
        "at": iso(entry["at"]),
        "ref": case["ref"],
        "event": entry["event"],
        "state": entry["state"],
        "actor": entry["actor"],
        "origin": case["origin"],
        "category": case["category"] or "",
        "severity": case["severity"] or "",
        "due_at": iso(case["due_at"]),
        "team": entry.get("team", ""),
        "task_id": entry.get("task_id", ""),
        "channel": entry.get("channel", ""),
        "solved": SOLVED_TEXT.get(entry.get("solved"), ""),
        "nps": "" if entry.get("nps") is None else entry["nps"],
        "text": entry["text"],
    }


class CaseJournal:
    """The daily case CSVs of one data folder, dated in the centre's time zone."""

    def __init__(self, folder: Path, tz: dt.tzinfo) -> None:
        self.folder = folder
        self.tz = tz

    def append(self, case: ComplaintRecord, entries: list[Entry]) -> None:
        """Append the entries to their day's file (a header first when the file is new)."""
        by_day: dict[str, list[dict[str, Any]]] = {}
        for entry in entries:
            day = dt.datetime.fromtimestamp(entry["at"], self.tz).date().isoformat()
            by_day.setdefault(day, []).append(journal_row(case, entry))
        self.folder.mkdir(parents=True, exist_ok=True)
        for day, rows in by_day.items():
            path = self.folder / f"{day}.csv"
            buffer = io.StringIO()
            writer = csv.DictWriter(buffer, fieldnames=CASE_COLUMNS)
            if not path.exists():
                writer.writeheader()
            writer.writerows(rows)
            with path.open("a", newline="", encoding="utf-8") as handle:
                handle.write(buffer.getvalue())
