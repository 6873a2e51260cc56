"""Console background runs (forecast, roster, what-if) as jobs on an RQ queue in Vero's Redis.

A run is a folder `VERO_DATA_DIR/console/<kind>/<run id>/` and one RQ job. The web request
checks the inputs, pickles what it prepared into the folder and enqueues the job; a `vero worker`
process (`vero.cli.worker`) runs it in a forked work-horse, which reports its step in the job's meta
and, when the work ends, records the outcome in the folder's `status.json`. Nothing lives in the
web process, so a run survives a web restart; a worker that dies stops its heartbeats and RQ's
started-job registry moves the job to failed, so the page never says "running" for ever. Run
folders and RQ's job records are both kept `VERO_JOB_RETENTION_DAYS`, then removed (the worker's
maintenance sweeps the folders; RQ expires the job hashes: result_ttl = failure_ttl = retention).

RQ builds its own key names from RQ_KEY_PREFIX, which it reads once, when imported: this module
sets it (unless the operator did) to `keys.job_key_prefix()` before importing rq.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import pickle
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from telephony.keys import Keys, job_key_prefix

os.environ.setdefault("RQ_KEY_PREFIX", job_key_prefix())

import redis  # noqa: E402  (rq reads RQ_KEY_PREFIX when imported: set above)
import rq  # noqa: E402
from rq.command import send_stop_job_command  # noqa: E402
from rq.exceptions import InvalidJobOperation, NoSuchJobError  # noqa: E402
from rq.job import JobStatus  # noqa: E402
from rq.registry import StartedJobRegistry  # noqa: E402

from vero.kernel.errors import VeroError  # noqa: E402
from vero.kernel.redis_client import Client, slot_client  # noqa: E402

if os.environ["RQ_KEY_PREFIX"] != rq.defaults.RQ_KEY_PREFIX:
    raise RuntimeError("rq was imported before vero.web.jobs: RQ_KEY_PREFIX was not applied")

RUN_ID = re.compile(r"\d{8}-\d{6}-\d{6}")
RUN_ID_FORMAT = "%Y%m%d-%H%M%S-%f"  # UTC creation time: ids sort by age
STATUS = "status.json"
INPUTS = "inputs.pickle"
UPLOADS = "uploads.json"
JOB_TIMEOUT = 3600  # seconds; the slowest run (a what-if of 7 days × 20 replications) is less
RUNNING, DONE, FAILED, CANCELLED = "running", "done", "failed", "cancelled"
WAITING = (JobStatus.CREATED, JobStatus.QUEUED, JobStatus.DEFERRED, JobStatus.SCHEDULED)
Say = Callable[..., None]  # say(step_key, **details): progress of a job, shown by the page
Work = Callable[..., dict[str, str] | None]  # work(*inputs, folder=, say=) → extra status fields


# --- run folders -------------------------------------------------------------------------------


def runs_dir(data_dir: Path, kind: str) -> Path:
    return data_dir / "console" / kind


def new_run(data_dir: Path, kind: str) -> Path:
    """A fresh run folder named by its creation time (UTC, to the microsecond)."""
    folder = runs_dir(data_dir, kind) / dt.datetime.now(dt.UTC).strftime(RUN_ID_FORMAT)
    folder.mkdir(parents=True)
    return folder


def read_status(folder: Path) -> dict[str, str] | None:
    """How a run ended, once it has: None while it is queued or working."""
    try:
        return json.loads((folder / STATUS).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {"state": FAILED, "step": "job.lost"}


def write_status(folder: Path, state: str, **fields: str) -> None:
    """Replace status.json in one step, so a reader never sees half a file."""
    partial = folder / f".{STATUS}.tmp"
    partial.write_text(json.dumps({"state": state, **fields}), encoding="utf-8")
    os.replace(partial, folder / STATUS)


def upload_names(folder: Path) -> dict[str, str]:
    """Saved file name → the name it was uploaded under (`uploads.json`)."""
    try:
        return json.loads((folder / UPLOADS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def remember_upload(folder: Path, saved: str, uploaded: str) -> None:
    (folder / UPLOADS).write_text(
        json.dumps(upload_names(folder) | {saved: uploaded}), encoding="utf-8"
    )


def shown_error(exc: VeroError, folder: Path) -> str:
    """The one-line error with the run folder's path left out: the supervisor knows the file by
    the name it was uploaded under."""
    source = exc.source
    if source and Path(source).parent == folder:
        source = upload_names(folder).get(Path(source).name, Path(source).name)
    return VeroError(exc.message, source=source, line=exc.line, field=exc.field).one_line()


def remove_old_runs(
    data_dir: Path, older_than: dt.timedelta, now: dt.datetime | None = None
) -> list[Path]:
    """Delete the run folders created more than `older_than` ago; returns what was removed."""
    cutoff = (now or dt.datetime.now(dt.UTC)) - older_than
    removed = []
    for folder in sorted((data_dir / "console").glob("*/*")):
        if not (RUN_ID.fullmatch(folder.name) and folder.is_dir()):
            continue
        created = dt.datetime.strptime(folder.name, RUN_ID_FORMAT).replace(tzinfo=dt.UTC)
        if created < cutoff:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


# --- the queue ---------------------------------------------------------------------------------


def jobs_connection(client: Client) -> redis.Redis:
    """The client RQ works with: on a Redis Cluster, the master of the one slot every RQ key
    shares (`job_key_prefix`'s hash tag), since RQ's worker needs a one-server client."""
    return slot_client(client, job_key_prefix())


class JobQueue:
    """The console job queue of one centre: enqueue a run, read its state, cancel it."""

    def __init__(self, connection: Client, keys: Keys, retention: dt.timedelta) -> None:
        self.keys = keys
        self.retention = retention
        self.queue = rq.Queue(keys.jobs_queue(), connection=jobs_connection(connection))

    def enqueue(self, kind: str, folder: Path, work: Work, *inputs: Any) -> None:
        """Queue `work(*inputs, folder=folder, say=say)`. The inputs go to the run folder, not to
        Redis: an uploaded history can be tens of megabytes."""
        (folder / INPUTS).write_bytes(pickle.dumps(inputs))
        ttl = int(self.retention.total_seconds())
        self.queue.enqueue(
            perform,
            work,
            str(folder),
            job_id=self.keys.console_job(kind, folder.name),
            job_timeout=JOB_TIMEOUT,
            result_ttl=ttl,
            failure_ttl=ttl,
            description=f"console {kind} {folder.name}",
        )

    def status(self, kind: str, folder: Path) -> dict[str, str]:
        """{"state": running|done|failed|cancelled, "step": i18n key, ...details}."""
        ended = read_status(folder)
        if ended is not None:
            return ended
        job = self._job(kind, folder)
        if job is None:
            return {"state": FAILED, "step": "job.lost"}
        state = job.get_status()
        if state == JobStatus.STARTED:  # a dead worker's job is moved to failed here
            StartedJobRegistry(queue=self.queue).cleanup()
            state = job.get_status()
        if state in WAITING:
            waiting = "job.queued" if self.workers() else "job.no_worker"
            return {"state": RUNNING, "step": waiting}
        if state == JobStatus.STARTED:
            return {"state": RUNNING, "step": "job.started", **job.get_meta()}
        if state in (JobStatus.STOPPED, JobStatus.CANCELED):
            return {"state": CANCELLED, "step": "job.cancelled"}
        # finished or failed: the work records its end first, unless its process was killed
        return read_status(folder) or {"state": FAILED, "step": "job.worker_lost"}

    def workers(self) -> int:
        """How many workers are listening on this queue (registered and alive in Redis)."""
        return rq.Worker.count(queue=self.queue)

    def cancel(self, kind: str, folder: Path) -> None:
        """Take a waiting run off the queue, or stop a working one (RQ kills its work-horse);
        a run that has already ended stays as it is. A job cancelled while waiting is deleted
        once its folder says so: RQ would keep a cancelled job's hash for ever."""
        job = self._job(kind, folder)
        if job is None:
            return
        state = job.get_status()
        if state in WAITING:
            job.cancel()
            write_status(folder, CANCELLED, step="job.cancelled")
            job.delete()
        elif state == JobStatus.STARTED:
            with contextlib.suppress(InvalidJobOperation):  # it ended meanwhile
                send_stop_job_command(self.queue.connection, job.id)

    def _job(self, kind: str, folder: Path) -> rq.job.Job | None:
        try:
            return rq.job.Job.fetch(
                self.keys.console_job(kind, folder.name), connection=self.queue.connection
            )
        except NoSuchJobError:
            return None


def perform(work: Work, folder_name: str) -> None:
    """The RQ job, in the worker's work-horse: run `work` on the pickled inputs and record how it
    ended in status.json (then re-raise a failure, so RQ's failed registry has it too)."""
    folder = Path(folder_name)
    job = rq.get_current_job()
    if job is None:
        raise RuntimeError("perform runs as an RQ job only")

    def say(step: str, **details: str) -> None:
        job.meta = {"step": step, **details}
        job.save_meta()

    inputs = pickle.loads((folder / INPUTS).read_bytes())  # written by `enqueue`, trusted
    try:
        extra = work(*inputs, folder=folder, say=say) or {}
    except VeroError as exc:
        write_status(folder, FAILED, error=shown_error(exc, folder))
        raise
    except Exception:  # a bug: the page says so, the worker's log has the traceback
        write_status(folder, FAILED, step="job.crashed")
        raise
    write_status(folder, DONE, **extra)
