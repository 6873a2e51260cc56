"""Routing decision speed of the Redis router with 100, 1,000 and 10,000 agents over 20 skills.

For each size, in one run against one Redis:
- task -> agent: `enqueue` of a task that finds and reserves an agent (one Lua call; every agent
  available, the task then accepted and completed, untimed, so the centre stays in steady state);
- agent -> task: `complete` of an assigned task while work is waiting (the complete script, then
  `agent_ready` picks the best waiting task across the agent's queues: two Lua calls);
- ceiling: a no-op Lua script call (`return 1`) with the same client;
- baseline: a naive non-atomic router: SINTER of the skill, language and available-agent sets,
  then a lock per candidate agent with SET NX until one is won.
Latencies are client-side (round trip included). Assignments per second count the whole
enqueue -> accept -> complete cycle of one client.

Usage: .venv/bin/python benchmarks/router.py   (REDIS_URL to use a running Redis; by default an
embedded redis-server is started). The last line prints the key ratios.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import redis
from rich.console import Console
from rich.table import Table

from telephony.routing.router import RedisRouter
from vero.cli.embedded_redis import EmbeddedRedis
from vero.kernel.centre import Centre, parse_centre

SIZES = (100, 1_000, 10_000)
SKILLS = [f"s{i:02d}" for i in range(20)]
SAMPLES = 3_000
T0 = 1_700_000_000.0


def bench_centre() -> Centre:
    return parse_centre(
        {
            "id": "bench",
            "name": "Router benchmark",
            "timezone": "Asia/Jakarta",
            "holiday_country": None,
            "opening_hours": {d: ["00:00", "24:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
            "languages": ["id", "en"],
            "default_language": "id",
            "channels": {
                "chat": {"target_seconds": 60, "capacity": 3, "offer_timeout": 3600},
                "voice": {
                    "target_seconds": 15,
                    "capacity": 1,
                    "offer_timeout": 3600,
                    "exclusive": True,
                },
            },
            "skills": {s: {"id": s, "en": s} for s in SKILLS},
            "queues": {
                f"q{s}": {"skill": s, "wrap_up_seconds": 0, "steps": [{"min_level": 1}]}
                for s in SKILLS
            },
            "staffing_groups": {"all": {"channels": ["chat", "voice"]}},
        }
    )


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def cleanup(client: redis.Redis, pattern: str) -> None:
    doomed = list(client.scan_iter(match=pattern, count=5000))
    for start in range(0, len(doomed), 1000):
        client.delete(*doomed[start : start + 1000])


class Clock:
    """Monotonic millisecond times for the router (so every offer stays valid)."""

    def __init__(self) -> None:
        self.t = T0

    def __call__(self) -> float:
        self.t += 0.001
        return round(self.t, 3)


def evalsha_usec(client: redis.Redis) -> tuple[int, float]:
    """(calls, total microseconds) of EVALSHA so far, server-side (no client or network time)."""
    stats = client.info("commandstats").get("cmdstat_evalsha", {})
    return int(stats.get("calls", 0)), float(stats.get("usec", 0))


def agent_profile(rng: random.Random) -> tuple[dict[str, int], tuple[str, ...]]:
    skills = {s: rng.randint(1, 5) for s in rng.sample(SKILLS, 3)}
    return skills, ("id", "en") if rng.random() < 0.5 else ("id",)


def bench_router(client: redis.Redis, centre: Centre, n_agents: int) -> dict[str, float]:
    namespace = f"bench-{uuid.uuid4().hex[:8]}"
    clock = Clock()
    router = RedisRouter(client, centre, namespace=namespace, clock=clock)
    rng = random.Random(n_agents)
    try:
        for i in range(n_agents):
            skills, languages = agent_profile(rng)
            router.upsert_agent(f"a{i:05d}", skills, languages, {"chat": 3, "voice": 1})
            router.set_agent_state(f"a{i:05d}", "available")
        # task -> agent: every agent has room; each task is accepted and completed (untimed)
        enq, seq = [], 0
        cycle_start = time.perf_counter()
        misses = 0
        server, probing = 0.0, 0.0
        for _ in range(SAMPLES):
            seq += 1
            queue = f"q{rng.choice(SKILLS)}"
            probe = time.perf_counter()
            before = evalsha_usec(client)[1]
            start = time.perf_counter()
            offers = router.enqueue(f"t{seq}", "chat", queue, "id")
            end = time.perf_counter()
            enq.append(end - start)
            server += evalsha_usec(client)[1] - before
            probing += (start - probe) + (time.perf_counter() - end)
            if not offers:
                misses += 1
                router.cancel(f"t{seq}", "canceled")
                continue
            router.accept(offers[0].offer)
            router.complete(offers[0].task)
        cycle = time.perf_counter() - cycle_start - probing  # without the INFO probes
        # agent -> task: fill every agent, keep a backlog waiting, then complete one at a time
        held: list[str] = []
        backlog = 0
        while backlog < 2 * SAMPLES:
            seq += 1
            offers = router.enqueue(f"t{seq}", "chat", f"q{rng.choice(SKILLS)}", "id")
            if offers:
                router.accept(offers[0].offer)
                held.append(offers[0].task)
            else:
                backlog += 1
        rng.shuffle(held)
        free = []
        free_server = 0.0
        for _ in range(SAMPLES):
            task_id = held.pop()
            before = evalsha_usec(client)[1]
            start = time.perf_counter()
            offers = router.complete(task_id)
            free.append(time.perf_counter() - start)
            free_server += evalsha_usec(client)[1] - before
            for offer in offers:
                router.accept(offer.offer)
                held.insert(0, offer.task)
        return {
            "enq_p50": pct(enq, 0.5),
            "enq_p99": pct(enq, 0.99),
            "enq_mean": statistics.fmean(enq),
            "free_p50": pct(free, 0.5),
            "free_p99": pct(free, 0.99),
            "free_mean": statistics.fmean(free),
            "per_s": (SAMPLES - misses) / cycle,
            "misses": misses,
            "enq_server": server / SAMPLES / 1e6,
            "free_server": free_server / SAMPLES / 1e6,
        }
    finally:
        cleanup(client, router.keys.all_keys_pattern())


def bench_noop(client: redis.Redis) -> dict[str, float]:
    script = client.register_script("return 1")
    script()
    times = []
    for _ in range(SAMPLES):
        start = time.perf_counter()
        script()
        times.append(time.perf_counter() - start)
    return {"p50": pct(times, 0.5), "p99": pct(times, 0.99), "mean": statistics.fmean(times)}


def bench_naive(client: redis.Redis, n_agents: int) -> dict[str, float]:
    """Non-atomic baseline: candidates by set intersection, then SET NX locks, one per agent."""
    prefix = f"naive-{uuid.uuid4().hex[:8]}:"
    rng = random.Random(n_agents)
    try:
        with client.pipeline(transaction=False) as pipe:
            for i in range(n_agents):
                skills, languages = agent_profile(rng)
                for skill in skills:
                    pipe.sadd(f"{prefix}skill:{skill}", f"a{i:05d}")
                for lang in languages:
                    pipe.sadd(f"{prefix}lang:{lang}", f"a{i:05d}")
                pipe.sadd(f"{prefix}available", f"a{i:05d}")
            pipe.execute()
        times = []
        for seq in range(SAMPLES):
            skill = rng.choice(SKILLS)
            start = time.perf_counter()
            candidates = client.sinter(
                f"{prefix}skill:{skill}", f"{prefix}lang:id", f"{prefix}available"
            )
            won = None
            for agent in sorted(candidates):
                if client.set(f"{prefix}lock:{agent.decode()}", f"t{seq}", nx=True, px=60_000):
                    won = agent
                    break
            times.append(time.perf_counter() - start)
            if won is not None:
                client.delete(f"{prefix}lock:{won.decode()}")  # task done (untimed)
        return {"p50": pct(times, 0.5), "p99": pct(times, 0.99), "mean": statistics.fmean(times)}
    finally:
        cleanup(client, prefix + "*")


def run(url: str) -> None:
    console = Console(width=200)
    client = redis.Redis.from_url(url)
    centre = bench_centre()
    table = Table(title=f"Redis router decisions ({SAMPLES} samples per figure; ms, client-side)")
    for col in (
        "agents",
        "enqueue p50",
        "enqueue p99",
        "enqueue server mean",
        "agent-free p50",
        "agent-free p99",
        "agent-free server mean",
        "no-op p50",
        "no-op p99",
        "naive p50",
        "naive p99",
        "assignments/s",
    ):
        table.add_column(col, justify="right")
    rows = {}
    for n in SIZES:
        console.print(f"[dim]{n} agents...[/dim]")
        r = bench_router(client, centre, n)
        noop = bench_noop(client)
        naive = bench_naive(client, n)
        rows[n] = (r, noop, naive)
        table.add_row(
            f"{n:,}",
            *(
                f"{v * 1000:.3f}"
                for v in (
                    r["enq_p50"],
                    r["enq_p99"],
                    r["enq_server"],
                    r["free_p50"],
                    r["free_p99"],
                    r["free_server"],
                    noop["p50"],
                    noop["p99"],
                    naive["p50"],
                    naive["p99"],
                )
            ),
            f"{r['per_s']:,.0f}",
        )
    console.print(table)
    big, small = rows[SIZES[-1]], rows[SIZES[0]]
    p99 = big[0]["enq_p99"] * 1000
    growth = big[0]["enq_p50"] / small[0]["enq_p50"]
    growth_free = big[0]["free_p50"] / small[0]["free_p50"]
    print(
        f"p99 decision at 10k agents {p99:.2f} ms (goal < 2), agent-free p99 "
        f"{big[0]['free_p99'] * 1000:.2f} ms; growth 10k/100 {growth:.2f}x enqueue, "
        f"{growth_free:.2f}x agent-free (goal <= 1.5), server-side "
        f"{big[0]['enq_server'] / small[0]['enq_server']:.2f}x; "
        f"{big[0]['enq_p50'] / big[1]['p50']:.1f}x "
        f"the no-op Lua ceiling; {big[0]['enq_p50'] / big[2]['p50']:.2f}x the naive baseline "
        f"(p50 at 10k)"
    )
    client.close()


def main() -> None:
    url = os.environ.get("REDIS_URL")
    if url:
        run(url)
        return
    with (
        tempfile.TemporaryDirectory() as folder,
        EmbeddedRedis(Path(folder), persistent=False) as server,
    ):
        run(server.url)


if __name__ == "__main__":
    sys.exit(main())
