"""The adapters of the service KPIs (`wfm/kpi.py`): file loaders, report rows, the CSV writer and
`vero report` (the supervisor's `GET /api/kpis` is vero/web/api/kpis.py, over `report_rows`).

Contact records are the router's daily CSVs (`contacts/YYYY-MM-DD.csv`); an optional `customer`
column (phone or e-mail) enables first-contact resolution. Case records are the daily timeline
CSVs of `telephony/complaints` (`cases/YYYY-MM-DD.csv`).
"""

from __future__ import annotations

import csv
import datetime as dt
import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TextIO, TypeVar

import click
from rich.console import Console

from vero.kernel.centre import Centre, load_centre
from vero.kernel.errors import VeroError
from vero.kernel.files import csv_rows
from vero.kernel.language import language, language_option
from vero.kernel.service_level import definitions
from wfm.adherence_report import COLUMNS as ADHERENCE_COLUMNS
from wfm.adherence_report import file_rows
from wfm.kpi import COLUMNS, CaseEntry, Contact, fold_cases, kpi_rows
from wfm.kpi_summary import adherence_table, kpi_table, write_chart
from wfm.roster_schedule import read_roster

T = TypeVar("T")
log = logging.getLogger(__name__)
MAX_DAYS = 366


def _files(paths: Iterable[Path]) -> list[tuple[Path, bool]]:
    """(file, found in a folder): a folder's file may hold no rows yet, a named file may not."""
    found: list[tuple[Path, bool]] = []
    for path in paths:
        if path.is_dir():
            found += [(p, True) for p in sorted(path.glob("*.csv"))]
        elif path.is_file():
            found.append((path, False))
        else:
            raise VeroError("no such file or folder", source=str(path))
    return found


