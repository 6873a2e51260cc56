"""What the webhook benchmarks share: the always-open centre, the bare Flask peer, gunicorn
started and stopped by PID, and simulated callers that walk the IVR with signed webhooks."""

from __future__ import annotations

import http.client
import os
import random
import secrets
import socket
import statistics
import subprocess
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

import yaml
from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "bench-twilio-auth-token"
SUPERVISOR_TOKEN = "bench-supervisor-token"
BARE_TWIML = (
    '<?xml version="1.0" encoding="UTF-8"?><Response><Say>Terima kasih</Say>'
    "<Redirect>/twilio/voice</Redirect></Response>"
)
BARE_STREAM_SECONDS = 30
BARE_STREAM_EVERY = 2.0


def bare_app():
    """gunicorn factory: the floor to compare with (no signature, no Redis): constant TwiML, and
    a naive wallboard stream (a constant frame every 2 s for 30 s, as Vero's was) behind a login
    that only sets a cookie."""
    from flask import Flask, Response, redirect, stream_with_context

    app = Flask("bare")

    @app.post("/twilio/voice", defaults={"step": ""})
    @app.post("/twilio/voice/<step>")
    def constant(step: str) -> Response:
        return Response(BARE_TWIML, mimetype="text/xml")

    @app.post("/console/login")
    def login() -> Response:
        reply = redirect("/console/")
        reply.set_cookie("session", "bare")
        return reply

    @app.get("/console/stream")
    def stream() -> Response:
        def frames():
            yield "retry: 1000\n\n"
            for _ in range(int(BARE_STREAM_SECONDS / BARE_STREAM_EVERY)):
                yield 'data: {"queues":[]}\n\n'
                time.sleep(BARE_STREAM_EVERY)

        return Response(stream_with_context(frames()), mimetype="text/event-stream")

    return app


def always_open_centre(folder: Path) -> Path:
    """The reference centre open around the clock and on holidays, so that every run walks the
    same path (menu, queue, hold) whatever the hour in Jakarta."""
    from vero.kernel.centre import WEEKDAYS, reference_centre_path

    raw = yaml.safe_load(reference_centre_path().read_text(encoding="utf-8"))
    raw["opening_hours"] = {day: ["00:00", "24:00"] for day in WEEKDAYS}
    raw["closed_on_holidays"] = False
    path = folder / "centre.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def vero_env(redis_url: str, folder: Path) -> dict[str, str]:
    """The settings of a benchmarked Vero: the given Redis, the always-open centre."""
    return {
        "REDIS_URL": redis_url,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "VERO_SUPERVISOR_TOKEN": SUPERVISOR_TOKEN,
        "VERO_DATA_DIR": str(folder / "data"),
        "VERO_CENTRE": str(always_open_centre(folder)),
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A server process on 127.0.0.1 started from `argv` (with {port} filled in), ready once it
    accepts connections, stopped by its PID."""

    def __init__(self, argv: list[str], env: dict[str, str], port: int | None = None) -> None:
        self.port = port or free_port()
        self.public = f"http://127.0.0.1:{self.port}"  # what the callers sign
        env = {**os.environ, **env, "PUBLIC_BASE_URL": self.public}
        self.proc = subprocess.Popen(
            [a.format(port=self.port) for a in argv],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{argv[:4]} exited with {self.proc.returncode}")
            try:
                http.client.HTTPConnection("127.0.0.1", self.port, timeout=1).connect()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{argv[:4]} did not start")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)


class Caller:
    """One simulated call, played as Twilio plays TwiML: at a <Gather> it presses its next digit
    (2 for English, then 1 for product information) and posts to the action; otherwise it follows
    the <Redirect>. Each URL is signed in full, as Twilio signs it. Once its digits are spent the
    call stays on hold, following the hold loop's redirect."""

    DIGITS = ("2", "1")

    def __init__(self, port: int, public: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.public = public
        self.validator = RequestValidator(TOKEN)
        self.params = {
            "CallSid": "CA" + secrets.token_hex(16),
            "AccountSid": "AC" + "0" * 32,
            "From": f"+62899{random.randrange(10**7):07d}",
            "To": "+622150001234",
            "CallStatus": "in-progress",
        }
        self.digits = list(self.DIGITS)
        self.url, self.extra = public + "/twilio/voice", {}

    def next_request(self) -> float:
        parts = urlsplit(self.url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        params = {**self.params, **self.extra}
        signature = self.validator.compute_signature(self.url, params)
        started = time.perf_counter()
        self.conn.request(
            "POST",
            path,
            urlencode(params),
            {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature},
        )
        reply = self.conn.getresponse()
        data = reply.read()
        elapsed = time.perf_counter() - started
        if reply.status != 200 or b"<Response" not in data:
            raise RuntimeError(f"{path}: {reply.status} {data[:200]!r}")
        self._follow(ET.fromstring(data), path)
        return elapsed

    def _follow(self, twiml: ET.Element, path: str) -> None:
        gather, redirect = twiml.find("Gather"), twiml.find("Redirect")
        if gather is not None and self.digits:
            self.url = urljoin(self.public, gather.get("action"))
            self.extra = {"Digits": self.digits.pop(0)}
        elif redirect is not None:
            self.url, self.extra = urljoin(self.public, redirect.text), {}
        else:
            raise RuntimeError(f"{path}: the call ended: {ET.tostring(twiml)[:200]!r}")


def run_callers(
    port: int,
    public: str,
    callers: int,
    *,
    total: int | None = None,
    rounds: int = 8,
    pace: float = 0.5,
) -> tuple[float, list[float]]:
    """`callers` calls at once. With `total`: back to back until that many requests in all
    (throughput); otherwise each sends `rounds` requests, pausing about `pace` s before each, as
    calls on an IVR do (latency). Returns requests per second and every latency (seconds)."""
    latencies: list[float] = []
    lock = threading.Lock()
    budget = [total or 0]

    def call() -> None:
        caller, mine = Caller(port, public), []
        while True:
            if total is None:
                if len(mine) == rounds:
                    break
                time.sleep(random.uniform(0, 2 * pace))
            else:
                with lock:
                    if budget[0] == 0:
                        break
                    budget[0] -= 1
            mine.append(caller.next_request())
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=call) for _ in range(callers)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(latencies) / (time.perf_counter() - started), latencies


def pct(values: list[float], q: int) -> float:
    """The q-th percentile in milliseconds."""
    return statistics.quantiles(values, n=100)[q - 1] * 1000
