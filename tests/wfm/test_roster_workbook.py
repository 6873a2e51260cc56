"""The roster workbook read back with openpyxl as a planner's Excel would show it: translated
headers, fitted widths, frozen header and names, a fill per group with a legend, coverage
coloured by conditional formatting, a chart, real dates and times, landscape print setup."""

import datetime as dt

import pytest
from openpyxl import load_workbook

from tests.wfm.roster_helpers import agent, problem
from tests.wfm.test_exports import _roster, _shift
from wfm.scheduler.exports import write_xlsx


def _book(tmp_path, lang):
    people = (
        agent("ani", "5x8"),
        agent("eve", "5x8", ("voice-en",)),
        agent("dan", "5x8", ("digital",)),
    )
    week = problem(people)
    shifts = (
        _shift("ani", "voice-id"),
        _shift("eve", "voice-en"),
        _shift("dan", "digital", hour=9),
    )
    write_xlsx(week, _roster(week, shifts), tmp_path / "roster.xlsx", lang)
    return load_workbook(tmp_path / "roster.xlsx")


@pytest.mark.parametrize(
    ("lang", "sheets", "header", "off", "group"),
    [
        (
            "id",
            ["Jadwal", "Giliran", "Cakupan", "Grafik"],
            ("ID agen", "Nama", "Sen 30 Nov"),
            "Libur",
            "Telepon (Bahasa Indonesia)",
        ),
        (
            "en",
            ["Roster", "Shifts", "Coverage", "Chart"],
            ("Agent ID", "Name", "Mon 30 Nov"),
            "Off",
            "Phone (Indonesian)",
        ),
    ],
)
def test_the_grid_is_translated_frozen_fitted_and_coloured_by_group(
    tmp_path, lang, sheets, header, off, group
):
    book = _book(tmp_path, lang)
    assert book.sheetnames == sheets
    grid = book[sheets[0]]
    assert tuple(c.value for c in grid[1][:3]) == header
    assert grid.freeze_panes == "C2"  # header row and the id and name columns
    rows = {row[0].value: row for row in grid.iter_rows(min_row=2, max_row=4)}
    assert rows["ani"][2].value.startswith("08:00–16:30\n")
    assert rows["ani"][3].value == off
    assert rows["ani"][10].value == group
    fills = {name: rows[name][2].fill.fgColor.rgb for name in ("ani", "eve", "dan")}
    assert len(set(fills.values())) == 3  # one fill per group
    legend = {
        cell.value: cell.fill.fgColor.rgb
        for (cell,) in grid.iter_rows(min_row=6, min_col=2, max_col=2)
        if cell.value
    }
    assert legend[group] == fills["ani"]  # the legend names the colour
    widths = {k: grid.column_dimensions[k].width for k in "ABC"}
    assert all(w and w >= 8 for w in widths.values())
    assert widths["C"] >= len("08:00–16:30")
    assert grid.page_setup.orientation == "landscape"
    assert grid.page_setup.fitToWidth == 1 and grid.sheet_properties.pageSetUpPr.fitToPage


def test_times_are_excel_dates_and_coverage_is_coloured_with_a_chart(tmp_path):
    book = _book(tmp_path, "en")
    shifts = book["Shifts"]
    assert [c.value for c in shifts[1]][:4] == ["Agent ID", "Name", "Date", "Start"]
    first = shifts[2]
    assert isinstance(first[2].value, dt.datetime) and first[2].value.date() == dt.date(
        2026, 11, 30
    )
    assert first[3].value == dt.datetime(2026, 11, 30, 8, 0)  # the centre's wall time
    assert first[3].number_format == "yyyy-mm-dd hh:mm"
    coverage = book["Coverage"]
    assert [c.value for c in coverage[1]][:5] == [
        "Interval start",
        "Group",
        "Required",
        "Scheduled",
        "Gap",
    ]
    assert all(
        isinstance(row[0], dt.datetime)
        for row in coverage.iter_rows(min_row=2, max_col=1, values_only=True)
    )
    rules = [rule.formula[0] for rng in coverage.conditional_formatting for rule in rng.rules]
    assert rules == ["$E2<0", "AND($E2>=0,$E2<1)", "$E2>=1"]  # red under, amber at, green over
    colours = {
        rule.dxf.fill.fgColor.rgb[-6:]
        for rng in coverage.conditional_formatting
        for rule in rng.rules
    }
    assert len(colours) == 3
    assert coverage.freeze_panes == "A2"
    chart = book["Chart"]
    assert len(chart._charts) == 3  # one per group with coverage: digital, voice-en, voice-id
