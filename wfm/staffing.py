"""Required agents per interval, and the reverse question: how a given headcount performs.

Pure and vectorised (one call handles a whole week of intervals); the queueing formulas live in
`wfm.erlang`. The requirement is the smallest on-seat headcount meeting every constraint of a
`Target` (service level, optional ASA, occupancy cap), found by a vectorised bisection: each
metric is monotone in the number of agents, so the search needs ~10 evaluations per week.

Chat concurrency: an agent holding up to k chats is modelled as k independent servers, each
working one chat for the per-chat handle time (`aht_seconds` as measured while agents juggle
chats, so the slow-down from multitasking is already in it). This is the usual "k servers per
agent" approximation; it is optimistic when chats of one agent interfere more than the measured
handle time shows. Occupancy is then the busy share of the agent's chat slots.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from wfm.erlang import Array, QueueMetrics, erlang_a_metrics, erlang_c_metrics

Model = Literal["erlang-c", "erlang-a"]
_EPS = 1e-9  # float slack when comparing metrics with targets


@dataclass(frozen=True)
class Target:
    """What each interval must achieve: `service_level` of contacts answered within
    `answer_seconds`, optionally an ASA ceiling, and at most `max_occupancy` busy time."""

    answer_seconds: float
    service_level: float = 0.8
    asa_seconds: float | None = None
    max_occupancy: float = 1.0

    def __post_init__(self) -> None:
        # each bound must be reachable with enough agents, or the search would never end
        if not 0 < self.service_level < 1:
            raise ValueError("service_level must be strictly between 0 and 1")
        if not self.answer_seconds >= 0:
            raise ValueError("answer_seconds must be >= 0")
        if self.asa_seconds is not None and not self.asa_seconds > 0:
            raise ValueError("asa_seconds must be > 0")
        if not 0 < self.max_occupancy <= 1:
            raise ValueError("max_occupancy must be in (0, 1]")


@dataclass(frozen=True)
class QueueModel:
    """Erlang C (nobody abandons) or Erlang A (mean patience), and contacts held per agent."""

    kind: Model = "erlang-a"
    patience_seconds: float = 120.0
    concurrency: int = 1

    def __post_init__(self) -> None:
        if self.kind not in ("erlang-c", "erlang-a"):
            raise ValueError(f"unknown model {self.kind!r}")
        if not self.patience_seconds > 0:
            raise ValueError("patience_seconds must be > 0")
        if self.concurrency < 1:
            raise ValueError("concurrency must be >= 1")


@dataclass(frozen=True)
class Requirement:
    """Staffing per interval. `metrics` are those of ceil(required_net) on-seat agents."""

    required_net: Array  # on-seat agents (whole numbers unless fractional)
    required_agents: Array  # rostered agents after shrinkage
    metrics: QueueMetrics


def offered_load(volume: ArrayLike, aht_seconds: ArrayLike, interval_seconds: ArrayLike) -> Array:
    """Erlangs offered in an interval: contacts x handle time / interval length."""
    return (
        np.asarray(volume, dtype=float)
        * np.asarray(aht_seconds, dtype=float)
        / np.asarray(interval_seconds, dtype=float)
    )


def performance(
    volume: ArrayLike,
    aht_seconds: ArrayLike,
    interval_seconds: ArrayLike,
    agents: ArrayLike,
    answer_seconds: ArrayLike,
    model: QueueModel = QueueModel(),
) -> QueueMetrics:
    """Service level, ASA, occupancy (and abandonment for Erlang A) of `agents` on seat.

    `agents` are on-seat agents (whole numbers); a rostered headcount must first lose its
    shrinkage. Intervals without volume report service level 1, ASA 0 and occupancy 0.
    """
    load = _checked_load(volume, aht_seconds, interval_seconds)
    return _metrics(
        load,
        np.broadcast_to(np.asarray(aht_seconds, dtype=float), load.shape),
        np.asarray(agents, dtype=float),
        answer_seconds,
        model,
    )


def requirement(
    volume: ArrayLike,
    aht_seconds: ArrayLike,
    interval_seconds: ArrayLike,
    target: Target,
    model: QueueModel = QueueModel(),
    *,
    shrinkage: float = 0.0,
    min_agents: int = 0,
    fractional: bool = False,
) -> Requirement:
    """The smallest on-seat staffing meeting `target` in each interval (1-d arrays out).

    Zero-volume intervals need `min_agents` (default 0). Erlang C is searched above the load
    (below it the queue is unstable); Erlang A from zero, since abandonment keeps it stable.
    With `fractional`, the requirement is interpolated linearly between the last failing and
    the first passing headcount on the binding constraint (for planning, not for rosters).
    Rostered agents = on-seat / (1 - shrinkage), rounded up unless fractional.
    """
    if min_agents < 0:
        raise ValueError("min_agents must be >= 0")
    load = np.atleast_1d(_checked_load(volume, aht_seconds, interval_seconds))
    aht = np.broadcast_to(np.asarray(aht_seconds, dtype=float), load.shape)

    def evaluate(agents: Array, where: Array) -> QueueMetrics:
        return _metrics(load[where], aht[where], agents, target.answer_seconds, model)

    needed = _smallest_feasible(load, evaluate, target, model)
    net = needed.astype(float)
    if fractional:
        net = _interpolate(needed, load, evaluate, target)
    net = np.maximum(net, min_agents)
    metrics = _metrics(load, aht, round_up(net), target.answer_seconds, model)
    return Requirement(net, gross_up(net, shrinkage, fractional), metrics)


def gross_up(net: ArrayLike, shrinkage: float, fractional: bool = False) -> Array:
    """Rostered agents for `net` on seat: net / (1 - shrinkage), rounded up unless fractional."""
    if not 0 <= shrinkage < 1:
        raise ValueError("shrinkage must be in [0, 1)")
    gross = np.asarray(net, dtype=float) / (1.0 - shrinkage)
    return gross if fractional else round_up(gross)


def round_up(values: ArrayLike) -> Array:
    """Ceiling that ignores float noise (14 / 0.7 = 20.000000000000004 is 20 agents)."""
    return np.ceil(np.round(np.asarray(values, dtype=float), 6))


def _checked_load(volume: ArrayLike, aht_seconds: ArrayLike, interval_seconds: ArrayLike) -> Array:
    v, s, t = np.broadcast_arrays(
        *(np.asarray(x, dtype=float) for x in (volume, aht_seconds, interval_seconds))
    )
    if not (np.all(np.isfinite(v)) and np.all(v >= 0)):
        raise ValueError("volume must be finite and >= 0")
    if not (np.all(np.isfinite(s)) and np.all(s >= 0) and np.all((s > 0) | (v == 0))):
        raise ValueError("aht_seconds must be finite, and > 0 where there is volume")
    if not (np.all(np.isfinite(t)) and np.all(t > 0)):
        raise ValueError("interval_seconds must be finite and > 0")
    return offered_load(v, s, t)


def _metrics(
    load: Array, aht: Array, agents: Array, answer_seconds: ArrayLike, model: QueueModel
) -> QueueMetrics:
    servers = agents * model.concurrency
    if np.any(servers < 0) or np.any(servers != np.floor(servers)):
        raise ValueError("agents must be whole numbers >= 0")
    aht = np.where(load > 0, aht, 1.0)  # any positive AHT serves an empty interval
    if model.kind == "erlang-c":
        return erlang_c_metrics(servers, load, aht, answer_seconds)
    return erlang_a_metrics(servers, load, aht, answer_seconds, model.patience_seconds)


def _meets(metrics: QueueMetrics, target: Target) -> NDArray[np.bool_]:
    ok = (metrics.service_level >= target.service_level - _EPS) & (
        metrics.occupancy <= target.max_occupancy + _EPS
    )
    if target.asa_seconds is not None:
        ok &= metrics.asa_seconds <= target.asa_seconds + _EPS
    return ok


def _smallest_feasible(load: Array, evaluate, target: Target, model: QueueModel) -> Array:
    """Bisection on whole agents, all intervals at once: `low` always fails, `high` passes."""
    busy = load > 0
    per_agent = load[busy] / model.concurrency
    low = np.floor(per_agent) if model.kind == "erlang-c" else np.zeros_like(per_agent)
    high = np.maximum(low + 1, np.ceil(per_agent / target.max_occupancy + 2 * np.sqrt(per_agent)))
    failing = np.ones(per_agent.shape, dtype=bool)
    while np.any(failing):  # widen until the upper end passes; targets are reachable
        where = np.flatnonzero(busy)[failing]
        passed = _meets(evaluate(high[failing], where), target)
        still = np.flatnonzero(failing)[~passed]
        low[still], high[still] = high[still], 2 * high[still] - low[still]
        failing[np.flatnonzero(failing)[passed]] = False
    while np.any(open_ := high - low > 1):
        mid = np.floor((low[open_] + high[open_]) / 2)
        passed = _meets(evaluate(mid, np.flatnonzero(busy)[open_]), target)
        index = np.flatnonzero(open_)
        high[index[passed]] = mid[passed]
        low[index[~passed]] = mid[~passed]
    needed = np.zeros(load.shape)
    needed[busy] = high
    return needed


def _interpolate(needed: Array, load: Array, evaluate, target: Target) -> Array:
    """Fractional staffing: where between n-1 (fails) and n (passes) each bound is crossed."""
    busy = load > 0
    n = needed[busy]
    where = np.flatnonzero(busy)
    before, after = evaluate(n - 1, where), evaluate(n, where)
    bounds = [
        (before.service_level, after.service_level, target.service_level, -1.0),
        (before.occupancy, after.occupancy, target.max_occupancy, 1.0),
    ]
    if target.asa_seconds is not None:
        bounds.append((before.asa_seconds, after.asa_seconds, target.asa_seconds, 1.0))
    share = np.zeros(n.shape)
    for was, now, limit, sign in bounds:  # sign: +1 for ceilings, -1 for floors
        failed = sign * (was - limit) > _EPS
        with np.errstate(divide="ignore", invalid="ignore"):
            crossing = np.where(np.isfinite(was), (was - limit) / (was - now), 1.0)
        share = np.maximum(share, np.where(failed, np.clip(crossing, 0.0, 1.0), 0.0))
    result = needed.copy()
    result[busy] = n - 1 + share
    return result
