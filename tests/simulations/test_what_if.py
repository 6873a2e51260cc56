"""What-if scenario files: validation errors, common random numbers, parallel = serial, and
`vero simulate` end to end on a four-hour morning."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from simulations.replications import Job, run_all
from simulations.report import summarise_study
from simulations.scenario import Study, load_study
from tests.simulations.helpers import write_morning
from vero.cli import cli
from vero.kernel.errors import VeroError

SERIES = (
    ("voice", "general", "id", 60, 180, "voice-id", 9),
    ("voice", "orders", "en", 10, 200, "voice-en", 3),
    ("chat", "product", "id", 30, 400, "digital", 3),
)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A forecast and a staffing table for 08:00-12:00 on one day."""
    here = tmp_path_factory.mktemp("study")
    write_morning(here, SERIES, end_hour=12)
    return here


BASE = "base: {forecast: forecast.csv, staffing: staffing.csv, replications: 2, seed: 5}\n"


def study(folder: Path, scenarios: str, name: str = "s.yaml", base: str = BASE) -> Study:
    path = folder / name
    path.write_text(base + scenarios, encoding="utf-8")
    return load_study(path)


@pytest.mark.parametrize(
    "scenarios, field, message",
    [
        (
            "scenarios: [{name: a, changes: [{volume: 0}]}]",
            "scenarios['a'].changes[0].volume",
            "greater than 0",
        ),
        (
            "scenarios: [{name: a, changes: [{volume: 1.1, aht: 2}]}]",
            "scenarios['a'].changes[0]",
            "exactly one of",
        ),
        (
            "scenarios: [{name: a, changes: [{callbacks: true, queues: [general]}]}]",
            "scenarios['a'].changes[0]",
            "only filter a volume or aht",
        ),
        ("scenarios: [{name: a}, {name: a}]", "scenarios", "used twice"),
        (
            "scenarios: [{name: a, changes: [{volume: 2, queues: [lipstick]}]}]",
            "scenarios['a'].changes[0]",
            "unknown queue 'lipstick'",
        ),
        (
            "scenarios: [{name: a, changes: [{volume: 2, days: [2027-01-01]}]}]",
            "scenarios['a'].changes[0]",
            "outside the forecast",
        ),
        (
            "scenarios: [{name: a, changes: [{aht: 2, intervals: ['13:00-14:00']}]}]",
            "scenarios['a'].changes[0]",
            "select no forecast rows",
        ),
        (
            "scenarios: [{name: a, changes: [{remove_agents: {ids: [ghost]}}]}]",
            "scenarios['a'].changes[0]",
            "unknown agent 'ghost'",
        ),
        (
            "scenarios: [{name: a, changes: [{remove_agents: {group: voice-en, count: 4}}]}]",
            "scenarios['a'].changes[0]",
            "has 3",
        ),
        (
            "scenarios: [{name: a, changes: [{add_agents: {group: elves, count: 1}}]}]",
            "scenarios['a'].changes[0]",
            "unknown group 'elves'",
        ),
        (
            "scenarios: [{name: a, changes: "
            "[{routing: {queue: general, steps: [{min_level: 9}]}}]}]",
            "scenarios['a'].changes[0]",
            "new routing is not valid",
        ),
    ],
)
def test_impossible_scenarios_name_scenario_and_field(
    folder: Path, scenarios: str, field: str, message: str
) -> None:
    with pytest.raises(VeroError, match=message) as info:
        study(folder, scenarios)
    assert info.value.field == field
    assert info.value.source == str(folder / "s.yaml")


def test_base_needs_exactly_one_staffing_source(folder: Path) -> None:
    with pytest.raises(VeroError, match="exactly one of 'roster' or 'staffing'") as info:
        study(folder, "", base="base: {forecast: forecast.csv}\n")
    assert info.value.field == "base"


def test_changes_apply_to_the_selected_rows_and_agents(folder: Path) -> None:
    cases = study(
        folder,
        """scenarios:
  - name: busy
    changes:
      - {volume: 2, channels: [voice], intervals: ["09:00-10:00"], days: [tue]}
      - {remove_agents: {group: voice-id, count: 2}}
      - {add_agents: {group: digital, count: 2, from: "08:00", to: "10:00"}}
      - {callbacks: true}
""",
    ).cases
    base, busy = cases
    doubled = [
        b.volume / a.volume
        for a, b in zip(base.demand, busy.demand, strict=True)
        if b.volume != a.volume
    ]
    assert doubled == [2.0] * 4  # two voice series x two intervals
    agents = {s.agent for s in busy.shifts}
    assert {"voice-id-1", "voice-id-2"}.isdisjoint(agents) and "digital+2" in agents
    assert busy.behaviour.callbacks and not base.behaviour.callbacks


def jobs(plan: Study) -> list[Job]:
    return [
        Job(case, k, plan.seed, plan.warmup, plan.until, plan.bin_seconds)
        for case in plan.cases
        for k in range(plan.replications)
    ]


def test_common_random_numbers_and_parallel_equals_serial(folder: Path) -> None:
    plan = study(folder, "scenarios: [{name: same}, {name: busier, changes: [{volume: 1.2}]}]")
    serial = run_all(jobs(plan), workers=1)
    parallel = run_all(jobs(plan), workers=2)
    for left, right in zip(serial, parallel, strict=True):
        pd.testing.assert_frame_equal(left, right)
    results = summarise_study(*serial, ["base", "same", "busier"])
    kpis = results.kpis.set_index(["scenario", "channel"])
    pd.testing.assert_frame_equal(kpis.loc["base"], kpis.loc["same"])
    assert (
        kpis.loc[("busier", "voice"), "service_level"]
        < kpis.loc[("base", "voice"), "service_level"]
    )
    diff = results.differences.set_index(["scenario", "channel"])
    assert diff.loc[("same", "voice"), "service_level"] == 0
    assert diff.loc[("busier", "voice"), "offered"] > 0


def test_simulate_writes_report_and_figures(folder: Path) -> None:
    (folder / "run.yaml").write_text(
        BASE
        + """scenarios:
  - name: no callbacks
  - name: short-staffed
    changes: [{remove_agents: {group: voice-id, count: 2}}]
""",
        encoding="utf-8",
    )
    out = folder / "out"
    result = CliRunner().invoke(
        cli,
        [
            "simulate",
            str(folder / "run.yaml"),
            "--out-dir",
            str(out),
            "--replications",
            "2",
            "--workers",
            "2",
            "--seed",
            "3",
            "--lang",
            "en",
        ],
    )
    assert result.exit_code == 0, result.output
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") == 2  # voice and chat
    assert "short-staffed" in page and "Difference from the base" in page
    figures = json.loads((out / "figures.json").read_text(encoding="utf-8"))
    assert figures["scenarios"] == ["base", "no callbacks", "short-staffed"]
    assert (figures["replications"], figures["seed"]) == (2, 3)
    worse = {(d["scenario"], d["channel"]): d for d in figures["differences_vs_base"]}
    assert worse[("short-staffed", "voice")]["service_level"] < 0


def test_simulate_reports_errors_in_one_line(folder: Path) -> None:
    (folder / "bad.yaml").write_text(
        BASE + "scenarios: [{name: x, changes: [{aht: -1}]}]\n", encoding="utf-8"
    )
    result = CliRunner().invoke(
        cli, ["simulate", str(folder / "bad.yaml"), "--out-dir", str(folder / "never")]
    )
    assert result.exit_code == 2
    assert result.output.count("\n") == 1
    assert "scenarios['x'].changes[0].aht" in result.output
