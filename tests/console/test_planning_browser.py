"""The roster page in headless Chromium against a real server: upload, wait for the background
solve (in a `vero worker` process) while the page polls, then download the workbook."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from tests.console.conftest import SUPERVISOR
from tests.console.test_planning import AGENTS, tiny_requirements

pytestmark = pytest.mark.browser


def test_a_roster_is_generated_and_downloaded_from_the_console(live_server, worker, page, tmp_path):
    from playwright.sync_api import expect

    page.goto(f"{live_server}/console/login?lang=en&next=/console/roster")
    page.fill("input[name=token]", SUPERVISOR)
    page.click("button[type=submit]")
    page.set_input_files(
        "input[name=requirements]",
        files=[{"name": "requirements.csv", "mimeType": "text/csv", "buffer": tiny_requirements()}],
    )
    page.set_input_files(
        "input[name=agents]",
        files=[{"name": "agents.csv", "mimeType": "text/csv", "buffer": AGENTS.encode()}],
    )
    page.fill("input[name=time_limit]", "5")
    page.click("form.plan-form button[type=submit]")
    expect(page.locator("[data-run-state]")).to_be_visible()
    expect(page.locator("[data-run-state=done]")).to_be_visible(timeout=120_000)  # polled
    expect(page.locator("table.grid tbody tr")).to_have_count(6)
    page.screenshot(path=tmp_path / "roster.png", full_page=True)
    with page.expect_download() as download:
        page.click("a[data-download='roster.xlsx']")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    book = load_workbook(saved)
    assert saved.name == "roster.xlsx" and book.sheetnames == [
        "Roster",
        "Shifts",
        "Coverage",
        "Chart",
    ]
    assert [row[0] for row in book["Roster"].iter_rows(min_row=2, max_row=7, values_only=True)] == [
        f"a{k}" for k in range(1, 7)
    ]
