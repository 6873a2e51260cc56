"""The twin against the closed forms: M/M/c against Erlang C, M/M/c+M against Erlang A.

Each case runs a few replications of a few simulated hours; the analytic value must lie in the
replications' 99% t confidence interval (fixed seeds: the test is deterministic).
"""

from __future__ import annotations

import pandas as pd
import pytest

from simulations.kpi import summarise
from tests.simulations.helpers import run_mmc
from wfm.erlang import erlang_a_metrics, erlang_c_metrics

REPLICATIONS = 6
HOURS = 6.0


def simulated(
    calls_per_hour: float, aht: float, agents: int, target: float, patience: float | None = None
) -> pd.Series:
    tallies = []
    for rep in range(REPLICATIONS):
        counts, _ = run_mmc(
            calls_per_hour, aht, agents, target, HOURS, seed=1000 + rep, patience=patience
        )
        tallies.append(counts.assign(replication=rep))
    stacked = pd.concat(tallies)
    return summarise(stacked, [], level=0.99).iloc[0]


def within(row: pd.Series, figure: str, value: float) -> bool:
    return abs(row[figure] - value) <= row[f"{figure}_ci"]


@pytest.mark.parametrize(
    "calls_per_hour, aht, agents, target",
    [
        (200, 180, 14, 20),  # the worked example: 100 calls / 30 min -> SL 0.888, ASA 7.8 s
        (100, 240, 9, 15),
        (600, 120, 23, 30),
    ],
)
def test_mmc_matches_erlang_c(
    calls_per_hour: float, aht: float, agents: int, target: float
) -> None:
    load = calls_per_hour * aht / 3600
    exact = erlang_c_metrics(agents, load, aht, target)
    row = simulated(calls_per_hour, aht, agents, target)
    for figure, value in (
        ("service_level", float(exact.service_level)),
        ("asa", float(exact.asa_seconds)),
    ):
        assert within(row, figure, value), (figure, row[figure], row[f"{figure}_ci"], value)


def test_worked_example_values() -> None:
    exact = erlang_c_metrics(14, 10.0, 180, 20)
    assert float(exact.service_level) == pytest.approx(0.888, abs=0.001)
    assert float(exact.asa_seconds) == pytest.approx(7.8, abs=0.05)


@pytest.mark.parametrize(
    "calls_per_hour, aht, agents, target, patience",
    [
        (200, 180, 11, 20, 120),  # under-staffed: Erlang A stays stable, abandonment carries it
        (300, 180, 16, 15, 180),
    ],
)
def test_mmc_with_abandonment_matches_erlang_a(
    calls_per_hour: float, aht: float, agents: int, target: float, patience: float
) -> None:
    load = calls_per_hour * aht / 3600
    # the twin's KPI counts abandoners as failures: the centre's default formula, "offered"
    exact = erlang_a_metrics(agents, load, aht, target, patience, convention="offered")
    row = simulated(calls_per_hour, aht, agents, target, patience)
    for figure, value in (
        ("service_level", float(exact.service_level)),
        ("mean_wait", float(exact.asa_seconds)),
        ("abandonment", float(exact.abandon_rate)),
    ):
        assert within(row, figure, value), (figure, row[figure], row[f"{figure}_ci"], value)
