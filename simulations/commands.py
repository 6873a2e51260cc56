"""`vero simulate`: run a what-if scenario file through the twin and write the report."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from simulations.replications import run_all, study_jobs
from simulations.report import summarise_study, write_report
from simulations.scenario import Study, load_study
from vero.kernel.language import language, language_option
from wfm.patience import from_records

# `vero simulate` and `vero plan`: where the twin's replications run
scheduler_option = click.option(
    "--scheduler",
    metavar="tcp://HOST:PORT",
    default=None,
    help="Address of a running dask.distributed scheduler: the replications run on its "
    "workers (which need this Vero installed) instead of local processes; the results are "
    "the same as a local run with the same seed.",
)

# `vero simulate` and `vero plan`: the language of the report and its charts
report_language_option = language_option("report.html and its charts")


@click.command("simulate")
@click.argument(
    "scenario_path", metavar="SCENARIO.yaml", type=click.Path(dir_okay=False, path_type=Path)
)
@click.option(
    "--out-dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for report.html (KPIs with confidence intervals, differences from "
    "the base, service-level charts) and figures.json (the same numbers).",
)
@click.option(
    "--replications",
    type=click.IntRange(min=2),
    default=None,
    help="Replications per scenario (default: the file's base.replications, or 10).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=2,
    show_default=True,
    help="Worker processes running replications in parallel (1: in this process).",
)
@click.option(
    "--patience-from",
    "patience_paths",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Contact records (as for `vero staff --patience-from`): each channel's mean patience "
    "estimated from them replaces the file's behaviour.patience_seconds in every scenario "
    "(channels with too few abandonments keep the file's).",
)
@scheduler_option
@report_language_option
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=None,
    help="Seed of the random numbers (default: the file's base.seed, or 1); "
    "replication k uses the same numbers in every scenario.",
)
def simulate(
    scenario_path: Path,
    out_dir: Path,
    replications: int | None,
    workers: int,
    patience_paths: tuple[Path, ...],
    scheduler: str | None,
    lang: str,
    seed: int | None,
) -> None:
    """Simulate the base and each what-if scenario of SCENARIO.yaml with the SimPy twin (the
    live routing policy), replicated, and report service levels against the targets."""
    study = load_study(scenario_path, replications=replications, seed=seed)
    console = Console(stderr=True)
    if patience_paths:
        estimated, lines = from_records(patience_paths, study.centre.channels)
        for line in lines:
            console.print(line, markup=False, soft_wrap=True)
        study = with_patience(study, estimated)
        used = study.cases[0].behaviour.patience
        patience = ", ".join(f"{c} {s:g} s" for c, s in sorted(used.items()))
        console.print(f"patience used: {patience}", soft_wrap=True)
    jobs = study_jobs(study)
    columns = (TextColumn("Simulating"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        bar = progress.add_task("replications", total=len(jobs))
        counts, work = run_all(jobs, workers, lambda: progress.advance(bar), scheduler)
    results = summarise_study(counts, work, [case.name for case in study.cases])
    page, data = write_report(results, study, out_dir, lang)
    console.print(
        language(lang).text(
            "whatif.wrote",
            scenarios=len(study.cases),
            replications=study.replications,
            page=page,
            data=data,
        )
    )


def with_patience(study: Study, patience: dict[str, float]) -> Study:
    """The study with these mean patiences (per channel) in every scenario's behaviour."""
    cases = tuple(
        replace(
            case,
            behaviour=replace(case.behaviour, patience={**case.behaviour.patience, **patience}),
        )
        for case in study.cases
    )
    return replace(study, cases=cases)
