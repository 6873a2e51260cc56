"""Reading the files users give Vero (YAML definitions, CSV tables) with errors that name the
file and line: one way for every area, so every reader fails alike."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from vero.errors import VeroError


def read_yaml(path: Path) -> Any:
    """The parsed document; a missing file or broken YAML is a VeroError with its line."""
    try:
        return yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise VeroError(f"cannot read: {exc.strerror}", source=str(path)) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise VeroError(f"not valid YAML: {getattr(exc, 'problem', exc)}", source=str(path),
                        line=mark.line + 1 if mark else None) from exc


def csv_rows(path: Path, required: tuple[str, ...], *,
             allow_empty: bool = False) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row with stripped values) of a UTF-8 CSV whose header has `required`.

    A missing column, a row with more values than columns, an unreadable or non-UTF-8 file, and
    (unless `allow_empty`) a file without rows are VeroErrors naming the file (and line and
    field where they apply).
    """
    source = str(path)
    try:
        with Path(path).open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in required if c not in (reader.fieldnames or ())]
            if missing:
                raise VeroError(f"missing column(s) {', '.join(missing)}", source=source,
                                line=1, field=missing[0])
            empty = True
            for row in reader:
                if None in row:
                    raise VeroError("more values than columns", source=source,
                                    line=reader.line_num)
                empty = False
                yield reader.line_num, {k: (v or "").strip() for k, v in row.items()}
    except OSError as exc:
        raise VeroError(f"cannot read: {exc.strerror}", source=source) from exc
    except UnicodeDecodeError as exc:
        raise VeroError("not UTF-8 text", source=source) from exc
    if empty and not allow_empty:
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
        raise fail(f"{row['interval_minutes']!r} is not a whole number of minutes",
                   "interval_minutes") from exc
    if minutes <= 0 or (24 * 60) % minutes:
        raise fail(f"{minutes} minutes does not divide a day", "interval_minutes")
    return start, minutes
