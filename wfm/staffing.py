"""Required agents per interval, and the reverse question: how a given headcount performs.

Pure and vectorised (one call handles a whole week of intervals); the queueing formulas live in
`wfm.erlang`. The requirement is the smallest on-seat headcount meeting every constraint of a
`Target` (service level, optional ASA, occupancy cap), found by a vectorised bisection: each
metric is monotone in the number of agents, so the search needs ~10 evaluations per week.

Chat concurrency: an agent holding up to k chats is modelled as k independent servers, each
working one chat for the per-chat handle time (`aht_seconds` as measured while agents juggle
chats, so the slow-down from multitasking is already in it). This is the usual "k servers per
agent" approximation; it is optimistic when chats of one agent interfere more than the measured
handle time shows. Occupancy is then the busy share of the agent's chat slots. The twin models
chat and WhatsApp the same way (an agent holds up to k of them in the router, and each waiting
one abandons with the channel's patience), and tests/simulations/test_twin_realism.py checks
that the two agree on a chat queue.

Erlang A's service level follows the model's `SLConvention` (answered within the target over
all offered contacts by default: abandoners are failures). A `max_abandonment` cap adds a
constraint of its own. Patience shorter than the answer target is refused unless abandoners
count as failures (the "offered" convention) or the abandonment is capped: with any other
convention almost every caller who would wait past the target hangs up first and vanishes from
the ratio, so a handful of agents "meets" the target while most callers abandon (100 Erlangs,
patience 5 s, 80/15 counted over non-short-abandons: 12 agents, 88% abandon).

`blocking_requirement` staffs a loss system (Erlang B: no queue, blocked contacts are lost).
Every function broadcasts, so many scenarios (volumes, handle times, interval lengths) are one
call; `requirement_grid` adds a grid over the targets and models themselves.

pyworkforce's ErlangC / ErlangA / ErlangB test expectations hold here (tests/wfm/
test_erlang_pyworkforce.py) except where Vero deliberately answers instead of raising: zero
volume needs 0 agents, Erlang C with N <= A reports service level 0 and ASA inf, Erlang A with
0 agents has everyone abandoning, and a 0 s answer target means "not queued at all". A zero
blocking target is refused, where pyworkforce searches until B underflows to 0.0.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from vero.kernel.errors import VeroError
from wfm.erlang import (
    SL_CONVENTIONS,
    Array,
    QueueMetrics,
    SLConvention,
    erlang_a_metrics,
    erlang_b,
    erlang_c_metrics,
)

Model = Literal["erlang-c", "erlang-a"]
_EPS = 1e-9  # float slack when comparing metrics with targets


@dataclass(frozen=True)
class Target:
    """What each interval must achieve: `service_level` of contacts answered within
    `answer_seconds`, optionally an ASA ceiling, at most `max_occupancy` busy time and, for
    Erlang A, at most `max_abandonment` of offered contacts abandoning."""

    answer_seconds: float
    service_level: float = 0.8
    asa_seconds: float | None = None
    max_occupancy: float = 1.0
    max_abandonment: float | None = None

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
        if self.max_abandonment is not None and not 0 < self.max_abandonment < 1:
            raise ValueError("max_abandonment must be strictly between 0 and 1")


@dataclass(frozen=True)
class QueueModel:
    """Erlang C (nobody abandons) or Erlang A (mean patience), contacts held per agent, and
    how Erlang A's service level counts abandoners (`wfm.erlang.SLConvention`)."""

    kind: Model = "erlang-a"
    patience_seconds: float = 120.0
    concurrency: int = 1
    convention: SLConvention = "offered"
    short_abandon_seconds: float | None = None  # "offered_minus_short_abandons"; None: target

    def __post_init__(self) -> None:
        if self.kind not in ("erlang-c", "erlang-a"):
            raise ValueError(f"unknown model {self.kind!r}")
        if not self.patience_seconds > 0:
            raise ValueError("patience_seconds must be > 0")
        if self.concurrency < 1:
            raise ValueError("concurrency must be >= 1")
        if self.convention not in SL_CONVENTIONS:
            raise ValueError(f"unknown service level convention {self.convention!r}")
        if self.short_abandon_seconds is not None and not self.short_abandon_seconds >= 0:
            raise ValueError("short_abandon_seconds must be >= 0")


