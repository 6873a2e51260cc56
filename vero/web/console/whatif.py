"""The console's What-if page: one change on top of a base, run through the twin.

The base is the last console roster with the forecast it was made from, the last console
forecast with its staffing table, or uploaded files. The page writes an ordinary scenario file
(`simulations.scenario`) into the run folder and runs it as `vero simulate` does, with few
replications, as a job on the console's job queue (`vero.web.jobs`); runs and jobs are the planning
pages' (`vero.web.console.runs`, form inputs `uploads`), the login guard the console's
(`vero.web.auth`).
"""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import pandas as pd
import yaml
from flask import Blueprint, render_template, request

from simulations.replications import run_all, study_jobs
from simulations.report import (
    COLUMNS,
    kpi_cells,
    scenario_label,
    service_level_chart,
    summarise_study,
    write_report,
)
from simulations.scenario import Study, load_study
from telephony.services import services
from vero.kernel.errors import VeroError
from vero.web.auth import require_supervisor_login
from vero.web.console.runs import (
    Prepared,
    add_run_routes,
    last_run,
    new_run,
    read_status,
    run_folder,
    start_or_explain,
    status_text,
)
from vero.web.console.uploads import form_number, save_upload
from vero.web.i18n import current_language, here, t
from vero.web.jobs import Say

bp = Blueprint("whatif", __name__, url_prefix="/console/whatif")
bp.before_request(require_supervisor_login)

CHANGES = ("volume", "remove_agents", "callbacks")
DEFAULT_REPLICATIONS = 3
MAX_REPLICATIONS = 20
MAX_DAYS = 7
REPORT_FILES = ("report.html", "figures.json")


def last_base() -> tuple[str, Path] | None:
    """('roster', run) for the newest console roster made from a forecast, else ('staffing',
    run) for the newest forecast with a staffing table, else None."""
    roster = last_run("roster", "forecast.csv")
    if roster is not None:
        return "roster", roster
    forecast = last_run("forecast", "staffing.csv")
    return ("staffing", forecast) if forecast is not None else None


def _form(error: str = "") -> tuple[str, int]:
    return render_template(
        "whatif/whatif.html",
        error=error,
        base=last_base(),
        changes=CHANGES,
        groups=list(services().centre.staffing_groups),
        replications=DEFAULT_REPLICATIONS,
        max_replications=MAX_REPLICATIONS,
        max_days=MAX_DAYS,
    ), 400 if error else 200


@bp.get("/")
def whatif():
    return _form()


@bp.post("/")
def whatif_start():
    folder = new_run("whatif")

    def prepare() -> Prepared:
        days = int(form_number("days", 1, 1, MAX_DAYS))
        replications = int(form_number("replications", DEFAULT_REPLICATIONS, 2, MAX_REPLICATIONS))
        base = _base_files(folder)
        _first_days(folder / "forecast.csv", days)
        change, name = _change()
        scenario = {
            "base": {**base, "replications": replications, "seed": 1},
            "scenarios": [{"name": name, "changes": [change]}],
        }
        path = folder / "scenario.yaml"
        path.write_text(yaml.safe_dump(scenario, allow_unicode=True), encoding="utf-8")
        study = load_study(path)
        return whatif_job, (study, current_language())

    return start_or_explain("whatif", folder, prepare, _form, "whatif.whatif_run")


def _base_files(folder: Path) -> dict[str, str]:
    """Put the base's files into the run folder; the scenario file's `base` names them."""
    if request.form.get("base") == "last":
        found = last_base()
        if found is None:
            raise VeroError(t("whatif.no_base"), field="base")
        kind, source = found
        shutil.copy(source / "forecast.csv", folder / "forecast.csv")
        if kind == "roster":
            shutil.copy(source / "roster.csv", folder / "roster.csv")
            shutil.copy(source / "agents.csv", folder / "agents.csv")
            return {"forecast": "forecast.csv", "roster": "roster.csv", "agents": "agents.csv"}
        shutil.copy(source / "staffing.csv", folder / "staffing.csv")
        return {"forecast": "forecast.csv", "staffing": "staffing.csv"}
    save_upload("forecast", folder, "forecast.csv")
    if request.form.get("plan_kind") == "staffing":
        save_upload("plan", folder, "staffing.csv")
        return {"forecast": "forecast.csv", "staffing": "staffing.csv"}
    save_upload("plan", folder, "roster.csv")
    return {"forecast": "forecast.csv", "roster": "roster.csv"}


