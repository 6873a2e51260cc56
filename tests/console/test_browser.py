"""The console and the desk in headless Chromium against a real server: the wallboard follows
the router by itself, and an agent takes a call from the desk."""

from __future__ import annotations

import pytest

from tests.console.conftest import SUPERVISOR, add_agent, enqueue

pytestmark = pytest.mark.browser


def start_desk(page, live_server: str, token: str, lang: str = "id") -> None:
    """Log in and go available, once desk.js has shown the agent (its first refresh)."""
    from playwright.sync_api import expect

    page.goto(f"{live_server}/desk/login?lang={lang}")
    page.fill("input[name=token]", token)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-set-state][aria-pressed]")
    page.click("button[data-set-state=available]")
    expect(page.locator("[data-my-state]")).to_have_attribute("data-my-state", "available")


def test_the_wallboard_changes_when_a_call_is_enqueued(app, live_server, page, tmp_path):
    from playwright.sync_api import expect

    page.goto(f"{live_server}/console/login?lang=en")
    page.fill("input[name=token]", SUPERVISOR)
    page.click("button[type=submit]")
    waiting = page.locator('[data-queue="complaints"] .queue-head [data-field="waiting"]')
    # no contact yet: the queue is named in the quiet line
    expect(page.locator("[data-quiet]")).to_contain_text("Complaints and after-sales")
    expect(page.locator("[data-when-live]")).to_be_visible()
    enqueue(app, "t-browser-1")
    enqueue(app, "t-browser-2", channel="chat")
    expect(waiting).to_have_text("2", timeout=2000)  # pushed within two seconds
    page.screenshot(path=tmp_path / "wallboard.png", full_page=True)


def test_an_agent_accepts_an_offer_in_the_desk(app, live_server, page, tmp_path):
    from playwright.sync_api import expect

    token = add_agent(app)
    start_desk(page, live_server, token, "en")
    expect(page.locator("[data-my-state]")).to_have_text("Available")
    enqueue(app, "t-desk-call")
    offer = page.locator('[data-list="offers"] .offer')
    expect(offer).to_contain_text("Phone")
    page.screenshot(path=tmp_path / "desk-offer.png", full_page=True)
    offer.locator("[data-action=accept]").click()
    task = page.locator('[data-list="tasks"] [data-key="t-desk-call"]')
    expect(task).to_contain_text("In progress")
    expect(offer).to_have_count(0)
    expect(page.locator("[data-my-state]")).to_have_text("Busy")
    task.locator("[data-action=complete]").click()
    expect(task).to_contain_text("Wrap-up")
    expect(task.locator("[data-action=complete]")).to_have_text("End wrap-up")
    page.screenshot(path=tmp_path / "desk.png", full_page=True)
    task.locator("[data-action=complete]").click()
    expect(task).to_have_count(0)


def test_an_agent_answers_a_chat_from_the_desk(app, live_server, page):
    from playwright.sync_api import expect

    token = add_agent(app)
    start_desk(page, live_server, token)
    reply = page.request.post(
        f"{live_server}/api/chat",
        data={"queue": "general", "message": "<b>Halo</b>, pesanan saya belum sampai"},
    )
    chat_id = reply.json()["task_id"]
    page.locator("[data-action=accept]").click()
    task = page.locator(f'[data-key="{chat_id}"]')
    expect(task.locator("[data-messages] li")).to_have_text(
        ["Pelanggan: <b>Halo</b>, pesanan saya belum sampai"]
    )  # shown as text, never as HTML
    task.locator("input[name=body]").fill("Baik, kami cek dulu ya")
    task.locator("[data-reply] button").click()
    expect(task.locator("[data-messages] li")).to_have_count(2)
    expect(task.locator("li.mine")).to_have_text("Anda: Baik, kami cek dulu ya")
