"""`vero plan` end to end on a small centre day: the loop moves requirements where the twin
misses or shows a surplus, meets every interval's target by the rule (mean and 80 % of
replications), suggests overtime or hires where the agents cannot, and writes the report."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from planning.plan import MET_SHARE, STOP_BUDGET, adjust_requirements, assess, centre_behaviour
from simulations.loading import Forecast
from vero.cli import cli
from vero.kernel.centre import load_centre
from wfm.scheduler.inputs import Requirements
from wfm.staffing_plan import PlanOptions

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


def write_inputs(folder) -> None:
    """history.csv, nine part-time voice agents (agents.csv) and templates.yaml in `folder`."""
    write_history(folder / "history.csv")
    (folder / "agents.csv").write_text(
        "id,name,groups,contract\n"
        + "".join(f"a{k},Agent {k},voice-id,part-time:8\n" for k in range(9))
    )
    (folder / "templates.yaml").write_text(
        "starts: {from: '08:00', to: '17:00', every: 60}\nwork_hours: [4, 8]\n"
    )


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("plan")
    write_inputs(folder)
    # the latest 8 h shift (12:00 plus a break) ends at 20:30 and no 4 h shift starts after
    # 13:00: nobody can work 20:30-21:00
    (folder / "early.yaml").write_text(
        "starts: {from: '08:00', to: '13:00', every: 60}\nwork_hours: [4, 8]\n"
    )
    return folder


def run_plan(inputs, out, *extra: str, templates: str = "templates.yaml", agents=None):
    args = [
        "plan",
        "--history",
        str(inputs / "history.csv"),
        "--agents",
        str(agents or inputs / "agents.csv"),
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
        "--lang",
        "en",
        *extra,
    ]
    return CliRunner().invoke(cli, args)


@pytest.fixture(scope="module")
def planned(inputs, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    result = run_plan(inputs, out, "--max-iterations", "4")
    assert result.exit_code == 0, result.output
    return out, json.loads((out / "plan.json").read_text())


def judged(cells: list[dict]) -> list[dict]:
    return [c for c in cells if c["offered"] >= 1.0 and c["service_level"] is not None]


def test_the_plan_meets_every_target_by_the_rule_where_two_step_does_not(planned):
    _, data = planned
    first, *later = data["iterations"]
    assert first["intervals_missing_target"] > 0  # Erlang C per interval falls short in the twin
    assert later, "a miss must lead to another iteration"
    verified = data["comparison"]["verified"]
    assert verified["intervals_missing_target"] == 0 and not data["final_misses"]
    cells = judged(data["intervals"])
    assert cells and all(
        c["service_level"] >= c["target"] and c["met_share"] >= MET_SHARE for c in cells
    )
    assert all(not c["missed"] for c in cells)


def test_the_plan_is_checked_on_replications_the_loop_never_saw(planned):
    out, data = planned
    assert data["fresh_seed"] == data["settings"]["seed"] + 1000
    assert isinstance(data["fresh_misses"], list)  # [] when the plan holds on them too
    for cell in data["fresh_misses"]:
        assert cell["missed"] and cell["interval_start"].startswith(WEEK)
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "checked on 3 fresh replications" in page


def test_the_requirement_moves_from_erlang_where_the_twin_says_so(planned):
    out, _ = planned
    staffing = pd.read_csv(out / "staffing.csv")
    final = pd.read_csv(out / "requirements.csv")
    moved = final.merge(staffing, on=["interval_start", "group"], suffixes=("", "_erlang"))
    assert (moved["required_agents"] > moved["required_agents_erlang"]).any()


def test_overtime_covers_what_no_shift_can_and_the_twin_verifies_it(inputs, tmp_path):
    result = run_plan(inputs, tmp_path, "--max-iterations", "4", templates="early.yaml")
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "plan.json").read_text())
    verified = data["comparison"]["verified"]
    late = [c for c in verified["changes"] if "overtime" in c]
    assert late and all("voice-id" in c for c in late)
    assert any("20:30-21:00" in c for c in late)
    assert verified["overtime_hours"] > 0
    at_close = [c for c in data["intervals"] if c["interval_start"] == "2026-11-30T20:30:00+07:00"]
    assert at_close and not any(c["missed"] for c in at_close)
    assert "offer" in result.output and "overtime" in result.output


def test_hires_where_the_agents_on_hand_fall_short(inputs, tmp_path):
    few = tmp_path / "few.csv"
    few.write_text(
        "id,name,groups,contract\n"
        + "".join(f"a{k},Agent {k},voice-id,part-time:8\n" for k in range(3))
    )
    result = run_plan(
        inputs, tmp_path / "out", "--max-iterations", "2", "--hire", "part-time:8", agents=few
    )
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "out" / "plan.json").read_text())
    verified = data["comparison"]["verified"]
    assert verified["headcount"] > 3 and verified["short_agent_hours"] == 0
    assert any(c.startswith("hire ") and "voice-id" in c for c in verified["changes"])
    assert "hire" in result.output


def test_the_report_shows_every_interval_with_its_band_and_abandonment(planned):
    out, data = planned
    two_step, verified = data["comparison"]["two_step"], data["comparison"]["verified"]
    assert two_step["iteration"] == 1 and verified["iteration"] == data["plan_iteration"]
    voice = [s for s in verified["service"] if s["channel"] == "voice"]
    assert voice and 0 <= voice[0]["service_level"] <= 1 and voice[0]["service_level_ci"] >= 0
    page = (out / "report.html").read_text()
    assert "Two-step method against the simulation-verified plan" in page
    assert "SL voice-id/voice" in page and "95 % band" in page and "abandonment" in page
    assert page.count("<tr class=") == len(judged(data["intervals"]))
    for name in ("forecast.csv", "roster.csv", "roster-two-step.csv"):
        assert (out / name).stat().st_size > 100


def test_a_budget_of_one_iteration_is_the_two_step_method(inputs, tmp_path):
    result = run_plan(inputs, tmp_path, "--max-iterations", "1")
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "plan.json").read_text())
    assert data["stop"] == STOP_BUDGET and len(data["iterations"]) == 1
    assert data["final_misses"]


AT = dt.datetime(2026, 11, 30, 10, 0, tzinfo=TZ)
CENTRE = load_centre(None)


def counts(levels: list[float], offered: int = 10) -> pd.DataFrame:
    """Twin tallies of one voice cell, one row per replication, answering `level` in target."""
    return pd.DataFrame(
        {
            "replication": range(len(levels)),
            "bin": 20,  # 10:00 in 30-minute bins
            "channel": "voice",
            "queue": "general",
            "language": "id",
            "group": "voice-id",
            "offered": offered,
            "answered": offered,
            "in_target": [round(level * offered) for level in levels],
            "abandoned": 0,
            "short_abandoned": 0,
            "counted": offered,  # the centre's formula: "offered"
            "answer_wait": 10.0 * offered,
            "total_wait": 10.0 * offered,
            "left": offered,
        }
    )


def cell(levels: list[float]) -> pd.Series:
    rows = pd.DataFrame({"interval_start": [AT], "interval_minutes": [30]})
    forecast = Forecast(rows, dt.datetime(2026, 11, 30, tzinfo=TZ))
    _, cells = assess(counts(levels), forecast, CENTRE, len(levels))
    assert list(cells["interval_start"]) == [AT]
    return cells.iloc[0]


def test_a_mean_at_target_is_not_enough_when_fewer_than_80_percent_of_runs_reach_it():
    lucky = cell([1.0, 1.0, 0.7, 0.7, 0.7])  # mean 0.82, 2 of 5 runs at 80 %
    assert lucky["service_level"] > 0.8 and lucky["met_share"] == 0.4 and lucky["missed"]
    steady = cell([0.8, 0.8, 0.9, 0.8, 0.7])  # mean 0.80, 4 of 5 runs at 80 %
    assert steady["met_share"] == 0.8 and not steady["missed"] and not steady["surplus"]
    low = cell([0.7, 0.9, 0.9, 0.9, 0.9])  # 4 of 5 runs, mean 0.86: met
    assert not low["missed"]
    ample = cell([1.0, 1.0, 0.9, 1.0, 1.0])  # even the weakest fifth is half-way to 100 %
    assert ample["surplus"] and not ample["missed"]


def test_requirements_go_up_where_missed_and_down_where_surplus_never_below_a_floor():
    later = AT + dt.timedelta(minutes=30)
    last = later + dt.timedelta(minutes=30)
    requirements = Requirements(
        30, {(AT, "voice-id"): 3.0, (later, "voice-id"): 5.0, (last, "voice-id"): 4.0}
    )
    intervals = pd.DataFrame(
        {
            "interval_start": [AT, later, last],
            "group": "voice-id",
            "channel": "voice",
            "service_level": [0.75, 0.99, 0.95],
            "target": 0.8,
            "missed": [True, False, False],
            "surplus": [False, True, True],
        }
    )
    have = {(AT, "voice-id"): 4, (later, "voice-id"): 5, (last, "voice-id"): 4}
    floors = {(last, "voice-id"): 4.0}  # 3 agents missed here before
    moved = adjust_requirements(requirements, have, intervals, floors).required
    assert moved == {(AT, "voice-id"): 5.0, (later, "voice-id"): 4.0, (last, "voice-id"): 4.0}
    assert floors[AT, "voice-id"] == 5.0
    fixing = adjust_requirements(requirements, have, intervals, {}, cut=False).required
    assert fixing[AT, "voice-id"] == 5.0 and fixing[later, "voice-id"] == 5.0


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
        "--hire",
        "--time-limit",
        "--out-dir",
        "--seed",
    ):
        assert option in help_text
    broken = tmp_path / "agents.csv"
    broken.write_text("id,name\n")
    history = tmp_path / "history.csv"
    write_history(history, days=2)
    base = ["plan", "--history", str(history), "--out-dir", str(tmp_path / "out")]
    result = CliRunner().invoke(cli, [*base, "--agents", str(broken)])
    assert result.exit_code != 0
    assert "missing column" in result.output and len(result.output.strip().splitlines()) <= 2
    agents = tmp_path / "ok.csv"
    agents.write_text("id,name,groups,contract\na1,A,voice-id,5x8\n")
    result = CliRunner().invoke(cli, [*base, "--agents", str(agents), "--hire", "4x10"])
    assert result.exit_code != 0
    assert "unknown contract" in result.output and len(result.output.strip().splitlines()) <= 2


def test_the_plans_twin_abandons_as_staffing_assumes_and_closes_at_the_centres_hours():
    rows = pd.DataFrame({"interval_start": [AT], "interval_minutes": [30]})
    forecast = Forecast(rows, dt.datetime(2026, 11, 30, tzinfo=TZ))
    behaviour = centre_behaviour(CENTRE, forecast)
    for channel in ("voice", "chat"):
        assert behaviour.patience[channel] == PlanOptions().patience_for(CENTRE, channel)
    assert "email" not in behaviour.patience  # .inf in the centre: nobody abandons
    assert behaviour.closing.policy == "serve"
    assert behaviour.closing.is_closed(0.0)  # midnight: before the centre opens
    assert not behaviour.closing.is_closed(11 * 3600.0)  # 11:00 on a Monday
