"""The production layout as separate OS processes, for the tests and the timer benchmark: a
redis-server of its own, gunicorn serving `vero.web.app:server_app()`, `vero dispatch`
processes, a `vero worker`, a Twilio REST stand-in. Every process is stopped by its PID, each
wait is bounded."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import yaml

from vero.kernel.centre import reference_centre_path

BIN = Path(sys.executable).parent
ROOT = str(Path(__file__).resolve().parents[2])
AUTH_TOKEN = "production-layout-auth-token"
SUPERVISOR = "production-layout-supervisor-token"
OFFER_SECONDS, STEP_SECONDS, WRAP_SECONDS = 3, 2, 2


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fast_centre(folder: Path) -> Path:
    """The reference centre open around the clock, with timers short enough for a test: chat
    and voice offers expire after 3 s, the general queue's first step after 2 s, wrap-up 2 s."""
    raw = yaml.safe_load(reference_centre_path().read_text(encoding="utf-8"))
    raw["opening_hours"] = {
        day: ["00:00", "24:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    }
    raw["closed_on_holidays"] = False
    for channel in ("voice", "chat"):
        raw["channels"][channel]["offer_timeout"] = OFFER_SECONDS
    raw["queues"]["general"]["steps"][0]["timeout"] = STEP_SECONDS
    raw["queues"]["general"]["wrap_up_seconds"] = WRAP_SECONDS
    path = folder / "centre.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def environment(redis_url: str, folder: Path, public: str, twilio_api: str, **extra: str) -> dict:
    return {
        **os.environ,
        "REDIS_URL": redis_url,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "VERO_SUPERVISOR_TOKEN": SUPERVISOR,
        "VERO_DATA_DIR": str(folder),
        "VERO_CENTRE": str(fast_centre(folder)),
        "PUBLIC_BASE_URL": public,
        "VERO_TWILIO_API_BASE": twilio_api,
        **extra,
    }


class Processes:
    """The OS processes a test started; `stop_all` ends each by its PID (SIGTERM, then KILL)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.started: list[subprocess.Popen] = []

    def start(self, name: str, argv: list[str], env: dict) -> subprocess.Popen:
        log = (self.folder / f"{name}-{len(self.started)}.log").open("w")
        proc = subprocess.Popen(
            argv, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.started.append(proc)
        return proc

    def dispatcher(self, env: dict, *args: str) -> subprocess.Popen:
        return self.start("dispatch", [str(BIN / "vero"), "dispatch", *args], env)

    def worker(self, env: dict) -> subprocess.Popen:
        """`vero worker`, able to import the tests' own job functions (tests/console/slow_work)."""
        return self.start("worker", [str(BIN / "vero"), "worker"], {**env, "PYTHONPATH": ROOT})

    def web(self, env: dict, port: int, workers: int = 2) -> subprocess.Popen:
        return self.start(
            "gunicorn",
            [
                str(BIN / "gunicorn"),
                "-w",
                str(workers),
                "--threads",
                "4",
                "-b",
                f"127.0.0.1:{port}",
                "--graceful-timeout",
                "5",
                "vero.web.app:server_app()",
            ],
            env,
        )

    def stop(self, proc: subprocess.Popen, timeout: float = 15) -> int:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        return proc.returncode

    def stop_all(self) -> None:
        for proc in reversed(self.started):
            self.stop(proc)

    def logs(self) -> str:
        return "\n".join(
            f"== {p.name}\n{p.read_text()[-3000:]}" for p in sorted(self.folder.glob("*.log"))
        )


class Api:
    """JSON calls to the web processes as the supervisor."""

    def __init__(self, base: str, token: str = SUPERVISOR) -> None:
        self.base = base
        self.token = token

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.base + path,
            data=data,
            method=method,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as reply:
                return reply.status, json.load(reply)
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")


def wait_until(check, timeout: float, what: str, step: float = 0.1):
    """Poll `check` until it returns something true; AssertionError naming `what` after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
        except OSError:
            result = None
        if result:
            return result
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(step)


def ready(api: Api) -> bool:
    return api.call("GET", "/readyz")[0] == 200


class HungTwilio:
    """A Twilio REST stand-in that accepts every TCP connection and never answers."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.getsockname()[1]}"

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.held.append(conn)

    def __enter__(self) -> HungTwilio:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.close()
        for conn in self.held:
            conn.close()
