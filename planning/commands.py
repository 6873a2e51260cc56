"""`vero plan`: history → forecast → Erlang C requirement → roster → twin, moving the requirement
where the twin misses a target or shows a surplus (the loop of `planning.plan`), with hires or
overtime where the agents on hand fall short; the report (`planning.report`) compares the result
with the plain two-step method (the loop's first iteration)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click
import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from planning.plan import PlanResult, PlanSettings, plan
from planning.report import plan_json, print_summary, report_html
from simulations.commands import report_language_option, scheduler_option
from simulations.loading import load_forecast
from vero.kernel.centre import load_centre
from vero.kernel.csv_columns import write_frame
from vero.kernel.errors import VeroError
from vero.kernel.language import language
from wfm.forecast.commands import date_order, date_order_option
from wfm.forecast.history import combine, load_history
from wfm.forecast.models import MODELS
from wfm.forecast.pipeline import forecast_history
from wfm.scheduler import exports
from wfm.scheduler.inputs import Contract, load_agents, load_rules, load_templates, parse_contract

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
    "--model",
    type=click.Choice(["auto", *MODELS]),
    default="auto",
    show_default=True,
    help="Forecast model, as for `vero forecast` (auto picks the lowest backtest WAPE per series).",
)
@click.option(
    "--max-iterations",
    type=click.IntRange(min=1),
    default=8,
    show_default=True,
    help="Budget of roster + twin iterations; the first is the plain two-step "
    "method (Erlang C, then cover).",
)
@click.option(
    "--hire",
    "hire",
    metavar="CONTRACT",
    help="Where the agents on hand cannot cover the plan, suggest hires on this contract "
    "(5x8, 6x7, full-time, part-time:H), each able to do what most agents of the group "
    "can. Default: suggest overtime instead.",
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
@scheduler_option
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
@report_language_option
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
    model: str,
    max_iterations: int,
    hire: str | None,
    time_limit: float,
    workers: int,
    scheduler: str | None,
    seed: int,
    out_dir: Path,
    dayfirst: bool | None,
    lang: str,
) -> None:
    """Plan a week and verify it in the SimPy twin: forecast the history, staff each interval
    with Erlang C, roster the agents, simulate the roster; where an interval misses its
    target (mean service level, or fewer than 80 % of replications), raise its requirement,
    where it has a surplus lower it, and roster again, until every interval meets its target
    or the iterations run out. Where the agents cannot cover it: hires (--hire) or overtime.
    Writes the plan and a report comparing it with the two-step method.
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
    contract = _contract(hire) if hire else None
    groups = tuple(centre.staffing_groups)
    people = load_agents(agents, groups, centre.tz)
    shift_templates, labour_rules = load_templates(templates), load_rules(rules)
    _make_folder(out_dir)
    with console.status("Forecasting..."):
        run = forecast_history(
            history,
            centre,
            interval_minutes=int(interval),
            horizon_days=days,
            start=first,
            model=model,
        )
    forecast_path = out_dir / "forecast.csv"
    _write(lambda: write_frame(run.frame, forecast_path), forecast_path)
    forecast = load_forecast(forecast_path, centre)
    settings = PlanSettings(
        replications=replications,
        max_iterations=max_iterations,
        time_limit=time_limit,
        seed=seed,
        workers=workers,
        scheduler=scheduler,
        hire=contract,
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
    _write_outputs(result, out_dir, settings, lang)
    print_summary(result, settings, lang=lang)
    click.echo(language(lang).text("plan.wrote", folder=out_dir))


def _contract(text: str) -> Contract:
    try:
        return parse_contract(text)
    except ValueError as exc:
        raise VeroError(str(exc), field="--hire") from exc


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


def _write_outputs(result: PlanResult, folder: Path, settings: PlanSettings, lang: str) -> None:
    first, final = result.two_step, result.best
    required = pd.DataFrame(
        [
            (start, final.requirements.interval_minutes, group, value)
            for (start, group), value in sorted(final.requirements.required.items())
        ],
        columns=["interval_start", "interval_minutes", "group", "required_agents"],
    )
    files = {
        "staffing.csv": lambda p: write_frame(result.staffing, p),
        "requirements.csv": lambda p: write_frame(required, p),
        "roster-two-step.csv": lambda p: exports.write_csv(first.problem, first.roster, p),
        "roster.csv": lambda p: exports.write_csv(final.problem, final.roster, p),
        "report.html": lambda p: p.write_text(
            report_html(result, settings, lang), encoding="utf-8"
        ),
        "plan.json": lambda p: p.write_text(
            json.dumps(plan_json(result, settings), indent=1), encoding="utf-8"
        ),
    }
    for name, write in files.items():
        path = folder / name
        _write(lambda write=write, path=path: write(path), path)
