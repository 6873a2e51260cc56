"""Roster files a supervisor opens: CSV, XLSX workbook, one ICS calendar per agent, PNG chart;
the words of the workbook and calendars come from the catalogues (`files.`, `xlsx.`, `ics.`)."""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import icalendar
import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from vero.kernel.csv_columns import utc_time  # noqa: E402
from vero.kernel.language import DEFAULT_LANGUAGE, Language, language  # noqa: E402
from wfm.scheduler.model import Roster, Shift  # noqa: E402
from wfm.scheduler.problem import DAYS, Problem  # noqa: E402
from wfm.scheduler.words import group_label, hhmm, hours, leave_text  # noqa: E402
from wfm.scheduler.workbook import build_workbook  # noqa: E402

ROSTER_COLUMNS = (
    "agent",
    "name",
    "date",
    "shift_start",
    "shift_end",
    "break_start",
    "break_end",
    "work_hours",
    "group",
    "shift_start_utc",
    "shift_end_utc",
)


def _groups_text(shift: Shift) -> str:
    """The group worked, or 'group HH:MM-HH:MM' segments when the agent switches groups."""
    names = {g for _, _, g in shift.segments}
    if len(names) == 1:
        return names.pop()
    return "; ".join(f"{g} {a:%H:%M}-{b:%H:%M}" for a, b, g in shift.segments)


def write_csv(problem: Problem, roster: Roster, path: Path) -> None:
    """One row per shift: local date and HH:MM times (what the twin reads back), and the shift's
    start and end in UTC for systems in another zone."""
    names = {a.id: a.name for a in problem.agents}
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(ROSTER_COLUMNS)
        for s in roster.shifts:
            writer.writerow(
                [
                    s.agent_id,
                    names[s.agent_id],
                    s.day.isoformat(),
                    hhmm(s.start),
                    hhmm(s.end),
                    hhmm(s.break_start),
                    hhmm(s.break_end),
                    f"{s.work_minutes / 60:g}",
                    _groups_text(s),
                    utc_time(s.start),
                    utc_time(s.end),
                ]
            )


def write_xlsx(problem: Problem, roster: Roster, path: Path, lang: str = DEFAULT_LANGUAGE) -> None:
    """The roster workbook in `lang` (see `wfm.scheduler.workbook`)."""
    build_workbook(problem, roster, language(lang)).save(path)


def write_ics(problem: Problem, roster: Roster, folder: Path) -> list[Path]:
    """One calendar per agent (ICS), in the agent's language: a work event per shift (its break
    and hours in the description), an all-day event per paid leave day. Times carry the
    centre's TZID and the calendar its VTIMEZONE (RFC 5545 requires one for every TZID used),
    so phones in another zone show the right hour."""
    folder.mkdir(parents=True, exist_ok=True)
    by_agent: dict[str, list[Shift]] = defaultdict(list)
    for s in roster.shifts:
        by_agent[s.agent_id].append(s)
    paths = []
    for agent in problem.agents:
        words = language(problem.languages.get(agent.id, DEFAULT_LANGUAGE))
        calendar = icalendar.Calendar()
        calendar.add("prodid", "-//Vero//roster//EN")
        calendar.add("version", "2.0")
        calendar.add("x-wr-calname", words.text("ics.calendar", name=agent.name))
        for s in by_agent.get(agent.id, []):
            event = icalendar.Event()
            event.add("uid", f"{agent.id}-{s.start:%Y%m%dT%H%M}@vero")
            event.add("summary", words.text("ics.shift", group=_shift_groups(words, s)))
            event.add("dtstart", s.start)
            event.add("dtend", s.end)
            event.add("dtstamp", s.start.astimezone(dt.UTC))  # RFC 5545: DTSTAMP is in UTC
            event.add("description", _shift_description(words, s))
            calendar.add_component(event)
        for day, paid in agent.paid_leave:  # an all-day event: no time, so no zone
            event = icalendar.Event()
            event.add("uid", f"{agent.id}-{day:%Y%m%d}-leave@vero")
            event.add("summary", leave_text(words, paid))
            event.add("dtstart", day)
            event.add("dtend", day + dt.timedelta(days=1))
            event.add(
                "dtstamp", dt.datetime.combine(day, dt.time(0), problem.tz).astimezone(dt.UTC)
            )
            calendar.add_component(event)
        calendar.add_missing_timezones()
        path = folder / f"{agent.id}.ics"
        path.write_bytes(calendar.to_ical())
        paths.append(path)
    return paths


