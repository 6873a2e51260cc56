"""Random draws of one replication: who calls when, how long they talk, how long they wait.

Each quantity has its own `numpy.Generator` spawned from one `SeedSequence` per replication
(common random numbers): a scenario that changes handle times leaves the arrival times as they
were, so differences between scenarios are the scenario's, not the dice's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

# a new stream goes last: the first children of a seed stay what they were (same draws as before)
STREAMS = ("arrivals", "handle", "patience", "redial", "classes")


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
class CustomerClass:
    """A kind of caller: its `share` of every series' contacts, the priority it enters the
    queue with (`vero.kernel.priorities`), and its own mean patience per channel (a channel not
    listed: the channel's). Real centres differ here: a bank's three classes waited 215, 357
    and 649 s on average before hanging up."""

    name: str
    share: float
    priority: int = 0
    patience: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Arrivals:
    """Contacts sorted by arrival time: which series each belongs to, its handle time, its
    patience (inf: never abandons) and its customer class (index; 0 without classes)."""

    time: np.ndarray
    series: np.ndarray
    handle: np.ndarray
    patience: np.ndarray
    customer_class: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))


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


def mean_patience(
    channel: str, patience: dict[str, float], classes: Sequence[CustomerClass], index: int
) -> float:
    """Mean patience (s) of a contact of class `index` on `channel`; inf: never abandons."""
    own = classes[index].patience if classes else {}
    return own.get(channel, patience.get(channel, np.inf))


def draw_arrivals(
    demand: list[Series],
    handle: HandleTimes,
    patience: dict[str, float],
    rngs: dict[str, np.random.Generator],
    classes: Sequence[CustomerClass] = (),
) -> Arrivals:
    """A non-homogeneous Poisson process, piecewise constant per series: a Poisson count per
    interval, placed uniformly inside it. `patience`: mean patience (s) per channel. Each
    contact's class is drawn with the classes' shares; its patience is exponential with its
    class's mean (unit draws scaled, so classes leave the arrival and handle draws as they are)."""
    kinds = max(len(classes), 1)
    means = np.array(
        [[mean_patience(s.channel, patience, classes, k) for k in range(kinds)] for s in demand]
    ).reshape(len(demand), kinds)
    times, series, handles, waits = [], [], [], []
    for index, s in enumerate(demand):
        n = int(rngs["arrivals"].poisson(max(s.volume, 0.0)))
        if n == 0:
            continue
        times.append(s.start + rngs["arrivals"].uniform(0.0, s.length, n))
        series.append(np.full(n, index))
        handles.append(s.aht_seconds * handle_factors(handle, n, rngs["handle"]))
        waits.append(
            rngs["patience"].standard_exponential(n)
            if np.isfinite(means[index]).any()
            else np.full(n, np.inf)
        )
    if not times:
        empty = np.zeros(0)
        return Arrivals(empty, empty.astype(int), empty, empty, empty.astype(int))
    time = np.concatenate(times)
    order = np.argsort(time, kind="stable")
    which = np.concatenate(series)[order]
    if classes:
        shares = np.array([c.share for c in classes], dtype=float)
        kind = rngs["classes"].choice(len(classes), size=len(time), p=shares / shares.sum())
    else:
        kind = np.zeros(len(time), dtype=int)
    mean = means[which, kind]
    unit = np.concatenate(waits)[order]
    return Arrivals(
        time[order],
        which,
        np.concatenate(handles)[order],
        np.where(np.isfinite(mean), mean * unit, np.inf),
        kind,
    )
