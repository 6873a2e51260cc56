"""pyworkforce's ErlangC / ErlangA / ErlangB test expectations, transcribed (numbers only).

Source: github.com/rodrigo-arenas/pyworkforce, pyworkforce/queuing/tests/test_erlang.py,
test_multi_erlang.py, test_abandonment.py and test_erlang_b.py. pyworkforce counts in minutes
(aht=3, asa=0.33 or 20/60, interval=30, patience=5); here they are seconds (180, 19.8 or 20,
1800, 300). Its SL counts abandoners as failures: Vero's default "offered" convention.

Deliberate differences (see wfm.staffing's docstring): pyworkforce raises for zero volume, for
N <= A in Erlang C, for 0 positions in Erlang A, for an answer target of 0 and searches
max_blocking=0 until float underflow; Vero staffs zero volume with 0 agents, reports N <= A
as SL 0 / ASA inf, 0 agents as everyone abandoning, a 0 s target as P(no wait), and refuses
max_blocking=0 (B > 0 for every finite N).
"""

from __future__ import annotations

import numpy as np
import pytest

from wfm.erlang import erlang_a_metrics, erlang_b, erlang_c_metrics
from wfm.staffing import (
    QueueModel,
    Target,
    blocking_requirement,
    gross_up,
    performance,
    requirement,
    requirement_grid,
)

ERLANG_C = QueueModel("erlang-c")
ERLANG_A = QueueModel("erlang-a", patience_seconds=300)
VOLUME, AHT, INTERVAL = 100, 180, 1800  # transactions=100, aht=3, interval=30 -> 10 Erlangs


@pytest.mark.parametrize(
    ("occupancy", "raw", "positions", "sl", "occ", "wait"),
    [(0.85, 14, 20, 0.888, 0.714, 0.174), (0.7, 15, 22, 0.941, 0.667, 0.102)],
)
def test_erlang_c_required_positions(
    occupancy: float, raw: int, positions: int, sl: float, occ: float, wait: float
) -> None:
    # test_expected_erlangc_results, test_over_occupancy_erlangc (asa=0.33 min, shrinkage 0.3)
    result = requirement(
        VOLUME, AHT, INTERVAL, Target(19.8, 0.8, max_occupancy=occupancy), ERLANG_C, shrinkage=0.3
    )
    assert result.required_net.tolist() == [raw]
    assert result.required_agents.tolist() == [positions]
    metrics = result.metrics
    assert round(float(metrics.service_level[0]), 3) == sl
    assert round(float(metrics.occupancy[0]), 3) == occ
    assert round(float(metrics.wait_probability[0]), 3) == wait
    # test_scale_positions_erlangc: the rostered positions scaled back to productive ones
    on_seat = np.floor(positions * 0.7)
    again = performance(VOLUME, AHT, INTERVAL, on_seat, 19.8, ERLANG_C)
    assert round(float(again.service_level), 3) == sl


def test_multi_erlang_c_grid() -> None:
    # test_multi_erlang.py: service_level [0.8, 0.9] x max_occupancy [0.85]
    grid = requirement_grid(
        VOLUME,
        AHT,
        INTERVAL,
        [Target(19.8, 0.8, max_occupancy=0.85), Target(19.8, 0.9, max_occupancy=0.85)],
        [ERLANG_C],
        shrinkage=0.3,
    )
    assert [(r.required_net[0], r.required_agents[0]) for r in grid] == [(14, 20), (15, 22)]
    assert [round(float(r.metrics.service_level[0]), 3) for r in grid] == [0.888, 0.941]
    assert [round(float(r.metrics.occupancy[0]), 3) for r in grid] == [0.714, 0.667]


