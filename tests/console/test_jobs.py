"""Console runs as RQ jobs worked by real `vero worker` processes on real Redis: a run survives a
web restart, shows its progress, can be cancelled, a killed worker's run shows failed, and old
run folders are swept."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import redis
import rq
from flask import Flask
from flask.testing import FlaskClient

from telephony.keys import Keys, job_key_prefix
from tests.console.conftest import SUPERVISOR, WORKER_START_SECONDS, console_app
from tests.console.slow_work import count_slowly
from tests.console.test_planning import AGENTS, finish, start, tiny_requirements, upload
from vero.kernel.settings import Settings, SettingsError
from vero.web import jobs
from vero.web.console import runs


def logged_in(app: Flask) -> FlaskClient:
    client = app.test_client()
    assert client.post("/console/login", data={"token": SUPERVISOR}).status_code == 302
    return client


def slow_run(app: Flask, steps: int = 600, pause: float = 0.1) -> str:
    """Queue the slow test work as a what-if run; its page's URL."""
    with app.app_context():
        folder = runs.new_run("whatif")
        runs.job_queue().enqueue("whatif", folder, count_slowly, steps, pause)
    return f"/console/whatif/{folder.name}"


def wait_for(check: Callable[[], dict | None], timeout: float, what: str) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"no {what} after {timeout} s")


def counting(client: FlaskClient, run: str) -> Callable[[], dict | None]:
    def check() -> dict | None:
        status = client.get(f"{run}/status?lang=en").json
        return status if status["state"] == "running" and (status["done"] or 0) > 0 else None

    return check


def test_a_run_queued_by_one_web_instance_is_finished_for_a_fresh_one(
    redis_client, namespace, centre, tmp_path, workers
):
    """Enqueued while no worker runs; the web instance goes away; a worker process does the job
    and a fresh web instance shows the result. Job state is in Redis and the run folder only."""
    first = logged_in(console_app(redis_client, namespace, tmp_path))
    run = start(
        first,
        "/console/roster?lang=en",
        {
            "requirements_from": "upload",
            "requirements": upload(tiny_requirements(), "req.csv"),
            "agents": upload(AGENTS, "agents.csv"),
            "time_limit": "5",
        },
    )
    waiting = first.get(f"{run}/status?lang=en").json
    assert waiting == {
        "state": "running",
        "done": None,
        "total": None,
        "text": "waiting for a worker (is `vero worker` running?)",
    }
    del first

    worker = workers.start()
    fresh = logged_in(console_app(redis_client, namespace, tmp_path))
    finish(fresh, run, timeout=120)
    page = fresh.get(f"{run}?lang=en").text
    assert "November 30, 2026" in page and 'data-agent="a6"' in page
    assert fresh.get(f"{run}/files/roster.xlsx").status_code == 200

    job = rq.job.Job.fetch(
        Keys(centre.id, namespace).console_job("roster", run.split("/")[-1]),
        connection=redis_client,
    )
    assert job.key.startswith(job_key_prefix() + ":job:")
    assert 6.9 * 86400 < redis_client.ttl(job.key) <= 7 * 86400  # kept as long as the folder

    worker.send_signal(signal.SIGTERM)  # idle: a clean, prompt exit
    assert worker.wait(timeout=30) == 0


def test_progress_is_shown_and_a_working_run_is_cancelled(supervisor, worker):
    run = slow_run(supervisor.application)
    status = wait_for(counting(supervisor, run), 60, "progress")
    assert status["total"] == 600 and status["text"].startswith("replications ")
    page = supervisor.get(f"{run}?lang=en").text
    assert 'data-run-state="running"' in page and "<progress data-run-progress value=" in page
    assert 'max="600"' in page and f'action="{run}/cancel"' in page

    reply = supervisor.post(f"{run}/cancel")
    assert reply.status_code == 303 and reply.location == run
    wait_for(
        lambda: supervisor.get(f"{run}/status").json["state"] == "cancelled" or None,
        15,
        "cancelled state",
    )
    assert 'data-run-state="cancelled"' in supervisor.get(f"{run}?lang=en").text
    assert worker.poll() is None  # only the job's work-horse was stopped


def test_a_queued_run_is_cancelled_before_any_worker_takes_it(supervisor, workers, redis_client):
    run = slow_run(supervisor.application, steps=3)
    assert supervisor.post(f"{run}/cancel").status_code == 303
    assert supervisor.get(f"{run}/status").json["state"] == "cancelled"
    with supervisor.application.app_context():
        job_id = runs.job_queue().keys.console_job("whatif", run.split("/")[-1])
    assert not redis_client.exists(rq.job.Job.key_for(job_id))  # nothing left behind in Redis
    assert supervisor.post(f"{run}/cancel").status_code == 303  # twice: no error
    workers.start()
    time.sleep(3)  # a worker now running does not take the cancelled job
    assert supervisor.get(f"{run}/status").json["state"] == "cancelled"


def test_cancel_and_status_need_the_supervisor(supervisor):
    run = slow_run(supervisor.application, steps=1)
    anonymous = supervisor.application.test_client()
    cancel = anonymous.post(f"{run}/cancel")  # a form post: to the login page, nothing done
    assert cancel.status_code == 302 and "/console/login" in cancel.location
    assert anonymous.get(f"{run}/status").status_code == 401
    assert supervisor.post("/console/whatif/20260101-000000-000000/cancel").status_code == 404


