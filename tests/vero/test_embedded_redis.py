import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from telephony.routing.router import RedisRouter
from vero.cli.embedded_redis import PID_FILE, REDIS_SERVER, DataDirBusy, EmbeddedRedis

# A parent that starts the embedded server, prints the server's pid and waits to be killed.
PARENT = """
import sys, time
from pathlib import Path
from vero.cli.embedded_redis import EmbeddedRedis
server = EmbeddedRedis(Path(sys.argv[1])).start()
print(server.pid, flush=True)
time.sleep(120)
"""


def _gone(pid: int, within: float = 10.0) -> bool:
    """The process has exited (reaped, or a zombie waiting for init)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


def test_restart_finds_the_same_agents_and_queued_tasks(tmp_path, centre):
    with EmbeddedRedis(tmp_path) as server:
        router = RedisRouter(redis.Redis.from_url(server.url), centre)
        router.upsert_agent("ayu", {"complaints": 3}, ("id",), {"voice": 1}, now=1000)
        router.enqueue("t1", "voice", "orders", "en", now=1001)
    with EmbeddedRedis(tmp_path) as server:
        router = RedisRouter(redis.Redis.from_url(server.url), centre)
        assert router.agent("ayu")["skills"] == {"complaints": 3}
        assert router.task("t1")["state"] == "queued"
        router.set_agent_state("ayu", "available", now=1002)
        assert router.agent("ayu")["state"] == "available"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_kill_9_of_the_parent_takes_its_redis_server_along(tmp_path):
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        redis_pid = int(parent.stdout.readline())
        assert not _gone(redis_pid, within=0.2)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=10)
        assert _gone(redis_pid), "redis-server outlived its parent"
    finally:
        parent.kill()
        parent.wait()
    with EmbeddedRedis(tmp_path) as server:  # the directory is free again at once
        assert redis.Redis.from_url(server.url).ping()


def test_a_second_owner_of_the_data_dir_is_refused(tmp_path):
    with EmbeddedRedis(tmp_path) as first:
        with pytest.raises(DataDirBusy, match=f"pid {os.getpid()}"):
            EmbeddedRedis(tmp_path).start()
        assert redis.Redis.from_url(first.url).ping()  # the first one is untouched


def test_a_second_vero_serve_on_the_same_data_dir_fails_in_one_line(tmp_path):
    with EmbeddedRedis(tmp_path / "redis"):
        env = {
            **os.environ,
            "TWILIO_AUTH_TOKEN": "t",
            "VERO_SUPERVISOR_TOKEN": "s" * 16,
            "VERO_DATA_DIR": str(tmp_path),
        }
        env.pop("REDIS_URL", None)
        done = subprocess.run(
            [sys.executable, "-m", "vero.cli", "serve", "--port", "0"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode != 0
    assert done.stderr.count("\n") == 1, done.stderr
    assert "another Vero" in done.stderr and str(tmp_path / "redis") in done.stderr


def test_a_leftover_redis_server_of_the_dir_is_stopped_and_replaced(tmp_path):
    """No parent-death signal (e.g. not Linux, or started by hand): the pid file finds it."""
    leftover = subprocess.Popen(
        [
            REDIS_SERVER,
            "--port",
            "0",
            "--dir",
            str(tmp_path),
            "--save",
            "",
            "--unixsocket",
            str(tmp_path / "s.sock"),
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        (tmp_path / PID_FILE).write_text(f"{leftover.pid}\n")
        time.sleep(0.2)  # it has changed into the data directory
        with EmbeddedRedis(tmp_path) as server:
            assert leftover.wait(timeout=10) == 0  # stopped cleanly, by SIGTERM
            assert (tmp_path / PID_FILE).read_text().strip() == str(server.pid)
        assert not (tmp_path / PID_FILE).exists()
    finally:
        leftover.kill()
        leftover.wait()


def test_a_stale_pid_file_is_reclaimed_and_a_stranger_left_alone(tmp_path):
    dead = subprocess.Popen(["true"])
    dead.wait()
    (tmp_path / PID_FILE).write_text(f"{dead.pid}\n")
    with EmbeddedRedis(tmp_path) as server:
        assert redis.Redis.from_url(server.url).ping()
    stranger = subprocess.Popen(["sleep", "30"])
    try:
        (tmp_path / PID_FILE).write_text(f"{stranger.pid}\n")
        with EmbeddedRedis(tmp_path) as server:
            assert redis.Redis.from_url(server.url).ping()
        assert stranger.poll() is None  # not a redis-server of this directory: not touched
    finally:
        stranger.kill()
        stranger.wait()
