"""Loading contact history from the four supported formats into one validated shape.

Every input becomes a `History`: one row per contact (count 1) or per source interval (count n),
with an aware UTC timestamp. Rows that cannot be used are listed with file, line, field and
reason, so nothing disappears silently; a file that cannot be read at all raises a `VeroError`.
The separator (`,` `;` tab) and a decimal comma are detected (`vero.kernel.files.read_table`);
dates written day/month/year or month/day/year are told apart from the data, or by the caller
(`dates`) when every date could be either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from vero.kernel.errors import VeroError
from vero.kernel.files import Table, open_text, read_table

FORMATS = ("auto", "vero", "contacts", "twilio", "counts")
DATE_ORDERS = ("auto", "dayfirst", "monthfirst")
SUMMARY_ISSUES = 5  # skipped rows named in `History.summary`, the rest counted
# A date with the year last (02/11/2026, 2-11-2026, 02.11.2026), at the start of a timestamp.
YEAR_LAST = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})(?=$|[ T])")
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
VERO_OUTCOMES = (
    "completed",
    "abandoned",
    "canceled",
    "callback",
    "voicemail",
    "callback_failed",  # a callback's last try reached nobody (telephony/ivr/outbound.py)
    "unreached",  # a click-to-call reached nobody
)
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
    """One skipped row: where it is (the field when one value is to blame) and why it was not
    used."""

    source: str
    line: int
    reason: str
    field: str | None = None

    def __str__(self) -> str:
        return f"{self.source}:{self.line}{self.in_field()}: {self.reason}"

    def in_field(self) -> str:
        return f" field {self.field!r}" if self.field else ""


class BadValue(ValueError):
    """A value that makes its row unusable, with the column it is in."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field


@dataclass
class History:
    """Validated history. `kind` is "contacts" (one row per contact; an open day without any
    contact is a gap) or "counts" (one row per source interval of `source_minutes`; an absent
    interval is a gap, a zero is a zero, unless the file never writes a zero: then it leaves
    its empty intervals out and only a day without rows is a gap)."""

    kind: str
    records: pd.DataFrame
    source_minutes: int | None = None
    used: int = 0
    issues: list[Issue] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        return len(self.issues)

    def summary(self) -> str:
        """Rows used and skipped, naming the first skipped rows with their whole reason (line,
        field, value) and counting the rest: a planner sees what was left out and why."""
        head = f"{self.used} rows used, {self.skipped} skipped"
        if not self.issues:
            return head
        one_file = len({issue.source for issue in self.issues}) == 1
        named = "; ".join(
            f"line {issue.line}{issue.in_field()}: {issue.reason}" if one_file else str(issue)
            for issue in self.issues[:SUMMARY_ISSUES]
        )
        rest = self.skipped - SUMMARY_ISSUES
        return f"{head}: {named}" + (f"; and {rest} more" if rest > 0 else "")


def load_history(
    path: str | Path,
    fmt: str = "auto",
    *,
    tz: ZoneInfo,
    defaults: dict[str, str],
    columns: dict[str, str] | None = None,
    dates: str = "auto",
) -> History:
    """Read one history file. `tz` is used for local clock times (counts), `defaults` fills
    channel/queue/language where the file has none, `columns` names generic-contact columns,
    `dates` ("auto", "dayfirst", "monthfirst") the order of day and month in dates written with
    the year last (auto: from the data, refusing a file where every date could be either)."""
    path = Path(path)
    if dates not in DATE_ORDERS:
        raise VeroError(f"unknown date order {dates!r}; use {', '.join(DATE_ORDERS)}")
    header, separator, rows = _read(path)
    if fmt == "auto":
        fmt = detect_format(header, source=str(path), separator=separator)
    if fmt not in FORMATS:
        raise VeroError(f"unknown format {fmt!r}; use {', '.join(FORMATS)}", source=str(path))
    if fmt == "vero":
        return _load_vero(rows, header, str(path), defaults, dates)
    if fmt == "twilio":
        return _load_twilio(rows, header, str(path), defaults, dates)
    if fmt == "counts":
        return _load_counts(rows, header, str(path), tz, defaults, dates)
    return _load_contacts(rows, header, str(path), tz, defaults, columns or {}, dates)


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


def detect_format(header: list[str], source: str = "<history>", separator: str = ",") -> str:
    """Guess the format from the header row (split at `separator`, named when no format fits:
    a file split at the wrong character shows as one odd column)."""
    names = set(header)
    if {"contact_id", "created_at", "channel"} <= names:
        return "vero"
    if names & set(TWILIO_TIME_COLUMNS) and {"Direction", "Status"} <= names:
        return "twilio"
    if set(COUNTS_COLUMNS) <= names:
        return "counts"
    if _guess(header, "timestamp"):
        return "contacts"
    shown = ", ".join(repr(name) for name in header[:6]) + (", ..." if len(header) > 6 else "")
    raise VeroError(
        f"cannot tell the format from the header (read as {len(header)} column(s) separated by "
        f"{SEPARATOR_NAMES.get(separator, repr(separator))}: {shown}); give --format",
        source=source,
        line=1,
    )


