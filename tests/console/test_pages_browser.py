"""Every page of the supervisor's navigation in Chromium, in both languages, as the browser
shows it after its scripts ran: no script error or refused resource (the CSP), the page in the
chosen language with nothing left untranslated (the rendered DOM, so text a script writes
counts too), and a service-level chart with its target line on every wallboard line."""

from __future__ import annotations

import pytest

from tests.console.conftest import SUPERVISOR, enqueue
from tests.console.test_every_page_in_both_languages import untranslated

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_page_of_the_navigation_runs_cleanly_in_the_chosen_language(
    app, live_server, page, lang
):
    enqueue(app, "t-pages-call")
    enqueue(app, "t-pages-chat", channel="chat")
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on(
        "console",
        lambda message: (
            problems.append(f"console {message.type}: {message.text}")
            if message.type == "error"
            else None
        ),
    )
    page.goto(f"{live_server}/console/login?lang={lang}")
    page.fill("input[name=token]", SUPERVISOR)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-queue]")
    links = page.eval_on_selector_all(".topbar nav a", "links => links.map(a => a.href)")
    assert len(links) >= 9  # wallboard, agents, complaints … what-if
    for url in links:
        page.goto(url)
        page.wait_for_load_state("load")
        assert page.get_attribute("html", "lang") == lang, url
        problems += [f"{url}: {line}" for line in untranslated(page.content(), lang)]
        if "/console/wallboard" in url or url.rstrip("/").endswith("/console"):
            lines = page.locator("[data-queue] [data-line]").count()
            targets = page.locator("[data-queue] [data-line] svg.sl-chart line[data-target]")
            assert lines >= 2 and targets.count() == lines, url  # the call's and the chat's
    assert problems == []
