"""The agents page's Monitor / Whisper / Barge: shown on agents with a live call (also in the
stream's snapshot), in both languages, and posting the supervisor's own phone or softphone to
the monitor step, which queues the participant for Twilio."""

from __future__ import annotations

import json

import pytest

from telephony.services import services
from tests.console.conftest import SUPERVISOR, add_agent

TASK, CONFERENCE, AGENT = "call-CA1", "CF" + "f" * 32, "CA" + "a" * 32


def live_call(app) -> None:
    with app.app_context():
        router = services().router
        router.set_agent_state("ayu", "available")
        (offer,) = router.enqueue(TASK, "voice", "complaints", "id", attributes={"to": "+6221"})
        router.accept(offer.offer)
        router.annotate(
            TASK, {"conference_sid": CONFERENCE, "customer_leg": "CA1", "agent_leg": AGENT}
        )


def _outbox_jobs(app) -> list[dict[str, str]]:
    with app.app_context():
        svc = services()
        entries = svc.redis.xrange(svc.router.keys.outbox())
    return [{k.decode(): v.decode() for k, v in fields.items()} for _, fields in entries]


def _row(page: str, agent: str) -> str:
    row = page[page.index(f'data-agent="{agent}"') :]
    return row[: row.index("</tr>")]


def test_monitor_buttons_show_on_agents_with_a_live_call(app, supervisor):
    add_agent(app)
    add_agent(app, "budi", "Budi")
    page = supervisor.get("/console/agents").text
    assert 'data-monitor data-task="" hidden' in _row(page, "ayu")
    live_call(app)
    page = supervisor.get("/console/agents").text
    row = _row(page, "ayu")
    tag = row[row.index("<div data-monitor") :]
    tag = tag[: tag.index(">")]
    assert f'data-task="{TASK}"' in tag and "hidden" not in tag
    assert "Dengarkan" in row and "Bisikkan" in row and "Bergabung" in row
    assert 'data-task="" hidden' in _row(page, "budi")
    english = _row(supervisor.get("/console/agents?lang=en").text, "ayu")
    assert "Monitor" in english and "Whisper" in english and "Barge" in english
    assert "monitor.js" in page and "data-monitor-to" in page


def test_the_stream_says_which_call_to_monitor(app, supervisor):
    add_agent(app)
    live_call(app)
    reply = supervisor.get("/console/stream", buffered=False)
    frames = (chunk.decode() for chunk in reply.response)
    frame = next(f for f in frames if f.startswith("data: "))
    board = json.loads(frame.removeprefix("data: ").split("\n\n")[0])
    assert [(a["id"], a["call"]) for a in board["agents"]] == [("ayu", TASK)]
    reply.close()


def test_a_supervisor_whispers_from_the_agents_page(app, supervisor):
    add_agent(app)
    url = f"/console/tasks/{TASK}/monitor"
    body = {"mode": "whisper", "to": "client:sup-rina"}
    assert supervisor.post(url, json=body).status_code == 404  # no such call yet
    live_call(app)
    forged = supervisor.post(url, json=body, csrf_token=False)
    assert forged.status_code == 403
    bad = supervisor.post(url, json={"mode": "spy", "to": "client:sup-rina"})
    assert bad.status_code == 400 and "mode" in bad.json["error"]
    reply = supervisor.post(url, json=body)
    assert (reply.status_code, reply.json) == (202, {"status": "queued"})
    (job,) = _outbox_jobs(app)
    args = json.loads(job["args"])
    assert (job["op"], job["store"], args["to"]) == (
        "add_participant",
        "supervisor_leg",
        "client:sup-rina",
    )
    assert args["options"]["coaching"] is True and args["options"]["call_sid_to_coach"] == AGENT
    assert args["options"]["label"] == "supervisor"


def test_monitoring_a_finished_call_is_refused(app, supervisor):
    add_agent(app)
    live_call(app)
    with app.app_context():
        services().router.complete(TASK)
    reply = supervisor.post(
        f"/console/tasks/{TASK}/monitor", json={"mode": "listen", "to": "+6281299990000"}
    )
    assert reply.status_code == 409


@pytest.mark.browser
def test_the_buttons_follow_the_call_and_remember_the_supervisors_phone(app, live_server, page):
    from playwright.sync_api import expect

    add_agent(app)
    page.goto(f"{live_server}/console/login?lang=en&next=/console/agents")
    page.fill("input[name=token]", SUPERVISOR)
    page.click("button[type=submit]")
    box = page.locator('tr[data-agent="ayu"] [data-monitor]')
    expect(box).to_be_hidden()
    live_call(app)
    expect(box).to_be_visible(timeout=4000)  # the stream (live.js) brought the call
    page.fill("[data-monitor-to]", "client:sup-rina")
    page.locator("[data-monitor-to]").dispatch_event("change")
    box.locator('button[data-mode="whisper"]').click()
    expect(box.locator("[data-monitor-queued]")).to_be_visible()
    (job,) = _outbox_jobs(app)
    assert json.loads(job["args"])["options"]["coaching"] is True
    page.reload()
    expect(page.locator("[data-monitor-to]")).to_have_value("client:sup-rina")
