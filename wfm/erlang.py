"""Erlang B, C and A queueing formulas: pure, vectorised over numpy arrays, no I/O.

Every function broadcasts its arguments, so a whole week of intervals is one call. Nothing here
uses factorials or the textbook power sums: each formula is written with the two scaled series

    1/B(n, a) = sum_{j=0..n} n! / ((n-j)! a^j)              (inverse Erlang B)
    A(x, y)   = sum_{j>=0} y^j / ((x+1)(x+2)...(x+j))        (Erlang A's queue series)

kept in log space and evaluated with scipy's regularised incomplete gamma functions, so
thousands of agents and heavy overload stay finite. When the incomplete gamma underflows (the
series is then short, its terms fall geometrically) the series is summed directly.

Units: `load` in Erlangs (arrival rate x AHT), times in seconds, agents = servers (integers).

Erlang A is the M/M/n+M queue of Garnett, Mandelbaum and Reiman (2002) with exponential
patience of mean `patience`: with x = n patience / AHT and y = load patience / AHT,
P(wait) = A(x, y) / (1/B + A(x, y) - 1). The service level and the
abandonment use the same series at x + 1 (Mandelbaum and Zeltyn's formulas, rearranged so that
only positive terms are added).

Service level conventions (`SLConvention`, the centre's formulas of
vero/kernel/service_level.py), which differ only when callers abandon:
  "offered" (the default, pyworkforce's and most WFM tools'): answered within the target over
      all offered contacts, so every abandoner counts as a failure;
  "offered_minus_short_abandons": answered within the target over contacts that did not abandon
      within `short_abandon_seconds` (default: the target itself, as many ACD reports do; with
      impatient callers it understaffs, since the abandoners vanish);
  "answered": answered within the target over answered contacts (ignores abandonment entirely).
Erlang C has no abandonment, so all three give the same figure there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import gammainc, gammaincc, gammaln

from vero.kernel.service_level import FORMULAS, Formula

Array = NDArray[np.float64]
# the centre's service-level formulas (vero/kernel/service_level.py), as Erlang A conventions
SLConvention = Formula
SL_CONVENTIONS: tuple[SLConvention, ...] = FORMULAS

_UNDERFLOW = 1e-290  # below this the incomplete gamma has lost its digits: sum the series


@dataclass(frozen=True)
class QueueMetrics:
    """How an interval performs with a given number of servers (arrays of one shape).

    service_level: share of contacts answered within the target, over the contacts the
        `SLConvention` counts (all offered by default).
    asa_seconds: mean time in queue of all offered contacts (answered or abandoned); inf when
        an Erlang C queue is unstable.
    occupancy: share of server time busy with contacts.
    abandon_rate: share of contacts that abandon (None for Erlang C, which has no abandonment).
    wait_probability: share of contacts that wait at all.
    """

    service_level: Array
    asa_seconds: Array
    occupancy: Array
    abandon_rate: Array | None
    wait_probability: Array


def _log_series(ratio: Callable[[int], Array], shape: tuple[int, ...]) -> Array:
    """log(1 + r1 + r1 r2 + ...) for term ratios r_j = ratio(j) that fall below 1 quickly."""
    total = np.ones(shape)
    term = np.ones(shape)
    j = 1
    while True:
        term = term * np.maximum(ratio(j), 0.0)
        total = total + term
        if not np.any(term > 1e-17 * total):  # also ends on NaN input
            return np.log(total)
        j += 1


def log_inverse_erlang_b(agents: ArrayLike, load: ArrayLike) -> Array:
    """log(1 / B(n, a)), finite for every n >= 0 and a > 0 (B underflows long before this)."""
    n, a = np.broadcast_arrays(np.asarray(agents, dtype=float), np.asarray(load, dtype=float))
    q = gammaincc(n + 1, a)  # P(Poisson(a) <= n)
    with np.errstate(divide="ignore"):
        result = np.log(q) + a + gammaln(n + 1) - n * np.log(a)
    low = q < _UNDERFLOW
    if np.any(low):
        nl, al = n[low], a[low]
        result[low] = _log_series(lambda j: (nl - j + 1) / al, nl.shape)
    return result


def log_queue_series(x: ArrayLike, y: ArrayLike) -> Array:
    """log A(x, y) = log sum_j y^j / ((x+1)...(x+j)) for x >= 0, y > 0 (Erlang A's P(wait))."""
    x, y = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    p = gammainc(x, y)  # regularised lower incomplete gamma P(x, y); A = P e^y Γ(x+1) / y^x
    with np.errstate(divide="ignore", invalid="ignore"):  # y = 0 goes to the series
        result = np.log(p) + y + gammaln(x + 1) - x * np.log(y)
    low = p < _UNDERFLOW
    if np.any(low):
        xl, yl = x[low], y[low]
        result[low] = _log_series(lambda j: yl / (xl + j), xl.shape)
    return result


def erlang_b(agents: ArrayLike, load: ArrayLike) -> Array:
    """Blocking probability of the M/M/n/n loss system (Erlang B)."""
    n, a = np.broadcast_arrays(np.asarray(agents, dtype=float), np.asarray(load, dtype=float))
    result = np.zeros(n.shape)
    busy = a > 0
    result[busy] = np.exp(-log_inverse_erlang_b(n[busy], a[busy]))
    return result


def erlang_c(agents: ArrayLike, load: ArrayLike) -> Array:
    """Probability of waiting in the M/M/n queue (Erlang C); 1 when n <= load (unstable)."""
    n, a = np.broadcast_arrays(np.asarray(agents, dtype=float), np.asarray(load, dtype=float))
    result = np.ones(n.shape)
    stable = n > a
    result[a <= 0] = 0.0
    ok = stable & (a > 0)
    ns, as_ = n[ok], a[ok]
    rho = as_ / ns
    # C = 1 / ((1 - rho) / B + rho), in log space because 1/B overflows for n >> a; a load so
    # small that rho underflows to 0 has log(rho) = -inf, which logaddexp takes as it should
    with np.errstate(divide="ignore"):
        log_rho = np.log(rho)
    result[ok] = np.exp(-np.logaddexp(np.log1p(-rho) + log_inverse_erlang_b(ns, as_), log_rho))
    return result


def erlang_c_metrics(
    agents: ArrayLike, load: ArrayLike, aht: ArrayLike, target: ArrayLike
) -> QueueMetrics:
    """Service level P(wait <= target), ASA and occupancy of the M/M/n queue."""
    n, a, s, t = np.broadcast_arrays(
        *(np.asarray(v, dtype=float) for v in (agents, load, aht, target))
    )
    wait = erlang_c(n, a)
    stable = (n > a) | (a <= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = np.where(n > a, n - a, 1.0)
        service_level = np.where(stable, 1.0 - wait * np.exp(-gap * t / s), 0.0)
        asa = np.where(stable, wait * s / gap, np.inf)
        occupancy = np.where(n > 0, np.minimum(a / n, 1.0), np.where(a > 0, 1.0, 0.0))
    return QueueMetrics(service_level, asa, occupancy, None, wait)


def erlang_a_metrics(
    agents: ArrayLike,
    load: ArrayLike,
    aht: ArrayLike,
    target: ArrayLike,
    patience: ArrayLike,
    *,
    convention: SLConvention = "offered",
    short_abandon_seconds: ArrayLike | None = None,
) -> QueueMetrics:
    """Service level, ASA, occupancy and abandonment of the M/M/n+M queue (Erlang A).

    Stable for any n >= 0, including n below the load. In θ-time units (θ = 1/patience) with
    x = n patience / AHT, y = load patience / AHT, v = exp(-t / patience) and
    π = 1 / (1/B + A(x, y) - 1) the probability of all servers busy with nobody waiting:
      waited >= t (answered later or abandoned later) = π v^(x+1) e^(y(1-v)) A(x, y v)
      answered after waiting = π x/(x+1) A(x+1, y)
      answered after waiting >= t = π x/(x+1) v^(x+1) e^(y(1-v)) A(x+1, y v)
    and A(x, z) = 1 + z/(x+1) A(x+1, z) keeps every sum positive. Abandoned before t is what
    remains: 1 - answered before t - waited >= t. `convention` picks the service level's
    denominator (see the module docstring); `short_abandon_seconds` (default: `target`) is the
    threshold of "offered_minus_short_abandons" and is ignored by the other conventions.
    """
    if convention not in SL_CONVENTIONS:
        raise ValueError(f"unknown service level convention {convention!r}")
    short = target if short_abandon_seconds is None else short_abandon_seconds
    n, a, s, t, p, tau = np.broadcast_arrays(
        *(np.asarray(v, dtype=float) for v in (agents, load, aht, target, patience, short))
    )
    shape = n.shape
    service_level, asa, occupancy = np.ones(shape), np.zeros(shape), np.zeros(shape)
    abandon, wait = np.zeros(shape), np.zeros(shape)
    busy = a > 0
    n, a, s, t, p, tau = n[busy], a[busy], s[busy], t[busy], p[busy], tau[busy]

    x, y = n * p / s, a * p / s
    log_a1 = log_queue_series(x + 1, y)
    with np.errstate(divide="ignore"):  # log 0 = -inf is right for n = 0 and tiny loads
        log_ratio = np.log(y / (x + 1))
        log_served_share = np.log(x / (x + 1))
    log_waiting_excess = log_ratio + log_a1  # log(A(x, y) - 1)
    log_pi = -np.logaddexp(log_inverse_erlang_b(n, a), log_waiting_excess)
    p_wait = np.exp(log_pi + np.logaddexp(0.0, log_waiting_excess))
    served_after_wait = np.exp(log_pi + log_served_share + log_a1)

    def answered_and_waiting(after: Array) -> tuple[Array, Array]:
        """(answered within `after` seconds, still waiting at `after`) as shares of offered."""
        log_v = -after / p
        drift = (x + 1) * log_v - y * np.expm1(log_v)  # log(v^(x+1) e^(y(1-v)))
        log_a1_late = log_queue_series(x + 1, y * np.exp(log_v))
        served_late = np.exp(log_pi + log_served_share + drift + log_a1_late)
        waited_long = np.exp(log_pi + drift + np.logaddexp(0.0, log_ratio + log_v + log_a1_late))
        return np.clip(1.0 - p_wait + served_after_wait - served_late, 0.0, 1.0), waited_long

    p_abandon = np.clip(p_wait - served_after_wait, 0.0, 1.0)
    answered_in_time, waited_long = answered_and_waiting(t)
    if convention == "offered":
        counted = np.ones(t.shape)
    elif convention == "answered":
        counted = 1.0 - p_abandon
    elif short_abandon_seconds is None:  # threshold = target: reuse the series already summed
        counted = answered_in_time + waited_long
    else:
        answered_early, waiting_then = answered_and_waiting(tau)
        counted = np.clip(answered_early + waiting_then, 0.0, 1.0)  # 1 - short abandons
    service_level[busy] = np.where(
        counted > 0, np.minimum(answered_in_time / np.maximum(counted, 1e-300), 1.0), 0.0
    )
    asa[busy] = p_abandon * p  # Little's law: abandonments = θ E[queue] = θ λ E[wait]
    with np.errstate(divide="ignore", invalid="ignore"):
        occupancy[busy] = np.where(n > 0, np.minimum(a * (1.0 - p_abandon) / n, 1.0), 1.0)
    abandon[busy] = p_abandon
    wait[busy] = p_wait
    return QueueMetrics(service_level, asa, occupancy, abandon, wait)