SEPARATOR_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs"}


# --- reading --------------------------------------------------------------------------------


def _read(path: Path) -> tuple[list[str], str, list[tuple[int, dict[str, str]]]]:
    """Header, separator and rows as (line number, mapping) of stripped values; a row of blanks
    is left out, a short or long row keeps its line for the report."""
    with open_text(path) as lines:
        table: Table | None = read_table(lines)
        if table is not None and table.error is not None:
            raise table.error
    if table is None or not table.header:
        raise VeroError("empty file (no header row)", source=str(path), line=1)
    header = [name.strip() for name in table.header]
    rows = []
    for line, values in table.rows:
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            rows.append((line, {"__error__": f"{len(values)} fields, header has {len(header)}"}))
        else:
            rows.append((line, dict(zip(header, (v.strip() for v in values), strict=True))))
    return header, table.separator, rows


def _require(header: list[str], names: tuple[str, ...], source: str) -> None:
    missing = [name for name in names if name not in header]
    if missing:
        raise VeroError(f"missing column(s) {', '.join(missing)}", source=source, line=1)


def _guess(header: list[str], role: str) -> str | None:
    lowered = {name.lower(): name for name in header}
    return next((lowered[c] for c in CONTACT_NAME_GUESSES[role] if c in lowered), None)


# --- value parsing (each returns a value or raises BadValue naming the field) ---------------


def date_order(
    rows: list[tuple[int, dict[str, str]]], column: str, source: str, given: str = "auto"
) -> str:
    """ "dayfirst" or "monthfirst" for the dates in `column` written with the year last, from the
    data: a first number over 12 is a day, a second over 12 is a month. `given` (not "auto")
    is the user's answer for a file where every date could be either; "auto" is returned when
    no date has the year last (ISO dates need no answer). A file mixing both orders, or
    contradicting `given`, is a VeroError naming the line."""
    seen: dict[str, tuple[int, str]] = {}  # order -> the first (line, value) that proves it
    ambiguous: tuple[int, str] | None = None
    for line, fields in rows:
        text = fields.get(column, "")
        match = YEAR_LAST.match(text)
        if match is None:
            continue
        first, second = int(match[1]), int(match[3])
        if first <= 12 and second <= 12:
            ambiguous = ambiguous or (line, match[0])
            continue
        if first > 12 and second > 12:
            continue  # no date in either order: the row is skipped when parsed
        order = "dayfirst" if first > 12 else "monthfirst"
        seen.setdefault(order, (line, text))
        other = "monthfirst" if order == "dayfirst" else "dayfirst"
        if given == other:
            raise VeroError(
                f"{text!r} can only be {_ORDER_WORDS[order]}, but --{given} was given",
                source=source,
                line=line,
                field=column,
            )
        if other in seen:
            at, value = seen[other]
            raise VeroError(
                f"{text!r} is {_ORDER_WORDS[order]} but line {at} ({value!r}) is "
                f"{_ORDER_WORDS[other]}: the file mixes both orders",
                source=source,
                line=line,
                field=column,
            )
    if given != "auto":
        return given
    if seen:
        return next(iter(seen))
    if ambiguous is not None:
        raise VeroError(
            f"dates like {ambiguous[1]} could be day-first or month-first; "
            "give --dayfirst or --monthfirst",
            source=source,
            line=ambiguous[0],
        )
    return "auto"


_ORDER_WORDS = {"dayfirst": "day-first", "monthfirst": "month-first"}


def _utc(text: str, field: str, tz: ZoneInfo | None = None, order: str = "auto") -> pd.Timestamp:
    """An instant; naive text is read in `tz` (UTC when None). 'UTC' suffixes are accepted. A
    date with the year last is read in `order` (see `date_order`)."""
    if not text:
        raise BadValue(field, "empty timestamp")
    match = YEAR_LAST.match(text) if order != "auto" else None
    iso = text
    if match is not None:
        day, month = (match[1], match[3]) if order == "dayfirst" else (match[3], match[1])
        iso = f"{match[4]}-{int(month):02d}-{int(day):02d}{text[match.end() :]}"
    try:
        stamp = pd.Timestamp(iso.removesuffix(" UTC").removesuffix("Z"))
    except (ValueError, TypeError) as exc:
        if match is not None:
            raise BadValue(field, f"not a date ({text!r}, read {_ORDER_WORDS[order]})") from exc
        raise BadValue(field, f"bad timestamp {text!r}") from exc
    if stamp is pd.NaT:
        raise BadValue(field, f"bad timestamp {text!r}")
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
        raise BadValue(name, f"{name} {text!r} is not a number") from exc
    if not np.isfinite(value) or value < 0:
        raise BadValue(name, f"{name} {text!r} is negative or not finite")
    return value


