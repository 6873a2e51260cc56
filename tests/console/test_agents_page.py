"""The agents page on a scripted morning of seven agents: skills and groups, the shown state with
the right "since", today's handled contacts, average handle time and occupancy, in both
languages; in Chromium, the skill and group filters and each row's state drop-down."""

from __future__ import annotations

import datetime as dt
import json
import re
from zoneinfo import ZoneInfo

import pytest

from telephony.routing.router import RedisRouter
from telephony.services import services
from tests.console.conftest import SUPERVISOR
from vero.kernel.language import language

TZ = ZoneInfo("Asia/Jakarta")
T = dt.datetime(2026, 12, 1, 8, 0, tzinfo=TZ).timestamp()  # the morning starts at 08:00
NOW = T + 2 * 3600  # and the page is looked at at 10:00

TEAM = {  # id: (name, skills, languages, capacity)
    "ayu": ("Ayu Lestari", {"complaints": 4, "general": 2}, ("id", "en"), {"voice": 1}),
    "budi": ("Budi Santoso", {"general": 3, "product": 2}, ("id",), {"voice": 1, "chat": 2}),
    "citra": ("Citra Dewi", {"product": 5, "general": 3}, ("id",), {"voice": 1}),
    "dewi": ("Dewi Anggraini", {"vip": 4, "complaints": 3}, ("id", "en"), {"voice": 1}),
    "eko": ("Eko Prasetyo", {"orders": 3}, ("id",), {"chat": 3, "whatsapp": 5}),
    "fajar": ("Fajar Nugroho", {"b2b": 4}, ("id", "en"), {"voice": 1, "email": 5}),
    "gita": ("Gita Maharani", {"general": 2}, ("en",), {"voice": 1}),
}


def call(router: RedisRouter, task_id: str, agent: str, start: float, talk: float, wrap=30.0):
    """A call the agent handles from `start`: 5 s to connect, `talk` seconds, then `wrap`
    seconds of wrap-up (None: the call is still live)."""
    router.assign(task_id, agent, "voice", "general", "id", {}, now=T + start)
    router.bridge(task_id, now=T + start + 5)
    if talk is None:
        return
    router.complete(task_id, now=T + start + 5 + talk)
    if wrap is not None:
        router.complete(task_id, now=T + start + 5 + talk + wrap)


def shift(router: RedisRouter, agent: str, starts: range, talk: float, wrap=30.0) -> None:
    """One call after another, each starting at `starts`' next second of the morning."""
    for n, start in enumerate(starts):
        call(router, f"{agent}-{n}", agent, start, talk, wrap)


def chat(router: RedisRouter, task_id: str, start: float, length: float | None) -> None:
    """A chat of the orders queue (only Eko has the skill), answered at once."""
    (offer,) = router.enqueue(task_id, "chat", "orders", "id", now=T + start)
    router.accept(offer.offer, now=T + start + 2)
    if length is not None:
        router.complete(task_id, now=T + start + length)
        router.complete(task_id, now=T + start + length + 20)


@pytest.fixture
def team(app):
    """Seven agents in every state at 10:00 (the router's clock stands there)."""
    with app.app_context():
        router = services().router
        router.clock = lambda: NOW
        for agent_id, (name, skills, languages, capacity) in TEAM.items():
            router.upsert_agent(agent_id, skills, languages, capacity, now=T, name=name)
            if agent_id != "fajar":  # offline all morning
                router.set_agent_state(agent_id, "available", now=T)
        shift(router, "citra", range(600, 6500, 450), talk=300)  # 14 calls, back at 09:53:05
        shift(router, "ayu", range(300, 6500, 500), talk=380)
        call(router, "ayu-live", "ayu", 7000, talk=None)  # on a call since 09:56:40
        shift(router, "budi", range(400, 6500, 550), talk=350)
        call(router, "budi-last", "budi", 6950, talk=235, wrap=None)  # wrap-up from 09:59:50
        shift(router, "dewi", range(600, 5500, 600), talk=420)
        router.set_agent_state("dewi", "break", "istirahat", now=T + 6000)  # 09:40
        chat(router, "eko-0", 1000, 400)
        chat(router, "eko-1", 6600, None)  # chatting since 09:50
        chat(router, "eko-2", 6800, None)
        shift(router, "gita", range(900, 6600, 700), talk=400, wrap=10)
    return app


def row(page_text: str, agent_id: str) -> str:
    match = re.search(rf'<tr data-agent="{agent_id}".*?</tr>', page_text, re.S)
    assert match, agent_id
    return match.group(0)