def _when(value: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("needs a UTC offset")
    return moment


def _read(
    paths: Iterable[Path],
    needed: set[str],
    parse: Callable[[dict[str, str]], T],
    skipped: list[str] | None = None,
) -> list[T]:
    """Every row of every file through `parse`; a bad value names its file, line and field.
    With a `skipped` list (the web pages), a bad file is left out and its problem added there
    instead: one broken day must not hide the others."""
    records: list[T] = []
    for path, in_folder in _files(paths):
        try:
            records += _read_file(path, needed, parse, in_folder)
        except VeroError as exc:
            if skipped is None:
                raise
            log.warning("KPI records skipped: %s", exc.one_line())
            skipped.append(exc.one_line())
    return records


def _read_file(
    path: Path, needed: set[str], parse: Callable[[dict[str, str]], T], in_folder: bool
) -> list[T]:
    """One file's records; any problem is a VeroError naming the file (and line, field)."""
    records: list[T] = []
    for line, row in csv_rows(path, tuple(sorted(needed)), allow_empty=in_folder):
        try:
            records.append(parse(row))
        except ValueError as exc:
            field, _, why = str(exc).partition(": ")
            raise VeroError(why, source=str(path), line=line, field=field) from exc
    return records


def _field(row: dict[str, str], name: str, convert: Callable[[str], T]) -> T:
    """`convert` of a cell; a ValueError names the column ('name: why')."""
    try:
        return convert(row[name])
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from exc


def _contact(row: dict[str, str]) -> Contact:
    csat = _field(row, "csat", lambda v: int(v) if v else None)
    if csat is not None and not 1 <= csat <= 5:
        raise ValueError("csat: a score from 1 to 5")
    return Contact(
        created=_field(row, "created_at", _when),
        channel=row["channel"],
        queue=row["queue"],
        customer=row.get("customer", ""),
        answered=bool(row["answered_at"]),
        wait_seconds=_field(row, "wait_seconds", lambda v: float(v or 0)),
        csat=csat,
        # records without an outcome column (older exports) have no abandons
        abandoned=row.get("outcome") == "abandoned" and not row["answered_at"],
    )


def _case_entry(row: dict[str, str]) -> CaseEntry:
    nps = _field(row, "nps", lambda v: int(v) if v else None)
    if nps is not None and not 0 <= nps <= 10:
        raise ValueError("nps: a score from 0 to 10")
    return CaseEntry(
        at=_field(row, "at", _when),
        ref=row["ref"],
        event=row["event"],
        origin=row["origin"],
        due=_field(row, "due_at", _when),
        nps=nps,
    )


def load_contacts(paths: Iterable[Path], skipped: list[str] | None = None) -> list[Contact]:
    return _read(
        paths,
        {"created_at", "channel", "queue", "answered_at", "wait_seconds", "csat"},
        _contact,
        skipped,
    )


def load_case_entries(paths: Iterable[Path], skipped: list[str] | None = None) -> list[CaseEntry]:
    return _read(paths, {"at", "ref", "event", "origin", "due_at", "nps"}, _case_entry, skipped)


def report_rows(
    centre: Centre,
    contacts: Iterable[Path],
    cases: Iterable[Path],
    first: dt.date,
    last: dt.date,
    period: str,
    skipped: list[str] | None = None,
) -> list[dict]:
    """The KPI rows; with a `skipped` list, bad record files are left out and named there."""
    if last < first:
        raise VeroError("--to is before --from")
    if (last - first).days >= MAX_DAYS:
        raise VeroError(f"at most {MAX_DAYS} days at once")
    return kpi_rows(
        load_contacts(contacts, skipped),
        fold_cases(load_case_entries(cases, skipped)),
        definitions(centre),
        centre.tz,
        period,
        first,
        last,
    )


@click.command("report")
@click.option(
    "--contacts",
    "contacts",
    multiple=True,
    required=True,
    type=click.Path(path_type=Path),
    help="Contact-record CSV or a folder of them (VERO_DATA_DIR/contacts); repeatable.",
)
@click.option(
    "--cases",
    "cases",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Case-timeline CSV or a folder of them (VERO_DATA_DIR/cases); repeatable.",
)
@click.option(
    "--from",
    "first",
    required=True,
    type=click.DateTime(["%Y-%m-%d"]),
    help="First local day (YYYY-MM-DD).",
)
@click.option(
    "--to",
    "last",
    required=True,
    type=click.DateTime(["%Y-%m-%d"]),
    help="Last local day (YYYY-MM-DD), inclusive.",
)
@click.option(
    "--period",
    type=click.Choice(["day", "week"]),
    default="day",
    show_default=True,
    help="One row per day, or per ISO week (Monday to Sunday).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default="kpis.csv",
    show_default=True,
    help="KPI CSV: per period, channel and queue, plus 'all'.",
)
@click.option(
    "--centre",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Centre definition YAML (channel targets, timezone); default the reference.",
)
@click.option(
    "--agent-states",
    "agent_states",
    type=click.Path(path_type=Path),
    default=None,
    help="Agent-state CSV or its folder (VERO_DATA_DIR/agent_states); with --roster, daily "
    "adherence and conformance go to <out>-adherence.csv.",
)
@click.option(
    "--roster",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The roster CSV the agents worked to (roster.csv of `vero roster` or a roster run).",
)
@language_option("the summary table and the chart")
def report(
    contacts: tuple[Path, ...],
    cases: tuple[Path, ...],
    first: dt.datetime,
    last: dt.datetime,
    period: str,
    out: Path,
    centre: Path | None,
    agent_states: Path | None,
    roster: Path | None,
    lang: str,
) -> None:
    """Service KPIs: CSAT, first-contact resolution, response against target, complaints
    resolved within target and NPS; with --agent-states and --roster, schedule adherence and
    conformance per agent and group. Writes the CSV(s), a chart PNG beside them, and prints a
    summary table."""
    if (agent_states is None) != (roster is None):
        raise VeroError("--agent-states and --roster go together", field="--roster")
    definition = load_centre(centre)
    rows = report_rows(definition, contacts, cases, first.date(), last.date(), period)
    adherence: list[dict] = []
    if agent_states is not None and roster is not None:
        adherence = file_rows(
            agent_states,
            read_roster(roster, definition.tz),
            first.date(),
            last.date(),
            definition.tz,
        )
    written: list[tuple[Path, tuple[str, ...], list[dict]]] = [(out, COLUMNS, rows)]
    if agent_states is not None:
        written.append((out.with_name(f"{out.stem}-adherence.csv"), ADHERENCE_COLUMNS, adherence))
    chart = out.with_suffix(".png")
    words = language(lang)
    try:
        for path, columns, table in written:
            with path.open("w", newline="", encoding="utf-8") as handle:
                write_csv(table, handle, columns)
        write_chart(rows, adherence, chart, words)
    except OSError as exc:
        raise VeroError(f"cannot write: {exc.strerror}", source=str(exc.filename)) from exc
    console = Console(width=140)
    console.print(kpi_table(rows, words))
    if agent_states is not None:
        console.print(adherence_table(adherence, words))
    for path, _, table in written:
        console.print(words.text("report.cli_wrote", rows=len(table), path=str(path)))
    console.print(words.text("report.cli_chart", path=str(chart)))


def write_csv(rows: list[dict], handle: TextIO, columns: tuple[str, ...] = COLUMNS) -> None:
    """The KPI rows as `vero report` writes them (and the console downloads them): the same
    columns, empty for no value."""
    writer = csv.DictWriter(handle, fieldnames=columns)
    writer.writeheader()
    writer.writerows({k: "" if v is None else v for k, v in row.items()} for row in rows)
