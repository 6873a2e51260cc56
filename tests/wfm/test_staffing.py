"""Required agents per interval: worked examples, edges, chat concurrency, reverse question."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wfm.staffing import Model, QueueModel, Target, gross_up, performance, requirement

ERLANG_C = QueueModel("erlang-c")
ERLANG_A = QueueModel("erlang-a", patience_seconds=120)


def test_worked_example_14_agents_then_20_after_shrinkage() -> None:
    result = requirement([100], [180], 1800, Target(20, 0.8), ERLANG_C, shrinkage=0.3)
    assert result.required_net.tolist() == [14]
    assert result.required_agents.tolist() == [20]  # 14 / 0.7 is 20, not 21
    assert result.metrics.service_level[0] == pytest.approx(0.888, abs=5e-4)
    assert result.metrics.asa_seconds[0] == pytest.approx(7.8, abs=0.05)


def test_reverse_question_worked_example() -> None:
    metrics = performance(360, 240, 1800, 55, 15, ERLANG_C)
    assert metrics.service_level == pytest.approx(0.846, abs=5e-4)
    assert metrics.asa_seconds == pytest.approx(8.2, abs=0.05)
    assert metrics.abandon_rate is None


def test_requirement_is_the_smallest_passing_headcount() -> None:
    volume = np.array([3.0, 40, 100, 360, 900])
    target = Target(15, 0.8, max_occupancy=0.85)
    for model in (ERLANG_C, ERLANG_A):
        need = requirement(volume, 240, 900, target, model).required_net
        at = performance(volume, 240, 900, need, 15, model)
        below = performance(volume, 240, 900, need - 1, 15, model)
        assert np.all(at.service_level >= 0.8) and np.all(at.occupancy <= 0.85 + 1e-9)
        assert np.all((below.service_level < 0.8) | (below.occupancy > 0.85))


def test_zero_volume_needs_nobody_or_the_minimum() -> None:
    result = requirement([0.0, 0.0], [0.0, 300.0], 900, Target(15), ERLANG_A)
    assert result.required_net.tolist() == [0, 0]
    assert result.metrics.service_level.tolist() == [1.0, 1.0]
    floor = requirement([0.0, 1.0], 300, 900, Target(15), ERLANG_A, min_agents=2)
    assert floor.required_net.tolist() == [2, 2]


def test_erlang_a_may_staff_below_the_offered_load() -> None:
    # 10 Erlangs, impatient callers, a loose target: fewer agents than Erlang C's stable minimum
    target = Target(60, 0.5)
    a = requirement(200, 180, 3600, target, QueueModel("erlang-a", patience_seconds=20))
    c = requirement(200, 180, 3600, target, ERLANG_C)
    assert a.required_net[0] < 10 < c.required_net[0]
    assert a.metrics.abandon_rate is not None
    assert 0 < a.metrics.abandon_rate[0] < 1


def test_ASA_ceiling_and_occupancy_cap_bind() -> None:
    loose = requirement(100, 180, 1800, Target(20, 0.8), ERLANG_C).required_net[0]
    fast = requirement(100, 180, 1800, Target(20, 0.8, asa_seconds=2), ERLANG_C)
    capped = requirement(100, 180, 1800, Target(20, 0.8, max_occupancy=0.6), ERLANG_C)
    assert fast.required_net[0] > loose and fast.metrics.asa_seconds[0] <= 2
    assert capped.required_net[0] == 17  # 10 Erlangs / 0.6 = 16.7 agents


def test_fractional_lies_between_the_failing_and_passing_headcounts() -> None:
    volume = np.array([0.0, 1, 100, 360])
    whole = requirement(volume, 240, 1800, Target(15), ERLANG_A, shrinkage=0.3)
    part = requirement(volume, 240, 1800, Target(15), ERLANG_A, shrinkage=0.3, fractional=True)
    assert np.all(part.required_net <= whole.required_net)
    assert np.all(part.required_net > whole.required_net - 1 - 1e-12)
    np.testing.assert_allclose(part.required_agents, part.required_net / 0.7)
    capped = requirement(
        100, 180, 1800, Target(20, 0.8, max_occupancy=0.6), ERLANG_C, fractional=True
    )
    assert capped.required_net[0] == pytest.approx(10 / 0.6, abs=0.05)  # linear in n


def test_chat_agents_hold_several_chats() -> None:
    single = requirement(300, 600, 3600, Target(300, 0.8), ERLANG_C).required_net[0]
    triple = requirement(
        300, 600, 3600, Target(300, 0.8), QueueModel("erlang-c", concurrency=3)
    ).required_net[0]
    assert triple == np.ceil(single / 3) or triple == np.ceil(single / 3) + 1
    metrics = performance(300, 600, 3600, triple, 300, QueueModel("erlang-c", concurrency=3))
    assert metrics.occupancy == pytest.approx(50 / (3 * triple))


def test_gross_up_and_bad_input() -> None:
    assert gross_up([14, 0], 0.3).tolist() == [20, 0]
    assert gross_up([14], 0.3, fractional=True)[0] == pytest.approx(20)
    with pytest.raises(ValueError, match="service_level"):
        Target(15, 1.0)
    with pytest.raises(ValueError, match="aht_seconds"):
        requirement([5], [0], 900, Target(15))
    with pytest.raises(ValueError, match="volume"):
        requirement([np.nan], [10], 900, Target(15))
    with pytest.raises(ValueError, match="whole"):
        performance(5, 10, 900, 2.5, 15)


def test_thousands_of_agents() -> None:
    result = requirement([40000], 180, 900, Target(15, 0.8), ERLANG_A)
    assert 7000 < result.required_net[0] < 8100
    assert result.metrics.service_level[0] >= 0.8


@settings(max_examples=40, deadline=None)
@given(
    volume=st.lists(st.floats(0, 600), min_size=2, max_size=8),
    aht=st.floats(30, 900),
    kind=st.sampled_from(["erlang-c", "erlang-a"]),
    concurrency=st.integers(1, 4),
)
def test_more_volume_never_needs_fewer_agents(
    volume: list[float], aht: float, kind: Model, concurrency: int
) -> None:
    ordered = np.sort(np.array(volume))
    need = requirement(
        ordered,
        aht,
        900,
        Target(20, 0.8, max_occupancy=0.9),
        QueueModel(kind, concurrency=concurrency),
    ).required_net
    assert np.all(np.diff(need) >= 0)
