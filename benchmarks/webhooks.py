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

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.support.ivr_calls import (  # noqa: E402
    Server,
    pct,
    run_callers,
    vero_env,
)

CALLERS = 200
TOTAL = 6000  # requests of the throughput phase, per server
PACED_ROUNDS = 8  # requests per caller in the latency phase
PACE_SECONDS = 0.5
FACTORIES = {
    "bare Flask (constant TwiML)": "benchmarks.support.ivr_calls:bare_app()",
    "Vero IVR webhooks": "vero.web.app:server_app()",
}


def gunicorn(app: str) -> list[str]:
    return [
        str(ROOT / ".venv/bin/gunicorn"),
        "-w",
        "2",
        "-k",
        "gthread",
        "--threads",
        "8",
        "--backlog",
        "1024",
        "-b",
        "127.0.0.1:{port}",
        "--log-level",
        "warning",
        app,
    ]


def main() -> None:
    from vero.cli.embedded_redis import EmbeddedRedis

    with (
        tempfile.TemporaryDirectory() as tmp,
        EmbeddedRedis(Path(tmp) / "redis", persistent=False) as redis_server,
    ):
        results = {}
        env = vero_env(redis_server.url, Path(tmp))
        for name, app in FACTORIES.items():
            server = Server(gunicorn(app), env)
            try:
                run_callers(server.port, server.public, CALLERS, total=TOTAL)  # warm-up
                rps, fast = run_callers(server.port, server.public, CALLERS, total=TOTAL)
                _, paced = run_callers(
                    server.port, server.public, CALLERS, rounds=PACED_ROUNDS, pace=PACE_SECONDS
                )
            finally:
                server.stop()
            results[name] = (
                rps,
                pct(fast, 50),
                pct(fast, 99),
                pct(paced, 50),
                pct(paced, 99),
                len(fast) + len(paced),
            )
    print(f"{CALLERS} simulated callers, gunicorn -w 2 -k gthread --threads 8, 127.0.0.1")
    print(
        f"{'server':<30}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'paced p50':>11}"
        f"{'paced p99':>11}{'requests':>10}"
    )
    for name, (rps, p50, p99, pp50, pp99, n) in results.items():
        print(f"{name:<30}{rps:>9.0f}{p50:>9.1f}{p99:>9.1f}{pp50:>11.1f}{pp99:>11.1f}{n:>10}")
    bare, vero = results["bare Flask (constant TwiML)"], results["Vero IVR webhooks"]
    print(
        f"throughput Vero/bare = {vero[0] / bare[0]:.2f}x (goal >= 0.6); "
        f"paced p99 = {vero[4]:.1f} ms (goal < 25)"
    )


if __name__ == "__main__":
    main()
