"""The README's five-minute walkthrough, run as written: the commands between its
`<!-- walkthrough -->` marks, in a fresh folder, with small settings appended (fewer
replications and iterations, a shorter solver limit) so it stays short; each step's files must
exist and read back."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import openpyxl
import pandas as pd
from click.testing import CliRunner

from vero.cli import cli
from vero.kernel.centre import load_centre
from wfm.commands import read_forecast

ROOT = Path(__file__).resolve().parents[2]
SMALL = {  # appended to a step's own options: click keeps the last value of an option
    "roster": ["--time-limit", "15"],
    "simulate": ["--replications", "2", "--workers", "1"],
    "plan": ["--days", "2", "--replications", "2", "--max-iterations", "2", "--time-limit", "10"],
}
# What the walkthrough writes in its folder; the docs test takes these names (and their file
# and folder names) as written by Vero, not as files of the repository.
OUTPUTS = (
    "history.csv",
    "requirements.csv",
    "agents.csv",
    "shifts.yaml",
    "scenario-peak.yaml",
    "scenario-vip.yaml",
    "forecast.csv",
    "forecast.png",
    "backtest.csv",
    "patience.csv",
    "staffing.csv",
    "staffing.png",
    "roster/roster.csv",
    "roster/roster.xlsx",
    "roster/coverage.png",
    "roster/calendars/",
    "whatif-peak/report.html",
    "whatif-peak/figures.json",
    "whatif-vip/report.html",
    "whatif-vip/figures.json",
    "plan/report.html",
    "plan/plan.json",
    "plan/roster.csv",
    "plan/requirements.csv",
)


def written_names() -> set[str]:
    """The names a doc may cite for the walkthrough's files: each path, its file name, its
    folder."""
    names = set(OUTPUTS)
    for path in OUTPUTS:
        folder, _, name = path.rstrip("/").rpartition("/")
        names |= {name, f"{folder}/"} if folder else {name}
    return names


def walkthrough() -> list[list[str]]:
    """The walkthrough's command lines, split as a shell would."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("<!-- walkthrough -->", 1)[1].split("<!-- /walkthrough -->", 1)[0]
    lines = [line for line in block.splitlines() if line and not line.startswith("```")]
    return [shlex.split(line) for line in lines]


def test_the_walkthrough_covers_every_step_in_order():
    steps = [words[1] for words in walkthrough() if words[0] == "vero"]
    assert steps == ["sample", "forecast", "staff", "roster", "simulate", "simulate", "plan"]


def test_the_readme_walkthrough_runs_and_writes_what_it_says(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    for words in walkthrough():
        if words[0] == "cd":
            monkeypatch.chdir(Path.cwd() / words[1])
            continue
        assert words[0] == "vero", words
        result = runner.invoke(cli, [*words[1:], *SMALL.get(words[1], [])])
        assert result.exit_code == 0, f"{shlex.join(words)}:\n{result.output}"
    here = Path.cwd()
    assert here == tmp_path / "vero-sample"
    missing = [name for name in OUTPUTS if not (here / name).exists()]
    assert not missing, missing
    centre = load_centre(None)
    forecast = read_forecast(here / "forecast.csv", centre)
    days = sorted({t.date().isoformat() for t in forecast["interval_start"]})
    assert days[0] == "2026-12-28" and "2027-01-01" not in days  # New Year's Day is closed
    assert {"voice", "chat", "whatsapp", "email"} <= set(forecast["channel"])
    staffing = pd.read_csv(here / "staffing.csv")
    assert set(staffing["group"]) == {"voice-id", "voice-en", "digital", "backoffice"}
    roster = pd.read_csv(here / "roster/roster.csv")
    agents = pd.read_csv(here / "agents.csv")
    assert set(roster["agent"]) <= set(agents["id"]) and len(set(roster["agent"])) > 10
    assert openpyxl.load_workbook(here / "roster/roster.xlsx").sheetnames
    assert len(list((here / "roster/calendars").glob("*.ics"))) == len(set(roster["agent"]))
    for folder, scenario in (("whatif-peak", "four voice agents fewer"), ("whatif-vip", "VIP")):
        figures = json.loads((here / folder / "figures.json").read_text(encoding="utf-8"))
        assert scenario in json.dumps(figures, ensure_ascii=False)
        assert (here / folder / "report.html").stat().st_size > 1000
    plan = json.loads((here / "plan/plan.json").read_text(encoding="utf-8"))
    assert plan and (here / "plan/report.html").stat().st_size > 1000
