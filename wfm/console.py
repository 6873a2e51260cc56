"""The console's planning pages: a forecast from uploaded history, and next week's roster.

Every run gets a folder `VERO_DATA_DIR/console/<kind>/<run id>/` holding its inputs, the files a
supervisor downloads and `status.json`. Inputs are read and checked inside the request, so a bad
file is answered at once with its one-line error; the slow part (backtests, the solver, the twin)
runs in a background thread that records its progress in `status.json`, which the run's page
polls. Files rather than memory hold the state: a reload or another server thread sees the same.
The What-if page (`simulations.console`) uses the same runs and jobs; both pages have the
console's one login guard (`telephony.console.auth`).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import shutil
import threading
import zipfile
from collections.abc import Callable
from pathlib import Path

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

from telephony.console.auth import require_supervisor
from vero.centre import Centre
from vero.errors import VeroError
from vero.i18n import t
from vero.services import services
from wfm.commands import plan_forecast, read_forecast
from wfm.forecast.commands import write_chart
from wfm.forecast.history import FORMATS, History, load_history
from wfm.forecast.pipeline import forecast_history
from wfm.scheduler import exports
from wfm.scheduler.inputs import load_agents, load_requirements, load_rules, load_templates
from wfm.scheduler.problem import DAYS, Problem, build_problem
from wfm.scheduler.roster import make_roster
from wfm.staffing_plan import PlanOptions

log = logging.getLogger(__name__)
bp = Blueprint("planning", __name__, url_prefix="/console", template_folder="templates")

RUN_ID = re.compile(r"\d{8}-\d{6}-\d{6}")
STATUS = "status.json"
Say = Callable[..., None]  # say(step_key, **details): progress of a job, shown by the page
# What `vero forecast` assumes for history without channel, queue or language (its defaults).
HISTORY_DEFAULTS = {"channel": "voice", "queue": "general", "language": "id"}
INTERVALS = (15, 30, 60)
FORECAST_FILES = ("forecast.csv", "backtest.csv", "staffing.csv", "forecast.png")
ROSTER_FILES = ("roster.xlsx", "roster.csv", "calendars.zip", "coverage.png")
DEFAULT_TIME_LIMIT = 20
MAX_TIME_LIMIT = 600


# --- runs and jobs, shared with the What-if page; the login check is the console's ----------

bp.before_request(require_supervisor)


def runs_dir(kind: str) -> Path:
    return services().settings.data_dir / "console" / kind


def new_run(kind: str) -> Path:
    """A fresh run folder; ids sort by creation time (UTC, to the microsecond)."""
    folder = runs_dir(kind) / dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S-%f")
    folder.mkdir(parents=True)
    return folder


def run_folder(kind: str, run_id: str) -> Path:
    folder = runs_dir(kind) / run_id
    if not RUN_ID.fullmatch(run_id) or not folder.is_dir():
        abort(404, "no such run")
    return folder


def read_status(folder: Path) -> dict[str, str]:
    try:
        return json.loads((folder / STATUS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"state": "failed", "step": "job.lost"}


def _write_status(folder: Path, state: str, **fields: str) -> None:
    """Replace status.json in one step, so a poll never reads half a file."""
    partial = folder / f".{STATUS}.tmp"
    partial.write_text(json.dumps({"state": state, **fields}), encoding="utf-8")
    os.replace(partial, folder / STATUS)


def last_run(kind: str, needs: str) -> Path | None:
    """The newest finished run of `kind` that holds the file `needs`."""
    root = runs_dir(kind)
    if not root.is_dir():
        return None
    for folder in sorted(root.iterdir(), reverse=True):
        if RUN_ID.fullmatch(folder.name) and (folder / needs).is_file() \
                and read_status(folder)["state"] == "done":
            return folder
    return None


def start_job(folder: Path, work: Callable[[Say], dict[str, str] | None]) -> None:
    """Run `work(say)` in a background thread; what it returns is kept in the final status."""
    _write_status(folder, "running", step="job.queued")
    threading.Thread(target=_run_job, args=(folder, work), name=f"planning-{folder.name}",
                     daemon=True).start()


def _run_job(folder: Path, work: Callable[[Say], dict[str, str] | None]) -> None:
    def say(step: str, **details: str) -> None:
        _write_status(folder, "running", step=step, **details)

    try:
        extra = work(say) or {}
    except VeroError as exc:
        _write_status(folder, "failed", error=shown_error(exc, folder))
    except Exception:  # a bug: the page says so, the log has the traceback
        log.exception("planning run %s failed", folder)
        _write_status(folder, "failed", step="job.crashed")
    else:
        _write_status(folder, "done", **extra)


def status_text(status: dict[str, str]) -> str:
    """The progress or failure line of a run, in the page's language."""
    text = t(status["step"]) if status.get("step") else ""
    if status.get("done_count"):
        text += f" {status['done_count']}/{status['total']}"
    return status.get("error") or text


