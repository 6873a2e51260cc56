"""Publishing a roster run and real-time adherence on real Redis: an agent on break during a
scheduled shift is out of adherence, with the minutes (issue #16)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import time
from pathlib import Path

import pytest

from telephony.services import services
from tests.console.conftest import SUPERVISOR, add_agent
from tests.wfm.test_adherence_report import ROSTER, states_csv
from vero.cli.dispatch import dispatching
from vero.web import jobs

JAKARTA = dt.timezone(dt.timedelta(hours=7))


def roster_run(data_dir: Path, day: dt.date, start: dt.datetime, done: bool = True) -> str:
    """A finished roster run of one day: Ayu and Budi on an 8-hour shift from `start`, Citra
    off; two agents required in every interval of the shift."""
    folder = jobs.new_run(data_dir, "roster")
    end = start + dt.timedelta(hours=8)
    last = "00:00" if end.date() > day else f"{end:%H:%M}"
    lines = ["agent,name,date,shift_start,shift_end,break_start,break_end,work_hours,group"]
    for agent, name in (("ayu", "Ayu Lestari"), ("budi", "Budi Santoso")):
        lines.append(f"{agent},{name},{day},{start:%H:%M},{last},,,8,complaints")
    other = day + dt.timedelta(days=1)
    lines.append(f"citra,Citra Dewi,{other},08:00,16:00,12:00,13:00,7,complaints")
    (folder / "roster.csv").write_text("\n".join(lines) + "\n")
    required = ["interval_start,interval_minutes,group,required_agents"]
    moment = start
    while moment < min(end, dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), JAKARTA)):
        required.append(f"{moment.isoformat()},15,complaints,2")
        moment += dt.timedelta(minutes=15)
    (folder / "requirements.csv").write_text("\n".join(required) + "\n")
    if done:
        (folder / jobs.STATUS).write_text(json.dumps({"state": "done", "week_start": str(day)}))
    return folder.name


def now_shift() -> tuple[dt.date, dt.datetime, float]:
    """Today in Jakarta, a shift that started up to two hours ago, and now."""
    now = time.time()
    local = dt.datetime.fromtimestamp(now, JAKARTA)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    start = max(midnight, local - dt.timedelta(hours=2))
    start = start.replace(minute=start.minute // 15 * 15, second=0, microsecond=0)
    return local.date(), start, now


def test_publishing_writes_each_day_of_the_roster(app, supervisor, tmp_path):
    day, start, now = now_shift()
    run = roster_run(tmp_path, day, start)
    refused = supervisor.post(f"/console/roster/{run}/publish", csrf_token=False)
    assert refused.status_code == 403
    reply = supervisor.post(f"/console/roster/{run}/publish")
    assert reply.status_code == 303 and "published=2" in reply.headers["Location"]
    with app.app_context():
        router = services().router
        key = router.keys.published_roster(day.isoformat())
        payload = json.loads(router.redis.get(key))
        assert 0 < router.redis.ttl(key) <= 4 * 86400
        other = json.loads(
            router.redis.get(router.keys.published_roster(str(day + dt.timedelta(days=1))))
        )
    ayu = payload["agents"]["ayu"]
    assert ayu["activities"] == [[start.timestamp(), start.timestamp() + 8 * 3600, "work"]]
    assert payload["agents"]["citra"]["activities"] == []  # her day off
    assert [a[2] for a in other["agents"]["citra"]["activities"]] == ["work", "break", "work"]
    assert payload["required"]["complaints"][f"{start:%H:%M}"] == 2


def test_bad_runs_are_refused_with_the_reason(supervisor, tmp_path):
    assert supervisor.post("/console/roster/20990101-000000-000000/publish").status_code == 404
    day, start, _ = now_shift()
    running = roster_run(tmp_path, day, start, done=False)
    reply = supervisor.post(f"/console/roster/{running}/publish")
    assert reply.status_code == 409 and "run" in reply.json["error"]
    past = roster_run(tmp_path, day - dt.timedelta(days=9), start - dt.timedelta(days=9))
    reply = supervisor.post(f"/console/roster/{past}/publish")
    assert reply.status_code == 400 and "no day from" in reply.json["error"]
    broken = roster_run(tmp_path, day, start)
    folder = jobs.runs_dir(tmp_path, "roster") / broken
    (folder / "roster.csv").write_text(
        "agent,name,date,shift_start,shift_end,break_start,break_end\n"
        "ayu,Ayu,2026-13-01,09:00,17:00,,\n"
    )
    reply = supervisor.post(f"/console/roster/{broken}/publish")
    assert reply.status_code == 400 and "date" in reply.json["error"]


def on_break_for_twelve_minutes(app, tmp_path) -> None:
    """Ayu available an hour ago, on break for the last 12 minutes of her shift; Budi
    available; both rostered now, published."""
    day, start, now = now_shift()
    run = roster_run(tmp_path, day, start)
    for agent, name in (("ayu", "Ayu Lestari"), ("budi", "Budi Santoso")):
        add_agent(app, agent, name)
    with app.app_context():
        router = services().router
        router.set_agent_state("ayu", "available", now=now - 3600)
        router.set_agent_state("budi", "available", now=now - 3600)
        router.set_agent_state("ayu", "break", "personal", now=now - 720)
    with app.test_client() as client:
        client.post("/console/login", data={"token": SUPERVISOR})
        assert client.post(f"/console/roster/{run}/publish").status_code == 303


def test_the_page_shows_the_agent_on_break_out_of_adherence(app, supervisor, tmp_path):
    on_break_for_twelve_minutes(app, tmp_path)
    page = supervisor.get("/console/adherence?lang=id").text
    row = page[page.index('data-agent="ayu"') :]
    row = row[: row.index("</tr>")]
    assert 'data-adherence="out"' in row and "Istirahat · 12 mnt di luar jadwal" in row
    budi = page[page.index('data-agent="budi"') :]
    assert 'data-adherence="in"' in budi[: budi.index("</tr>")]
    english = supervisor.get("/console/adherence?lang=en").text
    assert "Break · 12 min out of adherence" in english
    assert "Agents out of adherence: 1" in english


@pytest.mark.browser
def test_real_time_adherence_in_the_browser(app, live_server, page, screenshot, tmp_path):
    on_break_for_twelve_minutes(app, tmp_path)
    page.goto(f"{live_server}/console/login")
    page.fill("input[name=token]", SUPERVISOR)
    page.click("button[type=submit]")
    for lang, words in (
        ("id", "Istirahat · 12 mnt di luar jadwal"),
        ("en", "Break · 12 min out of adherence"),
    ):
        page.goto(f"{live_server}/console/adherence?lang={lang}")
        out = page.locator('tr[data-agent="ayu"]')
        assert out.get_attribute("data-adherence") == "out"
        assert words in out.inner_text()
        colour = out.locator(".rta-out").evaluate("e => getComputedStyle(e).backgroundColor")
        assert colour == "rgb(198, 40, 40)"  # red
        assert page.locator('tr[data-agent="budi"]').get_attribute("data-adherence") == "in"
        screenshot(page, f"adherence-{lang}")
    page.goto(f"{live_server}/console/?lang=id")
    chart = page.locator('[data-group="complaints"] svg[data-chart]')
    assert chart.locator("rect.scheduled").count() > 0
    assert chart.locator("circle.short").count() >= 1  # Ayu's break leaves the group short now
    page.locator("[data-staffing]").scroll_into_view_if_needed()
    screenshot(page, "wallboard-staffing-id")


def known_day(data_dir: Path) -> None:
    """The hand-computed day of tests/wfm/test_adherence_report.py in VERO_DATA_DIR: Ayu's
    states of 14 July 2025 and a finished roster run of that week."""
    (data_dir / "agent_states").mkdir(parents=True)
    (data_dir / "agent_states" / "2025-07-14.csv").write_text(states_csv())
    folder = jobs.new_run(data_dir, "roster")
    (folder / "roster.csv").write_text(ROSTER)
    (folder / jobs.STATUS).write_text(json.dumps({"state": "done", "week_start": "2025-07-14"}))


def test_the_kpi_page_shows_daily_adherence_and_conformance(app, supervisor, tmp_path):
    known_day(tmp_path)
    page = supervisor.get("/console/kpis?from=2025-07-14&to=2025-07-14&lang=id").text
    table = page[page.index("data-adherence-kpis") :]
    assert "Ayu Lestari (ayu)" in table and "94,8%" in table and "98,8%" in table
    assert "3× · 45 mnt" in table and 'data-verdict="green"' in table
    english = supervisor.get("/console/kpis?from=2025-07-14&to=2025-07-14&lang=en").text
    assert "Schedule adherence and conformance" in english and "94.8%" in english
    download = supervisor.get("/console/kpis-adherence.csv?from=2025-07-14&to=2025-07-14")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert "2025-07-14,general,ayu,Ayu Lestari,480.0,455.0,0.9479" in download.text
    assert supervisor.get("/console/kpis-adherence.csv?from=2025-07-14&to=x").status_code == 400


@pytest.mark.browser
def test_kpi_adherence_in_the_browser(app, live_server, page, screenshot, tmp_path):
    known_day(tmp_path)
    page.goto(f"{live_server}/console/login")
    page.fill("input[name=token]", SUPERVISOR)
    page.click("button[type=submit]")
    page.goto(f"{live_server}/console/kpis?from=2025-07-14&to=2025-07-15&lang=id")
    table = page.locator("[data-adherence-kpis]")
    assert "94,8%" in table.inner_text()
    page.locator("#adherence").scroll_into_view_if_needed()
    screenshot(page, "kpis-adherence-id", full_page=True)


def test_the_wallboard_sets_required_against_scheduled_and_on_duty(app, supervisor, tmp_path):
    on_break_for_twelve_minutes(app, tmp_path)  # Ayu on break, Budi available, both rostered
    page = supervisor.get("/console/?lang=en").text
    panel = page[page.index("data-staffing") :]
    assert "Required vs scheduled vs on duty today" in panel
    group = panel[panel.index('data-group="complaints"') :]
    assert "<svg" in group and "<rect" in group and "<polyline" in group
    now = group[group.index("data-current=") :]
    assert 'data-field="required">2.0<' in now and 'data-field="scheduled">2<' in now
    assert 'data-field="on_duty">1<' in now and 'class="now-figures short"' in group
    indonesian = supervisor.get("/console/?lang=id").text
    assert "Kebutuhan vs terjadwal vs bertugas hari ini" in indonesian
    assert 'data-field="required">2,0<' in indonesian
    alone = supervisor.get("/console/staffing-panel?lang=en").text  # what its refresh fetches
    assert "data-staffing" in alone and "data-queue" not in alone  # the panel, not the board
    assert 'data-field="on_duty">1<' in alone


def test_without_a_published_roster_the_panel_says_so(supervisor):
    assert "No roster published for today yet." in supervisor.get("/console/?lang=en").text


def test_the_dispatcher_records_the_timeline_while_it_runs(app, tmp_path):
    """The periodic hook of `vero dispatch`: a round run by hand beside the loop's own rounds
    writes each change once."""
    add_agent(app, "ayu", "Ayu Lestari")
    now = time.time()
    day = dt.datetime.fromtimestamp(now - 2, JAKARTA).date()
    with app.app_context():
        router = services().router
    with dispatching(app, senders=1, interval=0.05) as running:
        router.set_agent_state("ayu", "available", now=now - 2)
        router.set_agent_state("ayu", "break", "lunch", now=now - 1)
        running.dispatcher.run_once()
    rows = list(csv.DictReader((tmp_path / "agent_states" / f"{day}.csv").open()))
    assert [(r["agent_id"], r["state"], r["reason"]) for r in rows] == [
        ("ayu", "available", ""),
        ("ayu", "break", "lunch"),
    ]


def test_the_group_filter_keeps_that_group_only(app, supervisor, tmp_path):
    on_break_for_twelve_minutes(app, tmp_path)
    page = supervisor.get("/console/adherence?group=complaints&lang=en").text
    assert 'data-agent="ayu"' in page and '<option value="complaints" selected' in page
    other = supervisor.get("/console/adherence?group=orders&lang=en").text
    assert 'data-agent="ayu"' not in other and "Every agent in adherence" in other
