"""Erlang B, C and A against published values, brute force and their limiting cases."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import betainc

from wfm.erlang import SLConvention, erlang_a_metrics, erlang_b, erlang_c, erlang_c_metrics


def erlang_b_recursion(agents: int, load: float) -> float:
    """The textbook stable recursion B(n) = a B(n-1) / (n + a B(n-1))."""
    blocking = 1.0
    for n in range(1, agents + 1):
        blocking = load * blocking / (n + load * blocking)
    return blocking


def erlang_a_brute_force(
    agents: int,
    load: float,
    aht: float,
    target: float,
    patience: float,
    convention: SLConvention = "offered_minus_short_abandons",
    short_abandon: float | None = None,
) -> dict[str, float]:
    """M/M/n+M from its truncated birth-death chain; waits from the order-statistic view
    (with j callers ahead, U = 1 - exp(-offered wait / patience) is Beta(j+1, x))."""
    rate, mu, theta = load / aht, 1 / aht, 1 / patience
    probs = [1.0]
    for k in range(1, agents + 4000):
        probs.append(probs[-1] * rate / (min(k, agents) * mu + max(k - agents, 0) * theta))
    p = np.array(probs) / sum(probs)
    ahead = np.arange(len(p) - agents)
    x = agents * patience / aht
    queued = p[agents:]

    def answered_and_waiting(t: float) -> tuple[float, float]:
        u = 1 - np.exp(-t / patience)
        answered = (
            p[:agents].sum() + (queued * x / (x + ahead + 1) * betainc(ahead + 1, x + 1, u)).sum()
        )
        return answered, (queued * (1 - betainc(ahead + 1, x, u))).sum() * np.exp(-t / patience)

    answered_in_time, waited_long = answered_and_waiting(target)
    mean_queue = (ahead * queued).sum()
    abandon_rate = theta * mean_queue / rate
    counted = {
        "offered": 1.0,
        "answered": 1 - abandon_rate,
        "offered_minus_short_abandons": sum(
            answered_and_waiting(target if short_abandon is None else short_abandon)
        ),
    }[convention]
    return {
        "service_level": answered_in_time / counted,
        "abandon_rate": abandon_rate,
        "asa_seconds": mean_queue / rate,
        "wait_probability": queued.sum(),
    }


def test_erlang_b_table_value() -> None:
    assert erlang_b(15, 10) == pytest.approx(0.0365, abs=5e-5)


@pytest.mark.parametrize(
    ("agents", "load"), [(1, 0.5), (15, 10), (120, 100), (3000, 2950), (5000, 4900), (200, 900)]
)
def test_erlang_b_matches_the_recursion_up_to_thousands_of_agents(agents: int, load: float) -> None:
    assert erlang_b(agents, load) == pytest.approx(erlang_b_recursion(agents, load), rel=1e-9)


def test_published_erlang_c_examples() -> None:
    first = erlang_c_metrics(14, 100 * 180 / 1800, 180, 20)
    assert first.service_level == pytest.approx(0.888, abs=5e-4)
    assert first.asa_seconds == pytest.approx(7.8, abs=0.05)
    second = erlang_c_metrics(55, 360 * 240 / 1800, 240, 15)
    assert second.service_level == pytest.approx(0.846, abs=5e-4)
    assert second.asa_seconds == pytest.approx(8.2, abs=0.05)


def test_erlang_c_edges() -> None:
    assert erlang_c([5, 10, 11], 10).tolist()[:2] == [1.0, 1.0]  # unstable at n <= load
    unstable = erlang_c_metrics(10, 10, 180, 20)
    assert unstable.service_level == 0 and unstable.asa_seconds == np.inf
    idle = erlang_c_metrics(0, 0, 180, 20)
    assert (idle.service_level, idle.asa_seconds, idle.occupancy) == (1.0, 0.0, 0.0)
    huge = erlang_c_metrics(5000, 4900, 180, 15)
    assert 0 < huge.wait_probability < 1 and huge.service_level > 0.99


@pytest.mark.parametrize(
    "case",
    [
        (14, 10, 180, 20, 120),
        (5, 10, 180, 20, 60),
        (30, 40, 300, 15, 200),
        (3, 0.5, 100, 300, 30),
        (100, 95, 200, 15, 120),
        (0, 4, 180, 15, 90),
    ],
)
@pytest.mark.parametrize(
    ("convention", "short_abandon"),
    [
        ("offered_minus_short_abandons", None),  # Vero's convention before issue 17
        ("offered_minus_short_abandons", 5.0),
        ("offered", None),
        ("answered", None),
    ],
)
def test_erlang_a_matches_the_birth_death_chain(
    case: tuple[int, float, float, float, float],
    convention: SLConvention,
    short_abandon: float | None,
) -> None:
    metrics = erlang_a_metrics(*case, convention=convention, short_abandon_seconds=short_abandon)
    for name, value in erlang_a_brute_force(*case, convention, short_abandon).items():
        assert getattr(metrics, name) == pytest.approx(value, rel=1e-7, abs=1e-12), name


def test_conventions_order_and_coincide_without_abandonment() -> None:
    # abandoners fail under "offered", so it is the strictest; a zero threshold drops nobody
    args = (np.arange(0, 40), 30, 180, 15, 60)
    offered = erlang_a_metrics(*args).service_level
    short = erlang_a_metrics(*args, convention="offered_minus_short_abandons").service_level
    answered = erlang_a_metrics(*args, convention="answered").service_level
    assert np.all(offered <= short + 1e-12) and np.all(short <= answered + 1e-12)
    zero = erlang_a_metrics(
        *args, convention="offered_minus_short_abandons", short_abandon_seconds=0
    ).service_level
    np.testing.assert_allclose(zero, offered, rtol=1e-12, atol=1e-15)
    with pytest.raises(ValueError, match="convention"):
        erlang_a_metrics(*args, convention="abandoned")  # type: ignore[arg-type]


def test_erlang_a_tends_to_erlang_c_as_patience_grows() -> None:
    agents = np.array([11, 14, 20, 5000])
    load = np.array([10, 10, 10, 4900])
    slow = erlang_a_metrics(agents, load, 180, 20, 1e10)
    exact = erlang_c_metrics(agents, load, 180, 20)
    np.testing.assert_allclose(slow.service_level, exact.service_level, rtol=1e-5)
    np.testing.assert_allclose(slow.asa_seconds, exact.asa_seconds, rtol=1e-5)
    np.testing.assert_allclose(slow.wait_probability, exact.wait_probability, rtol=1e-5)


def test_erlang_a_is_stable_below_the_load_and_at_thousands_of_agents() -> None:
    metrics = erlang_a_metrics(np.array([0, 1, 100, 2000, 5000]), 4900, 180, 15, 120)
    assert np.all(np.isfinite(metrics.service_level)) and np.all(np.isfinite(metrics.asa_seconds))
    assert metrics.abandon_rate is not None
    assert metrics.abandon_rate[0] == pytest.approx(1.0)
    assert 0 < metrics.abandon_rate[-1] < 0.01


loads = st.floats(0.05, 400)
ahts = st.floats(10, 1200)
targets = st.floats(0, 3600)
patiences = st.floats(5, 5000)


@settings(max_examples=60, deadline=None)
@given(load=loads, aht=ahts, target=targets, patience=patiences)
def test_erlang_a_bounds_and_monotone_in_agents(
    load: float, aht: float, target: float, patience: float
) -> None:
    agents = np.arange(0, int(load * 1.5) + 15)
    a = erlang_a_metrics(
        agents, load, aht, target, patience, convention="offered_minus_short_abandons"
    )
    offered = erlang_a_metrics(agents, load, aht, target, patience)
    c = erlang_c_metrics(agents, load, aht, target)
    assert a.abandon_rate is not None
    assert np.all((a.abandon_rate >= 0) & (a.abandon_rate <= 1))
    assert np.all(a.service_level >= c.service_level - 1e-9)
    assert np.all(np.diff(a.service_level) >= -1e-9)
    assert np.all(np.diff(offered.service_level) >= -1e-9)
    assert np.all(offered.service_level <= a.service_level + 1e-9)
    assert np.all(np.diff(a.asa_seconds) <= 1e-9)
    assert np.all(np.diff(a.abandon_rate) <= 1e-12)
    assert np.all(np.diff(a.occupancy) <= 1e-9)


@settings(max_examples=60, deadline=None)
@given(load=loads, aht=ahts, target=targets)
def test_erlang_c_monotone_in_agents(load: float, aht: float, target: float) -> None:
    agents = np.arange(int(load) + 1, int(load * 1.5) + 15)
    c = erlang_c_metrics(agents, load, aht, target)
    assert np.all(np.diff(c.service_level) >= -1e-12)
    assert np.all(np.diff(c.asa_seconds) <= 1e-12)
    assert np.all(erlang_b(agents, load) <= c.wait_probability + 1e-15)
