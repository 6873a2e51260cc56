"""`vero simulate`'s replications on a dask.distributed cluster (`--scheduler`): the same
tallies as a local run with the same seed, and an unreachable scheduler in one line (the
cluster is a small in-process `LocalCluster`: threads, no dashboard, closed at the end); and
the twin's patience from contact records (`--patience-from`); `vero plan --scheduler` too."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from distributed import LocalCluster

from simulations import replications
from simulations.replications import run_all, study_jobs
from simulations.scenario import load_study
from tests.simulations.helpers import write_morning
from tests.wfm.test_plan import run_plan, write_inputs
from vero.cli import cli
from vero.kernel.errors import VeroError

SERIES = (
    ("voice", "general", "id", 60, 180, "voice-id", 9),
    ("chat", "product", "id", 30, 400, "digital", 3),
)
STUDY = """base: {forecast: forecast.csv, staffing: staffing.csv, replications: 2, seed: 5}
scenarios: [{name: busier, changes: [{volume: 1.2}]}]
"""


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    with LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        yield cluster.scheduler_address


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A two-hour morning: its forecast, staffing table and a study with one what-if."""
    here = tmp_path_factory.mktemp("study")
    write_morning(here, SERIES, end_hour=10)
    (here / "study.yaml").write_text(STUDY, encoding="utf-8")
    return here / "study.yaml"


def test_cluster_run_equals_the_local_run(scenario: Path, scheduler: str) -> None:
    jobs = study_jobs(load_study(scenario))
    finished: list[int] = []
    local = run_all(jobs, workers=1)
    remote = run_all(jobs, done=lambda: finished.append(1), scheduler=scheduler)
    assert len(finished) == len(jobs) == 4
    for left, right in zip(local, remote, strict=True):
        pd.testing.assert_frame_equal(left, right)
    assert set(remote[0]["scenario"]) == {"base", "busier"}


def test_simulate_on_a_cluster_writes_the_local_figures(
    scenario: Path, scheduler: str, tmp_path: Path
) -> None:
    figures = []
    for where in (["--workers", "1"], ["--scheduler", scheduler]):
        out = tmp_path / where[0].strip("-")
        result = CliRunner().invoke(cli, ["simulate", str(scenario), "--out-dir", str(out), *where])
        assert result.exit_code == 0, result.output
        figures.append(json.loads((out / "figures.json").read_text(encoding="utf-8")))
    assert figures[0] == figures[1]


def test_plan_on_a_cluster_simulates_as_the_local_plan(scheduler: str, tmp_path: Path) -> None:
    write_inputs(tmp_path)
    service = []
    for where in ([], ["--scheduler", scheduler]):
        out = tmp_path / f"out{len(where)}"
        result = run_plan(tmp_path, out, "--max-iterations", "1", "--replications", "2", *where)
        assert result.exit_code == 0, result.output
        plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
        service.append(plan["iterations"])
    assert service[0] == service[1]


def test_an_unreachable_scheduler_is_one_line(
    scenario: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(replications, "CONNECT_SECONDS", 0.5)
    with pytest.raises(VeroError, match="--scheduler.*cannot reach the Dask scheduler"):
        run_all(study_jobs(load_study(scenario)), scheduler="tcp://127.0.0.1:9")
    result = CliRunner().invoke(
        cli, ["simulate", str(scenario), "--out-dir", str(tmp_path), "--scheduler", "nowhere"]
    )
    assert result.exit_code != 0
    errors = [line for line in result.output.splitlines() if line.startswith("vero: error:")]
    assert errors == [
        "vero: error: field '--scheduler': cannot reach the Dask scheduler: "
        "missing port number in address 'nowhere'"
    ]
    assert "Traceback" not in result.output


def test_simulate_takes_the_patience_from_contact_records(scenario: Path, tmp_path: Path) -> None:
    records = tmp_path / "contacts.csv"
    rows = ["channel,queue,wait_seconds,outcome"]
    rows += [f"voice,general,{wait},abandoned" for wait in (4, 6) * 10]  # mean patience 5 s
    rows += ["voice,general,0,completed", "chat,product,50,completed"]
    records.write_text("\n".join(rows) + "\n", encoding="utf-8")
    abandonment = {}
    for option in ([], ["--patience-from", str(records)]):
        out = tmp_path / f"out{len(option)}"
        result = CliRunner().invoke(
            cli, ["simulate", str(scenario), "--out-dir", str(out), "--workers", "1", *option]
        )
        assert result.exit_code == 0, result.output
        kpis = json.loads((out / "figures.json").read_text(encoding="utf-8"))["kpis"]
        voice = next(k for k in kpis if (k["scenario"], k["channel"]) == ("base", "voice"))
        abandonment[bool(option)] = voice["abandonment"]
    assert "mean patience 5 s" in result.output
    used = next(line for line in result.output.splitlines() if line.startswith("patience used:"))
    assert "voice 5 s" in used  # beside the other channels' configured patience
    assert "chat: 0 of 1 contacts abandoned, too few" in result.output
    assert abandonment[True] > abandonment[False] + 0.1