def test_erlang_c_bad_arguments_raise() -> None:
    with pytest.raises(ValueError, match="volume"):
        requirement(-20, AHT, INTERVAL, Target(19.8), ERLANG_C)
    with pytest.raises(ValueError, match="aht_seconds"):
        requirement(VOLUME, -300, INTERVAL, Target(19.8), ERLANG_C)
    with pytest.raises(ValueError, match="interval_seconds"):
        requirement(VOLUME, 300, -1800, Target(600), ERLANG_C)
    with pytest.raises(ValueError, match="shrinkage"):
        requirement(VOLUME, AHT, INTERVAL, Target(19.8), ERLANG_C, shrinkage=1)
    with pytest.raises(ValueError, match="service_level"):
        Target(19.8, 1.8)
    for occupancy in (1.2, 0):
        with pytest.raises(ValueError, match="max_occupancy"):
            Target(19.8, 0.8, max_occupancy=occupancy)


def test_where_vero_answers_instead_of_raising() -> None:
    # pyworkforce raises for transactions <= 0 and for positions <= traffic intensity
    idle = requirement(0, AHT, INTERVAL, Target(19.8), ERLANG_C, shrinkage=0.3)
    assert idle.required_agents.tolist() == [0]
    unstable = performance(VOLUME, AHT, INTERVAL, 10, 19.8, ERLANG_C)
    assert float(unstable.service_level) == 0 and float(unstable.asa_seconds) == np.inf
    nobody = performance(VOLUME, AHT, INTERVAL, 0, 20, ERLANG_A)
    assert nobody.abandon_rate is not None and float(nobody.abandon_rate) == pytest.approx(1.0)


def test_erlang_a_regression_metrics() -> None:
    # test_erlanga_regression_metrics: 14 positions, asa=20/60 min, patience=5 min
    metrics = erlang_a_metrics(14, 10, AHT, 20, 300)
    assert metrics.abandon_rate is not None
    assert round(float(metrics.wait_probability), 5) == 0.14526
    assert round(float(metrics.abandon_rate), 6) == 0.013984
    assert round(float(metrics.occupancy), 6) == 0.704297
    assert round(float(metrics.asa_seconds) / 60, 6) == 0.069919  # minutes
    assert round(float(metrics.service_level), 6) == 0.916792


def test_erlang_a_tends_to_erlang_c_as_patience_grows() -> None:
    # test_erlanga_matches_erlangc_in_patient_limit: patience 1e6 minutes
    positions = np.array([15, 20, 25])
    a = erlang_a_metrics(positions, 10, AHT, 20, 6e7)
    c = erlang_c_metrics(positions, 10, AHT, 20)
    np.testing.assert_allclose(a.wait_probability, c.wait_probability, atol=1e-4)
    np.testing.assert_allclose(a.occupancy, c.occupancy, atol=1e-4)
    np.testing.assert_allclose(a.service_level, c.service_level, atol=1e-3)


def test_erlang_a_consistency_ranges_and_monotonicity() -> None:
    positions = np.arange(14, 22)
    metrics = erlang_a_metrics(positions, 10, AHT, 20, 300)
    assert metrics.abandon_rate is not None
    # test_erlanga_littles_law_consistency: abandonments = θ E[queue], E[queue] = λ ASA
    np.testing.assert_allclose(metrics.abandon_rate * 300, metrics.asa_seconds)
    assert np.all(np.diff(metrics.asa_seconds) < 0)  # ASA falls as positions rise
    for value in (metrics.wait_probability, metrics.abandon_rate, metrics.occupancy):
        assert np.all((value >= 0) & (value <= 1))
    assert np.all((metrics.service_level >= 0) & (metrics.service_level <= 1))
    assert np.all(np.diff(metrics.service_level) >= -1e-9)  # test_erlanga_monotonic_...
    patient, impatient = np.asarray(
        erlang_a_metrics(14, 10, AHT, 20, np.array([1200, 60])).abandon_rate
    )
    assert impatient > patient  # test_erlanga_less_patience_more_abandonment (20 vs 1 min)
    quick, relaxed = erlang_a_metrics(16, 10, AHT, np.array([5, 60]), 300).service_level
    assert relaxed >= quick  # test_erlanga_service_level_custom_asa


