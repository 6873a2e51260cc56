"""The pages still work under the Content-Security-Policy, in headless Chromium against a real
server: the wallboard follows the router, the agents page and a case page post with their CSRF
token, the desk accepts an offer, a forecast upload is followed to its end by planning.js, and a
session ended elsewhere stops the desk. Chromium reports every CSP violation on the console; none
may appear (and an injected inline script shows that one would be seen)."""

from __future__ import annotations

import pytest

from tests.console.conftest import SUPERVISOR, add_agent, enqueue
from tests.console.test_browser import start_desk
from tests.console.test_cases_console import file_complaint
from tests.security.conftest import plain_client
from tests.wfm.test_forecast_cli import router_history

pytestmark = pytest.mark.browser


@pytest.fixture
def watched(page):
    """The page, and the console lines and page errors it produced (CSP reports among them)."""
    problems: list[str] = []
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    return page, problems


def _violations(problems: list[str]) -> list[str]:
    return [line for line in problems if "Content Security Policy" in line]


def _console_login(page, live_server: str, next_path: str = "/console/") -> None:
    page.goto(f"{live_server}/console/login?lang=en&next={next_path}")
    page.fill("input[name=token]", SUPERVISOR)
    page.click("button[type=submit]")


def test_the_supervisor_pages_work_under_the_policy(app, live_server, watched):
    from playwright.sync_api import expect

    page, problems = watched
    add_agent(app)
    _console_login(page, live_server)
    waiting = page.locator('[data-queue="complaints"] .queue-head [data-field="waiting"]')
    # no contact yet: the queue is named in the quiet line
    expect(page.locator("[data-quiet]")).to_contain_text("Complaints and after-sales")
    enqueue(app, "t-csp-1")
    expect(waiting).to_have_text("1", timeout=3000)  # the stream (live.js) pushed it

    page.goto(f"{live_server}/console/agents?lang=en")
    row = page.locator('tr[data-agent="ayu"]')
    row.locator("select[name=state]").select_option("break")
    row.locator("button[type=submit]").click()
    expect(row).to_have_attribute("data-state", "break", timeout=3000)  # POST + stream

    ref = file_complaint(plain_client(app))
    page.goto(f"{live_server}/console/complaints/{ref}?lang=en")
    page.locator('form[data-case-form="classify"] button[type=submit]').click()
    expect(page.locator('form[data-case-form="forward"]')).to_be_visible()  # reloaded
    assert _violations(problems) == [] and problems == [], problems

    # the detector is not blind: an inline script is refused, and reported
    page.evaluate("""() => { const s = document.createElement("script");
                             s.textContent = "window.ran = 1"; document.body.append(s); }""")
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.ran") is None
    assert _violations(problems), problems


def test_the_forecast_upload_submits_and_its_run_is_followed(
    live_server, worker, watched, tmp_path
):
    from playwright.sync_api import expect

    page, problems = watched
    history = tmp_path / "contacts.csv"
    router_history(history, days=28)
    _console_login(page, live_server, "/console/forecast")
    page.set_input_files("input[name=history]", str(history))
    page.fill("input[name=horizon_days]", "7")
    page.click("form.plan-form button[type=submit]")
    expect(page.locator("[data-run-state]")).to_be_visible()
    expect(page.locator("[data-run-state=done]")).to_be_visible(timeout=90_000)  # polled
    expect(page.locator("table.backtest")).to_be_visible()
    assert problems == [], problems


def test_the_desk_accepts_an_offer_and_stops_when_its_login_ends(app, live_server, watched):
    from playwright.sync_api import expect

    page, problems = watched
    token = add_agent(app)
    start_desk(page, live_server, token, "en")
    enqueue(app, "t-csp-desk")
    offer = page.locator('[data-list="offers"] .offer')
    offer.locator("[data-action=accept]").click()
    expect(page.locator('[data-list="tasks"] [data-key="t-csp-desk"]')).to_contain_text(
        "In progress"
    )
    assert problems == [], problems

    # the token is rotated: the API refuses the old one and the desk says the session ended
    reply = page.request.put(
        f"{live_server}/api/agents/ayu",
        headers={"Authorization": f"Bearer {SUPERVISOR}"},
        data={"skills": {"complaints": 4}, "languages": ["id"], "rotate_token": True},
    )
    assert reply.ok
    expect(page.locator("[data-desk-expired]")).to_be_visible(timeout=3000)
    page.goto(f"{live_server}/desk/")
    assert page.url.endswith("/desk/login")
