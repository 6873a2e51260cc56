"""The roster workbook a planner opens in Excel, in one language: the week grid (agents x days,
each shift a cell filled with its group's colour, a legend), every shift as a row of real Excel
dates and times, the coverage per interval coloured red / amber / green, and a chart of
required vs scheduled agents per group. Every sheet prints landscape on one page width."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict

from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from vero.kernel.language import Language
from wfm.scheduler.model import Roster, Shift
from wfm.scheduler.problem import DAYS, Problem
from wfm.scheduler.words import group_colours, group_label, hhmm, leave_text, main_group

DATE_FORMAT = "yyyy-mm-dd"
TIME_FORMAT = "yyyy-mm-dd hh:mm"
HOURS_FORMAT = "0.0"
AGENTS_FORMAT = "0.00"
BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="1F2937")
HEADER_FONT = Font(bold=True, color="FFFFFF")
MUTED = Font(color="6B7280", italic=True)
LEAVE_FILL = PatternFill("solid", fgColor="F3F4F6")
# coverage: under the requirement, met with less than one agent spare, one or more spare
UNDER_FILL = PatternFill("solid", fgColor="FCA5A5")
AT_FILL = PatternFill("solid", fgColor="FDE68A")
OVER_FILL = PatternFill("solid", fgColor="86EFAC")
MAX_WIDTH = 48
DAY_WIDTH = 22  # a day column of the grid: longer lines wrap
LINE_POINTS = 15  # row height per line of wrapped text (openpyxl cannot measure it)
CHART_ROWS = 18  # rows one group's chart takes on the chart sheet


def _fill(rgb: str) -> PatternFill:
    return PatternFill("solid", fgColor=rgb)


def _local(moment: dt.datetime) -> dt.datetime:
    """Excel has no time zones: a moment as the centre's wall time."""
    return moment.replace(tzinfo=None)


def _header(sheet: Worksheet, titles: list[str]) -> None:
    sheet.append(titles)
    for cell in sheet[1]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=True)


def _fit_columns(sheet: Worksheet, minimum: int = 8, widest: int = MAX_WIDTH) -> None:
    """Each column as wide as its longest line, up to `widest` (Excel does not fit columns when
    a file is opened)."""
    widths: dict[int, int] = defaultdict(lambda: minimum)
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value is None:
                continue
            if isinstance(cell.value, dt.datetime):
                longest = len(TIME_FORMAT)
            elif isinstance(cell.value, dt.date):
                longest = len(DATE_FORMAT)
            else:
                longest = max(len(line) for line in str(cell.value).split("\n"))
            widths[cell.column] = max(widths[cell.column], longest + 2)
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = min(width, widest)


def _wrapped_lines(text: str, width: int) -> int:
    """Lines a wrapped cell shows at `width` characters."""
    return sum(max(1, math.ceil(len(line) / width)) for line in text.split("\n"))


def _print_setup(sheet: Worksheet) -> None:
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"


def _shift_text(words: Language, shift: Shift) -> str:
    """`08:00–16:30`, the break on the next line, other groups worked on a third."""
    lines = [f"{hhmm(shift.start)}–{hhmm(shift.end)}"]
    if shift.break_start is not None:
        lines.append(words.text("xlsx.break", time=hhmm(shift.break_start)))
    others = dict.fromkeys(g for _, _, g in shift.segments if g != main_group(shift))
    if others:
        lines.append("+ " + ", ".join(group_label(words, g) for g in others))
    return "\n".join(lines)


def _grid_sheet(book: Workbook, problem: Problem, roster: Roster, words: Language) -> None:
    sheet = book.active
    sheet.title = words.text("xlsx.sheet.roster")
    days = [problem.date(d) for d in range(DAYS)]
    colours = group_colours(problem.groups)
    _header(
        sheet,
        [
            words.text("xlsx.agent"),
            words.text("xlsx.name"),
            *(words.date(d, "EEE d MMM") for d in days),
            words.text("xlsx.hours"),
            words.text("xlsx.groups"),
        ],
    )
    shifts = {(s.agent_id, s.day): s for s in roster.shifts}
    for agent in problem.agents:
        leave = dict(agent.paid_leave)
        worked = sum(s.work_minutes for s in roster.shifts if s.agent_id == agent.id)
        sheet.append([agent.id, agent.name])
        row = sheet.max_row
        for k, day in enumerate(days):
            cell = sheet.cell(row, 3 + k)
            shift = shifts.get((agent.id, day))
            if shift is not None:
                cell.value = _shift_text(words, shift)
                cell.fill = _fill(colours.get(main_group(shift), "FFFFFF"))
            elif day in leave:
                cell.value, cell.fill = leave_text(words, leave[day]), LEAVE_FILL
            else:
                cell.value, cell.font = words.text("files.off"), MUTED
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        total = sheet.cell(row, 3 + DAYS, round(worked / 60, 1))
        total.number_format = HOURS_FORMAT
        sheet.cell(row, 4 + DAYS, ", ".join(group_label(words, g) for g in agent.groups))
    _fit_columns(sheet)
    for k in range(DAYS):
        letter = get_column_letter(3 + k)
        width = sheet.column_dimensions[letter].width
        sheet.column_dimensions[letter].width = min(width, DAY_WIDTH)
    for row in sheet.iter_rows(min_row=2, min_col=3, max_col=2 + DAYS):
        lines = max(_wrapped_lines(str(cell.value or ""), DAY_WIDTH - 2) for cell in row)
        sheet.row_dimensions[row[0].row].height = LINE_POINTS * max(lines, 1)
    sheet.freeze_panes = "C2"  # the header row and the agent's id and name stay in view
    legend = sheet.max_row + 2
    sheet.cell(legend, 2, words.text("xlsx.legend")).font = BOLD
    used = {g for agent in problem.agents for g in agent.groups}
    for k, group in enumerate(g for g in problem.groups if g in used):
        cell = sheet.cell(legend + 1 + k, 2, group_label(words, group))
        cell.fill = _fill(colours[group])
    _print_setup(sheet)


