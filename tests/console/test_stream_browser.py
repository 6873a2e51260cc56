"""The wallboard in headless Chromium keeps itself live: refused by a full server (503) it comes
back by itself, and after the server ends a stream (every CONSOLE_STREAM_SECONDS) it goes on
updating."""

from __future__ import annotations

import time

import pytest

from tests.console.conftest import SUPERVISOR, enqueue

pytestmark = pytest.mark.browser


def test_the_wallboard_comes_back_after_a_refusal_and_keeps_updating(app, live_server, page):
    from playwright.sync_api import expect

    app.config["CONSOLE_STREAM_LIMIT"] = 1
    enqueue(app, "t-back-0")  # the queue has its row from the start (no reload when it comes)
    holder = app.test_client()
    holder.post("/console/login", data={"token": SUPERVISOR})
    held = holder.get("/console/stream", buffered=False)  # the server's only stream
    next(iter(held.response))
    page.goto(f"{live_server}/console/login?lang=en")
    page.fill("input[name=token]", SUPERVISOR)
    page.click("button[type=submit]")
    connection = page.locator("[data-connection]")
    expect(connection).to_have_attribute("data-connection", "lost")  # refused: 503
    held.close()  # the place frees up; live.js opens a new stream 5-10 s later
    expect(connection).to_have_attribute("data-connection", "live", timeout=20_000)
    waiting = page.locator('[data-queue="complaints"] .queue-head [data-field="waiting"]')
    enqueue(app, "t-back-1")
    expect(waiting).to_have_text("2", timeout=5000)
    time.sleep(3.5)  # past the end of that stream (CONSOLE_STREAM_SECONDS = 3): reconnected
    enqueue(app, "t-back-2")
    expect(waiting).to_have_text("3", timeout=5000)