def _collect(rows, source: str, parse) -> tuple[list[dict], list[Issue]]:
    """Apply `parse(fields) -> record | None` to every row; BadValue becomes an Issue."""
    records, issues = [], []
    for line, fields in rows:
        if "__error__" in fields:
            issues.append(Issue(source, line, f"malformed row: {fields['__error__']}"))
            continue
        try:
            records.append(parse(fields))
        except BadValue as exc:
            issues.append(Issue(source, line, str(exc), exc.field))
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


def _load_vero(rows, header, source, defaults, dates) -> History:
    _require(header, VERO_COLUMNS, source)
    order = date_order(rows, "created_at", source, dates)

    def parse(f: dict[str, str]) -> dict:
        if f["outcome"] not in VERO_OUTCOMES:
            raise BadValue(
                "outcome", f"outcome {f['outcome']!r} is not one of {', '.join(VERO_OUTCOMES)}"
            )
        at = _utc(f["created_at"], "created_at", order=order)
        if at.utcoffset() is None:
            raise BadValue("created_at", "created_at has no UTC offset")
        handle = _seconds(f["handle_seconds"], "handle_seconds")
        return {
            "at": at,
            "count": 1,
            "handle_seconds": handle,
            **{k: f[k] or defaults[k] for k in KEYS},
        }

    return _history("contacts", *_collect(rows, source, parse))


def _load_twilio(rows, header, source, defaults, dates) -> History:
    time_column = next((c for c in TWILIO_TIME_COLUMNS if c in header), None)
    if time_column is None:
        raise VeroError(f"missing column {' or '.join(TWILIO_TIME_COLUMNS)}", source=source, line=1)
    _require(header, ("Direction", "Status"), source)
    order = date_order(rows, time_column, source, dates)

    def parse(f: dict[str, str]) -> dict:
        if not f["Direction"].lower().startswith("inbound"):
            raise BadValue("Direction", f"not an inbound call: direction {f['Direction']!r}")
        completed = f["Status"].lower() == "completed"
        handle = _seconds(f.get("Duration", ""), "Duration") if completed else np.nan
        at = _utc(f[time_column], time_column, order=order)
        return {"at": at, "count": 1, "handle_seconds": handle, **defaults}

    return _history("contacts", *_collect(rows, source, parse))


def _load_counts(rows, header, source, tz, defaults, dates) -> History:
    _require(header, COUNTS_COLUMNS, source)
    order = date_order(rows, "start", source, dates)

    def parse(f: dict[str, str]) -> dict:
        try:
            calls = float(f["calls"])
        except ValueError as exc:
            raise BadValue("calls", f"calls {f['calls']!r} is not a number") from exc
        if not np.isfinite(calls) or calls < 0 or calls != int(calls):
            raise BadValue("calls", f"calls {f['calls']!r} is not a whole number >= 0")
        return {
            "at": _utc(f["start"], "start", tz, order),
            "count": calls,
            "handle_seconds": np.nan,
            **{k: f.get(k) or defaults[k] for k in KEYS},
        }

    records, issues = _collect(rows, source, parse)
    history = _history("counts", records, issues)
    steps = history.records["at"].drop_duplicates().sort_values().diff().dropna()
    if steps.empty:
        skipped = f" ({history.summary()})" if history.issues else ""
        raise VeroError(
            f"need at least two usable intervals to tell their length{skipped}", source=source
        )
    history.source_minutes = int(steps.min().total_seconds() // 60)
    if history.source_minutes <= 0 or 60 % history.source_minutes:
        raise VeroError(
            f"interval length {history.source_minutes} min does not divide an hour", source=source
        )
    return history


def _load_contacts(rows, header, source, tz, defaults, columns, dates) -> History:
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
    order = date_order(rows, names["timestamp"], source, dates)

    def parse(f: dict[str, str]) -> dict:
        handle = _seconds(f[names["handle"]], names["handle"]) if names["handle"] else np.nan
        keys = {k: (f[names[k]] if names[k] else "") or defaults[k] for k in KEYS}
        at = _utc(f[names["timestamp"]], names["timestamp"], tz, order)
        return {"at": at, "count": 1, "handle_seconds": handle, **keys}

    return _history("contacts", *_collect(rows, source, parse))
