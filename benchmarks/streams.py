"""Wallboard streams against webhooks: do 100 open wallboards slow the IVR down?

The production server (`vero web`, its default gthread configuration unless `--worker-class
gevent`, 2 workers) on 127.0.0.1 with an embedded Redis. Per server, two phases of 200 callers
walking the IVR with signed webhooks (a webhook every ~0.5 s each, as in benchmarks/webhooks.py):
  without streams: the callers alone;
  with streams:    the same while 100 logged-in wallboards hold /console/stream open, reading
                   every frame and reconnecting as EventSource does (after the stream's end, and
                   5 s after a refusal).
The peer is a bare Flask app (constant TwiML, a naive stream that holds its thread) under the same
gunicorn command. Printed: webhook p50/p99/max per phase, the frames the wallboards received and
the refusals; last line: Vero's p99 with 100 streams vs without, with the bare ratio beside it.
Goal: Vero's webhook p99 under 50 ms with the streams open, and every wallboard updating.

Usage: .venv/bin/python benchmarks/streams.py [--worker-class gevent] [--workers N]
"""

from __future__ import annotations

import argparse
import http.client
import re
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.support.ivr_calls import (  # noqa: E402
    SUPERVISOR_TOKEN,
    Server,
    pct,
    run_callers,
    vero_env,
)
from vero.cli.web import WebOptions, gunicorn_argv  # noqa: E402

CALLERS = 200
ROUNDS = 12  # webhooks per caller and phase
PACE_SECONDS = 0.5
WALLBOARDS = 100
SETTLE_SECONDS = 3.0  # after opening the streams, before the callers start
APPS = {
    "Vero": "vero.web.app:server_app()",
    "bare Flask": "benchmarks.support.ivr_calls:bare_app()",
}


@dataclass
class Wallboards:
    """`count` EventSource-like readers of /console/stream, in threads, until `stop()`."""

    port: int
    cookie: str
    count: int
    frames: list[int] = field(default_factory=list)
    refused: list[int] = field(default_factory=list)
    connects: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.frames = [0] * self.count
        self.refused = [0] * self.count
        self.connects = [0] * self.count
        self._stopping = threading.Event()
        self._conns: list[http.client.HTTPConnection | None] = [None] * self.count
        self._threads = [
            threading.Thread(target=self._read, args=(i,), daemon=True) for i in range(self.count)
        ]
        for t in self._threads:
            t.start()

    def _read(self, i: int) -> None:
        while not self._stopping.is_set():
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            self._conns[i] = conn
            try:
                conn.request(
                    "GET",
                    "/console/stream",
                    headers={"Cookie": self.cookie, "Accept": "text/event-stream"},
                )
                reply = conn.getresponse()
                self.connects[i] += 1
                if reply.status != 200:
                    reply.read()
                    self.refused[i] += 1
                    self._stopping.wait(5.0)
                    continue
                for line in reply:
                    if line.startswith(b"data:"):
                        self.frames[i] += 1
                self._stopping.wait(1.0)  # the retry: hint
            except OSError:
                if not self._stopping.is_set():
                    self._stopping.wait(1.0)
            finally:
                conn.close()

    def stop(self) -> None:
        self._stopping.set()
        for conn in self._conns:
            if conn is not None and conn.sock is not None:
                conn.sock.close()  # unblocks a reader waiting for its next frame
        for t in self._threads:
            t.join(timeout=5)


