"""The what-if report as a supervisor reads it, in Indonesian and in English: waits in minutes
and hours, local decimals, a service level under its target coloured and marked in words, a
scenario that changed nothing explained (callbacks in a centre where nobody waits long enough
to be offered one), and charts whose title, axes, legend and ticks are in the same language."""

from __future__ import annotations

import re

import pytest

from simulations.replications import run_all, study_jobs
from simulations.report import (
    DURATION,
    PERCENT,
    Results,
    figure_text,
    figures_json,
    judge,
    report_html,
    service_level_chart,
    summarise_study,
)
from simulations.scenario import Study, load_study
from tests.simulations.helpers import write_morning
from vero.kernel.language import language

# the phone is staffed well, one back-office agent is swamped by long e-mails
SERIES = (
    ("voice", "general", "id", 60, 180, "voice-id", 9),
    ("email", "backoffice", "id", 40, 3000, "backoffice", 1),
)
SCENARIOS = """scenarios:
  - name: callbacks on
    changes: [{callbacks: true}]
  - name: short-staffed
    changes: [{remove_agents: {group: voice-id, count: 3}}]
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Results, Study]:
    here = tmp_path_factory.mktemp("report")
    write_morning(here, SERIES, end_hour=11)
    path = here / "s.yaml"
    path.write_text(
        "base: {forecast: forecast.csv, staffing: staffing.csv, replications: 3, seed: 5}\n"
        + SCENARIOS,
        encoding="utf-8",
    )
    study = load_study(path)
    counts, work = run_all(study_jobs(study), workers=1)
    return summarise_study(counts, work, [case.name for case in study.cases]), study


def test_durations_read_in_minutes_and_hours_never_thousands_of_seconds():
    indonesian, english = language("id"), language("en")
    assert figure_text(24784.9, 19455.2, DURATION, indonesian) == "6 jam 53 mnt ± 5 jam 24 mnt"
    assert figure_text(24784.9, 19455.2, DURATION, english) == "6 h 53 min ± 5 h 24 min"
    assert figure_text(0.975, 0.012, PERCENT, indonesian) == "97,5% ± 1,2%"
    assert figure_text(-0.191, 0.04, PERCENT, english, signed=True) == "−19.1% ± 4.0%"
    assert figure_text(None, None, PERCENT, english) == "–"


def test_a_service_level_is_judged_against_its_target_with_its_band():
    assert judge(0.70, 0.05, 0.80) == "miss"  # even the top of the band is short
    assert judge(0.78, 0.05, 0.80) == "near"  # the band reaches the target
    assert judge(0.80, 0.05, 0.80) == "met"
    assert judge(None, None, 0.80) == "met"  # nothing offered: nothing missed


def rows(page: str, scenario: str, channel: str) -> list[str]:
    """The figures rows of one scenario and channel label (the first table)."""
    figures = page[: page.index("</table>")]
    return [
        row
        for row in figures.split("<tr>")
        if row.startswith(f"<td>{scenario}</td><td>{channel}</td>")
    ]


def test_the_indonesian_report_formats_waits_and_decimals_and_marks_misses(run):
    results, study = run
    page = report_html(results, study, "id")
    assert '<html lang="id">' in page and "Simulasi " in page and "Selisih dari dasar" in page
    (email,) = rows(page, "dasar", "Surel")
    assert re.search(r"\d+ jam \d+ mnt ± ", email), email  # waits in hours, not seconds
    assert not re.search(r"\d{4,}[.,]\d", email)
    assert '<td class="miss">' in email and "✗ di bawah target" in email
    (voice,) = rows(page, "dasar", "Telepon")
    assert re.search(r"\d+,\d%", voice) and "✗" not in voice and 'class="met"' in voice
    (short,) = rows(page, "short-staffed", "Telepon")
    assert 'class="miss"' in short or 'class="near"' in short
    assert "Service level" not in page and "seconds" not in page


def test_the_english_report_reads_the_same_numbers_in_english(run):
    results, study = run
    page = report_html(results, study, "en")
    assert '<html lang="en">' in page and "Difference from the base" in page
    (email,) = rows(page, "base", "Email")
    assert re.search(r"\d+ h \d+ min ± ", email) and "✗ below target" in email
    assert "Selisih" not in page


def test_a_change_that_never_fired_is_explained_instead_of_zero_differences(run):
    results, study = run
    assert results.unchanged == ("callbacks on",)
    assert figures_json(results, study)["no_effect"] == {
        "callbacks on": "whatif.no_effect.callbacks"
    }
    for lang, words in (("id", "telepon balik tidak pernah ditawarkan"), ("en", "never offered")):
        page = report_html(results, study, lang)
        note = page[page.index('data-no-effect="callbacks on"') :]
        assert words in note[: note.index("</p>")]
        differences = page[page.index("data-no-effect") :]
        differences = differences[: differences.index("<h2>")]  # up to the occupancy
        assert "<td>callbacks on</td>" not in differences  # no row of zeros
        assert "<td>short-staffed</td>" in differences


def test_the_service_level_chart_speaks_the_report_s_language(run, drawn):
    results, study = run
    service_level_chart(results, study, "email", "id")
    service_level_chart(results, study, "email", "en")
    indonesian, english = drawn
    assert indonesian["title"] == "Surel: tingkat layanan per interval (rata-rata replikasi)"
    assert indonesian["ylabel"] == "Tingkat layanan"
    assert indonesian["legend"] == [
        "dasar",
        "callbacks on (sama dengan dasar)",
        "short-staffed",
        "target 95% dalam 1 hari",
    ]
    assert "80%" in indonesian["yticks"]
    assert all(tick.startswith("Sel 1 Des") for tick in indonesian["xticks"])
    assert any(re.search(r"\n\d\d\.\d\d$", tick) for tick in indonesian["xticks"]), indonesian
    assert english["title"] == "Email: service level per interval (mean of replications)"
    assert english["legend"][-1] == "target 95% within 1 d"
    assert all(re.fullmatch(r"Tue 1 Dec\n\d\d:\d\d", tick) for tick in english["xticks"])
