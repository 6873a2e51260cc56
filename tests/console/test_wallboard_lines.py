"""The wallboard's lines: the colour thresholds of waits (amber from half the channel's answer
target, red from the target), a line's state as the worst of its signals, rows grouped (breaches
first, quiet queues collapsed into one line), unique queue names and the breach log's since."""

from __future__ import annotations

import pytest
from flask import g

from telephony.complaints.store import case_store
from telephony.routing.breaches import BreachLog, judge, wait_level, worst
from telephony.services import services
from tests.console.wallboard_traffic import NOW, busy_afternoon
from vero.kernel.centre import load_centre
from vero.web.console.wallboard import format_span, snapshot


@pytest.mark.parametrize(
    ("seconds", "target", "expected"),
    [
        (0.0, 15, "green"),
        (7.4, 15, "green"),
        (7.5, 15, "amber"),  # voice, 15 s: amber from 7.5 s
        (14.9, 15, "amber"),
        (15.0, 15, "red"),
        (149, 300, "green"),
        (150, 300, "amber"),  # chat, 5 min: amber from 2:30
        (300, 300, "red"),
        (1533, 300, "red"),
    ],
)
def test_a_wait_is_amber_from_half_its_target_and_red_from_it(seconds, target, expected):
    assert wait_level(seconds, target) == expected


def test_nothing_waiting_has_no_colour():
    assert wait_level(0.0, 15, waiting=0) == "none"
    assert worst([]) == "none"
    assert worst(["green", "none", "amber"]) == "amber"


def test_a_long_chat_with_nobody_ready_is_red_beside_a_green_service_level():
    centre = load_centre()
    today = {"service_level": 0.97}
    live = {"waiting": 1, "longest_wait_seconds": 1533.0, "eligible_agents": 0}
    judged = judge(centre, "chat", today, live)
    assert judged.service_level == "green"
    assert judged.state == "red"
    assert judged.reasons == ("wait", "no_agents")
    calm_live = {**live, "longest_wait_seconds": 20.0, "eligible_agents": 2}
    calm = judge(centre, "chat", today, calm_live)
    assert (calm.state, calm.reasons) == ("green", ())
    below = judge(centre, "voice", {"service_level": 0.75}, {**live, "waiting": 0})
    assert (below.state, below.reasons) == ("amber", ("service_level",))


def _board(app, lang: str) -> dict:
    with app.app_context(), app.test_request_context("/console/"):
        g.lang = lang
        return snapshot(services().router, case_store())


def test_rows_put_breaches_first_and_collapse_the_queues_without_contacts(app):
    busy_afternoon(app)
    board = _board(app, "id")
    shown = [q for q in board["queues"] if not q["quiet"]]
    assert shown[0]["id"] == "complaints" and shown[0]["state"] == "red"
    lines = {line["channel"]: line for line in shown[0]["lines"]}
    chat, voice = lines["chat"], lines["voice"]
    assert chat["verdict"] == "green" and chat["service_level_text"] == "98%"
    assert (chat["longest_wait"], chat["wait_level"], chat["eligible"]) == ("25:33", "red", 0)
    assert chat["state"] == "red" and chat["state_text"] == "Melanggar target"
    assert voice["wait_level"] == "red"  # 21 s past the 15 s target
    general = next(q for q in shown if q["id"] == "general")
    assert general["lines"][0]["wait_level"] == "amber"  # 9 s: from 7.5 s
    assert general["lines"][0]["eligible"] == 2
    quiet = [q["id"] for q in board["queues"] if q["quiet"]]
    assert quiet == ["b2b", "partners", "rnd", "qc", "pjt", "sales"]
    assert board["quiet"]["text"] == "6 antrean tanpa kontak hari ini:"
    assert "Program mitra" in board["quiet"]["names"]
    # the chart: one point per 15 minutes since 08:00 and the goal's line
    points = chat["chart"]["points"]
    assert len(points) == 25 and chat["chart"]["start"] == "08:00"
    assert chat["chart"]["end"] == "21:00"
    assert chat["chart"]["target_y"] > min(p["y"] for p in points)
    alert = board["alerts"][0]
    assert alert["line"] == "complaints|chat"
    assert alert["since_text"] == "sejak 14.07 (12 mnt 34 dtk)"
    assert "tunggu terlama 25 mnt 33 dtk melewati target 5 mnt" in alert["reasons_text"]


def test_no_two_queues_read_the_same_in_either_language(app):
    busy_afternoon(app)
    for lang in ("id", "en"):
        labels = [q["label"] for q in _board(app, lang)["queues"]]
        assert len(set(labels)) == len(labels), labels
    english = {q["id"]: q for q in _board(app, "en")["queues"]}
    assert english["backoffice"]["label"] == "General back office"
    assert english["backoffice"]["subtitle"] == "Quality control"
    assert english["qc"]["label"] == "Quality control"


def test_spans_are_written_in_the_pages_language(app):
    with app.test_request_context("/console/"):
        g.lang = "id"
        assert [format_span(s) for s in (2.25, 15, 300, 615, 86400)] == [
            "2,2 dtk",
            "15 dtk",
            "5 mnt",
            "10,2 mnt",
            "24 jam",
        ]
        g.lang = "en"
        assert format_span(2.25) == "2.2 s"


def test_the_breach_log_keeps_a_start_until_the_breach_is_over(app):
    with app.app_context():
        router = services().router
        log = BreachLog(router.redis, router.keys)
        line = ("complaints", "chat")
        assert log.update([line], NOW) == {line: NOW}
        assert log.update([line, ("general", "voice")], NOW + 60)[line] == NOW
        assert log.update([("general", "voice")], NOW + 90) == {("general", "voice"): NOW + 60}
        assert log.update([line], NOW + 120) == {line: NOW + 120}  # a new breach, a new start
