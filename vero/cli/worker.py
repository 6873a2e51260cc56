"""`vero worker`: runs the console's background jobs (forecast, roster, what-if) from the RQ queue.

It is RQ's forking worker: each job runs in a work-horse process, so a stop from the page kills
just that job, and SIGTERM is a warm shutdown (the current job finishes, then the worker exits; a
second SIGTERM or Ctrl-C stops the job at once, and the run shows failed). Run as many workers as
the planners need; they must share VERO_DATA_DIR with the web processes (the run folders).
`vero serve` starts one as its child (`WorkerProcess`) so the laptop form completes jobs too.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import importlib
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

import click
import redis
import rq

from telephony.keys import Keys
from vero.kernel.centre import load_centre
from vero.kernel.errors import VeroError
from vero.kernel.redis_client import connect
from vero.kernel.settings import Settings
from vero.web import jobs

# The modules whose functions the jobs run: imported once in the worker, so that every forked
# work-horse starts with them (and pandas, PuLP, SimPy) loaded.
JOB_MODULES = (
    "vero.web.console.forecast_page",
    "vero.web.console.roster_page",
    "vero.web.console.whatif",
)
MONITORING_SECONDS = 5  # the worker refreshes a working job's heartbeat this often
HEARTBEAT_SECONDS = 4 * MONITORING_SECONDS  # missing this long: the job's worker is dead
MAINTENANCE_SECONDS = 600  # RQ's registry cleaning and the sweep of old run folders
STOP_SECONDS = 10  # `vero serve` gives its worker this long to finish, then stops the job
PR_SET_PDEATHSIG = 1  # Linux prctl option: a signal for the child when its parent dies


class ConsoleWorker(rq.Worker):
    """RQ's worker with a heartbeat short enough that a dead worker's run shows failed within
    half a minute (RQ's default waits more than a minute), and the run-folder sweep added to
    RQ's periodic maintenance (which also runs when the worker starts)."""

    def __init__(
        self, queue: str, connection: redis.Redis, data_dir: Path, retention: dt.timedelta
    ) -> None:
        super().__init__(
            [queue],
            connection=connection,
            job_monitoring_interval=MONITORING_SECONDS,
            maintenance_interval=MAINTENANCE_SECONDS,
        )
        self.data_dir = data_dir
        self.retention = retention

    def get_heartbeat_ttl(self, job: rq.job.Job, working_time: float = 0.0) -> int:
        return HEARTBEAT_SECONDS

    def run_maintenance_tasks(self) -> None:
        super().run_maintenance_tasks()
        for folder in jobs.remove_old_runs(self.data_dir, self.retention):
            self.log.info("removed run folder %s (older than %s)", folder, self.retention)


@click.command()
@click.option(
    "--queue", default=None, help="RQ queue to work (default: this centre's console queue)."
)
@click.option("--burst", is_flag=True, help="Work the queued jobs, then exit.")
def worker(queue: str | None, burst: bool) -> None:
    """Run the console's background jobs (forecast, roster, what-if) from Redis.

    Needs REDIS_URL (the web processes' Redis) and the web's VERO_DATA_DIR. SIGTERM finishes the
    current job and exits; a second SIGTERM stops it at once.
    """
    settings = Settings.from_env()
    if not settings.redis_url:
        raise VeroError(
            "vero worker needs the web's Redis (vero serve runs its own worker)", field="REDIS_URL"
        )
    centre = load_centre(settings.centre_path)
    for module in JOB_MODULES:
        importlib.import_module(module)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    console = ConsoleWorker(
        queue or Keys(centre.id).jobs_queue(),
        jobs.jobs_connection(connect(settings.redis_url)),
        settings.data_dir,
        dt.timedelta(days=settings.job_retention_days),
    )
    console.work(burst=burst, logging_level="INFO")


class WorkerProcess:
    """A `vero worker` child of `vero serve`, with the parent's settings; it gets SIGTERM when
    its parent dies (Linux), so a killed `vero serve` leaves no worker behind."""

    def __init__(self, settings: Settings) -> None:
        env = {
            **os.environ,
            "REDIS_URL": settings.redis_url or "",
            "VERO_DATA_DIR": str(settings.data_dir),
            "VERO_JOB_RETENTION_DAYS": str(settings.job_retention_days),
            "PUBLIC_BASE_URL": settings.public_base_url,
            "TWILIO_ACCOUNT_SID": settings.twilio_account_sid,
            "TWILIO_AUTH_TOKEN": settings.twilio_auth_token,
            "VERO_SUPERVISOR_TOKEN": settings.supervisor_token,
        }
        if settings.centre_path is not None:
            env["VERO_CENTRE"] = str(settings.centre_path)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "vero.cli", "worker"], env=env, preexec_fn=_die_with_parent
        )

    def stop(self) -> None:
        """Warm shutdown first; then stop the current job; then kill."""
        for sig in (signal.SIGTERM, signal.SIGTERM):
            if self.process.poll() is not None:
                return
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                continue
            return
        self.process.kill()
        self.process.wait()


def _die_with_parent() -> None:
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
