"""Reading the files users give Vero (YAML definitions, CSV tables) with errors that name the
file and line: one way for every area, so every reader fails alike."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import yaml

from vero.kernel.errors import VeroError


class CountedLines:
    """The lines of an open text file, counted as they are read: a CSV reader's error (a field
    over the size limit, a stray quote) can then name its line."""

    def __init__(self, handle: TextIO) -> None:
        self.handle = handle
        self.number = 0

    def __iter__(self) -> Iterator[str]:
        for line in self.handle:
            self.number += 1
            yield line


def _undecodable(path: Path, exc: UnicodeDecodeError) -> VeroError:
    """Where the first byte that is not UTF-8 is (the file is read again, on this error path
    only, since a decoder's offset counts from its last buffer)."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        data = b""
    try:
        data.decode("utf-8-sig")
        line, byte = None, exc.object[exc.start]
    except UnicodeDecodeError as first:
        line, byte = data.count(b"\n", 0, first.start) + 1, data[first.start]
    return VeroError(
        f"not UTF-8 text (byte 0x{byte:02x}); save the file as UTF-8", source=str(path), line=line
    )


@contextmanager
def open_text(path: Path) -> Iterator[CountedLines]:
    """The file's lines as UTF-8 (a BOM tolerated). Within the block, an unreadable file, a byte
    that is not UTF-8 and a malformed or oversized CSV field become one VeroError naming the
    file (and line): every reader of user files goes through here."""
    try:
        with Path(path).open(newline="", encoding="utf-8-sig") as handle:
            lines = CountedLines(handle)
            try:
                yield lines
            except csv.Error as exc:
                limit = csv.field_size_limit()
                why = (
                    f"a field is longer than {limit:,} characters"
                    if "field limit" in str(exc)
                    else f"not valid CSV: {exc}"
                )
                raise VeroError(why, source=str(path), line=lines.number or None) from exc
    except OSError as exc:
        raise VeroError(f"cannot read: {exc.strerror or exc}", source=str(path)) from exc
    except UnicodeDecodeError as exc:
        raise _undecodable(path, exc) from exc


def read_text(path: Path) -> str:
    """The whole file as UTF-8 text (a BOM tolerated), errors as in `open_text`."""
    with open_text(path) as lines:
        return "".join(lines)


def read_yaml(path: Path) -> Any:
    """The parsed document; an unreadable file, non-UTF-8 text, broken YAML or a document nested
    too deeply to parse is a VeroError naming the file (and line)."""
    text = read_text(path)
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise VeroError(
            f"not valid YAML: {getattr(exc, 'problem', None) or exc}",
            source=str(path),
            line=mark.line + 1 if mark else None,
        ) from exc
    except RecursionError as exc:
        raise VeroError("not valid YAML: nested too deeply", source=str(path)) from exc


SEPARATORS = (",", ";", "\t")
_COMMA_NUMBER = re.compile(r"[+-]?\d+,\d+")
_POINT_NUMBER = re.compile(r"[+-]?\d+\.\d+")


def detect_separator(header_line: str) -> str:
    """The one of `,` `;` tab that splits the header line into the most columns (`,` on a tie,
    e.g. a one-column file). Excel writes `;` where the locale's decimal mark is a comma
    (Indonesian, most of Europe); the header is counted rather than sniffed from data rows,
    where decimal commas and free text mislead csv.Sniffer."""
    return max(SEPARATORS, key=lambda sep: len(next(csv.reader([header_line], delimiter=sep))))


@dataclass
class Table:
    """A CSV read whole: its separator, header and non-empty rows as (line, values), numbers
    written `1,5` already turned into `1.5`. `error` is the CSV or decoding error reading
    stopped at, raised by the caller (inside `open_text`) after the rows before it, so a reader
    fails at the same row as it would reading line by line."""

    separator: str
    header: list[str]
    rows: list[tuple[int, list[str]]]
    error: csv.Error | UnicodeDecodeError | None = None


def read_table(lines: CountedLines) -> Table | None:
    """The table in `lines` (None for an empty file), its separator detected from the header
    line and its decimal mark from the values: a file not separated by commas writes numbers
    `1,5` when some value looks so and none looks like `1.5` (a tab file mixing `1,234` and
    `1.5` keeps its commas)."""
    stream = iter(lines)
    first = next(stream, None)
    if first is None:
        return None
    separator = detect_separator(first)
    reader = csv.reader(itertools.chain([first], stream), delimiter=separator)
    header = next(reader, [])
    rows: list[tuple[int, list[str]]] = []
    error = None
    try:
        rows.extend((reader.line_num, values) for values in reader if values)
    except (csv.Error, UnicodeDecodeError) as exc:
        error = exc
    if separator != "," and _writes_decimal_comma(rows):
        rows = [(line, [_decimal_point(v) for v in values]) for line, values in rows]
    return Table(separator, header, rows, error)


def _writes_decimal_comma(rows: list[tuple[int, list[str]]]) -> bool:
    values = [v.strip() for _, row in rows for v in row]
    return any(_COMMA_NUMBER.fullmatch(v) for v in values) and not any(
        _POINT_NUMBER.fullmatch(v) for v in values
    )


def _decimal_point(value: str) -> str:
    text = value.strip()
    return text.replace(",", ".") if _COMMA_NUMBER.fullmatch(text) else value


def csv_rows(
    path: Path, required: tuple[str, ...], *, allow_empty: bool = False
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row with stripped values) of a UTF-8 CSV whose header has `required`; the
    separator (`,` `;` tab) and a decimal comma are detected (see `read_table`).

    A missing column, a row with more values than columns, an unreadable or non-UTF-8 file, and
    (unless `allow_empty`) a file without rows are VeroErrors naming the file (and line and
    field where they apply).
    """
    source = str(path)
    with open_text(path) as lines:
        table = read_table(lines)
        if table is None:
            raise VeroError("empty file (no header row)", source=source, line=1)
        missing = [c for c in required if c not in table.header]
        if missing:
            raise VeroError(
                f"missing column(s) {', '.join(missing)}", source=source, line=1, field=missing[0]
            )
        for line, values in table.rows:
            if len(values) > len(table.header):
                raise VeroError("more values than columns", source=source, line=line)
            padded = [*values, *[""] * (len(table.header) - len(values))]
            yield line, {k: v.strip() for k, v in zip(table.header, padded, strict=True)}
        if table.error is not None:
            raise table.error
    if not table.rows and not allow_empty:
        raise VeroError("no rows", source=source)


def interval_fields(row: dict[str, str], source: Path, line: int) -> tuple[dt.datetime, int]:
    """`interval_start` (ISO 8601 with a UTC offset) and `interval_minutes` (a whole divisor of
    a day) of a CSV row: the interval key of forecasts, staffing tables and requirements."""

    def fail(message: str, field: str) -> VeroError:
        return VeroError(message, source=str(source), line=line, field=field)

    text = row["interval_start"]
    try:
        start = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise fail(f"{text!r} is not an ISO 8601 time", "interval_start") from exc
    if start.tzinfo is None:
        raise fail("needs a UTC offset (e.g. +07:00)", "interval_start")
    try:
        minutes = int(row["interval_minutes"])
    except ValueError as exc:
        raise fail(
            f"{row['interval_minutes']!r} is not a whole number of minutes", "interval_minutes"
        ) from exc
    if minutes <= 0 or (24 * 60) % minutes:
        raise fail(f"{minutes} minutes does not divide a day", "interval_minutes")
    return start, minutes