def _shifts_sheet(book: Workbook, problem: Problem, roster: Roster, words: Language) -> None:
    sheet = book.create_sheet(words.text("xlsx.sheet.shifts"))
    keys = ("agent", "name", "date", "start", "end", "break_start", "break_end", "hours", "group")
    _header(sheet, [words.text(f"xlsx.{key}") for key in keys])
    names = {a.id: a.name for a in problem.agents}
    for s in roster.shifts:
        pause = (s.break_start, s.break_end)
        sheet.append(
            [
                s.agent_id,
                names[s.agent_id],
                s.day,
                _local(s.start),
                _local(s.end),
                *(None if m is None else _local(m) for m in pause),
                round(s.work_minutes / 60, 2),
                ", ".join(group_label(words, g) for g in dict.fromkeys(g for *_, g in s.segments)),
            ]
        )
        row = sheet[sheet.max_row]
        row[2].number_format = DATE_FORMAT
        for cell in row[3:7]:
            cell.number_format = TIME_FORMAT
        row[7].number_format = HOURS_FORMAT
    _fit_columns(sheet)
    sheet.freeze_panes = "C2"
    sheet.auto_filter.ref = sheet.dimensions
    _print_setup(sheet)


def _coverage_sheet(book: Workbook, roster: Roster, words: Language) -> None:
    sheet = book.create_sheet(words.text("xlsx.sheet.coverage"))
    keys = ("interval", "group", "required", "scheduled", "gap")
    _header(sheet, [words.text(f"xlsx.{key}") for key in keys])
    for c in roster.coverage:
        sheet.append(
            [
                _local(c.interval_start),
                group_label(words, c.group),
                round(c.required, 2),
                c.scheduled,
                round(c.scheduled - c.required, 2),
            ]
        )
        row = sheet[sheet.max_row]
        row[0].number_format = TIME_FORMAT
        row[2].number_format = row[4].number_format = AGENTS_FORMAT
    last = max(sheet.max_row, 2)
    cells = f"C2:E{last}"
    for formula, fill in (
        ("$E2<0", UNDER_FILL),
        ("AND($E2>=0,$E2<1)", AT_FILL),
        ("$E2>=1", OVER_FILL),
    ):
        sheet.conditional_formatting.add(cells, FormulaRule(formula=[formula], fill=fill))
    _fit_columns(sheet)
    legend = len(keys) + 2
    sheet.cell(1, legend, words.text("xlsx.legend")).font = BOLD
    for k, (key, fill) in enumerate((("under", UNDER_FILL), ("at", AT_FILL), ("over", OVER_FILL))):
        sheet.cell(2 + k, legend, words.text(f"xlsx.legend.{key}")).fill = fill
    sheet.column_dimensions[get_column_letter(legend)].width = 40
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:E{last}"
    _print_setup(sheet)


def _chart_sheet(book: Workbook, roster: Roster, words: Language) -> None:
    """One line chart per group over the week's open intervals; its numbers sit in a table to
    the right of the charts (a chart reads its series from cells)."""
    sheet = book.create_sheet(words.text("xlsx.sheet.chart"))
    groups = sorted({c.group for c in roster.coverage})
    times = sorted({c.interval_start for c in roster.coverage})
    cells = {(c.interval_start, c.group): c for c in roster.coverage}
    first = 16  # column P: the table right of the charts
    sheet.cell(1, first, words.text("xlsx.interval")).font = BOLD
    for k, group in enumerate(groups):
        label = group_label(words, group)
        sheet.cell(1, first + 1 + 2 * k, f"{label}: {words.text('xlsx.required')}").font = BOLD
        sheet.cell(1, first + 2 + 2 * k, f"{label}: {words.text('xlsx.scheduled')}").font = BOLD
    for r, moment in enumerate(times, start=2):
        sheet.cell(r, first, _local(moment)).number_format = TIME_FORMAT
        for k, group in enumerate(groups):
            cell = cells.get((moment, group))
            sheet.cell(r, first + 1 + 2 * k, round(cell.required, 2) if cell else 0)
            sheet.cell(r, first + 2 + 2 * k, cell.scheduled if cell else 0)
    last = len(times) + 1
    categories = Reference(sheet, min_col=first, min_row=2, max_row=last)
    for k, group in enumerate(groups):
        chart = LineChart()
        chart.title = words.text("xlsx.chart.title", group=group_label(words, group))
        chart.y_axis.title = words.text("xlsx.chart.agents")
        chart.x_axis.number_format = "ddd hh:mm"
        chart.height, chart.width = 8.5, 26
        column = first + 1 + 2 * k
        data = Reference(sheet, min_col=column, max_col=column + 1, min_row=1, max_row=last)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(categories)
        sheet.add_chart(chart, f"A{1 + k * CHART_ROWS}")
    sheet.column_dimensions[get_column_letter(first)].width = len(TIME_FORMAT) + 2
    _print_setup(sheet)


def build_workbook(problem: Problem, roster: Roster, words: Language) -> Workbook:
    """The four sheets, in `words`' language: grid, shifts, coverage, chart."""
    book = Workbook()
    _grid_sheet(book, problem, roster, words)
    _shifts_sheet(book, problem, roster, words)
    _coverage_sheet(book, roster, words)
    _chart_sheet(book, roster, words)
    return book
