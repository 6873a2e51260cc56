"""`vero roster`: next week's roster from the `vero staff` requirements and the agents file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from vero.kernel.centre import load_centre
from vero.kernel.language import language_option
from wfm.scheduler import exports
from wfm.scheduler.inputs import (
    load_agents,
    load_pins,
    load_requirements,
    load_rules,
    load_templates,
)
from wfm.scheduler.model import Shortfall, ShortSpan
from wfm.scheduler.problem import build_problem
from wfm.scheduler.roster import make_roster


@click.command("roster")
@click.option(
    "--requirements",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Required agents per interval and group: the CSV written by `vero staff` "
    "(interval_start, interval_minutes, group, required_agents, ...).",
)
@click.option(
    "--agents",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Agents CSV: id, name, groups (;-separated), contract (5x8, 6x7, full-time, "
    "part-time:H), optional unavailable (;-separated dates, start/end ranges or weekly "
    "times: tue, tue before 10:00, fri after 18:00, wed 12:00-14:00), "
    "leave (paid days counting toward the contract: 2026-12-01 or 2026-12-01=4 for 4 h), "
    "languages (id;en, the first writes the calendar), preferred_days_off (mon;sun), "
    "worked_days_before, last_shift_end.",
)
@click.option(
    "--templates",
    type=click.Path(exists=True, dir_okay=False),
    help="Shift templates YAML: starts (list of HH:MM or {from, to, every}), "
    "work_hours, break_minutes, max/min_work_before_break_minutes. "
    "Default: starts 07:00-16:00 every 30 min, 4-8 h, 30 min break after <= 4 h.",
)
@click.option(
    "--rules",
    type=click.Path(exists=True, dir_okay=False),
    help="Rules YAML: days_off_per_week (1), max_consecutive_days (6), "
    "min_rest_hours (11), late_shift_end (19:00), weights {under, over, "
    "fairness, preference}.",
)
@click.option(
    "--pins",
    type=click.Path(exists=True, dir_okay=False),
    help="Supervisor edits CSV: agent, date, start (HH:MM or 'off'), optional hours; "
    "pinned assignments are kept and the rest re-solved.",
)
@click.option(
    "--week-start",
    type=click.DateTime(["%Y-%m-%d"]),
    help="First day of the week (local date). Default: first requirement date.",
)
@click.option(
    "--out-dir",
    default="roster",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder for roster.csv, roster.xlsx, coverage.png and calendars/<agent>.ics.",
)
@click.option(
    "--solver",
    type=click.Choice(["highs", "cbc"]),
    default="highs",
    show_default=True,
    help="MILP solver; HiGHS falls back to CBC if unavailable.",
)
@click.option(
    "--time-limit",
    type=click.FloatRange(min=1),
    default=60,
    show_default=True,
    help="Solver time limit in seconds.",
)
@click.option(
    "--gap",
    type=click.FloatRange(min=0, max=1),
    default=0.01,
    show_default=True,
    help="Relative optimality gap at which the solver may stop.",
)
@click.option(
    "--centre",
    type=click.Path(exists=True, dir_okay=False),
    help="Centre definition YAML (opening hours, groups). Default: the reference centre.",
)
@language_option("roster.xlsx and coverage.png; calendars follow each agent's language")
@click.option(
    "--require-cover",
    is_flag=True,
    help="Exit with status 1 (after writing the files) when some interval is under-staffed.",
)
def roster(
    requirements: str,
    agents: str,
    templates: str | None,
    rules: str | None,
    pins: str | None,
    week_start: dt.datetime | None,
    out_dir: str,
    solver: str,
    time_limit: float,
    gap: float,
    centre: str | None,
    lang: str,
    require_cover: bool,
) -> None:
    """Build next week's roster: named agents, shifts and breaks covering the requirements at the
    lowest cost within the labour rules; writes CSV, XLSX, ICS calendars and a coverage chart.

    A shift belongs to the day it starts; hours after midnight count on the next day for
    coverage, opening hours and rest, and that next day is then not a day off."""
    site = load_centre(centre)
    groups = tuple(site.staffing_groups)
    people = load_agents(agents, groups, site.tz)
    problem = build_problem(
        site,
        load_requirements(requirements, groups, site.tz),
        people,
        load_templates(templates),
        load_rules(rules),
        load_pins(pins, {a.id for a in people}) if pins else (),
        week_start.date() if week_start else None,
    )
    console = Console(stderr=True)
    with console.status(f"Solving the roster with {solver} (up to {time_limit:g} s)..."):
        result = make_roster(problem, solver, time_limit, gap)
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    exports.write_csv(problem, result, folder / "roster.csv")
    exports.write_xlsx(problem, result, folder / "roster.xlsx", lang)
    exports.write_ics(problem, result, folder / "calendars")
    exports.write_chart(problem, result, folder / "coverage.png", lang)
    table = Table(title=f"Roster, week of {problem.week_start}")
    for column in (
        "agents",
        "agent-hours",
        "under-staffed agent-intervals",
        "solver",
        "status",
        "solve time",
        "gap",
    ):
        table.add_column(column)
    hours = sum(s.work_minutes for s in result.shifts) / 60
    info = result.info
    table.add_row(
        str(len(problem.agents)),
        f"{hours:g}",
        f"{result.under_staffed():.1f}",
        info.solver,
        result.status,
        f"{info.seconds:.1f} s",
        "-" if info.gap is None else f"{info.gap:.2%}",
    )
    Console().print(table)
    short = result.shortfalls(problem.slot_minutes)
    if short:
        Console().print(shortfall_table(short))
        Console().print(spans_table(result.short_spans(problem.slot_minutes)))
    else:
        click.echo("every interval is covered")
    click.echo(f"wrote {folder}/roster.csv, roster.xlsx, coverage.png, calendars/")
    if short and require_cover:
        intervals = sum(s.intervals for s in short)
        click.echo(
            f"error: {intervals} group-intervals are under-staffed (--require-cover)", err=True
        )
        raise SystemExit(1)


def shortfall_table(short: list[Shortfall]) -> Table:
    """Where the roster leaves contacts unanswered: the planner hires, adds overtime or accepts
    it; the roster.xlsx Coverage sheet lists every interval."""
    intervals = sum(s.intervals for s in short)
    hours = sum(s.agent_hours for s in short)
    table = Table(
        title=f"Under-staffed: {intervals} group-intervals, {hours:.1f} agent-hours short"
    )
    for column in ("group", "intervals short", "agent-hours short", "worst interval"):
        table.add_column(column)
    for s in short:
        worst = s.worst
        table.add_row(
            s.group,
            str(s.intervals),
            f"{s.agent_hours:.1f}",
            f"{worst.interval_start:%a %d %b %H:%M}: {worst.scheduled} of {worst.required:g}",
        )
    return table


SPANS_SHOWN = 40  # rows of the interval list; the rest are in roster.xlsx


def spans_table(spans: list[ShortSpan]) -> Table:
    """Each under-staffed stretch of a group, back-to-back intervals merged."""
    table = Table(title="Under-staffed intervals")
    for column in ("group", "from", "to", "agents short (most)"):
        table.add_column(column)
    for span in spans[:SPANS_SHOWN]:
        table.add_row(
            span.group,
            f"{span.start:%a %d %b %H:%M}",
            _until(span),
            f"{span.missing:g}",
        )
    if len(spans) > SPANS_SHOWN:
        table.caption = (
            f"and {len(spans) - SPANS_SHOWN} more: the Coverage sheet of roster.xlsx lists all"
        )
    return table


def _until(span: ShortSpan) -> str:
    """The span's end: the time on its own day, 24:00 at the next midnight, else day and time."""
    if span.end.date() == span.start.date():
        return f"{span.end:%H:%M}"
    if span.end.time() == dt.time(0) and span.end - span.start <= dt.timedelta(days=1):
        return "24:00"
    return f"{span.end:%a %d %b %H:%M}"
