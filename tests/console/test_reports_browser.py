"""The reports and the forecast page as a supervisor sees them in Chromium, in both languages:
the what-if and plan reports opened from the files the CLI wrote, the forecast run page from
the console with its chart and model table; each saved as a screenshot for the closing note."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.console.conftest import SUPERVISOR
from tests.console.test_every_page_in_both_languages import write_cli_reports
from tests.console.test_planning import finish, start, upload, what_if_files
from tests.wfm.test_forecast_cli import router_history

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_cli_reports(tmp_path_factory.mktemp("browser-reports"))


def charts_drawn(page) -> int:
    """How many of the page's chart images the browser decoded."""
    return page.eval_on_selector_all(
        "img", "imgs => imgs.filter(i => i.complete && i.naturalWidth > 300).length"
    )


@pytest.mark.parametrize(
    "lang, miss, note", [("id", "✗ di bawah target", "tidak pernah"), ("en", "✗ below", "never")]
)
def test_the_what_if_report_in_the_browser(reports, page, screenshot, lang, miss, note):
    page.goto(reports[f"whatif-{lang}"].as_uri())
    assert charts_drawn(page) == 2  # voice and e-mail
    cell = page.locator("td.miss").first
    assert miss in cell.inner_text()
    assert cell.evaluate("c => getComputedStyle(c).backgroundColor") == "rgb(253, 226, 225)"
    assert note in page.locator("[data-no-effect]").inner_text()
    screenshot(page, f"whatif-report-{lang}", full_page=True)


def test_the_plan_report_in_the_browser(reports, page, screenshot):
    page.goto(reports["plan-id"].as_uri())
    assert page.locator("h1").inner_text() == "Rencana yang diverifikasi simulasi"
    assert page.locator("tr.miss").count() > 0  # one iteration: the two-step plan misses
    screenshot(page, "plan-report-id", full_page=True)


def test_the_forecast_page_in_both_languages(
    live_server, worker, supervisor, page, screenshot, tmp_path
):
    history = tmp_path / "contacts.csv"
    router_history(history)
    page.goto(f"{live_server}/console/login")
    page.fill("input[name=token]", SUPERVISOR)
    page.click("button[type=submit]")
    for lang, error in (("id", "Galat (WAPE)"), ("en", "Error (WAPE)")):
        run = start(
            supervisor,
            f"/console/forecast?lang={lang}",
            {"history": upload(history.read_bytes(), "contacts.csv"), "horizon_days": "7"},
        )
        finish(supervisor, run)
        page.goto(f"{live_server}{run}?lang={lang}")
        page.wait_for_function("document.querySelector('img.plan-chart').naturalWidth > 300")
        header = page.locator("table.backtest th abbr").nth(0)
        assert header.text_content() == error and len(header.get_attribute("title") or "") > 40
        chosen = page.locator("table.backtest tr[data-chosen]")
        assert chosen.count() >= 1 and "_" not in chosen.first.locator("td").nth(1).inner_text()
        screenshot(page, f"forecast-{lang}", full_page=True)


def test_the_console_what_if_run_marks_misses_and_explains_a_change_that_never_fired(
    live_server, worker, supervisor, page, screenshot
):
    run = start(
        supervisor,
        "/console/whatif/?lang=id",
        {**what_if_files(), "change": "callbacks", "callbacks": "on"},
    )
    finish(supervisor, run)
    page.goto(f"{live_server}/console/login")
    page.fill("input[name=token]", SUPERVISOR)
    page.click("button[type=submit]")
    page.goto(f"{live_server}{run}?lang=id")
    page.wait_for_function("document.querySelector('img.plan-chart').naturalWidth > 300")
    assert "tidak pernah ditawarkan" in page.locator("[data-no-effect]").inner_text()
    levels = page.locator("td[data-mark]")
    assert levels.count() == 2  # the base and the scenario, on the phone
    assert re.fullmatch(r"\d+,\d% ± \d+,\d%( [✗≈] .+)?", levels.first.inner_text())
    screenshot(page, "whatif-run-id", full_page=True)
