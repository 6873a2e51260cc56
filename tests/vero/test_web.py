"""`vero web` as an operator runs it: settings checked before anything forks, gunicorn workers,
wallboard streams that never starve a webhook, /metrics summed over the workers, JSON logs."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from prometheus_client.parser import text_string_to_metric_families
from twilio.request_validator import RequestValidator

from vero.cli.embedded_redis import EmbeddedRedis
from vero.cli.web import WebOptions, problems_with

TWILIO_TOKEN = "web-test-twilio-token"
SUPERVISOR = "web-test-supervisor-token"
CALLER = "+6281234567890"
THREADS, STREAM_LIMIT, STREAMS = 20, 3, 6  # more viewers than the worker takes


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(tmp: Path, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "VERO_SUPERVISOR_TOKEN": SUPERVISOR,
        "VERO_DATA_DIR": str(tmp / "data"),
        **extra,
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    return env


def test_every_problem_is_one_line_and_nothing_starts(tmp_path):
    env = _env(
        tmp_path, VERO_SUPERVISOR_TOKEN="short", VERO_LOG_FORMAT="xml", VERO_METRICS_TOKEN="tiny"
    )
    env.pop("REDIS_URL", None)
    reply = subprocess.run(
        [sys.executable, "-m", "vero.cli", "web", "--threads", "20", "--stream-limit", "10"],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert reply.returncode == 2
    lines = reply.stderr.strip().splitlines()
    assert [line.split(":")[1].strip() for line in lines] == [
        "VERO_SUPERVISOR_TOKEN",
        "REDIS_URL",
        "VERO_LOG_FORMAT",
        "VERO_METRICS_TOKEN",
        "--stream-limit 10 leaves fewer than 16 of the 20 threads for webhooks",
    ]
    assert all(line.startswith("vero web: ") for line in lines)
    assert "Traceback" not in reply.stderr and not (tmp_path / "data" / "metrics").exists()


def test_an_unreachable_redis_and_a_bad_bind_are_reported(tmp_path):
    env = _env(tmp_path, REDIS_URL=f"redis://127.0.0.1:{_free_port()}/0")
    _, problems = problems_with(WebOptions(bind="localhost"), env)
    assert len(problems) == 2
    assert problems[0].startswith("REDIS_URL: cannot reach redis://127.0.0.1:")
    assert problems[1] == "--bind: 'localhost' is not HOST:PORT or unix:PATH"


def test_check_prints_the_gunicorn_command(tmp_path, redis_url):
    reply = subprocess.run(
        [sys.executable, "-m", "vero.cli", "web", "--check", "-w", "3"],
        env=_env(tmp_path, REDIS_URL=redis_url),
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert reply.returncode == 0, reply.stderr
    command = reply.stdout.split()
    assert command[1:3] == ["-m", "gunicorn"] and command[-1] == "vero.web.app:server_app()"
    assert command[command.index("--workers") + 1] == "3"
    assert command[command.index("--worker-class") + 1] == "gthread"


class Web:
    """`vero web --log-json` with one small worker on its own embedded Redis; stderr kept."""

    def __init__(self, tmp: Path, redis_url: str) -> None:
        self.port = _free_port()
        self.public = f"http://127.0.0.1:{self.port}"
        self.log = tmp / "web.log"
        env = _env(tmp, REDIS_URL=redis_url, PUBLIC_BASE_URL=self.public)
        with self.log.open("w") as log:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "vero.cli",
                    "web",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    "2",
                    "--threads",
                    str(THREADS),
                    "--stream-limit",
                    str(STREAM_LIMIT),
                    "--log-json",
                ],
                env=env,
                stdout=log,
                stderr=log,
            )
        deadline = time.monotonic() + 180  # imports of two workers on a loaded machine
        while self.get("/healthz")[0] != 200:
            assert self.proc.poll() is None, self.log.read_text()
            assert time.monotonic() < deadline, self.log.read_text()
            time.sleep(0.2)

    def get(self, path: str, headers: dict | None = None) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request("GET", path, headers=headers or {})
            reply = conn.getresponse()
            return reply.status, reply.read().decode()
        except OSError:
            return 0, ""
        finally:
            conn.close()

    def webhook(self, call_sid: str) -> tuple[int, str, float]:
        params = {
            "CallSid": call_sid,
            "AccountSid": "AC" + "0" * 32,
            "From": CALLER,
            "To": "+622150001234",
            "CallStatus": "ringing",
        }
        signature = RequestValidator(TWILIO_TOKEN).compute_signature(
            self.public + "/twilio/voice", params
        )
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        started = time.monotonic()
        conn.request(
            "POST",
            "/twilio/voice",
            urlencode(params),
            {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature},
        )
        reply = conn.getresponse()
        body = reply.read().decode()
        conn.close()
        return reply.status, body, time.monotonic() - started

    def login(self) -> str:
        """The console's login form, posted as its page does: with the page's session cookie
        and CSRF token. The logged-in session's cookie."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        conn.request("GET", "/console/login")
        page = conn.getresponse()
        form = page.read().decode()
        cookie = page.getheader("Set-Cookie").split(";", 1)[0]
        token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        conn.request(
            "POST",
            "/console/login",
            urlencode({"token": SUPERVISOR, "csrf_token": token}),
            {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
        )
        reply = conn.getresponse()
        reply.read()
        conn.close()
        assert reply.status == 302
        return reply.getheader("Set-Cookie").split(";", 1)[0]

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


@pytest.fixture(scope="module")
def web(tmp_path_factory) -> Iterator[Web]:
    tmp = tmp_path_factory.mktemp("web")
    with EmbeddedRedis(tmp / "redis", persistent=False) as redis_server:
        server = Web(tmp, redis_server.url)
        try:
            yield server
        finally:
            server.stop()


class Viewer(threading.Thread):
    """One wallboard holding /console/stream open: its status, first frame, Retry-After."""

    def __init__(self, web: Web, cookie: str) -> None:
        super().__init__(daemon=True)
        self.web, self.cookie = web, cookie
        self.status, self.first, self.retry_after = 0, "", None
        self.got_reply = threading.Event()
        self.conn = http.client.HTTPConnection("127.0.0.1", web.port, timeout=30)

    def run(self) -> None:
        self.conn.request("GET", "/console/stream", headers={"Cookie": self.cookie})
        reply = self.conn.getresponse()
        self.status, self.retry_after = reply.status, reply.getheader("Retry-After")
        if reply.status != 200:
            self.first = reply.read().decode()
            self.got_reply.set()
            return
        frames = []
        for line in reply:
            if line.strip():
                frames.append(line.decode().strip())
            if len(frames) == 2:
                self.first = "\n".join(frames)
                self.got_reply.set()
                break
        with contextlib.suppress(OSError, http.client.HTTPException):
            reply.read()  # held until the stream ends (or the test closes it)

    def close(self) -> None:
        if self.conn.sock is not None:
            self.conn.sock.close()


def test_webhooks_answer_promptly_while_the_streams_fill_the_workers(web):
    cookie = web.login()
    viewers = [Viewer(web, cookie) for _ in range(2 * STREAMS)]  # 12 viewers, 3 or 6 taken
    for viewer in viewers:
        viewer.start()
    try:
        for viewer in viewers:
            assert viewer.got_reply.wait(20)
        held = [v for v in viewers if v.status == 200]
        refused = [v for v in viewers if v.status == 503]
        # each worker takes at most its limit (which worker accepts a connection is the
        # kernel's choice, so one may take them all)
        assert STREAM_LIMIT <= len(held) <= 2 * STREAM_LIMIT
        assert len(refused) == len(viewers) - len(held)
        assert all(v.first.startswith("retry: 1000\ndata: {") for v in held)
        assert all(v.first.startswith("retry: 5000") and v.retry_after == "5" for v in refused)
        # every stream the workers take is open now: webhooks, some at once, still answer
        answers: list[tuple[int, str, float]] = []
        callers = [
            threading.Thread(target=lambda i=i: answers.append(web.webhook(f"CA{i:032d}")))
            for i in range(8)
        ]
        for caller in callers:
            caller.start()
        for caller in callers:
            caller.join(20)
        assert len(answers) == 8
        for status, body, seconds in answers:
            assert status == 200 and body.startswith("<?xml") and "<Response>" in body
            assert seconds < 5  # promptly: a stream would hold a webhook for 30 s
    finally:
        for viewer in viewers:
            viewer.close()


def test_metrics_sum_the_workers_and_need_a_token(web):
    for i in range(6):
        assert web.webhook(f"CA{100 + i:032d}")[0] == 200
    assert web.get("/metrics")[0] == 401
    status, text = web.get("/metrics", {"Authorization": f"Bearer {SUPERVISOR}"})
    assert status == 200
    families = {f.name: f for f in text_string_to_metric_families(text)}
    counts = [
        s.value
        for s in families["vero_http_request_duration_seconds"].samples
        if s.name.endswith("_count") and s.labels["endpoint"] == "voice.incoming"
    ]
    assert sum(counts) >= 6  # from whichever worker answered each: multiprocess mode
    assert {
        "vero_queue_waiting",
        "vero_offers",
        "vero_dispatcher_heartbeat_age_seconds",
        "vero_twilio_rest_calls",
    } <= set(families)


def test_the_log_is_json_lines_with_the_call_sid_and_masked_numbers(web):
    call_sid = "CA" + "7" * 32
    assert web.webhook(call_sid)[0] == 200
    deadline = time.monotonic() + 10
    while True:
        lines = web.log.read_text().splitlines()
        entries = [json.loads(line) for line in lines if line.strip()]  # every line is JSON
        mine = [e for e in entries if e.get("call_sid") == call_sid]
        if any(e["logger"] == "vero.http" for e in mine) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    access = next(e for e in mine if e["logger"] == "vero.http")
    assert access["path"] == "/twilio/voice" and access["status"] == 200
    assert any(e["logger"] == "gunicorn.error" for e in entries)  # gunicorn's own lines too
    assert CALLER not in web.log.read_text() and "+62*******7890" in web.log.read_text()