def _shift_groups(words: Language, shift: Shift) -> str:
    """The groups of a shift by name, in the order worked."""
    seen = dict.fromkeys(g for _, _, g in shift.segments)
    return ", ".join(group_label(words, g) for g in seen)


def _shift_description(words: Language, shift: Shift) -> str:
    """Work hours, the break, and the group of each part when the agent switches groups."""
    worked = hours(words, shift.work_minutes)
    lines = [words.text("ics.work", start=hhmm(shift.start), end=hhmm(shift.end), hours=worked)]
    if shift.break_start is not None:
        lines.append(
            words.text("ics.break", start=hhmm(shift.break_start), end=hhmm(shift.break_end))
        )
    if len({g for _, _, g in shift.segments}) > 1:
        lines += [f"{hhmm(a)}–{hhmm(b)} {group_label(words, g)}" for a, b, g in shift.segments]
    return "\n".join(lines)


@dataclass(frozen=True)
class GroupSeries:
    """One group's chart line over every interval of the week: NaN where the centre is closed, so
    closed nights are a gap in the line, not a flat zero a reader takes for a staffing hole."""

    group: str
    times: tuple[dt.datetime, ...]
    required: tuple[float, ...]
    scheduled: tuple[float, ...]


def coverage_series(problem: Problem, roster: Roster) -> list[GroupSeries]:
    """Required vs scheduled per group (groups with any requirement or staff, by name)."""
    cells = {
        (round(problem.minutes(c.interval_start)) // problem.slot_minutes, c.group): c
        for c in roster.coverage
    }
    slots = range(DAYS * problem.slots_per_day)
    times = tuple(problem.time(s) for s in slots)
    series = []
    for group in sorted({g for _, g in cells}):
        required, scheduled = [], []
        for s in slots:
            cell = cells.get((s, group))
            if s not in problem.open_slots:
                required.append(math.nan)
                scheduled.append(math.nan)
            else:
                required.append(cell.required if cell else 0.0)
                scheduled.append(float(cell.scheduled) if cell else 0.0)
        series.append(GroupSeries(group, times, tuple(required), tuple(scheduled)))
    return series


def write_chart(problem: Problem, roster: Roster, path: Path, lang: str = DEFAULT_LANGUAGE) -> None:
    """Required vs scheduled agents over the week in `lang`, one panel per group, closed hours
    blank."""
    words = language(lang)
    series = coverage_series(problem, roster)
    figure, panels = plt.subplots(
        max(len(series), 1),
        1,
        figsize=(14, 2.5 * max(len(series), 1) + 1),
        sharex=True,
        squeeze=False,
    )
    for axes, line in zip(panels[:, 0], series, strict=False):
        axes.step(line.times, line.required, where="post", label=words.text("xlsx.required"))
        axes.step(line.times, line.scheduled, where="post", label=words.text("xlsx.scheduled"))
        axes.set_title(group_label(words, line.group), loc="left", fontsize=10)
        axes.set_ylabel(words.text("xlsx.chart.agents"))
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))  # whole agents
        axes.legend(loc="upper right")
    week = words.date(problem.week_start, "long")
    figure.suptitle(words.text("files.chart.title", week=week))
    days = panels[0, 0].xaxis  # shared: local midnights, read in the centre's zone, not UTC
    days.set_major_locator(mdates.DayLocator(tz=problem.tz))
    days.set_major_formatter(
        FuncFormatter(
            lambda x, _: words.date(mdates.num2date(x, tz=problem.tz).date(), "EEE d MMM")
        )
    )
    panels[0, 0].set_xlim(problem.origin, problem.time(DAYS * problem.slots_per_day))
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