def login_cookie(port: int) -> str:
    """The console's login form, posted as its page does: with the page's session cookie and
    CSRF token."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/console/login")
    page = conn.getresponse()
    form = page.read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)  # none on the bare peer
    fields = {"token": SUPERVISOR_TOKEN, **({"csrf_token": token.group(1)} if token else {})}
    conn.request(
        "POST",
        "/console/login",
        urlencode(fields),
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": page.getheader("Set-Cookie", "").split(";", 1)[0],
        },
    )
    reply = conn.getresponse()
    reply.read()
    cookie = reply.getheader("Set-Cookie", "").split(";", 1)[0]
    if reply.status != 302 or not cookie:
        raise RuntimeError(f"login failed: {reply.status}")
    return cookie


def measure(server: Server) -> dict[str, object]:
    run_callers(server.port, server.public, CALLERS, rounds=4, pace=0.25)  # warm-up
    _, alone = run_callers(server.port, server.public, CALLERS, rounds=ROUNDS, pace=PACE_SECONDS)
    boards = Wallboards(server.port, login_cookie(server.port), WALLBOARDS)
    try:
        time.sleep(SETTLE_SECONDS)
        before = list(boards.frames)
        started = time.perf_counter()
        _, crowded = run_callers(
            server.port, server.public, CALLERS, rounds=ROUNDS, pace=PACE_SECONDS
        )
        seconds = time.perf_counter() - started
        during = [after - first for after, first in zip(boards.frames, before, strict=True)]
    finally:
        boards.stop()
    updated = sum(1 for f in during if f > 0)
    return {
        "alone": alone,
        "crowded": crowded,
        "frames": sum(during),
        "seconds": seconds,
        "updated": updated,
        "refused": sum(boards.refused),
    }


def main() -> None:
    from vero.cli.embedded_redis import EmbeddedRedis

    parser = argparse.ArgumentParser()
    parser.add_argument("--worker-class", default=WebOptions.worker_class)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    options = WebOptions(
        bind="127.0.0.1:{port}", workers=args.workers, worker_class=args.worker_class
    )
    results = {}
    with (
        tempfile.TemporaryDirectory() as tmp,
        EmbeddedRedis(Path(tmp) / "redis", persistent=False) as redis_server,
    ):
        env = vero_env(redis_server.url, Path(tmp))
        for name, app in APPS.items():
            if name == "Vero":  # exactly what an operator runs
                argv = [
                    str(ROOT / ".venv/bin/vero"),
                    "web",
                    "--bind",
                    options.bind,
                    "--workers",
                    str(options.workers),
                    "--worker-class",
                    options.worker_class,
                ]
            else:
                argv = gunicorn_argv(options, app)
            server = Server(argv, env)
            try:
                results[name] = measure(server)
            finally:
                server.stop()
    print(
        f"{CALLERS} callers x {ROUNDS} signed webhooks, {WALLBOARDS} wallboards, vero web "
        f"-w {options.workers} -k {options.worker_class}"
        + (f" --threads {options.threads}" if options.worker_class == "gthread" else "")
        + f" (stream limit {options.streams_per_worker}/worker), 127.0.0.1"
    )
    print(
        f"{'server':<12}{'phase':<16}{'p50 ms':>8}{'p99 ms':>8}{'max ms':>8}{'webhooks':>10}"
        f"{'frames/s':>10}{'boards updated':>16}{'refused':>9}"
    )
    for name, r in results.items():
        for phase in ("alone", "crowded"):
            lat = r[phase]
            extra = (
                (
                    f"{r['frames'] / r['seconds']:>10.0f}{r['updated']:>10}/{WALLBOARDS:<5}"
                    f"{r['refused']:>9}"
                )
                if phase == "crowded"
                else ""
            )
            label = "no streams" if phase == "alone" else f"{WALLBOARDS} streams"
            print(
                f"{name:<12}{label:<16}{pct(lat, 50):>8.1f}{pct(lat, 99):>8.1f}"
                f"{max(lat) * 1000:>8.1f}{len(lat):>10}{extra}"
            )
    vero, bare = results["Vero"], results["bare Flask"]
    ratio = pct(vero["crowded"], 99) / pct(vero["alone"], 99)
    bare_ratio = pct(bare["crowded"], 99) / pct(bare["alone"], 99)
    print(
        f"webhook p99 with {WALLBOARDS} streams / without: Vero {ratio:.2f}x "
        f"({pct(vero['crowded'], 99):.1f} ms, goal < 50), bare Flask {bare_ratio:.2f}x"
    )


if __name__ == "__main__":
    main()
