"""The wallboard in headless Chromium on a busy afternoon (tests/console/wallboard_traffic.py), in
both languages: each line's chart has its points and the target's line, the waits are coloured
by their channel's target, the quiet queues share one line, the breach is listed with its start,
a push updates the figures; TV mode (with today's forecast published) fits 1920×1080 without
scrolling and the phone layout has
no horizontal scroll. Screenshots: wallboard-id, wallboard-tv-id, wallboard-tv-en,
wallboard-phone-id."""

from __future__ import annotations

import pytest

from tests.console.conftest import SUPERVISOR
from tests.console.wallboard_traffic import busy_afternoon, publish_forecast
from vero.kernel.language import language
from vero.web.console.sl_chart import level_y

pytestmark = pytest.mark.browser
QUIET = {"id": "6 antrean tanpa kontak hari ini:", "en": "6 queues with no contacts today:"}


def open_board(page, live_server: str, lang: str, query: str = "") -> None:
    page.goto(f"{live_server}/console/login?lang={lang}&next=/console/{query}")
    page.fill("input[name=token]", SUPERVISOR)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-when-live]:not([hidden])")


@pytest.mark.parametrize("lang", ["id", "en"])
def test_each_line_shows_its_chart_its_target_and_coloured_waits(
    app, live_server, page, screenshot, lang
):
    from playwright.sync_api import expect

    busy_afternoon(app)
    page.set_viewport_size({"width": 1440, "height": 1000})
    open_board(page, live_server, lang)
    chat = page.locator('[data-queue="complaints"] [data-line="chat"]')
    expect(chat).to_have_attribute("data-state", "red")
    expect(chat.locator(".badge")).to_have_text(language(lang).text("wall.state_red"))
    expect(chat.locator('[data-metric="longest"]')).to_have_attribute("data-level", "red")
    expect(chat.locator('[data-field="longest_wait"]')).to_have_text("25:33")
    expect(chat.locator('[data-metric="ready"]')).to_have_attribute("data-level", "red")
    expect(chat.locator(".sl")).to_have_attribute("data-verdict", "green")
    # the chart: a point per 15 minutes since 08:00, the line through them, the goal's line
    expect(chat.locator("svg [data-points] .dot")).to_have_count(25)
    assert len(chat.locator("svg [data-trace]").get_attribute("points").split()) == 25
    target = chat.locator("svg [data-target]")
    assert float(target.get_attribute("y1")) == level_y(0.80)
    assert target.bounding_box()["width"] > 100  # drawn across the chart
    general = page.locator('[data-queue="general"] [data-line="voice"]')
    expect(general.locator('[data-metric="waiting"]')).to_have_attribute("data-level", "amber")
    expect(general.locator('[data-metric="longest"] b')).to_have_text("0:09")
    # the quiet queues share a line; the breach leads the alerts with its start
    expect(page.locator("[data-quiet]")).to_contain_text(QUIET[lang])
    expect(page.locator('article[data-queue="partners"]')).to_have_count(0)
    first_alert = page.locator("[data-alert-list] li").first
    expect(first_alert).to_have_attribute("data-alert", "complaints|chat")
    expect(first_alert).to_contain_text("(12 ")  # 12 min 34 s ago
    # the order of the rows: the breaching queue first
    assert page.locator("article[data-queue]").first.get_attribute("data-queue") == "complaints"
    if lang == "id":
        screenshot(page, "wallboard-id", full_page=True)

    # a push: a third English caller for general, the figures follow without a reload
    from telephony.services import services

    page.evaluate("window.__same_page = true")
    with app.app_context():
        services().router.enqueue("t-en-3", "voice", "general", "en")
    expect(page.locator('[data-queue="general"] .queue-head [data-field="waiting"]')).to_have_text(
        "3"
    )
    expect(general.locator('[data-field="waiting"]')).to_have_text("3")
    assert page.evaluate("window.__same_page") is True


@pytest.mark.parametrize("lang", ["id", "en"])
def test_tv_mode_fills_a_1080p_screen_without_scrolling(app, live_server, page, screenshot, lang):
    from playwright.sync_api import expect

    busy_afternoon(app)
    publish_forecast(app)  # the intraday panel with its rows, as on a planned day
    page.set_viewport_size({"width": 1920, "height": 1080})
    open_board(page, live_server, lang, "?tv=1")
    expect(page.locator(".wallboard.tv")).to_be_visible()
    expect(page.locator(".topbar")).to_be_hidden()  # no navigation on the wall
    expect(page.locator('[data-queue="complaints"] [data-line="chat"]')).to_be_visible()
    expect(page.locator("[data-intraday-rows] tr")).to_have_count(9)
    screenshot(page, f"wallboard-tv-{lang}")
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height <= 1080, height
    assert page.evaluate("document.documentElement.scrollWidth") <= 1920
    screenshot(page, f"wallboard-tv-{lang}")


def test_the_phone_layout_cuts_nothing_off(app, live_server, page, screenshot):
    busy_afternoon(app)
    page.set_viewport_size({"width": 390, "height": 844})
    open_board(page, live_server, "id")
    page.wait_for_selector('[data-queue="complaints"] [data-line="chat"]')
    screenshot(page, "wallboard-phone-id", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = page.locator('[data-queue="complaints"] [data-line="chat"] .sl-chart').bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    screenshot(page, "wallboard-phone-id", full_page=True)