def test_the_run_of_a_killed_worker_shows_failed_not_running(supervisor, workers):
    worker = workers.start()
    run = slow_run(supervisor.application)
    wait_for(counting(supervisor, run), 60, "progress")
    horses = Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split()
    for pid in [worker.pid, *map(int, horses)]:
        os.kill(pid, signal.SIGKILL)
    worker.wait(timeout=10)
    status = wait_for(
        lambda: (lambda s: s if s["state"] != "running" else None)(
            supervisor.get(f"{run}/status?lang=en").json
        ),
        60,
        "end of the orphaned run",
    )
    assert status["state"] == "failed"
    assert status["text"] == "the worker stopped during the run; run it again"
    assert "the worker stopped during the run" in supervisor.get(f"{run}?lang=en").text


def test_the_worker_sweeps_run_folders_older_than_the_retention(supervisor, workers, tmp_path):
    old = tmp_path / "console" / "forecast" / "20200101-000000-000000"
    old.mkdir(parents=True)
    (old / "forecast.csv").write_text("x\n")
    other = tmp_path / "console" / "roster" / "notes"  # not a run folder: left alone
    other.mkdir(parents=True)
    run = slow_run(supervisor.application, steps=1, pause=0)
    workers.start(VERO_JOB_RETENTION_DAYS="1")
    wait_for(lambda: not old.exists() or None, 60, "sweep of the old folder")
    page = finish(supervisor, run)
    assert 'data-run-state="done"' in page and other.is_dir()
    assert (tmp_path / "console" / "whatif" / run.split("/")[-1]).is_dir()


def test_remove_old_runs_keeps_runs_younger_than_the_retention(tmp_path):
    now = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)
    for name in ("20261123-115959-000000", "20261124-120001-000000"):
        (tmp_path / "console" / "roster" / name).mkdir(parents=True)
    removed = jobs.remove_old_runs(tmp_path, dt.timedelta(days=7), now=now)
    assert [path.name for path in removed] == ["20261123-115959-000000"]
    assert [path.name for path in (tmp_path / "console" / "roster").iterdir()] == [
        "20261124-120001-000000"
    ]


@pytest.mark.parametrize("stop", ["sigterm", "kill -9"])
def test_vero_serve_runs_a_worker_child_that_ends_with_it(centre, tmp_path, stop):
    env = {
        **os.environ,
        "TWILIO_AUTH_TOKEN": "t",
        "VERO_SUPERVISOR_TOKEN": "s" * 16,
        "VERO_DATA_DIR": str(tmp_path),
    }
    env.pop("REDIS_URL", None)
    serve = subprocess.Popen(
        [sys.executable, "-m", "vero.cli", "serve", "--port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    connection = None
    try:
        for line in serve.stdout:
            if line.startswith("embedded redis-server on "):
                connection = redis.Redis.from_url(line.split()[3])
            if line.startswith("Vero serving"):
                break
        assert connection is not None, "no embedded redis-server line"
        queue = rq.Queue(Keys(centre.id).jobs_queue(), connection=connection)
        wait_for(
            lambda: rq.Worker.count(queue=queue) or None,
            WORKER_START_SECONDS,
            "worker of vero serve",
        )
        children = Path(f"/proc/{serve.pid}/task/{serve.pid}/children").read_text().split()
        workers = [
            pid for pid in children if b"worker" in Path(f"/proc/{pid}/cmdline").read_bytes()
        ]
        assert len(workers) == 1
        serve.send_signal(signal.SIGTERM if stop == "sigterm" else signal.SIGKILL)
        serve.wait(timeout=60)
        wait_for(
            lambda: not Path(f"/proc/{workers[0]}").exists() or None, 30, "end of the worker child"
        )
    finally:
        serve.kill()
        serve.stdout.close()
        if stop != "sigterm" and connection is not None:  # the test's own orphaned server
            with contextlib.suppress(redis.ConnectionError):
                connection.shutdown(nosave=True)
    assert serve.returncode == (0 if stop == "sigterm" else -signal.SIGKILL)


@pytest.mark.parametrize("value", ["0", "-1", "soon", "nan", "inf"])
def test_a_bad_retention_setting_is_named(value):
    env = {
        "TWILIO_AUTH_TOKEN": "t",
        "VERO_SUPERVISOR_TOKEN": "s" * 16,
        "VERO_JOB_RETENTION_DAYS": value,
    }
    with pytest.raises(SettingsError) as raised:
        Settings.from_env(env)
    assert raised.value.problems == [
        f"VERO_JOB_RETENTION_DAYS: {value!r} is not a number of days between 0 and 3650"
    ]
    assert Settings.from_env({**env, "VERO_JOB_RETENTION_DAYS": "0.5"}).job_retention_days == 0.5


def test_vero_worker_without_redis_url_says_so_in_one_line(tmp_path):
    env = {
        **os.environ,
        "TWILIO_AUTH_TOKEN": "t",
        "VERO_SUPERVISOR_TOKEN": "s" * 16,
        "VERO_DATA_DIR": str(tmp_path),
    }
    env.pop("REDIS_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "vero.cli", "worker"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr == (
        "vero: error: field 'REDIS_URL': vero worker needs the web's Redis "
        "(vero serve runs its own worker)\n"
    )
