"""`vero plan` end to end on a small centre day: the loop raises requirements where the twin
misses, stops when the targets hold or at the budget, and writes the comparison report."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from planning.plan import STOP_BUDGET, STOP_MET, STOP_STUCK, raise_requirements
from vero.cli import cli
from wfm.scheduler.inputs import Requirements
from wfm.scheduler.model import Coverage, Roster
from wfm.scheduler.solver import SolveInfo

HEADER = (
    "contact_id,task_id,channel,queue,language,created_at,answered_at,ended_at,"
    "wait_seconds,handle_seconds,agent_id,outcome,csat"
)
WEEK = "2026-11-30"  # a Monday, the day after the history ends
TZ = pd.Timestamp(WEEK, tz="Asia/Jakarta").tz


def write_history(path, days: int = 21, seed: int = 1) -> None:
    """Router records of voice/general/id, 08:00-21:00 Jakarta, with a late-morning peak."""
    rng = np.random.default_rng(seed)
    lines = [HEADER]
    for day in pd.date_range(end="2026-11-29", periods=days):
        for half_hour in range(26):  # 08:00-21:00 local
            rate = 7 + 6 * np.exp(-(((half_hour - 6) / 3) ** 2))
            for _ in range(rng.poisson(rate)):
                at = (
                    day
                    + pd.Timedelta(hours=1, minutes=30 * half_hour)
                    + pd.Timedelta(seconds=int(rng.integers(1800)))
                )
                lines.append(
                    f"c{len(lines)},t,voice,general,id,"
                    f"{at.tz_localize('UTC').isoformat()},,,5,"
                    f"{int(rng.integers(150, 330))},a1,completed,"
                )
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("plan")
    write_history(folder / "history.csv")
    (folder / "agents.csv").write_text(
        "id,name,groups,contract\n"
        + "".join(f"a{k},Agent {k},voice-id,part-time:8\n" for k in range(9))
    )
    (folder / "templates.yaml").write_text(
        "starts: {from: '08:00', to: '17:00', every: 60}\nwork_hours: [4, 8]\n"
    )
    # the latest 8 h shift (12:00 plus a break) ends at 20:30 and no 4 h shift starts after
    # 13:00: nobody can work 20:30-21:00
    (folder / "early.yaml").write_text(
        "starts: {from: '08:00', to: '13:00', every: 60}\nwork_hours: [4, 8]\n"
    )
    return folder


def run_plan(inputs, out, *extra: str, templates: str = "templates.yaml"):
    args = [
        "plan",
        "--history",
        str(inputs / "history.csv"),
        "--agents",
        str(inputs / "agents.csv"),
        "--templates",
        str(inputs / templates),
        "--week-start",
        WEEK,
        "--days",
        "1",
        "--replications",
        "3",
        "--time-limit",
        "5",
        "--workers",
        "1",
        "--out-dir",
        str(out),
        *extra,
    ]
    return CliRunner().invoke(cli, args)


@pytest.fixture(scope="module")
def planned(inputs, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    result = run_plan(inputs, out, "--max-iterations", "4")
    assert result.exit_code == 0, result.output
    return out, json.loads((out / "plan.json").read_text())


def test_the_loop_raises_requirements_where_the_twin_misses(planned):
    out, data = planned
    first, *later = data["iterations"]
    assert first["intervals_missing_target"] > 0  # Erlang C per interval falls short in the twin
    assert later, "a miss must lead to another iteration"
    hours = [i["required_agent_hours"] for i in data["iterations"]]
    assert hours == sorted(hours) and hours[-1] > hours[0]
    staffing = pd.read_csv(out / "staffing.csv")
    final = pd.read_csv(out / "requirements.csv")
    raised = final.merge(staffing, on=["interval_start", "group"], suffixes=("", "_erlang"))
    assert (raised["required_agents"] >= raised["required_agents_erlang"]).all()
    assert (raised["required_agents"] > raised["required_agents_erlang"]).any()


def test_the_loop_stops_when_the_targets_hold(planned):
    _, data = planned
    assert data["stop"] == STOP_MET
    assert data["iterations"][-1]["intervals_missing_target"] == 0 and not data["final_misses"]


def test_the_loop_stops_when_the_roster_cannot_follow(inputs, tmp_path):
    result = run_plan(inputs, tmp_path, "--max-iterations", "4", templates="early.yaml")
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "plan.json").read_text())
    assert data["stop"] == STOP_STUCK and len(data["iterations"]) < 4
    assert [m["interval_start"] for m in data["final_misses"]] == ["2026-11-30T20:30:00+07:00"]


def test_the_report_compares_with_the_two_step_method(planned):
    out, data = planned
    two_step, verified = data["comparison"]["two_step"], data["comparison"]["verified"]
    assert two_step["iteration"] == 1
    assert verified["iteration"] == data["plan_iteration"] == len(data["iterations"])
    assert verified["intervals_missing_target"] < two_step["intervals_missing_target"]
    voice = [s for s in verified["service"] if s["channel"] == "voice"]
    assert voice and 0 <= voice[0]["service_level"] <= 1 and voice[0]["service_level_ci"] >= 0
    page = (out / "report.html").read_text()
    assert "Two-step method against the simulation-verified plan" in page
    assert "SL voice-id/voice" in page
    for name in ("forecast.csv", "roster.csv", "roster-two-step.csv"):
        assert (out / name).stat().st_size > 100


def test_a_budget_of_one_iteration_is_the_two_step_method(inputs, tmp_path):
    result = run_plan(inputs, tmp_path, "--max-iterations", "1")
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "plan.json").read_text())
    assert data["stop"] == STOP_BUDGET and len(data["iterations"]) == 1
    assert data["final_misses"]


def test_raising_asks_for_one_more_agent_than_the_twin_had():
    at = dt.datetime(2026, 11, 30, 10, 0, tzinfo=TZ)
    later = at + dt.timedelta(minutes=30)
    requirements = Requirements(30, {(at, "voice-id"): 3.0, (later, "voice-id"): 3.0})
    roster = Roster(
        "optimal",
        (),
        (Coverage(at, "voice-id", 3.0, 5), Coverage(later, "voice-id", 3.0, 2)),
        SolveInfo("highs", "optimal", 0.0, 0.0, 0.0, 0.1),
    )
    misses = pd.DataFrame({"interval_start": [at, later], "group": ["voice-id", "voice-id"]})
    raised = raise_requirements(requirements, roster, misses).required
    assert raised == {(at, "voice-id"): 6.0, (later, "voice-id"): 4.0}


def test_help_and_one_line_errors(tmp_path):
    help_text = CliRunner().invoke(cli, ["plan", "--help"]).output
    for option in (
        "--history",
        "--agents",
        "--templates",
        "--rules",
        "--centre",
        "--week-start",
        "--interval",
        "--replications",
        "--max-iterations",
        "--time-limit",
        "--out-dir",
        "--seed",
    ):
        assert option in help_text
    broken = tmp_path / "agents.csv"
    broken.write_text("id,name\n")
    history = tmp_path / "history.csv"
    write_history(history, days=2)
    result = CliRunner().invoke(
        cli,
        [
            "plan",
            "--history",
            str(history),
            "--agents",
            str(broken),
            "--out-dir",
            str(tmp_path / "out"),
        ],
    )
    assert result.exit_code != 0
    assert "missing column" in result.output and len(result.output.strip().splitlines()) <= 2