def test_erlang_a_required_positions() -> None:
    # test_erlanga_required_positions_meets_targets and _shrinkage_scales_up
    target = Target(20, 0.8, max_occupancy=0.85, max_abandonment=0.05)
    result = requirement(VOLUME, AHT, INTERVAL, target, ERLANG_A)
    metrics = result.metrics
    assert metrics.abandon_rate is not None
    assert metrics.service_level[0] >= 0.8 and metrics.occupancy[0] <= 0.85
    assert metrics.abandon_rate[0] <= 0.05
    assert result.required_agents[0] >= result.required_net[0]
    plain = requirement(VOLUME, AHT, INTERVAL, Target(20, 0.8), ERLANG_A)
    shrunk = requirement(VOLUME, AHT, INTERVAL, Target(20, 0.8), ERLANG_A, shrinkage=0.3)
    assert shrunk.required_net[0] == plain.required_net[0]
    assert shrunk.required_agents[0] > plain.required_agents[0]


def test_erlang_a_bad_arguments_raise() -> None:
    with pytest.raises(ValueError, match="volume"):
        requirement(-1, AHT, INTERVAL, Target(20), ERLANG_A)
    with pytest.raises(ValueError, match="aht_seconds"):
        requirement(VOLUME, 0, INTERVAL, Target(20), ERLANG_A)
    with pytest.raises(ValueError, match="patience_seconds"):
        QueueModel("erlang-a", patience_seconds=-180)
    with pytest.raises(ValueError, match="shrinkage"):
        gross_up([14], 1)
    with pytest.raises(ValueError, match="whole"):
        performance(VOLUME, AHT, INTERVAL, -2, 20, ERLANG_A)
    with pytest.raises(ValueError, match="service_level"):
        Target(20, 1.5)
    with pytest.raises(ValueError, match="max_occupancy"):
        Target(20, 0.8, max_occupancy=0)


def test_erlang_b_known_values() -> None:
    # test_erlang_b.py: B(1, 1) = 0.5, B(2, 1) = 0.2, falling with positions, tiny at 50
    assert round(float(erlang_b(1, 1)), 6) == 0.5
    assert round(float(erlang_b(2, 1)), 6) == 0.2
    assert np.all(np.diff(erlang_b(np.arange(1, 20), 10)) < 0)
    assert erlang_b(50, 10) < 1e-6


def test_erlang_b_required_positions() -> None:
    # test_required_positions_known_value / _with_shrinkage / _tight_blocking / _max_occupancy
    result = blocking_requirement(VOLUME, AHT, INTERVAL, 0.02, shrinkage=0.3)
    assert result.required_net.tolist() == [17] and result.required_agents.tolist() == [25]
    assert 0 < result.blocking[0] <= 0.02
    tight = blocking_requirement(VOLUME, AHT, INTERVAL, 0.001)
    assert tight.required_net[0] > 17
    loose = blocking_requirement(VOLUME, AHT, INTERVAL, 0.05)
    capped = blocking_requirement(VOLUME, AHT, INTERVAL, 0.05, max_occupancy=0.5)
    assert capped.required_net[0] >= loose.required_net[0] and capped.occupancy[0] <= 0.5
    wide = blocking_requirement(VOLUME, AHT, INTERVAL, 0.0001)  # occupancy -> A / N
    assert abs(wide.occupancy[0] - 10 / wide.required_net[0]) < 1e-3
    with pytest.raises(ValueError, match="max_blocking"):
        blocking_requirement(VOLUME, AHT, INTERVAL, 1.5)


def test_multi_erlang_b() -> None:
    # MultiErlangB: transactions [60, 90] x positions [10, 15], and x max_blocking [0.02, 0.05]
    loads = np.array([6.0, 9.0])
    blocking = erlang_b(np.array([10, 15])[None, :], loads[:, None])
    assert blocking.shape == (2, 2) and np.all((blocking >= 0) & (blocking <= 1))
    volumes = np.repeat([60.0, 90.0], 2)
    needed = blocking_requirement(volumes, AHT, INTERVAL, np.tile([0.02, 0.05], 2))
    assert needed.required_net.shape == (4,) and np.all(needed.blocking >= 0)
