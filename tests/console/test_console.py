"""The console and the desk through Flask's test client: login, pages in both languages, the
live stream, and supervisor state changes."""

from __future__ import annotations

import json

import pytest

from telephony.services import services
from tests.console.conftest import SUPERVISOR, add_agent, enqueue
from vero.web.console.wallboard import format_duration, verdict


@pytest.mark.parametrize(
    ("level", "expected"),
    [(None, "none"), (0.80, "green"), (0.95, "green"), (0.70, "amber"), (0.69, "red")],
)
def test_service_level_verdict_against_an_80_percent_goal(level, expected):
    assert verdict(level, 0.80) == expected


def test_durations_read_as_minutes_then_hours():
    assert [format_duration(s) for s in (0, 65.7, 3600, 7322)] == [
        "0:00",
        "1:05",
        "1:00:00",
        "2:02:02",
    ]


def test_console_pages_need_the_supervisor(client):
    reply = client.get("/console/agents")
    assert reply.status_code == 302 and "/console/login" in reply.location
    assert client.get("/console/stream").status_code == 401
    assert client.post("/console/agents/ayu/state", json={"state": "break"}).status_code == 401


def test_a_wrong_token_is_refused_and_the_right_one_opens_the_console(client):
    wrong = client.post("/console/login", data={"token": "nope"})
    assert wrong.status_code == 401 and "Token tidak dikenal." in wrong.text
    right = client.post("/console/login?next=/console/agents", data={"token": SUPERVISOR})
    assert right.status_code == 302 and right.location == "/console/agents"
    assert client.get("/console/agents").status_code == 200
    client.post("/console/logout")
    assert client.get("/console/").status_code == 302


def test_login_never_redirects_off_site(client):
    reply = client.post("/console/login?next=//evil.example/console", data={"token": SUPERVISOR})
    assert reply.location == "/console/"


def test_the_wallboard_speaks_indonesian_first_then_the_chosen_language(supervisor):
    page = supervisor.get("/console/").text
    assert "Papan antrean" in page and "Peringatan antrean" in page
    assert 'lang="id"' in page and "Keluhan dan purna jual" in page
    english = supervisor.get("/console/?lang=en")
    assert "Queue alerts" in english.text and "Complaints and after-sales" in english.text
    assert "vero_lang=en" in english.headers["Set-Cookie"]
    assert "Agents by state" in supervisor.get("/console/").text  # remembered by the cookie


def test_the_wallboard_shows_waiting_contacts_and_the_service_level_verdict(app, supervisor):
    token = add_agent(app)
    with app.app_context():
        router = services().router
        router.set_agent_state("ayu", "available")
    enqueue(app, "t-answered")
    offer = supervisor.get(
        "/api/agents/ayu/offers", headers={"Authorization": f"Bearer {token}"}
    ).json["offers"][0]
    with app.app_context():
        router.accept(offer["offer_id"])
        router.bridge("t-answered")  # caller and agent in the conference: answered
    enqueue(app, "t-waiting")  # ayu is busy on the phone: this one waits
    page = supervisor.get("/console/?lang=en").text
    row = page[page.index('data-queue="complaints"') :]
    row = row[: row.index("</tr>")]
    assert 'data-verdict="green"' in row and "100%" in row
    assert 'data-field="waiting">1<' in row
    assert "target 80% within 15 s (Phone)" in row


def _frames(reply) -> list[str]:
    """The SSE frames of a streamed response, read as they come."""
    buffer = ""
    for chunk in reply.response:
        buffer += chunk.decode() if isinstance(chunk, bytes) else chunk
        while "\n\n" in buffer:
            frame, buffer = buffer.split("\n\n", 1)
            yield frame


def _complaints_waiting(frame: str) -> int:
    board = json.loads(frame.removeprefix("data: "))
    return next(q["waiting"] for q in board["queues"] if q["id"] == "complaints")


def test_the_stream_pushes_a_snapshot_at_once_on_change_and_ends(app, supervisor):
    reply = supervisor.get("/console/stream?lang=en", buffered=False)
    assert reply.mimetype == "text/event-stream"
    frames = _frames(reply)
    assert next(frames) == "retry: 1000"
    first = next(frames)
    assert _complaints_waiting(first) == 0
    assert json.loads(first[6:])["states"][0]["label"] == "Available"
    enqueue(app, "t-stream")
    assert _complaints_waiting(next(frames)) == 1
    rest = list(frames)  # perhaps a heartbeat, then the end (CONSOLE_STREAM_SECONDS = 3)
    assert all(frame.startswith("data: ") for frame in rest)
    reply.close()


def test_the_agents_page_lists_state_since_and_load(app, supervisor):
    add_agent(app)
    page = supervisor.get("/console/agents").text
    assert 'data-agent="ayu"' in page and "Ayu Lestari" in page and "Luring" in page
    assert "Telepon\u00a00/1 · Obrolan\u00a00/3" in page  # a channel's figure never wraps
    assert "Load per channel" in supervisor.get("/console/agents?lang=en").text


def test_a_supervisor_changes_an_agents_state(app, supervisor):
    add_agent(app)
    url = "/console/agents/ayu/state"
    no_token = supervisor.post(url, json={"state": "break"}, csrf_token=False)
    assert no_token.status_code == 403 and "csrf_token" in no_token.json["error"]
    assert supervisor.post(url, data={"state": "break"}).status_code == 415
    reply = supervisor.post(url, json={"state": "break", "reason": "rapat"})
    assert reply.status_code == 200 and reply.json["state"] == "break"
    assert reply.json["reason"] == "rapat"
    assert supervisor.post(url, json={"state": "busy"}).status_code == 400
    assert supervisor.post(url, json={"state": "break", "reason": "x" * 61}).status_code == 400
    assert (
        supervisor.post("/console/agents/nobody/state", json={"state": "break"}).status_code == 404
    )


def test_the_desk_needs_an_agent_token(app, client):
    token = add_agent(app)
    assert client.get("/desk/").location.endswith("/desk/login")
    wrong = client.post("/desk/login", data={"token": SUPERVISOR})
    assert wrong.status_code == 401 and "Token tidak dikenal." in wrong.text
    assert client.post("/desk/login", data={"token": token}).status_code == 302
    page = client.get("/desk/").text
    assert 'data-agent="ayu"' in page and "Meja agen" in page and "Terima" in page
    assert 'data-messages="1"' in page  # the task message API is there
    english = client.get("/desk/?lang=en").text
    assert "Incoming contacts" in english and '"desk.accept": "Accept"' in english
    client.post("/desk/logout")
    assert client.get("/desk/").status_code == 302
