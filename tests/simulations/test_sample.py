"""The shipped sample data is what the generator makes with its seed (so it can never drift
from the code), and it reads back in every planning command's format."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest
from click.testing import CliRunner

from simulations.sample import FILES, SEED, make_sample
from simulations.scenario import read_scenario_file
from vero.cli import cli
from vero.cli.sample import shipped
from vero.kernel.centre import load_centre
from wfm.forecast.history import load_history
from wfm.scheduler.inputs import load_agents, load_requirements


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sample")
    make_sample(folder, SEED)
    return folder


def test_the_shipped_files_are_the_generators_with_its_seed(made):
    assert {name: digest(made / name) for name in FILES} == {
        name: digest(shipped(name)) for name in FILES
    }, "the sample drifted from simulations/sample.py: run `make sample` and commit"


def test_eight_weeks_of_history_closed_on_christmas_with_a_shopping_peak():
    centre = load_centre(None)
    history = load_history(
        shipped("history.csv"), tz=centre.tz, defaults={"channel": "", "queue": "", "language": ""}
    )
    assert history.kind == "contacts" and history.skipped == 0 and history.used > 10_000
    rows = pd.read_csv(shipped("history.csv"))
    local = pd.to_datetime(rows["created_at"]).dt.tz_convert(centre.tz)
    per_day = local.dt.date.astype(str).value_counts()
    assert (per_day.index.min(), per_day.index.max()) == ("2026-11-02", "2026-12-27")
    assert "2026-12-25" not in per_day and len(per_day) == 55  # Christmas Day is closed
    orders = local[rows["queue"] == "orders"].dt.date.astype(str).value_counts()
    assert orders["2026-12-12"] > 1.5 * orders["2026-12-05"]  # 12.12 against the Saturday before
    assert set(rows["outcome"]) == {"completed", "abandoned"}
    assert {"voice", "chat", "whatsapp", "email"} == set(rows["channel"])
    assert {"id", "en"} == set(rows["language"])
    assert rows["csat"].dropna().between(1, 5).all()


def test_agents_requirements_and_scenarios_read_as_the_commands_read_them():
    centre = load_centre(None)
    groups = tuple(centre.staffing_groups)
    agents = load_agents(shipped("agents.csv"), groups, centre.tz)
    assert len(agents) >= 20 and len({a.name for a in agents}) == len(agents)
    assert {g for a in agents for g in a.groups} == {
        "voice-id",
        "voice-en",
        "digital",
        "backoffice",
    }
    needed = load_requirements(shipped("requirements.csv"), groups, centre.tz)
    days = {start.date().isoformat() for start, _ in needed.required}
    assert min(days) == "2026-12-28" and "2027-01-01" not in days  # New Year's Day is closed
    for name in ("scenario-peak.yaml", "scenario-vip.yaml"):
        assert len(read_scenario_file(shipped(name)).scenarios) == 2


def test_vero_sample_copies_the_files_and_will_not_overwrite_them(tmp_path):
    out = tmp_path / "try"
    first = CliRunner().invoke(cli, ["sample", "--out", str(out), "--lang", "en"])
    assert first.exit_code == 0, first.output
    assert all(digest(out / name) == digest(shipped(name)) for name in FILES)
    assert "forecast → staff → roster → simulate → plan" in first.output
    again = CliRunner().invoke(cli, ["sample", "--out", str(out), "--lang", "en"])
    assert again.exit_code == 2 and "--force" in again.output
