"""The roster page in headless Chromium with a real week's roster: the week grid fits a
1280-1600 px screen (no page-wide sideways scroll), shifts are bars coloured by group with a
legend, the page speaks both languages; screenshots `roster-id` and `roster-en`."""

from __future__ import annotations

import re

import pytest

from tests.console.conftest import SUPERVISOR
from tests.wfm.roster_helpers import requirements
from tests.wfm.test_roster_command import COLUMNS as REQUIREMENT_HEADER

pytestmark = pytest.mark.browser

AGENTS = """id,name,groups,contract,languages,leave
a01,Ani Lestari,voice-id,5x8,,
a02,Budi Santoso,voice-id,5x8,,
a03,Citra Dewi,voice-id,6x7,,2026-12-02
a04,Dedi Kurniawan,voice-id,full-time,,
a05,Eka Putri,digital,5x8,,
a06,Fajar Nugroho,digital,part-time:24,,
a07,Gita Sari,voice-id;digital,5x8,,
a08,Hendra Wijaya,voice-id;digital,6x7,,
a09,Intan Permata,voice-en,part-time:20,en,
a10,Joko Susilo,digital,5x8,,
"""


def week_requirements() -> bytes:
    """A whole week: two agents on Indonesian voice and one on digital while the centre is open."""
    rows = [
        f"{start.isoformat()},30,{group},5,300,1,{value:g},0.8,10,0.8,0.02"
        for (start, group), value in sorted(requirements(2).required.items())
    ]
    return ("\n".join([REQUIREMENT_HEADER, *rows]) + "\n").encode()


def grid_widths(page) -> dict[str, int]:
    return page.evaluate(
        """() => ({
            page: document.documentElement.scrollWidth,
            view: window.innerWidth,
            grid: document.querySelector("table.week-grid").scrollWidth,
        })"""
    )


def test_the_week_grid_fits_the_screen_in_both_languages(live_server, worker, page, screenshot):
    from playwright.sync_api import expect

    page.goto(f"{live_server}/console/login?lang=id&next=/console/roster")
    page.fill("input[name=token]", SUPERVISOR)
    page.click("button[type=submit]")
    page.set_input_files(
        "input[name=requirements]",
        files=[{"name": "req.csv", "mimeType": "text/csv", "buffer": week_requirements()}],
    )
    page.set_input_files(
        "input[name=agents]",
        files=[{"name": "agents.csv", "mimeType": "text/csv", "buffer": AGENTS.encode()}],
    )
    page.fill("input[name=time_limit]", "20")
    page.click("form.plan-form button[type=submit]")
    expect(page.locator("[data-run-state=done]")).to_be_visible(timeout=180_000)  # polled
    run = page.url.split("?")[0]
    rows = page.locator("table.week-grid tbody tr")
    expect(rows).to_have_count(10)
    expect(page.locator("table.week-grid thead th").nth(1)).to_have_text("Sen 30/11")
    citra = page.locator("tr[data-agent=a03] td")
    expect(citra.nth(2)).to_have_text("Cuti")  # paid leave on Wednesday
    bars = page.locator("table.week-grid .shift")
    assert bars.count() > 30
    colours = page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll("tr[data-agent]")].map(
            row => [row.dataset.agent, [...new Set([...row.querySelectorAll(".shift")].map(
                bar => getComputedStyle(bar).backgroundColor))]]))"""
    )
    assert colours["a01"] != colours["a05"]  # voice and digital are told apart by colour
    legend = page.locator("[data-legend] .shift")
    expect(legend).to_contain_text(["Digital (obrolan, WhatsApp, SMS, surel)"])
    assert "title" in bars.first.evaluate("bar => bar.getAttributeNames().join(' ')")
    for width in (1280, 1600):
        page.set_viewport_size({"width": width, "height": 900})
        sizes = grid_widths(page)
        assert sizes["page"] <= sizes["view"], sizes  # no page-wide sideways scroll
        assert sizes["grid"] <= width, sizes
    page.set_viewport_size({"width": 1440, "height": 1000})
    screenshot(page, "roster-id", full_page=True)

    page.goto(f"{run}?lang=en")
    expect(page.locator("table.week-grid thead th").nth(1)).to_have_text("Mon 30/11")
    expect(page.locator("tr[data-agent=a03] td").nth(2)).to_have_text("Paid leave")
    expect(page.locator("[data-legend]")).to_contain_text("Phone (Indonesian)")
    expect(page.locator("img.plan-chart")).to_have_attribute("src", re.compile(r"coverage-en"))
    sizes = grid_widths(page)
    assert sizes["page"] <= sizes["view"] and sizes["grid"] <= 1600, sizes
    screenshot(page, "roster-en", full_page=True)