def status_reply(folder: Path) -> Response:
    status = read_status(folder)
    return jsonify(state=status["state"], text=status_text(status))


def shown_error(exc: VeroError, folder: Path) -> str:
    """The one-line error with the run folder's path left out: the supervisor knows the file by
    the name it was uploaded under, which `save_upload` kept in `uploads.json`."""
    names = _upload_names(folder)
    source = exc.source
    if source and Path(source).parent == folder:
        source = names.get(Path(source).name, Path(source).name)
    return VeroError(exc.message, source=source, line=exc.line, field=exc.field).one_line()


def _upload_names(folder: Path) -> dict[str, str]:
    try:
        return json.loads((folder / "uploads.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def save_upload(field: str, folder: Path, name: str) -> Path:
    """Save the uploaded file of form field `field` as `folder/name`; VeroError when absent."""
    upload = request.files.get(field)
    if upload is None or not upload.filename:
        raise VeroError(t("planning.no_file"), field=field)
    path = folder / name
    upload.save(path)
    names = _upload_names(folder) | {name: Path(upload.filename).name}
    (folder / "uploads.json").write_text(json.dumps(names), encoding="utf-8")
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


def start_or_explain(folder: Path, prepare: Callable[[], Callable[[Say], dict | None]],
                     form: Callable[[str], tuple[str, int]], endpoint: str) -> Response | tuple:
    """Read the inputs now (`prepare` returns the slow work); a VeroError removes the run and
    shows the form again with the error, never a 500."""
    try:
        work = prepare()
    except VeroError as exc:
        message = shown_error(exc, folder)
        shutil.rmtree(folder, ignore_errors=True)
        return form(message)
    start_job(folder, work)
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

    def prepare() -> Callable[[Say], dict[str, str]]:
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
        return lambda say: _forecast_job(history, centre, interval, horizon, folder, say)

    return start_or_explain(folder, prepare, _forecast_form, "planning.forecast_run")


def _forecast_job(history: History, centre: Centre, interval: int, horizon: int, folder: Path,
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
        return {"staffing_error": shown_error(exc, folder)}
    staffing["interval_start"] = [moment.isoformat() for moment in staffing["interval_start"]]
    staffing.to_csv(folder / "staffing.csv", index=False)
    return {}


@bp.get("/forecast/<run_id>")
def forecast_run(run_id: str):
    folder = run_folder("forecast", run_id)
    status = read_status(folder)
    backtest = None
    if status["state"] == "done" and (folder / "backtest.csv").stat().st_size > 1:
        backtest = pd.read_csv(folder / "backtest.csv")
    return render_template("planning/forecast_run.html", run_id=run_id, status=status,
                           text=status_text(status), backtest=backtest,
                           has_staffing=(folder / "staffing.csv").is_file())


@bp.get("/forecast/<run_id>/status")
def forecast_status(run_id: str):
    return status_reply(run_folder("forecast", run_id))


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

    def prepare() -> Callable[[Say], dict[str, str]]:
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
        return lambda say: _roster_job(problem, time_limit, folder, say)

    return start_or_explain(folder, prepare, _roster_form, "planning.roster_run")


def _roster_job(problem: Problem, time_limit: float, folder: Path, say: Say) -> dict[str, str]:
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
    status = read_status(folder)
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
    return status_reply(run_folder("roster", run_id))


@bp.get("/roster/<run_id>/files/<name>")
def roster_file(run_id: str, name: str):
    return send_run_file(run_folder("roster", run_id), name, ROSTER_FILES)
