"""The runs of the console's slow pages (forecast, roster, what-if) and their jobs.

Every run gets a folder `VERO_DATA_DIR/console/<kind>/<run id>/` holding its inputs and the files
a supervisor downloads. Inputs are read and checked inside the request, so a bad file is answered
at once with its one-line error; the slow part (backtests, the solver, the twin) is a job on the
console's job queue (`vero.web.jobs`), run by a `vero worker`, whose progress the run's page polls
and which the page can cancel. These helpers are what every such page shares.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, jsonify, redirect, send_from_directory, url_for
from flask.typing import ResponseReturnValue

from telephony.services import services
from vero.kernel.errors import VeroError
from vero.web import jobs
from vero.web.i18n import t
from vero.web.jobs import Work

Prepared = tuple[Work, tuple[Any, ...]]  # the job's work and its (picklable) inputs


def job_queue() -> jobs.JobQueue:
    found = services()
    return jobs.JobQueue(
        found.redis, found.router.keys, dt.timedelta(days=found.settings.job_retention_days)
    )


def new_run(kind: str) -> Path:
    return jobs.new_run(services().settings.data_dir, kind)


def run_folder(kind: str, run_id: str) -> Path:
    """The folder of an existing run; 404 for an id that is not one (or not well-formed)."""
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
        if (
            jobs.RUN_ID.fullmatch(folder.name)
            and (folder / needs).is_file()
            and (jobs.read_status(folder) or {}).get("state") == jobs.DONE
        ):
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
    """The JSON the run page polls: state, progress line and counts."""
    status = read_status(kind, folder)
    return jsonify(
        state=status["state"],
        text=status_text(status),
        done=_count(status, "done_count"),
        total=_count(status, "total"),
    )


def _count(status: dict[str, str], field: str) -> int | None:
    return int(status[field]) if str(status.get(field, "")).isdigit() else None


def cancel_reply(kind: str, folder: Path, endpoint: str) -> ResponseReturnValue:
    """Cancel the run (see `JobQueue.cancel`) and show its page again."""
    job_queue().cancel(kind, folder)
    return redirect(url_for(endpoint, run_id=folder.name), code=303)


def start_or_explain(
    kind: str,
    folder: Path,
    prepare: Callable[[], Prepared],
    form: Callable[[str], tuple[str, int]],
    endpoint: str,
) -> ResponseReturnValue:
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
    """A run's file as a download (a chart or report is shown in the page instead)."""
    if name not in allowed or not (folder / name).is_file():
        abort(404, "no such file")
    return send_from_directory(
        folder, name, as_attachment=Path(name).suffix not in (".png", ".html")
    )


def add_run_routes(
    bp: Blueprint, kind: str, prefix: str, files: Callable[[Path], tuple[str, ...]]
) -> None:
    """The routes every run page shares, on `bp` as `<kind>_status` (the progress its page
    polls), `<kind>_cancel` and `<kind>_file` (`files` names what a run's folder may serve)."""
    run_endpoint = f"{bp.name}.{kind}_run"

    def status(run_id: str) -> ResponseReturnValue:
        return status_reply(kind, run_folder(kind, run_id))

    def cancel(run_id: str) -> ResponseReturnValue:
        return cancel_reply(kind, run_folder(kind, run_id), run_endpoint)

    def file(run_id: str, name: str) -> ResponseReturnValue:
        folder = run_folder(kind, run_id)
        return send_run_file(folder, name, files(folder))

    rule = f"{prefix}/<run_id>"
    bp.add_url_rule(f"{rule}/status", f"{kind}_status", status, methods=["GET"])
    bp.add_url_rule(f"{rule}/cancel", f"{kind}_cancel", cancel, methods=["POST"])
    bp.add_url_rule(f"{rule}/files/<name>", f"{kind}_file", file, methods=["GET"])
