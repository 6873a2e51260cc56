"""Timer accuracy of the dispatchers: p99 lateness of offer expiries and step timeouts with
4 `vero dispatch` processes (separate OS processes, one Redis) and 10,000 tasks in flight, and
across a `kill -9` of one dispatcher halfway.

The centre is the reference one, open around the clock, with its own timers (chat offers expire
after 30 s; queue steps after 10-300 s). 200 agents with room for 3 chats each never accept, so
their 600 offers expire and are made again all run long; 10,000 chats are enqueued over the
first seconds across seven queues, in a language nobody speaks (English) but one in ten, so
their step timeouts fall through the run. Lateness is measured by Redis itself: an event's
stream id (when the script ran) against the due time it carries.

The peer, in the same run: the same load on one dispatcher.

Usage: .venv/bin/python benchmarks/timers.py [--seconds 40] [--tasks 10000]  (about two
minutes; its own redis-servers). The last line: p99 lateness with 4 dispatchers (and after the
kill) against one dispatcher's (goal < 1 s).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parent.parent
INTERVAL = 0.2  # vero dispatch's default loop interval
DISPATCHERS, AGENTS = 4, 200
QUEUES = ("general", "product", "orders", "complaints", "vip", "partners", "b2b")


def p(samples: list[float], q: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(dispatchers: int, seconds: float, tasks: int, kill: bool) -> dict:
    """One layout: its own redis-server, `dispatchers` processes, the load; with `kill`, one
    dispatcher is killed (-9) halfway. Returns the lateness samples before and after."""
    from telephony.keys import Keys
    from telephony.routing.router import RedisRouter
    from tests.production.layout import Processes, environment, wait_until
    from vero.cli.demo.command import demo_centre
    from vero.cli.embedded_redis import EmbeddedRedis
    from vero.kernel.centre import load_centre

    keys = Keys("cosmetics")
    folder = Path(tempfile.mkdtemp(prefix="vero-timers-"))
    with EmbeddedRedis(folder / "redis", persistent=False) as server:
        env = {
            **environment(server.url, folder, "http://127.0.0.1:9", "http://127.0.0.1:9"),
            "VERO_CENTRE": str(demo_centre(folder)),
        }
        client = redis.Redis.from_url(server.url)
        router = RedisRouter(client, load_centre(Path(env["VERO_CENTRE"])))
        processes = Processes(folder)
        try:
            procs = [
                processes.dispatcher(env, "--interval", str(INTERVAL)) for _ in range(dispatchers)
            ]
            wait_until(
                lambda: client.hlen(keys.dispatchers()) == dispatchers, 120, "the dispatchers"
            )
            capacity = {"voice": 0, "chat": 3, "whatsapp": 0, "sms": 0, "email": 0}
            for i in range(AGENTS):
                router.upsert_agent(f"a{i}", dict.fromkeys(QUEUES, 2), ("id",), capacity)
                router.set_agent_state(f"a{i}", "available")
            start = time.time()
            cursor = "0-0"
            late: list[tuple[float, float]] = []  # (applied at, lateness)

            def collect() -> None:
                nonlocal cursor
                while entries := client.xrange(keys.events(), min=f"({cursor}", count=5000):
                    for entry_id, fields in entries:
                        if fields[b"type"] in (b"timeout", b"step"):
                            applied = int(entry_id.split(b"-")[0]) / 1000
                            late.append((applied, applied - float(fields[b"at"])))
                    cursor = entries[-1][0].decode()

            for n in range(tasks):  # English chats: nobody takes them, they step on
                router.enqueue(
                    f"c{n}", "chat", QUEUES[n % len(QUEUES)], "id" if n % 10 == 0 else "en"
                )
                if n % 1000 == 999:
                    collect()
            enqueued = time.time() - start
            loaded = time.time()  # the run proper: `seconds` from here, the kill halfway
            killed_at = loaded + seconds / 2 if kill else float("inf")
            while time.time() < loaded + seconds:
                if time.time() >= killed_at and procs[0].poll() is None:
                    os.kill(procs[0].pid, signal.SIGKILL)
                collect()
                time.sleep(0.5)
            collect()
            in_flight = client.hlen(keys.tasks())
            scripts = client.info("commandstats").get("cmdstat_evalsha", {})
        finally:
            processes.stop_all()
    print(
        f"{dispatchers} dispatcher(s): {tasks} tasks enqueued in {enqueued:.1f} s, "
        f"{in_flight} in flight at the end; {scripts.get('calls', 0)} script calls, "
        f"{scripts.get('usec_per_call', 0):.0f} us each inside Redis"
    )
    return {
        "before": [x for at, x in late if at < killed_at],
        "after": [x for at, x in late if at >= killed_at],
    }


def row(name: str, samples: list[float]) -> None:
    print(
        f"{name:<32}{len(samples):>8}{p(samples, 0.5):>8.3f}{p(samples, 0.99):>8.3f}"
        f"{max(samples, default=float('nan')):>8.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seconds", type=float, default=40, help="seconds of each run after the tasks are enqueued"
    )
    parser.add_argument("--tasks", type=int, default=10_000)
    args = parser.parse_args()
    single = run(1, args.seconds, args.tasks, kill=False)["before"]
    many = run(DISPATCHERS, args.seconds, args.tasks, kill=True)
    load = os.getloadavg()
    print(f"machine load {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} cores")
    print(f"{'timers applied':<32}{'count':>8}{'p50 s':>8}{'p99 s':>8}{'max s':>8}")
    row("1 dispatcher", single)
    row(f"{DISPATCHERS} dispatchers", many["before"])
    row(f"{DISPATCHERS - 1} after kill -9 of one", many["after"])
    both = many["before"] + many["after"]
    print(
        f"timer lateness p99 {p(both, 0.99):.3f} s with {DISPATCHERS} dispatchers and "
        f"{args.tasks} tasks (after kill -9: {p(many['after'], 0.99):.3f} s; goal < 1) vs "
        f"{p(single, 0.99):.3f} s with 1 = {p(both, 0.99) / p(single, 0.99):.2f}x; "
        f"loop interval {INTERVAL:g} s"
    )


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
