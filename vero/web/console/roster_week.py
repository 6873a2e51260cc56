"""The roster page's week grid: agents x 7 days, each shift a bar coloured by its group, read
from the run's roster.csv and agents file (what the supervisor downloads), so the page fits a
1280 px screen where a table of full shift texts was 4,400 px wide."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from vero.kernel.centre import Centre
from vero.kernel.files import csv_rows
from vero.kernel.language import Language
from wfm.scheduler.exports import ROSTER_COLUMNS
from wfm.scheduler.inputs import load_agents, parse_hhmm
from wfm.scheduler.problem import DAYS
from wfm.scheduler.words import GROUP_COLOURS, group_label, leave_text


@dataclass(frozen=True)
class Cell:
    """One agent's day: `kind` shift, leave or off; `colour` the group's place in the palette
    (the CSS classes g0.. of roster.css); `detail` what a hover shows."""

    kind: str
    text: str = ""
    note: str = ""
    detail: str = ""
    colour: int = 0


@dataclass(frozen=True)
class AgentWeek:
    id: str
    name: str
    cells: tuple[Cell, ...]
    hours: float


@dataclass(frozen=True)
class Week:
    days: tuple[dt.date, ...]
    agents: tuple[AgentWeek, ...]
    legend: tuple[tuple[str, int], ...]  # (group name, colour) of the groups the agents cover
    on_shift: tuple[int, ...]  # agents working each day

    @property
    def hours(self) -> float:
        return sum(a.hours for a in self.agents)


def _minutes(start: str, end: str) -> int:
    """Minutes from one HH:MM to the next (past midnight when the end is earlier)."""
    return (parse_hhmm(end) - parse_hhmm(start)) % (24 * 60)


def row_groups(text: str) -> tuple[str, list[str]]:
    """The group a roster.csv row works longest in, and all its groups in order: the `group`
    column is one group, or `group HH:MM-HH:MM` segments joined by `;`."""
    minutes: dict[str, int] = defaultdict(int)
    for part in text.split(";"):
        name, _, span = part.strip().partition(" ")
        start, _, end = span.partition("-")
        minutes[name] += _minutes(start, end) if span else 1
    return max(sorted(minutes), key=lambda g: minutes[g]), list(minutes)


def read_week(folder: Path, first: dt.date, centre: Centre, words: Language) -> Week:
    """The grid of a finished roster run in `words`' language."""
    days = tuple(first + dt.timedelta(days=k) for k in range(DAYS))
    groups = tuple(sorted(centre.staffing_groups))
    colours = {g: k % len(GROUP_COLOURS) for k, g in enumerate(groups)}
    agents = load_agents(folder / "agents.csv", groups, centre.tz)
    shifts: dict[tuple[str, dt.date], Cell] = {}
    worked: dict[str, float] = defaultdict(float)
    for _, row in csv_rows(folder / "roster.csv", ROSTER_COLUMNS, allow_empty=True):
        group, every = row_groups(row["group"])
        labels = ", ".join(group_label(words, g) for g in every)
        hours = float(row["work_hours"])
        details = [
            words.text(
                "ics.work",
                start=row["shift_start"],
                end=row["shift_end"],
                hours=words.number(hours, 0 if hours.is_integer() else 1),
            ),
            labels,
        ]
        if row["break_start"]:
            details.insert(
                1, words.text("ics.break", start=row["break_start"], end=row["break_end"])
            )
        shifts[row["agent"], dt.date.fromisoformat(row["date"])] = Cell(
            "shift",
            f"{row['shift_start']}–{row['shift_end']}",
            words.text("xlsx.break", time=row["break_start"]) if row["break_start"] else "",
            " · ".join(details),
            colours.get(group, 0),
        )
        worked[row["agent"]] += hours
    rows = []
    for agent in agents:
        leave = dict(agent.leave)
        cells = []
        for day in days:
            if (agent.id, day) in shifts:
                cells.append(shifts[agent.id, day])
            elif day in leave:
                cells.append(Cell("leave", leave_text(words, leave[day])))
            else:
                cells.append(Cell("off", words.text("files.off")))
        rows.append(AgentWeek(agent.id, agent.name, tuple(cells), worked[agent.id]))
    used = {g for agent in agents for g in agent.groups}
    return Week(
        days,
        tuple(rows),
        tuple((group_label(words, g), colours[g]) for g in groups if g in used),
        tuple(sum(1 for r in rows if r.cells[k].kind == "shift") for k in range(DAYS)),
    )
