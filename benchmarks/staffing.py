"""Staffing a week of 15-minute intervals: vectorised bisection vs a naive scalar loop.

The peer is the textbook approach measured in the same run: for each interval on its own, try
1, 2, 3, ... agents with the same Erlang formulas until the target is met. Both must agree.
Run: .venv/bin/python benchmarks/staffing.py
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import numpy as np

from wfm.staffing import QueueModel, Target, performance, requirement

INTERVAL = 900  # seconds
AHT = 240.0
TARGET = Target(answer_seconds=15, service_level=0.8, max_occupancy=0.85)
REPEATS = 7


def week_volume() -> np.ndarray:
    """672 intervals: a morning and an afternoon peak, quieter weekends, closed at night."""
    hours = np.arange(96) / 4
    day = (
        np.exp(-(((hours - 10.5) / 1.8) ** 2))
        + 0.8 * np.exp(-(((hours - 14.5) / 2.2) ** 2))
        + 0.3 * np.exp(-(((hours - 19) / 1.5) ** 2))
    )
    day[(hours < 8) | (hours >= 21)] = 0.0
    weekly = np.array([1.15, 1.0, 0.95, 0.95, 1.05, 0.6, 0.4])
    return np.round(np.concatenate([140 * w * day for w in weekly]), 2)


def scalar_loop(volume: np.ndarray, model: QueueModel) -> np.ndarray:
    needed = np.zeros(len(volume))
    for i, contacts in enumerate(volume):
        agents = 0
        while contacts > 0:
            agents += 1
            metrics = performance(contacts, AHT, INTERVAL, agents, TARGET.answer_seconds, model)
            if (
                metrics.service_level >= TARGET.service_level
                and metrics.occupancy <= TARGET.max_occupancy
            ):
                break
        needed[i] = agents
    return needed


def timed(run: Callable[[], np.ndarray], repeats: int) -> tuple[float, np.ndarray]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3, result


def main() -> None:
    volume = week_volume()
    print(
        f"week: {len(volume)} intervals of 15 min, {volume.sum():.0f} calls, AHT {AHT:.0f} s, "
        f"peak {volume.max():.0f} calls/interval; median of {REPEATS} runs"
    )
    print(
        f"{'model':10} {'vectorised ms':>14} {'scalar loop ms':>15} {'speed-up':>9} "
        f"{'peak agents':>12}"
    )
    figures = {}
    for model in (QueueModel("erlang-c"), QueueModel("erlang-a", patience_seconds=120)):
        fast_ms, fast = timed(
            lambda m=model: requirement(volume, AHT, INTERVAL, TARGET, m).required_net, REPEATS
        )
        slow_ms, slow = timed(lambda m=model: scalar_loop(volume, m), 3)
        if not np.array_equal(fast, slow):
            raise SystemExit(f"{model.kind}: vectorised and scalar requirements differ")
        figures[model.kind] = (fast_ms, slow_ms / fast_ms)
        print(
            f"{model.kind:10} {fast_ms:14.2f} {slow_ms:15.1f} {slow_ms / fast_ms:8.0f}x "
            f"{fast.max():12.0f}"
        )
    a_ms, a_ratio = figures["erlang-a"]
    print(
        f"erlang-a week: {a_ms:.1f} ms (goal < 100 ms); vectorised {a_ratio:.0f}x faster than "
        f"the scalar loop"
    )


if __name__ == "__main__":
    main()