def _first_days(path: Path, days: int) -> None:
    """Keep the forecast's first `days` local days: a twin of the whole horizon would keep the
    supervisor waiting, and a roster covers one week."""
    try:
        rows = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (ValueError, UnicodeDecodeError) as exc:
        raise VeroError(f"not a readable CSV: {exc}", source=str(path)) from exc
    if "interval_start" not in rows.columns or rows.empty:
        raise VeroError("missing column(s) interval_start or no rows", source=str(path), line=1)
    local_day = rows["interval_start"].str.slice(0, 10)
    kept = sorted(local_day.unique())[:days]
    rows[local_day.isin(kept)].to_csv(path, index=False)


def _change() -> tuple[dict, str]:
    """The scenario change chosen on the form and a name for it in the table and charts."""
    kind = request.form.get("change")
    if kind == "volume":
        factor = form_number("factor", 1.2, 0.01, 10)
        day = request.form.get("day", "").strip()
        change: dict = {"volume": factor, **({"days": [day]} if day else {})}
        return change, f"{t('whatif.volume')} ×{factor:g}" + (f" {day}" if day else "")
    if kind == "remove_agents":
        group = request.form.get("group", "")
        count = int(form_number("count", 1, 1, 1000))
        return (
            {"remove_agents": {"group": group, "count": count}},
            f"{t('whatif.remove_agents')} −{count} {group}",
        )
    if kind == "callbacks":
        on = request.form.get("callbacks") == "on"
        state = t("whatif.on") if on else t("whatif.off")
        return {"callbacks": on}, f"{t('whatif.callbacks')} {state}"
    raise VeroError(f"choose one of {', '.join(CHANGES)}", field="change")


def whatif_job(study: Study, lang: str, *, folder: Path, say: Say) -> None:
    """Replicate every case as `vero simulate` does, in this process; then the report and one
    service-level chart per channel for the page, in the language of the supervisor who
    started the run (`lang`)."""
    jobs = study_jobs(study)
    finished = 0

    def one_done() -> None:
        nonlocal finished
        finished += 1
        say("whatif.step.replications", done_count=str(finished), total=str(len(jobs)))

    say("whatif.step.replications", done_count="0", total=str(len(jobs)))
    counts, work = run_all(jobs, workers=1, done=one_done)
    say("whatif.step.report")
    results = summarise_study(counts, work, [case.name for case in study.cases])
    write_report(results, study, folder, lang)
    channels = sorted(results.kpis.channel.unique())
    for channel in channels:
        chart = base64.b64decode(service_level_chart(results, study, channel, lang))
        (folder / f"service-level-{channel}.png").write_bytes(chart)


@bp.get("/<run_id>")
def whatif_run(run_id: str):
    folder = run_folder("whatif", run_id)
    status = read_status("whatif", folder)
    figures = None
    if status["state"] == "done":
        figures = json.loads((folder / "figures.json").read_text(encoding="utf-8"))
    return render_template(
        "whatif/whatif_run.html",
        run_id=run_id,
        status=status,
        text=status_text(status),
        figures=figures,
        columns=[t(key) for _, key, _ in COLUMNS],
        rows=_rows(figures) if figures else [],
        notes=[(name, t(key)) for name, key in (figures or {}).get("no_effect", {}).items()],
    )


def _rows(figures: dict) -> list[dict]:
    """The figures table as the page shows it, formatted and judged as in report.html."""
    lang, names = here(), figures["scenarios"]
    rows = []
    for row in figures["kpis"]:
        target = figures["targets"][row["channel"]]["service_level"]
        rows.append(
            {
                "scenario": row["scenario"],
                "label": scenario_label(row["scenario"], names, lang),
                "channel": row["channel"],
                "target": lang.percent(target),
                "cells": kpi_cells(row, target, lang),
            }
        )
    return rows


def _report_files(folder: Path) -> tuple[str, ...]:
    """The report's files and the charts of its channels."""
    return REPORT_FILES + tuple(path.name for path in folder.glob("service-level-*.png"))


add_run_routes(bp, "whatif", "", _report_files)