def cell(row_html: str, field: str) -> str:
    match = re.search(rf'data-field="{field}"[^>]*>([^<]*)<', row_html)
    assert match, field
    return match.group(1)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_each_row_shows_the_shown_state_since_and_todays_figures(team, supervisor, lang):
    page = supervisor.get(f"/console/agents?lang={lang}").text
    fmt = language(lang)
    for header in ("agents.skills", "agents.handled", "agents.aht", "agents.occupancy"):
        assert fmt.text(header) in page
    citra = row(page, "citra")
    back = T + 6450 + 335  # after the last call's wrap-up
    assert cell(citra, "since") == fmt.time(dt.datetime.fromtimestamp(back, TZ))
    assert cell(citra, "for") == fmt.duration(NOW - back)
    assert cell(citra, "state_label") == fmt.text("state.available")
    assert cell(citra, "handled") == "14"
    assert cell(citra, "aht_text") == fmt.duration(330)  # 300 s talk + 30 s wrap-up
    assert cell(citra, "occupancy_text") == fmt.percent(0.651)  # 14 × 335 s of 2 h
    budi = row(page, "budi")
    assert cell(budi, "state_label") == fmt.text("state.wrap-up")
    assert cell(budi, "since") == fmt.time(dt.datetime.fromtimestamp(T + 7190, TZ))
    assert cell(budi, "handled") == "12" and cell(budi, "aht_text") == fmt.duration(380)
    ayu = row(page, "ayu")
    assert cell(ayu, "state_label") == fmt.text("state.busy")
    assert cell(ayu, "for") == fmt.duration(200)
    assert cell(row(page, "eko"), "aht_text") == fmt.duration(418)  # 398 s chat + 20 s wrap
    fajar = row(page, "fajar")
    assert cell(fajar, "occupancy_text") == "—" and cell(fajar, "handled") == "0"


def test_rows_carry_skills_levels_groups_and_languages(team, supervisor):
    page = supervisor.get("/console/agents?lang=en").text
    dewi = row(page, "dewi")
    assert 'data-skills="vip complaints"' in dewi  # best level first
    assert re.search(r"VIP care <b>4</b>", dewi)
    assert "Complaints and after-sales <b>3</b>" in dewi
    assert 'data-groups="voice-id voice-en"' in dewi and "ID · EN" in dewi
    assert 'data-groups="digital"' in row(page, "eko")
    assert "Product consultation <b>5</b>" in row(page, "citra")  # the short name


def test_the_state_drop_down_starts_on_the_agents_own_state(team, supervisor):
    page = supervisor.get("/console/agents").text
    for agent_id, state in (("dewi", "break"), ("fajar", "offline"), ("ayu", "available")):
        assert f'<option value="{state}" selected>' in row(page, agent_id), agent_id


def test_the_stream_pushes_the_new_columns(team, supervisor):
    reply = supervisor.get("/console/stream?lang=en", buffered=False)
    frame = next(f for f in reply.response if f.startswith(b"data: "))
    reply.close()
    agents = {a["id"]: a for a in json.loads(frame[6:])["agents"]}
    assert agents["dewi"]["chosen"] == "break" and agents["dewi"]["state"] == "break"
    assert agents["citra"]["handled"] == 14


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["id", "en"])
def test_filters_hide_other_agents_and_the_drop_down_shows_the_state(
    team, live_server, page, screenshot, lang
):
    from playwright.sync_api import expect

    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{live_server}/console/login?lang={lang}&next=/console/agents")
    page.fill("input[name=token]", SUPERVISOR)
    page.click("button[type=submit]")
    rows = page.locator("tr[data-agent]")
    expect(rows).to_have_count(7)
    expect(page.locator("[data-when-live]")).to_be_visible()
    dewi = page.locator('tr[data-agent="dewi"] select[name=state]')
    expect(dewi).to_have_value("break")
    expect(page.locator('tr[data-agent="fajar"] select[name=state]')).to_have_value("offline")
    screenshot(page, f"agents-{lang}", full_page=True)

    page.select_option("select[data-filter=skills]", "complaints")
    expect(page.locator("tr[data-agent]:visible")).to_have_count(2)  # Ayu and Dewi
    expect(page.locator('tr[data-agent="citra"]')).to_be_hidden()
    expect(page.locator("[data-shown-count]")).to_contain_text("2")
    page.select_option("select[data-filter=groups]", "voice-en")
    expect(page.locator("tr[data-agent]:visible")).to_have_count(2)
    page.select_option("select[data-filter=skills]", "b2b")
    expect(page.locator("tr[data-agent]:visible")).to_have_count(1)  # Fajar
    expect(page.locator('tr[data-agent="fajar"]')).to_be_visible()
    assert "skill=b2b" in page.url and "group=voice-en" in page.url

    # a push (Dewi back from her break) keeps the filter and moves her drop-down
    with team.app_context():
        services().router.set_agent_state("dewi", "available", now=NOW)
    expect(dewi).to_have_value("available")
    expect(page.locator("tr[data-agent]:visible")).to_have_count(1)
    page.reload()  # the address keeps the filters
    expect(page.locator("tr[data-agent]:visible")).to_have_count(1)
