"""The console's planning pages: a forecast from uploaded history, and next week's roster.

Every run gets a folder `VERO_DATA_DIR/console/<kind>/<run id>/` holding its inputs and the files
a supervisor downloads. Inputs are read and checked inside the request, so a bad file is answered
at once with its one-line error; the slow part (backtests, the solver, the twin) is a job on the
console's job queue (`vero.web.jobs`), run by a `vero worker`, whose progress the run's page polls
and which the page can cancel. The What-if page (`vero.web.console.whatif`) uses the same runs, jobs
and the console's one login guard (`vero.web.auth`).
"""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from flask import (
    Blueprint,
    Response,
    abort,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from openpyxl import load_workbook

from telephony.services import services
from vero.kernel.centre import Centre
from vero.kernel.errors import VeroError
from vero.web import jobs
from vero.web.auth import require_supervisor
from vero.web.i18n import t
from vero.web.jobs import Say, Work
from wfm.commands import plan_forecast, read_forecast
from wfm.forecast.commands import write_chart
from wfm.forecast.history import FORMATS, History, load_history
from wfm.forecast.pipeline import forecast_history
from wfm.scheduler import exports
from wfm.scheduler.inputs import load_agents, load_requirements, load_rules, load_templates
from wfm.scheduler.problem import DAYS, Problem, build_problem
from wfm.scheduler.roster import make_roster
from wfm.staffing_plan import PlanOptions

bp = Blueprint("planning", __name__, url_prefix="/console")

# What `vero forecast` assumes for history without channel, queue or language (its defaults).
HISTORY_DEFAULTS = {"channel": "voice", "queue": "general", "language": "id"}
INTERVALS = (15, 30, 60)
FORECAST_FILES = ("forecast.csv", "backtest.csv", "staffing.csv", "forecast.png")
ROSTER_FILES = ("roster.xlsx", "roster.csv", "calendars.zip", "coverage.png")
DEFAULT_TIME_LIMIT = 20
MAX_TIME_LIMIT = 600
Prepared = tuple[Work, tuple[Any, ...]]  # the job's work and its (picklable) inputs


# --- runs and jobs, shared with the What-if page; the login check is the console's ----------

bp.before_request(require_supervisor)


def job_queue() -> jobs.JobQueue:
    found = services()
    return jobs.JobQueue(found.redis, found.router.keys,
                         dt.timedelta(days=found.settings.job_retention_days))


def new_run(kind: str) -> Path:
    return jobs.new_run(services().settings.data_dir, kind)


def run_folder(kind: str, run_id: str) -> Path:
    folder = jobs.runs_dir(services().settings.data_dir, kind) / run_id
    if not jobs.RUN_ID.fullmatch(run_id) or not folder.is_dir():
        abort(404, "no such run")
    return folder


def last_run(kind: str, needs: str) -> Path | None:
    """The newest finished run of `kind` that holds the file `needs`."""
    root = jobs.runs_dir(services().settings.data_dir, kind)
    if not root.is_dir():
        return None
    for folder in sorted(root.iterdir(), reverse=True):
        if jobs.RUN_ID.fullmatch(folder.name) and (folder / needs).is_file() \
                and (jobs.read_status(folder) or {}).get("state") == jobs.DONE:
            return folder
    return None


def read_status(kind: str, folder: Path) -> dict[str, str]:
    return job_queue().status(kind, folder)


def status_text(status: dict[str, str]) -> str:
    """The progress or failure line of a run, in the page's language."""
    text = t(status["step"]) if status.get("step") else ""
    if status.get("done_count"):
        text += f" {status['done_count']}/{status['total']}"
    return status.get("error") or text


def status_reply(kind: str, folder: Path) -> Response:
    status = read_status(kind, folder)
    return jsonify(state=status["state"], text=status_text(status),
                   done=_count(status, "done_count"), total=_count(status, "total"))


def _count(status: dict[str, str], field: str) -> int | None:
    return int(status[field]) if str(status.get(field, "")).isdigit() else None


def cancel_reply(kind: str, folder: Path, endpoint: str) -> Response:
    """Cancel the run (see `JobQueue.cancel`) and show its page again."""
    job_queue().cancel(kind, folder)
    return redirect(url_for(endpoint, run_id=folder.name), code=303)


def save_upload(field: str, folder: Path, name: str) -> Path:
    """Save the uploaded file of form field `field` as `folder/name`; VeroError when absent."""
    upload = request.files.get(field)
    if upload is None or not upload.filename:
        raise VeroError(t("planning.no_file"), field=field)
    path = folder / name
    upload.save(path)
    jobs.remember_upload(folder, name, Path(upload.filename).name)
    return path


def form_number(field: str, default: float, low: float, high: float) -> float:
    """A number from the form within [low, high]; VeroError naming the field otherwise."""
    text = request.form.get(field, "").strip()
    try:
        value = float(text) if text else default
    except ValueError as exc:
        raise VeroError(f"{text!r} is not a number", field=field) from exc
    if not low <= value <= high:
        raise VeroError(f"must be between {low:g} and {high:g}", field=field)
    return value


def start_or_explain(kind: str, folder: Path, prepare: Callable[[], Prepared],
                     form: Callable[[str], tuple[str, int]], endpoint: str) -> Response | tuple:
    """Read the inputs now (`prepare` returns the slow work and its inputs) and queue the job; a
    VeroError removes the run and shows the form again with the error, never a 500."""
    try:
        work, inputs = prepare()
    except VeroError as exc:
        message = jobs.shown_error(exc, folder)
        shutil.rmtree(folder, ignore_errors=True)
        return form(message)
    job_queue().enqueue(kind, folder, work, *inputs)
    return redirect(url_for(endpoint, run_id=folder.name), code=303)


def send_run_file(folder: Path, name: str, allowed: tuple[str, ...]) -> Response:
    if name not in allowed or not (folder / name).is_file():
        abort(404, "no such file")
    return send_from_directory(folder, name,
                               as_attachment=Path(name).suffix not in (".png", ".html"))


# --- Forecast ---------------------------------------------------------------------------------

def _forecast_form(error: str = "") -> tuple[str, int]:
    return render_template("planning/forecast.html", error=error, formats=FORMATS,
                           intervals=INTERVALS, last=last_run("forecast", "forecast.csv")), \
        400 if error else 200


@bp.get("/forecast")
def forecast():
    return _forecast_form()


@bp.post("/forecast")
def forecast_start():
    folder = new_run("forecast")

    def prepare() -> Prepared:
        fmt = request.form.get("format", "auto")
        interval = int(form_number("interval", 30, 15, 60))
        if interval not in INTERVALS:
            raise VeroError(f"use {', '.join(map(str, INTERVALS))} minutes", field="interval")
        horizon = int(form_number("horizon_days", 14, 1, 366))
        path = save_upload("history", folder, "history.csv")
        centre = services().centre
        history = load_history(path, fmt, tz=centre.tz, defaults=HISTORY_DEFAULTS)
        if history.used == 0:
            raise VeroError(f"no usable history rows ({history.summary()})", source=str(path))
        return forecast_job, (history, centre, interval, horizon)

    return start_or_explain("forecast", folder, prepare, _forecast_form, "planning.forecast_run")


def forecast_job(history: History, centre: Centre, interval: int, horizon: int, *, folder: Path,
                 say: Say) -> dict[str, str]:
    """Forecast, chart and backtest table; then the staffing requirement the roster page can
    use (a forecast the centre cannot staff still shows, with the reason)."""
    say("forecast.step.models")
    run = forecast_history(history, centre, interval_minutes=interval, horizon_days=horizon)
    say("forecast.step.files")
    run.frame.to_csv(folder / "forecast.csv", index=False)
    run.backtest_table().to_csv(folder / "backtest.csv", index=False)
    write_chart(run, folder / "forecast.png")
    say("forecast.step.staffing")
    try:
        staffing = plan_forecast(read_forecast(folder / "forecast.csv", centre), centre,
                                 PlanOptions())
    except VeroError as exc:
        return {"staffing_error": jobs.shown_error(exc, folder)}
    staffing["interval_start"] = [moment.isoformat() for moment in staffing["interval_start"]]
    staffing.to_csv(folder / "staffing.csv", index=False)
    return {}


@bp.get("/forecast/<run_id>")
def forecast_run(run_id: str):
    folder = run_folder("forecast", run_id)
    status = read_status("forecast", folder)
    backtest = None
    if status["state"] == "done" and (folder / "backtest.csv").stat().st_size > 1:
        backtest = pd.read_csv(folder / "backtest.csv")
    return render_template("planning/forecast_run.html", run_id=run_id, status=status,
                           text=status_text(status), backtest=backtest,
                           has_staffing=(folder / "staffing.csv").is_file())


@bp.get("/forecast/<run_id>/status")
def forecast_status(run_id: str):
    return status_reply("forecast", run_folder("forecast", run_id))


@bp.post("/forecast/<run_id>/cancel")
def forecast_cancel(run_id: str):
    return cancel_reply("forecast", run_folder("forecast", run_id), "planning.forecast_run")


@bp.get("/forecast/<run_id>/files/<name>")
def forecast_file(run_id: str, name: str):
    return send_run_file(run_folder("forecast", run_id), name, FORECAST_FILES)


# --- Roster -----------------------------------------------------------------------------------

def _roster_form(error: str = "") -> tuple[str, int]:
    return render_template("planning/roster.html", error=error,
                           forecast=last_run("forecast", "staffing.csv"),
                           time_limit=DEFAULT_TIME_LIMIT, max_time_limit=MAX_TIME_LIMIT), \
        400 if error else 200


@bp.get("/roster")
def roster():
    return _roster_form()


@bp.post("/roster")
def roster_start():
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
        problem = build_problem(centre, load_requirements(requirements, groups, centre.tz),
                                load_agents(agents, groups, centre.tz), load_templates(None),
                                load_rules(None))
        return roster_job, (problem, time_limit)

    return start_or_explain("roster", folder, prepare, _roster_form, "planning.roster_run")


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
    return {"solver_status": result.status, "hours": f"{hours:g}",
            "under": f"{result.under_staffed():.1f}", "week_start": problem.week_start.isoformat()}


@bp.get("/roster/<run_id>")
def roster_run(run_id: str):
    folder = run_folder("roster", run_id)
    status = read_status("roster", folder)
    days, grid = [], []
    if status["state"] == "done":
        first = dt.date.fromisoformat(status["week_start"])
        days = [first + dt.timedelta(days=k) for k in range(DAYS)]
        grid = _grid(folder / "roster.xlsx")
    return render_template("planning/roster_run.html", run_id=run_id, status=status,
                           text=status_text(status), days=days, grid=grid)


def _grid(workbook: Path) -> list[list[str]]:
    """Rows (agent, name, one shift text or 'off' per day) of the workbook's Roster sheet: the
    page shows exactly what the supervisor downloads."""
    sheet = load_workbook(workbook, read_only=True)["Roster"]
    rows = [["" if cell is None else str(cell) for cell in row]
            for row in sheet.iter_rows(min_row=2, values_only=True)]
    return rows


@bp.get("/roster/<run_id>/status")
def roster_status(run_id: str):
    return status_reply("roster", run_folder("roster", run_id))


@bp.post("/roster/<run_id>/cancel")
def roster_cancel(run_id: str):
    return cancel_reply("roster", run_folder("roster", run_id), "planning.roster_run")


@bp.get("/roster/<run_id>/files/<name>")
def roster_file(run_id: str, name: str):
    return send_run_file(run_folder("roster", run_id), name, ROSTER_FILES)
