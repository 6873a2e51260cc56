"""Loading contact history from the four supported formats into one validated shape.

Every input becomes a `History`: one row per contact (count 1) or per source interval (count n),
with an aware UTC timestamp. Rows that cannot be used are listed with file, line and reason, so
nothing disappears silently; a file that cannot be read at all raises a `VeroError`.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from vero.kernel.errors import VeroError
from vero.kernel.files import open_text

FORMATS = ("auto", "vero", "contacts", "twilio", "counts")
VERO_COLUMNS = (
    "contact_id",
    "task_id",
    "channel",
    "queue",
    "language",
    "created_at",
    "answered_at",
    "ended_at",
    "wait_seconds",
    "handle_seconds",
    "agent_id",
    "outcome",
    "csat",
)
VERO_OUTCOMES = ("completed", "abandoned", "canceled", "callback", "voicemail")
COUNTS_COLUMNS = ("start", "calls")
TWILIO_TIME_COLUMNS = ("Start Time", "Date Created")
# Common names for the generic contacts format, first match wins (compared case-insensitively).
CONTACT_NAME_GUESSES = {
    "timestamp": (
        "timestamp",
        "created_at",
        "arrival",
        "arrived_at",
        "start",
        "start_time",
        "datetime",
        "time",
        "date",
    ),
    "channel": ("channel", "media", "medium"),
    "queue": ("queue", "skill", "service"),
    "language": ("language", "lang"),
    "handle": ("handle_seconds", "handle_time", "aht", "duration", "talk_seconds"),
}
KEYS = ("channel", "queue", "language")
RECORD_COLUMNS = ("at", "count", "handle_seconds", *KEYS)


@dataclass(frozen=True)
class Issue:
    """One skipped row: where it is and why it was not used."""

    source: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.reason}"


@dataclass
class History:
    """Validated history. `kind` is "contacts" (one row per contact; an open day without any
    contact is a gap) or "counts" (one row per source interval of `source_minutes`; an absent
    interval is a gap, a zero is a zero)."""

    kind: str
    records: pd.DataFrame
    source_minutes: int | None = None
    used: int = 0
    issues: list[Issue] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        return len(self.issues)

    def summary(self) -> str:
        reasons = Counter(issue.reason.split(":")[0] for issue in self.issues)
        detail = "; ".join(f"{count} {reason}" for reason, count in reasons.most_common())
        return f"{self.used} rows used, {self.skipped} skipped" + (f" ({detail})" if detail else "")


def load_history(
    path: str | Path,
    fmt: str = "auto",
    *,
    tz: ZoneInfo,
    defaults: dict[str, str],
    columns: dict[str, str] | None = None,
) -> History:
    """Read one history file. `tz` is used for local clock times (counts), `defaults` fills
    channel/queue/language where the file has none, `columns` names generic-contact columns."""
    path = Path(path)
    header = _read_header(path)
    if fmt == "auto":
        fmt = detect_format(header, source=str(path))
    if fmt not in FORMATS:
        raise VeroError(f"unknown format {fmt!r}; use {', '.join(FORMATS)}", source=str(path))
    rows = _read_rows(path)
    if fmt == "vero":
        return _load_vero(rows, header, str(path), defaults)
    if fmt == "twilio":
        return _load_twilio(rows, header, str(path), defaults)
    if fmt == "counts":
        return _load_counts(rows, header, str(path), tz, defaults)
    return _load_contacts(rows, header, str(path), tz, defaults, columns or {})


def combine(histories: list[History]) -> History:
    """Join several files of the same kind (daily router CSVs, several exports)."""
    kinds = {h.kind for h in histories}
    if len(kinds) != 1:
        raise VeroError("cannot mix contact records with interval counts in one forecast")
    minutes = {h.source_minutes for h in histories}
    if len(minutes) != 1:
        lengths = sorted(m for m in minutes if m is not None)  # one kind: all None or all int
        raise VeroError(f"interval counts of different lengths: {lengths} minutes")
    return History(
        kind=kinds.pop(),
        source_minutes=minutes.pop(),
        records=pd.concat([h.records for h in histories], ignore_index=True),
        used=sum(h.used for h in histories),
        issues=[issue for h in histories for issue in h.issues],
    )


def detect_format(header: list[str], source: str = "<history>") -> str:
    """Guess the format from the header row."""
    names = set(header)
    if {"contact_id", "created_at", "channel"} <= names:
        return "vero"
    if names & set(TWILIO_TIME_COLUMNS) and {"Direction", "Status"} <= names:
        return "twilio"
    if set(COUNTS_COLUMNS) <= names:
        return "counts"
    if _guess(header, "timestamp"):
        return "contacts"
    raise VeroError("cannot tell the format from the header; give --format", source=source, line=1)


# --- reading --------------------------------------------------------------------------------


def _read_header(path: Path) -> list[str]:
    with open_text(path) as lines:
        header = next(csv.reader(lines), None)
    if not header:
        raise VeroError("empty file (no header row)", source=str(path), line=1)
    return [name.strip() for name in header]


def _read_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    """Rows as (line number, mapping); a short or long row keeps its line for the report."""
    with open_text(path) as lines:
        reader = csv.reader(lines)
        header = [name.strip() for name in next(reader)]
        rows = []
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            line = reader.line_num
            if len(values) != len(header):
                rows.append(
                    (line, {"__error__": f"{len(values)} fields, header has {len(header)}"})
                )
            else:
                rows.append((line, dict(zip(header, (v.strip() for v in values), strict=True))))
    return rows


def _require(header: list[str], names: tuple[str, ...], source: str) -> None:
    missing = [name for name in names if name not in header]
    if missing:
        raise VeroError(f"missing column(s) {', '.join(missing)}", source=source, line=1)


def _guess(header: list[str], role: str) -> str | None:
    lowered = {name.lower(): name for name in header}
    return next((lowered[c] for c in CONTACT_NAME_GUESSES[role] if c in lowered), None)


# --- value parsing (each returns a value or raises ValueError with the reason) --------------


def _utc(text: str, tz: ZoneInfo | None = None) -> pd.Timestamp:
    """An instant; naive text is read in `tz` (UTC when None). 'UTC' suffixes are accepted."""
    if not text:
        raise ValueError("empty timestamp")
    try:
        stamp = pd.Timestamp(text.removesuffix(" UTC").removesuffix("Z"))
    except (ValueError, TypeError) as exc:
        raise ValueError(f"bad timestamp {text!r}") from exc
    if stamp is pd.NaT:
        raise ValueError(f"bad timestamp {text!r}")
    if stamp.tzinfo is None:
        naive_tz = "UTC" if tz is None or text.endswith(("UTC", "Z")) else tz
        stamp = stamp.tz_localize(naive_tz)
    return stamp.tz_convert("UTC")


def _seconds(text: str, name: str) -> float:
    if not text:
        return np.nan
    try:
        value = float(text)
    except ValueError as exc:
        raise ValueError(f"{name} {text!r} is not a number") from exc
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} {text!r} is negative or not finite")
    return value


def _collect(rows, source: str, parse) -> tuple[list[dict], list[Issue]]:
    """Apply `parse(fields) -> record | None` to every row; ValueError becomes an Issue."""
    records, issues = [], []
    for line, fields in rows:
        if "__error__" in fields:
            issues.append(Issue(source, line, f"malformed row: {fields['__error__']}"))
            continue
        try:
            records.append(parse(fields))
        except ValueError as exc:
            issues.append(Issue(source, line, str(exc)))
    return records, issues


def _history(
    kind: str, records: list[dict], issues: list[Issue], source_minutes: int | None = None
) -> History:
    frame = pd.DataFrame(records, columns=list(RECORD_COLUMNS))
    frame["at"] = pd.to_datetime(frame["at"], utc=True)
    frame["count"] = frame["count"].astype(float)
    frame["handle_seconds"] = frame["handle_seconds"].astype(float)
    return History(
        kind=kind, records=frame, source_minutes=source_minutes, used=len(records), issues=issues
    )


# --- the four formats -----------------------------------------------------------------------


def _load_vero(rows, header, source, defaults) -> History:
    _require(header, VERO_COLUMNS, source)

    def parse(f: dict[str, str]) -> dict:
        if f["outcome"] not in VERO_OUTCOMES:
            raise ValueError(f"outcome {f['outcome']!r} is not one of {', '.join(VERO_OUTCOMES)}")
        at = _utc(f["created_at"])
        if at.utcoffset() is None:
            raise ValueError("created_at has no UTC offset")
        handle = _seconds(f["handle_seconds"], "handle_seconds")
        return {
            "at": at,
            "count": 1,
            "handle_seconds": handle,
            **{k: f[k] or defaults[k] for k in KEYS},
        }

    return _history("contacts", *_collect(rows, source, parse))


def _load_twilio(rows, header, source, defaults) -> History:
    time_column = next((c for c in TWILIO_TIME_COLUMNS if c in header), None)
    if time_column is None:
        raise VeroError(f"missing column {' or '.join(TWILIO_TIME_COLUMNS)}", source=source, line=1)
    _require(header, ("Direction", "Status"), source)

    def parse(f: dict[str, str]) -> dict:
        if not f["Direction"].lower().startswith("inbound"):
            raise ValueError(f"not an inbound call: direction {f['Direction']!r}")
        completed = f["Status"].lower() == "completed"
        handle = _seconds(f.get("Duration", ""), "Duration") if completed else np.nan
        return {"at": _utc(f[time_column]), "count": 1, "handle_seconds": handle, **defaults}

    return _history("contacts", *_collect(rows, source, parse))


def _load_counts(rows, header, source, tz, defaults) -> History:
    _require(header, COUNTS_COLUMNS, source)

    def parse(f: dict[str, str]) -> dict:
        try:
            calls = float(f["calls"])
        except ValueError as exc:
            raise ValueError(f"calls {f['calls']!r} is not a number") from exc
        if not np.isfinite(calls) or calls < 0 or calls != int(calls):
            raise ValueError(f"calls {f['calls']!r} is not a whole number >= 0")
        return {
            "at": _utc(f["start"], tz),
            "count": calls,
            "handle_seconds": np.nan,
            **{k: f.get(k) or defaults[k] for k in KEYS},
        }

    records, issues = _collect(rows, source, parse)
    history = _history("counts", records, issues)
    steps = history.records["at"].drop_duplicates().sort_values().diff().dropna()
    if steps.empty:
        raise VeroError("need at least two intervals to tell their length", source=source)
    history.source_minutes = int(steps.min().total_seconds() // 60)
    if history.source_minutes <= 0 or 60 % history.source_minutes:
        raise VeroError(
            f"interval length {history.source_minutes} min does not divide an hour", source=source
        )
    return history


def _load_contacts(rows, header, source, tz, defaults, columns) -> History:
    names: dict[str, str] = {
        role: columns.get(role) or _guess(header, role) or "" for role in CONTACT_NAME_GUESSES
    }  # "" = no such column
    for role, name in columns.items():
        if name not in header:
            raise VeroError(f"no column {name!r} for {role}", source=source, line=1)
    if not names["timestamp"]:
        raise VeroError(
            "no timestamp column found; name it with --column timestamp=NAME", source=source, line=1
        )

    def parse(f: dict[str, str]) -> dict:
        handle = _seconds(f[names["handle"]], "handle time") if names["handle"] else np.nan
        keys = {k: (f[names[k]] if names[k] else "") or defaults[k] for k in KEYS}
        return {"at": _utc(f[names["timestamp"]], tz), "count": 1, "handle_seconds": handle, **keys}

    return _history("contacts", *_collect(rows, source, parse))
