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
from openpyxl import load_workbook

from telephony.services import services
from vero.kernel.errors import VeroError
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
from vero.web.i18n import t
from vero.web.jobs import Say
from wfm.scheduler import exports
from wfm.scheduler.inputs import load_agents, load_requirements, load_rules, load_templates
from wfm.scheduler.problem import DAYS, Problem, build_problem
from wfm.scheduler.roster import make_roster

ROSTER_FILES = ("roster.xlsx", "roster.csv", "calendars.zip", "coverage.png")
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
        return roster_job, (problem, time_limit)

    return start_or_explain("roster", folder, prepare, _form, "planning.roster_run")


def roster_job(problem: Problem, time_limit: float, *, folder: Path, say: Say) -> dict[str, str]:
    """Solve, then write the files `vero roster` writes, with the calendars zipped as one
    download."""
    say("roster.step.solving")
    result = make_roster(problem, "highs", time_limit)
    say("roster.step.files")
    exports.write_csv(problem, result, folder / "roster.csv")
    exports.write_xlsx(problem, result, folder / "roster.xlsx")
    exports.write_chart(problem, result, folder / "coverage.png")
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
    days: list[dt.date] = []
    grid: list[list[str]] = []
    if status["state"] == "done":
        first = dt.date.fromisoformat(status["week_start"])
        days = [first + dt.timedelta(days=k) for k in range(DAYS)]
        grid = _grid(folder / "roster.xlsx")
    return render_template(
        "planning/roster_run.html",
        run_id=run_id,
        status=status,
        text=status_text(status),
        days=days,
        grid=grid,
    )


def _grid(workbook: Path) -> list[list[str]]:
    """Rows (agent, name, one shift text or 'off' per day) of the workbook's Roster sheet: the
    page shows exactly what the supervisor downloads."""
    sheet = load_workbook(workbook, read_only=True)["Roster"]
    rows = [
        ["" if cell is None else str(cell) for cell in row]
        for row in sheet.iter_rows(min_row=2, values_only=True)
    ]
    return rows


def add_routes(bp: Blueprint) -> None:
    """The page's routes on the planning blueprint (its login guard and CSRF check apply)."""
    bp.add_url_rule("/roster", view_func=roster, methods=["GET"])
    bp.add_url_rule("/roster", view_func=roster_start, methods=["POST"])
    bp.add_url_rule("/roster/<run_id>", view_func=roster_run, methods=["GET"])
    add_run_routes(bp, "roster", "/roster", lambda folder: ROSTER_FILES)
