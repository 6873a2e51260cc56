"""`vero plan --lang`: the plan's report and its summary in Indonesian (the default) or
English, numbers and interval starts written as the language writes them."""

from __future__ import annotations

import json
import re

import pytest

from tests.wfm.test_plan import run_plan, write_inputs


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory):
    here = tmp_path_factory.mktemp("plan-language")
    write_inputs(here)
    runs = {}
    for lang in ("id", "en"):
        result = run_plan(here, here / lang, "--max-iterations", "1", "--lang", lang)
        assert result.exit_code == 0, result.output
        runs[lang] = (result.output, (here / lang / "report.html").read_text(encoding="utf-8"))
    return here, runs


def test_the_indonesian_plan_report_and_summary(planned):
    here, runs = planned
    output, page = runs["id"]
    assert '<html lang="id">' in page and "Rencana yang diverifikasi simulasi" in page
    assert "berhenti karena jatah iterasi habis" in page and "<td>iterasi 1</td>" in page
    assert "<th>TL voice-id/voice</th>" in page and "Setiap interval rencana" in page
    assert re.search(r"<td>Sen 30 Nov 08\.00</td>", page)
    assert re.search(r"<td>\d+,\d%</td>", page) and re.search(r"<td>\d+,\d</td>", page)
    assert "missed" not in page and "iteration" not in page and "agent-hours" not in page
    assert "interval terlemah rencana" in output and "jam-agen" in output
    data = json.loads((here / "id" / "plan.json").read_text())
    assert data["stop"] == "iteration budget spent"  # plan.json is for tools: one language


def test_the_english_plan_report_and_summary(planned):
    _, runs = planned
    output, page = runs["en"]
    assert '<html lang="en">' in page and "Simulation-verified plan" in page
    assert "<td>iteration 1</td>" in page and re.search(r"<td>Mon 30 Nov 08:00</td>", page)
    assert re.search(r"<td>\d+\.\d%</td>", page) and "Rencana" not in page
    assert "the plan's weakest intervals" in output
