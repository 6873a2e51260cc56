"""IVR webhook speed under gunicorn (2 workers): Vero's signed voice webhooks (entry, language
choice, menu choice that queues the call, hold loop) beside a bare Flask endpoint returning
constant TwiML, served the same way in the same run. Each simulated call follows the TwiML it is
given, as Twilio does; the centre is open around the clock so every run takes the same path.

Two phases per server, all on 127.0.0.1:
  throughput: 200 callers send requests back to back (a bounded total); requests per second.
  latency:    200 callers pace themselves like calls on an IVR (a webhook every ~0.5 s each);
              p50/p99 of the server's answer time under that load.
Goal: p99 under 25 ms and at least 0.6x the bare endpoint's throughput.
"""

from __future__ import annotations

import http.client
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

import yaml
from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-twilio-auth-token"
CALLERS = 200
TOTAL = 6000  # requests of the throughput phase, per server
PACED_ROUNDS = 8  # requests per caller in the latency phase
PACE_SECONDS = 0.5
BARE_TWIML = ('<?xml version="1.0" encoding="UTF-8"?><Response><Say>Terima kasih</Say>'
              '<Redirect>/twilio/voice</Redirect></Response>')


def vero_app():
    """gunicorn factory: the real app as a server process runs it, settings from the environment
    set by main()."""
    from vero.app import server_app

    return server_app()


def bare_app():
    """gunicorn factory: the floor to compare with (no signature, no Redis)."""
    from flask import Flask, Response

    app = Flask("bare")

    @app.post("/twilio/voice", defaults={"step": ""})
    @app.post("/twilio/voice/<step>")
    def constant(step: str) -> Response:
        return Response(BARE_TWIML, mimetype="text/xml")

    return app


def always_open_centre(folder: Path) -> Path:
    """The reference centre open around the clock and on holidays, so that every run walks the
    same path (menu, queue, hold) whatever the hour in Jakarta."""
    from vero.centre import WEEKDAYS, reference_centre_path

    raw = yaml.safe_load(reference_centre_path().read_text(encoding="utf-8"))
    raw["opening_hours"] = {day: ["00:00", "24:00"] for day in WEEKDAYS}
    raw["closed_on_holidays"] = False
    path = folder / "centre.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, factory: str, env: dict[str, str]) -> None:
        self.port = _free_port()
        self.public = f"http://127.0.0.1:{self.port}"  # what the callers sign
        env = {**env, "PUBLIC_BASE_URL": self.public}
        self.proc = subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "--chdir", str(ROOT), "-w", "2", "-k", "gthread",
             "--threads", "8", "--backlog", "1024", "-b", f"127.0.0.1:{self.port}",
             "--log-level", "warning", f"benchmarks.webhooks:{factory}()"],
            env={**os.environ, **env}, stdout=subprocess.DEVNULL)
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                http.client.HTTPConnection("127.0.0.1", self.port, timeout=1).connect()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"gunicorn {factory} did not start")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


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
        self.params = {"CallSid": "CA" + secrets.token_hex(16), "AccountSid": "AC" + "0" * 32,
                       "From": f"+62899{random.randrange(10**7):07d}", "To": "+622150001234",
                       "CallStatus": "in-progress"}
        self.digits = list(self.DIGITS)
        self.url, self.extra = public + "/twilio/voice", {}

    def next_request(self) -> float:
        parts = urlsplit(self.url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        params = {**self.params, **self.extra}
        signature = self.validator.compute_signature(self.url, params)
        started = time.perf_counter()
        self.conn.request("POST", path, urlencode(params), {
            "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature})
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


def run_phase(port: int, public: str, paced: bool) -> tuple[float, list[float]]:
    latencies: list[float] = []
    lock = threading.Lock()
    budget = [TOTAL]

    def worker() -> None:
        caller, mine = Caller(port, public), []
        rounds = 0
        while True:
            if paced:
                if rounds == PACED_ROUNDS:
                    break
                time.sleep(random.uniform(0, 2 * PACE_SECONDS))
            else:
                with lock:
                    if budget[0] == 0:
                        break
                    budget[0] -= 1
            mine.append(caller.next_request())
            rounds += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(CALLERS)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(latencies) / (time.perf_counter() - started), latencies


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[q - 1] * 1000


def main() -> None:
    from vero.embedded_redis import EmbeddedRedis

    with tempfile.TemporaryDirectory() as tmp, EmbeddedRedis(Path(tmp) / "redis",
                                                             persistent=False) as redis_server:
        results = {}
        centre = always_open_centre(Path(tmp))
        for name, factory in (("bare Flask (constant TwiML)", "bare_app"),
                              ("Vero IVR webhooks", "vero_app")):
            env = {"REDIS_URL": redis_server.url, "TWILIO_AUTH_TOKEN": TOKEN,
                   "VERO_SUPERVISOR_TOKEN": "bench-supervisor-token",
                   "VERO_DATA_DIR": str(Path(tmp) / "data"), "VERO_CENTRE": str(centre)}
            server = Server(factory, env)
            public = server.public
            try:
                run_phase(server.port, public, paced=False)  # warm-up
                rps, fast = run_phase(server.port, public, paced=False)
                _, paced = run_phase(server.port, public, paced=True)
            finally:
                server.stop()
            results[name] = (rps, pct(fast, 50), pct(fast, 99), pct(paced, 50), pct(paced, 99),
                             len(fast) + len(paced))
    print(f"{CALLERS} simulated callers, gunicorn -w 2 -k gthread --threads 8, 127.0.0.1")
    print(f"{'server':<30}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'paced p50':>11}"
          f"{'paced p99':>11}{'requests':>10}")
    for name, (rps, p50, p99, pp50, pp99, n) in results.items():
        print(f"{name:<30}{rps:>9.0f}{p50:>9.1f}{p99:>9.1f}{pp50:>11.1f}{pp99:>11.1f}{n:>10}")
    bare, vero = results["bare Flask (constant TwiML)"], results["Vero IVR webhooks"]
    print(f"throughput Vero/bare = {vero[0] / bare[0]:.2f}x (goal >= 0.6); "
          f"paced p99 = {vero[4]:.1f} ms (goal < 25)")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
