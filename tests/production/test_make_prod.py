"""`make prod` as the README documents it: honcho starts the Procfile's processes. This branch
has no `vero web` or `vero worker` yet, so the test starts the Procfile's dispatchers (two) and
serves the app with plain gunicorn beside them; /readyz then answers 200 through them, and one
SIGTERM stops everything make started, each dispatcher withdrawing its heartbeat."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import redis

from telephony.twilio_emulator import RestRecorder
from tests.production.conftest import KEYS
from tests.production.layout import Api, Processes, environment, free_port, ready, wait_until
from vero.cli.embedded_redis import EmbeddedRedis

ROOT = Path(__file__).resolve().parents[2]


def test_make_prod_starts_the_dispatchers_of_the_procfile(tmp_path):
    with EmbeddedRedis(tmp_path / "redis", persistent=False) as server, RestRecorder() as rest:
        port = free_port()
        env = environment(server.url, tmp_path, f"http://127.0.0.1:{port}", rest.url)
        client = redis.Redis.from_url(server.url)
        processes = Processes(tmp_path)
        log = (tmp_path / "make.log").open("w")
        # -o: the virtualenv is there already (make setup), do not reinstall it
        make = subprocess.Popen(
            ["make", "-o", ".venv/.installed-stamp", "prod", "PROD_ARGS=-c dispatch=2 dispatch"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            processes.web(env, port)
            wait_until(lambda: client.hlen(KEYS.dispatchers()) == 2, 90, "two dispatchers")
            wait_until(lambda: ready(Api(f"http://127.0.0.1:{port}")), 60, "readiness")
            os.killpg(make.pid, signal.SIGTERM)  # the group make leads: make and honcho
            assert make.wait(timeout=30) is not None
            wait_until(
                lambda: client.hlen(KEYS.dispatchers()) == 0, 10, "the heartbeats to be withdrawn"
            )
        except BaseException:
            print(processes.logs(), (tmp_path / "make.log").read_text())
            raise
        finally:
            if make.poll() is None:
                os.killpg(make.pid, signal.SIGKILL)
            processes.stop_all()
        output = (tmp_path / "make.log").read_text()
        assert "dispatch.1" in output and "dispatch.2" in output, output
