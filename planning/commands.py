"""`vero plan`: history → forecast → Erlang C requirement → roster → twin, raising the
requirement where the twin misses a target (the loop of `planning.plan`), and a report comparing the
result with the plain two-step method (the loop's first iteration)."""

from __future__ import annotations

import datetime as dt
import html
import json
from pathlib import Path
from typing import Any

import click
import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from planning.plan import Iteration, PlanResult, PlanSettings, plan
from simulations.loading import load_forecast
from vero.kernel.centre import load_centre
from vero.kernel.errors import VeroError
from wfm.forecast.commands import date_order, date_order_option
from wfm.forecast.history import combine, load_history
from wfm.forecast.pipeline import forecast_history
from wfm.scheduler import exports
from wfm.scheduler.inputs import load_agents, load_rules, load_templates

# What `vero forecast` assumes by default for history files without these columns.
HISTORY_DEFAULTS = {"channel": "voice", "queue": "general", "language": "id"}


@click.command("plan")
@click.option(
    "--history",
    "histories",
    multiple=True,
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="History CSV (router records, contacts, Twilio export or interval counts, "
    "detected from the header); repeat for several files. Rows without channel, "
    "queue or language count as voice, general, id.",
)
@click.option(
    "--agents",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Agents CSV of `vero roster`: id, name, groups (;-separated), contract "
    "(5x8, 6x7, full-time, part-time:H), optional unavailable, "
    "preferred_days_off, worked_days_before, last_shift_end.",
)
@click.option(
    "--templates",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Shift templates YAML of `vero roster` (starts, work_hours, break rule). "
    "Default: starts 07:00-16:00 every 30 min, 4-8 h.",
)
@click.option(
    "--rules",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Labour rules YAML of `vero roster` (days off, consecutive days, rest, "
    "weights). Default: the built-in rules.",
)
@click.option(
    "--centre",
    "centre_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Centre definition YAML (hours, channel targets, staffing groups, routing). "
    "Default: the reference cosmetics centre.",
)
@click.option(
    "--week-start",
    type=click.DateTime(["%Y-%m-%d"]),
    help="First day of the roster week and of the forecast (local date). "
    "Default: the day after the history ends.",
)
@click.option(
    "--days",
    type=click.IntRange(1, 7),
    default=7,
    show_default=True,
    help="Days of the week, from --week-start, that are forecast, staffed and "
    "simulated (the roster is always a whole week of contracts).",
)
@click.option(
    "--interval",
    type=click.Choice(["15", "30", "60"]),
    default="30",
    show_default=True,
    help="Interval length in minutes (shift starts, lengths and breaks must be multiples of it).",
)
@click.option(
    "--replications",
    type=click.IntRange(min=2),
    default=5,
    show_default=True,
    help="Twin replications per iteration (confidence intervals need at least 2).",
)
@click.option(
    "--max-iterations",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    help="Budget of roster + twin iterations; the first is the plain two-step "
    "method (Erlang C, then cover).",
)
@click.option(
    "--tolerance",
    type=click.FloatRange(0, 1),
    default=0.05,
    show_default=True,
    help="An interval misses its target when its service level's 95 % CI upper "
    "bound is below the target, or its mean is below the target by more than "
    "this.",
)
@click.option(
    "--time-limit",
    type=click.FloatRange(min=1),
    default=60,
    show_default=True,
    help="Roster solver time limit per iteration, in seconds.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=2,
    show_default=True,
    help="Processes running twin replications in parallel (1: in this process).",
)
@click.option(
    "--scheduler",
    metavar="tcp://HOST:PORT",
    default=None,
    help="Address of a running dask.distributed scheduler: the twin replications run on its "
    "workers (which need this Vero installed) instead of local processes.",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    help="Seed of the twin's random numbers; every iteration uses the same numbers, "
    "so differences between iterations are the roster's.",
)
@click.option(
    "--out-dir",
    default="plan",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for forecast.csv, staffing.csv (Erlang C), requirements.csv (final), "
    "roster-two-step.csv, roster.csv (final), report.html and plan.json.",
)
@date_order_option
def plan_command(
    histories: tuple[Path, ...],
    agents: Path,
    templates: Path | None,
    rules: Path | None,
    centre_path: Path | None,
    week_start: dt.datetime | None,
    days: int,
    interval: str,
    replications: int,
    max_iterations: int,
    tolerance: float,
    time_limit: float,
    workers: int,
    scheduler: str | None,
    seed: int,
    out_dir: Path,
    dayfirst: bool | None,
) -> None:
    """Plan a week and verify it in the SimPy twin: forecast the history, staff each interval
    with Erlang C, roster the agents, simulate the roster; where an interval misses its
    service-level target, raise its requirement and roster again, until the targets hold or
    the iterations run out. Writes the plan and a report comparing it with the two-step method.
    """
    console = Console(stderr=True)
    centre = load_centre(centre_path)
    history = combine(
        [
            load_history(
                p, "auto", tz=centre.tz, defaults=HISTORY_DEFAULTS, dates=date_order(dayfirst)
            )
            for p in histories
        ]
    )
    if history.used == 0:
        raise VeroError(f"no usable history rows ({history.summary()})", source=str(histories[0]))
    console.print(f"history: {history.summary()}")
    first = (
        week_start.date()
        if week_start
        else history.records["at"].dt.tz_convert(centre.tz).max().date() + dt.timedelta(days=1)
    )
    groups = tuple(centre.staffing_groups)
    people = load_agents(agents, groups, centre.tz)
    shift_templates, labour_rules = load_templates(templates), load_rules(rules)
    _make_folder(out_dir)
    with console.status("Forecasting..."):
        run = forecast_history(
            history, centre, interval_minutes=int(interval), horizon_days=days, start=first
        )
    forecast_path = out_dir / "forecast.csv"
    _write(lambda: run.frame.to_csv(forecast_path, index=False), forecast_path)
    forecast = load_forecast(forecast_path, centre)
    settings = PlanSettings(
        replications=replications,
        max_iterations=max_iterations,
        time_limit=time_limit,
        seed=seed,
        tolerance=tolerance,
        workers=workers,
        scheduler=scheduler,
    )
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as progress:
        bar = progress.add_task("Planning", total=max_iterations * replications)
        result = plan(
            forecast,
            centre,
            people,
            shift_templates,
            labour_rules,
            first,
            settings,
            step=lambda text: progress.update(bar, description=text),
            done=lambda: progress.advance(bar),
        )
    _write_outputs(result, out_dir, settings)
    _print_summary(result)
    click.echo(f"wrote {out_dir}/report.html, plan.json, roster.csv, requirements.csv")


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise VeroError(f"cannot create the folder: {exc.strerror}", source=str(folder)) from exc


def _write(write, path: Path) -> None:
    """Run a writer, turning an OS error into a one-line VeroError."""
    try:
        write()
    except OSError as exc:
        raise VeroError(f"cannot write: {exc.strerror}", source=str(path)) from exc


def _write_outputs(result: PlanResult, folder: Path, settings: PlanSettings) -> None:
    first, final = result.two_step, result.best
    staffing = result.staffing.assign(
        interval_start=[t.isoformat() for t in result.staffing["interval_start"]]
    )
    required = pd.DataFrame(
        [
            (start.isoformat(), final.requirements.interval_minutes, group, value)
            for (start, group), value in sorted(final.requirements.required.items())
        ],
        columns=["interval_start", "interval_minutes", "group", "required_agents"],
    )
    files = {
        "staffing.csv": lambda p: staffing.to_csv(p, index=False),
        "requirements.csv": lambda p: required.to_csv(p, index=False),
        "roster-two-step.csv": lambda p: exports.write_csv(first.problem, first.roster, p),
        "roster.csv": lambda p: exports.write_csv(final.problem, final.roster, p),
        "report.html": lambda p: p.write_text(report_html(result, settings), encoding="utf-8"),
        "plan.json": lambda p: p.write_text(
            json.dumps(plan_json(result, settings), indent=1), encoding="utf-8"
        ),
    }
    for name, write in files.items():
        path = folder / name
        _write(lambda write=write, path=path: write(path), path)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON records (NaN becomes null, times ISO 8601)."""
    return json.loads(frame.to_json(orient="records", date_format="iso"))


def _summary(iteration: Iteration) -> dict[str, Any]:
    return {
        "iteration": iteration.number,
        "required_agent_hours": iteration.required_hours,
        "rostered_agent_hours": iteration.rostered_hours,
        "short_agent_hours": iteration.short_hours,
        "intervals_missing_target": len(iteration.misses()),
        "roster_status": iteration.roster.status,
        "service": _records(iteration.service),
    }


def plan_json(result: PlanResult, settings: PlanSettings) -> dict[str, Any]:
    """The report's numbers: every iteration, the two-step/verified comparison, final misses."""
    final = result.best
    missed = final.intervals[final.intervals["missed"]].assign(
        interval_start=lambda f: [t.isoformat() for t in f["interval_start"]]
    )
    return {
        "settings": {
            "replications": settings.replications,
            "max_iterations": settings.max_iterations,
            "tolerance": settings.tolerance,
            "seed": settings.seed,
            "time_limit": settings.time_limit,
            "staffing_model": settings.staffing.model,
        },
        "stop": result.stop,
        "plan_iteration": final.number,
        "iterations": [_summary(i) for i in result.iterations],
        "comparison": {"two_step": _summary(result.two_step), "verified": _summary(final)},
        "final_misses": _records(missed),
    }


def _ci(half_width: float) -> float:
    """A confidence half-width, 0 where one replication gives none."""
    return 0.0 if pd.isna(half_width) else half_width


def _service_cells(iteration: Iteration) -> dict[str, str]:
    """'group/channel' → 'SL ± CI' text."""
    return {
        f"{r.group}/{r.channel}": (
            "–"
            if pd.isna(r.service_level)
            else f"{r.service_level:.1%} ± {_ci(r.service_level_ci):.1%}"
        )
        for r in iteration.service.itertuples()
    }


def _rows(iterations: tuple[Iteration, ...], labels: list[str]) -> str:
    keys = sorted({k for i in iterations for k in _service_cells(i)})
    head = (
        "<tr><th></th><th>required agent-hours</th><th>rostered agent-hours</th>"
        "<th>short agent-hours</th><th>intervals missing target</th>"
        + "".join(f"<th>SL {html.escape(k)}</th>" for k in keys)
        + "</tr>"
    )
    body = ""
    for label, it in zip(labels, iterations, strict=True):
        cells = _service_cells(it)
        body += (
            f"<tr><td>{html.escape(label)}</td><td>{it.required_hours:.1f}</td>"
            f"<td>{it.rostered_hours:.1f}</td><td>{it.short_hours:.1f}</td>"
            f"<td>{len(it.misses())}</td>"
            + "".join(f"<td>{cells.get(k, '–')}</td>" for k in keys)
            + "</tr>"
        )
    return f"<table>{head}{body}</table>"


def report_html(result: PlanResult, settings: PlanSettings) -> str:
    """The supervisor's page: iterations, the comparison and the intervals still missing."""
    first, final = result.two_step, result.best
    missed = final.intervals[final.intervals["missed"]]
    misses = (
        "".join(
            f"<tr><td>{r.interval_start:%a %d %b %H:%M}</td><td>{html.escape(r.group)}</td>"
            f"<td>{html.escape(r.channel)}</td><td>{r.offered:.1f}</td>"
            f"<td>{r.service_level:.1%}</td><td>{r.target:.0%}</td></tr>"
            for r in missed.itertuples()
        )
        or "<tr><td colspan=6>none</td></tr>"
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Vero plan</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:1200px}}
table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #ccc;padding:4px 8px;
text-align:right}}td:first-child{{text-align:left}}</style></head><body>
<h1>Simulation-verified plan</h1>
<p>{len(result.iterations)} iteration(s); stopped: {html.escape(result.stop)}. The plan is
iteration {final.number}, the one missing the fewest intervals.
Each iteration rosters the requirement and simulates the roster {settings.replications} times
in the twin (seed {settings.seed}, the same random numbers every iteration). Service level
(SL) is the mean over replications ± the half-width of a 95 % t confidence interval. An
interval misses its target when the CI's upper bound is below the target or the mean is more
than {settings.tolerance:.0%} below it; its requirement then becomes one more agent than the
twin had there. Required agent-hours are what the requirement asks for; rostered agent-hours
count paid work on the simulated days (the agents' contracts fix the week's paid hours, so the
plan moves them between days and intervals); short agent-hours are requirement the roster could
not cover.</p>
<h2>Two-step method against the simulation-verified plan</h2>
{_rows((first, final), ["two-step (Erlang C, then cover)", "simulation-verified"])}
<h2>Iterations</h2>
{_rows(result.iterations, [f"iteration {i.number}" for i in result.iterations])}
<h2>Intervals of the plan still missing target</h2>
<table><tr><th>interval</th><th>group</th><th>channel</th><th>offered</th><th>SL</th>
<th>target</th></tr>{misses}</table>
</body></html>
"""


def _print_summary(result: PlanResult) -> None:
    table = Table(title=f"vero plan: {result.stop}; the plan is iteration {result.best.number}")
    for column in ("iteration", "required h", "rostered h", "short h", "missing intervals"):
        table.add_column(column)
    for it in result.iterations:
        table.add_row(
            str(it.number),
            f"{it.required_hours:.1f}",
            f"{it.rostered_hours:.1f}",
            f"{it.short_hours:.1f}",
            str(len(it.misses())),
        )
    Console().print(table)
