"""The console's Roster page: next week's roster from the last forecast's staffing requirement
(or an uploaded one) and the agents file, solved as `vero roster` does (a run of
`vero.web.console.runs`, on the `planning` blueprint)."""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from pathlib import Path

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from telephony.services import services
from vero.kernel.errors import VeroError
from vero.kernel.language import LANGUAGES
from vero.web.console.roster_week import read_week
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
from wfm.scheduler import exports
from wfm.scheduler.inputs import load_agents, load_requirements, load_rules, load_templates
from wfm.scheduler.problem import Problem, build_problem
from wfm.scheduler.roster import make_roster

ROSTER_FILES = (
    "roster.xlsx",
    "roster.csv",
    "calendars.zip",
    *(f"coverage-{code}.png" for code in LANGUAGES),
)
DEFAULT_TIME_LIMIT = 20
MAX_TIME_LIMIT = 600


def _form(error: str = "") -> tuple[str, int]:
    return render_template(
        "planning/roster.html",
        error=error,
        forecast=last_run("forecast", "staffing.csv"),
        time_limit=DEFAULT_TIME_LIMIT,
        max_time_limit=MAX_TIME_LIMIT,
    ), 400 if error else 200


def roster() -> tuple[str, int]:
    return _form()


def roster_start() -> ResponseReturnValue:
    folder = new_run("roster")

    def prepare() -> Prepared:
        time_limit = form_number("time_limit", DEFAULT_TIME_LIMIT, 1, MAX_TIME_LIMIT)
        if request.form.get("requirements_from") == "forecast":
            source = last_run("forecast", "staffing.csv")
            if source is None:
                raise VeroError(t("roster.no_forecast"), field="requirements_from")
            # the forecast travels with the roster: the What-if page simulates the pair
            shutil.copy(source / "staffing.csv", folder / "requirements.csv")
            shutil.copy(source / "forecast.csv", folder / "forecast.csv")
            requirements = folder / "requirements.csv"
        else:
            requirements = save_upload("requirements", folder, "requirements.csv")
        agents = save_upload("agents", folder, "agents.csv")
        centre = services().centre
        groups = tuple(centre.staffing_groups)
        problem = build_problem(
            centre,
            load_requirements(requirements, groups, centre.tz),
            load_agents(agents, groups, centre.tz),
            load_templates(None),
            load_rules(None),
        )
        return roster_job, (problem, time_limit, current_language())

    return start_or_explain("roster", folder, prepare, _form, "planning.roster_run")


def roster_job(
    problem: Problem, time_limit: float, lang: str, *, folder: Path, say: Say
) -> dict[str, str]:
    """Solve, then write the files `vero roster` writes (the workbook in the language of the
    supervisor who asked, the chart in each language), with the calendars zipped as one
    download."""
    say("roster.step.solving")
    result = make_roster(problem, "highs", time_limit)
    say("roster.step.files")
    exports.write_csv(problem, result, folder / "roster.csv")
    exports.write_xlsx(problem, result, folder / "roster.xlsx", lang)
    for code in LANGUAGES:  # the page shows the chart in the language it is read in
        exports.write_chart(problem, result, folder / f"coverage-{code}.png", code)
    with zipfile.ZipFile(folder / "calendars.zip", "w") as archive:
        for path in exports.write_ics(problem, result, folder / "calendars"):
            archive.write(path, path.name)
    hours = sum(s.work_minutes for s in result.shifts) / 60
    return {
        "solver_status": result.status,
        "hours": f"{hours:g}",
        "under": f"{result.under_staffed():.1f}",
        "week_start": problem.week_start.isoformat(),
    }


def roster_run(run_id: str) -> str:
    folder = run_folder("roster", run_id)
    status = read_status("roster", folder)
    week = None
    if status["state"] == "done":
        first = dt.date.fromisoformat(status["week_start"])
        week = read_week(folder, first, services().centre, here())
    return render_template(
        "planning/roster_run.html",
        run_id=run_id,
        status=status,
        text=status_text(status),
        week=week,
    )


def add_routes(bp: Blueprint) -> None:
    """The page's routes on the planning blueprint (its login guard and CSRF check apply)."""
    bp.add_url_rule("/roster", view_func=roster, methods=["GET"])
    bp.add_url_rule("/roster", view_func=roster_start, methods=["POST"])
    bp.add_url_rule("/roster/<run_id>", view_func=roster_run, methods=["GET"])
    add_run_routes(bp, "roster", "/roster", lambda folder: ROSTER_FILES)