@dataclass(frozen=True)
class Requirement:
    """Staffing per interval. `metrics` are those of ceil(required_net) on-seat agents."""

    required_net: Array  # on-seat agents (whole numbers unless fractional)
    required_agents: Array  # rostered agents after shrinkage
    metrics: QueueMetrics


@dataclass(frozen=True)
class BlockingRequirement:
    """Loss-system staffing per interval: servers on seat and rostered, and what they give."""

    required_net: Array
    required_agents: Array
    blocking: Array  # share of offered contacts lost (Erlang B)
    occupancy: Array  # carried load / servers


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
    Rostered agents = on-seat / (1 - shrinkage), rounded up unless fractional. A patience
    below the answer target raises a VeroError unless it stays meaningful (`check_patience`).
    """
    if min_agents < 0:
        raise ValueError("min_agents must be >= 0")
    check_patience(target, model)
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


def requirement_grid(
    volume: ArrayLike,
    aht_seconds: ArrayLike,
    interval_seconds: ArrayLike,
    targets: Sequence[Target],
    models: Sequence[QueueModel] = (QueueModel(),),
    *,
    shrinkage: float = 0.0,
    fractional: bool = False,
) -> list[Requirement]:
    """Many scenarios at once (like pyworkforce's Multi* classes): every target x every model,
    each over all the broadcast volumes / handle times / interval lengths in one vectorised
    search. Results in product order, targets outer: [(t0, m0), (t0, m1), ..., (t1, m0), ...]."""
    return [
        requirement(
            volume,
            aht_seconds,
            interval_seconds,
            target,
            model,
            shrinkage=shrinkage,
            fractional=fractional,
        )
        for target in targets
        for model in models
    ]


def blocking_requirement(
    volume: ArrayLike,
    aht_seconds: ArrayLike,
    interval_seconds: ArrayLike,
    max_blocking: ArrayLike,
    *,
    max_occupancy: float = 1.0,
    shrinkage: float = 0.0,
) -> BlockingRequirement:
    """The smallest number of servers with Erlang B blocking <= `max_blocking` (and occupancy
    <= `max_occupancy`) in each interval; idle intervals need none. `max_blocking` must lie in
    (0, 1): B(n, a) > 0 for every finite n, so a zero target is refused rather than searched
    until the float underflows (where pyworkforce returns an n with B rounded to 0.0)."""
    load = np.atleast_1d(_checked_load(volume, aht_seconds, interval_seconds))
    cap = np.broadcast_to(np.asarray(max_blocking, dtype=float), load.shape)
    if not np.all((cap > 0) & (cap < 1)):
        raise ValueError("max_blocking must be strictly between 0 and 1")
    if not 0 < max_occupancy <= 1:
        raise ValueError("max_occupancy must be in (0, 1]")
    busy = load > 0
    offered, limit = load[busy], cap[busy]

    def passes(servers: Array, index: NDArray[np.intp]) -> NDArray[np.bool_]:
        blocked = erlang_b(servers, offered[index])
        carried = offered[index] * (1.0 - blocked) / servers
        return (blocked <= limit[index] + _EPS) & (carried <= max_occupancy + _EPS)

    start = np.zeros(offered.shape)  # B(0, a) = 1 always fails
    net = np.zeros(load.shape)
    net[busy] = _bisect(start, np.ceil(offered + 2 * np.sqrt(offered)) + 1, passes)
    blocking = erlang_b(net, load)
    with np.errstate(divide="ignore", invalid="ignore"):
        occupancy = np.where(net > 0, load * (1.0 - blocking) / net, 0.0)
    return BlockingRequirement(net, gross_up(net, shrinkage), blocking, occupancy)


def check_patience(target: Target, model: QueueModel) -> None:
    """Refuse an Erlang A target that patience below the answer target makes meaningless (see
    the module docstring): a VeroError naming `patience_seconds`."""
    if (
        model.kind == "erlang-a"
        and model.patience_seconds < target.answer_seconds
        and model.convention != "offered"
        and target.max_abandonment is None
    ):
        raise VeroError(
            f"{model.patience_seconds:g} s is below the {target.answer_seconds:g} s answer "
            f"target: with the {model.convention!r} service level most callers would abandon "
            "unseen; use the 'offered' convention or set max_abandonment",
            field="patience_seconds",
        )


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
    return erlang_a_metrics(
        servers,
        load,
        aht,
        answer_seconds,
        model.patience_seconds,
        convention=model.convention,
        short_abandon_seconds=model.short_abandon_seconds,
    )


def _meets(metrics: QueueMetrics, target: Target) -> NDArray[np.bool_]:
    ok = (metrics.service_level >= target.service_level - _EPS) & (
        metrics.occupancy <= target.max_occupancy + _EPS
    )
    if target.asa_seconds is not None:
        ok &= metrics.asa_seconds <= target.asa_seconds + _EPS
    if target.max_abandonment is not None and metrics.abandon_rate is not None:
        ok &= metrics.abandon_rate <= target.max_abandonment + _EPS
    return ok


def _smallest_feasible(load: Array, evaluate, target: Target, model: QueueModel) -> Array:
    """Smallest whole headcount meeting `target` in each busy interval (0 where idle)."""
    busy = load > 0
    per_agent = load[busy] / model.concurrency
    low = np.floor(per_agent) if model.kind == "erlang-c" else np.zeros_like(per_agent)
    high = np.maximum(low + 1, np.ceil(per_agent / target.max_occupancy + 2 * np.sqrt(per_agent)))
    where = np.flatnonzero(busy)
    needed = np.zeros(load.shape)
    needed[busy] = _bisect(low, high, lambda n, i: _meets(evaluate(n, where[i]), target))
    return needed


def _bisect(
    low: Array, high: Array, passes: Callable[[Array, NDArray[np.intp]], NDArray[np.bool_]]
) -> Array:
    """Smallest whole n in (low, ...) with passes(n) for monotone tests, all elements at once:
    `low` must fail; `high` is a first guess, doubled away from `low` until it passes.
    `passes(n, index)` tests the elements `index` at headcounts `n`."""
    low, high = low.copy(), high.copy()
    failing = np.ones(low.shape, dtype=bool)
    while np.any(failing):  # widen until the upper end passes; targets are reachable
        index = np.flatnonzero(failing)
        passed = passes(high[index], index)
        still = index[~passed]
        low[still], high[still] = high[still], 2 * high[still] - low[still]
        failing[index[passed]] = False
    while np.any(open_ := high - low > 1):
        index = np.flatnonzero(open_)
        mid = np.floor((low[index] + high[index]) / 2)
        passed = passes(mid, index)
        high[index[passed]] = mid[passed]
        low[index[~passed]] = mid[~passed]
    return high


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
    if target.max_abandonment is not None and before.abandon_rate is not None:
        assert after.abandon_rate is not None  # same model on both sides
        bounds.append((before.abandon_rate, after.abandon_rate, target.max_abandonment, 1.0))
    share = np.zeros(n.shape)
    for was, now, limit, sign in bounds:  # sign: +1 for ceilings, -1 for floors
        failed = sign * (was - limit) > _EPS
        with np.errstate(divide="ignore", invalid="ignore"):
            crossing = np.where(np.isfinite(was), (was - limit) / (was - now), 1.0)
        share = np.maximum(share, np.where(failed, np.clip(crossing, 0.0, 1.0), 0.0))
    result = needed.copy()
    result[busy] = n - 1 + share
    return result
