"""Random draws of one replication: who calls when, how long they talk, how long they wait.

Each quantity has its own `numpy.Generator` spawned from one `SeedSequence` per replication
(common random numbers): a scenario that changes handle times leaves the arrival times as they
were, so differences between scenarios are the scenario's, not the dice's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

STREAMS = ("arrivals", "handle", "patience", "redial")


@dataclass(frozen=True)
class Series:
    """Expected demand of one channel, queue and language in one interval (times in seconds
    from the start of the simulation)."""

    start: float
    length: float
    channel: str
    queue: str
    language: str
    volume: float
    aht_seconds: float


@dataclass(frozen=True)
class HandleTimes:
    """Handle-time shape around each interval's AHT: lognormal with a coefficient of variation,
    exponential (the Erlang models' assumption), or an empirical sample rescaled to the AHT."""

    kind: Literal["lognormal", "exponential", "empirical"] = "lognormal"
    cv: float = 1.0
    sample: tuple[float, ...] = ()


@dataclass(frozen=True)
class Arrivals:
    """Contacts sorted by arrival time: which series each belongs to, its handle time and its
    patience (inf: never abandons)."""

    time: np.ndarray
    series: np.ndarray
    handle: np.ndarray
    patience: np.ndarray


def streams(seed: np.random.SeedSequence) -> dict[str, np.random.Generator]:
    """One independent generator per random quantity."""
    return {
        name: np.random.default_rng(child)
        for name, child in zip(STREAMS, seed.spawn(len(STREAMS)), strict=True)
    }


def handle_factors(kind: HandleTimes, size: int, rng: np.random.Generator) -> np.ndarray:
    """Multipliers of mean 1 for the AHT."""
    if kind.kind == "exponential":
        return rng.standard_exponential(size)
    if kind.kind == "empirical":
        sample = np.asarray(kind.sample, dtype=float)
        return sample[rng.integers(0, len(sample), size)] / sample.mean()
    sigma2 = np.log1p(kind.cv**2)
    return np.exp(np.sqrt(sigma2) * rng.standard_normal(size) - sigma2 / 2)


def draw_arrivals(
    demand: list[Series],
    handle: HandleTimes,
    patience: dict[str, float],
    rngs: dict[str, np.random.Generator],
) -> Arrivals:
    """A non-homogeneous Poisson process, piecewise constant per series: a Poisson count per
    interval, placed uniformly inside it. `patience`: mean patience (s) per channel."""
    times, series, handles, waits = [], [], [], []
    for index, s in enumerate(demand):
        n = int(rngs["arrivals"].poisson(max(s.volume, 0.0)))
        if n == 0:
            continue
        times.append(s.start + rngs["arrivals"].uniform(0.0, s.length, n))
        series.append(np.full(n, index))
        handles.append(s.aht_seconds * handle_factors(handle, n, rngs["handle"]))
        mean = patience.get(s.channel, np.inf)
        waits.append(
            mean * rngs["patience"].standard_exponential(n)
            if np.isfinite(mean)
            else np.full(n, np.inf)
        )
    if not times:
        empty = np.zeros(0)
        return Arrivals(empty, empty.astype(int), empty, empty)
    time = np.concatenate(times)
    order = np.argsort(time, kind="stable")
    return Arrivals(
        time[order],
        np.concatenate(series)[order],
        np.concatenate(handles)[order],
        np.concatenate(waits)[order],
    )
