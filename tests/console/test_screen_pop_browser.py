"""The desk's screen pop in headless Chromium: an offer arrives and the agent sees who calls."""

from __future__ import annotations

import pytest

from telephony.customers import Customer, CustomerDirectory
from telephony.services import services
from tests.console.conftest import add_agent
from tests.console.test_browser import start_desk

pytestmark = pytest.mark.browser
NAME = "Sari <i>Dewi</i>"  # a name from the CRM is shown as text, never as HTML


def test_an_offer_pops_up_the_customer_with_vip_badge_and_script(app, live_server, page, tmp_path):
    from playwright.sync_api import expect

    token = add_agent(app)
    with app.app_context():
        svc = services()
        CustomerDirectory(svc.redis, svc.router.keys).put(
            Customer("+628111000001", NAME, "B2B", True, "en")
        )
    start_desk(page, live_server, token, "en")
    with app.app_context():
        services().router.enqueue(
            "call-vip",
            "voice",
            "general",
            "en",
            attributes={"from": "+628111000001", "topic": "product"},
        )
    view = page.locator('[data-list="offers"] .offer .customer-view')
    expect(view.locator('[data-cv="name"]')).to_have_text(NAME)
    expect(view.locator('[data-cv="vip"]')).to_be_visible()
    expect(view.locator('[data-cv="about"]')).to_have_text("B2B/OEM · English · +628111000001")
    expect(view.locator('[data-cv="greeting"]')).to_have_text(
        f"Hello {NAME}, happy to help you with our products."
    )
    expect(view.locator('[data-cv="questions"] li')).to_have_count(3)
    expect(view.locator('[data-cv="recent"]')).to_have_text("No earlier contacts.")
    page.screenshot(path=tmp_path / "screen-pop.png", full_page=True)
    page.locator("[data-action=accept]").click()
    task = page.locator('[data-list="tasks"] [data-key="call-vip"]')
    expect(task.locator('.customer-view [data-cv="name"]')).to_have_text(NAME)  # stays on
