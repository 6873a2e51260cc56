"""Recording per queue: the caller's notice in their language, the dual-channel recording of an
"on" queue, the desk's on-demand controls, and the status callback that puts the recording on
the task (the contact record) and a complaint's case timeline."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from twilio.twiml.voice_response import VoiceResponse

from telephony.complaints.store import case_store
from telephony.gateway import TwilioGateway
from telephony.ivr import recording
from telephony.twilio_emulator import RestRecorder
from tests.ivr.conftest import PUBLIC, settings
from tests.ivr.test_call_control import (
    ACCOUNT,
    CUSTOMER,
    SUPERVISOR,
    add_agent,
    bearer,
    drain,
    live_call,
)

SKILLS_EVERYWHERE = {"general": 2, "complaints": 3, "b2b": 2}
REC = "RE" + "r" * 32
LINK = "https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/" + REC


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def recorder() -> Iterator[RestRecorder]:
    with RestRecorder() as recorder:
        yield recorder


@pytest.fixture
def ayu(svc) -> str:
    token = add_agent(svc, "ayu")
    svc.router.upsert_agent("ayu", SKILLS_EVERYWHERE, ("id", "en"), {"voice": 1})
    svc.router.set_agent_state("ayu", "available")
    return token


def on_queue(svc, queue: str) -> str:
    task_id = f"call-{queue}"
    live_call(svc, queue=queue, task_id=task_id)
    return task_id


@pytest.mark.parametrize(
    ("queue", "lang", "heard"),
    [
        ("complaints", "id", "panggilan ini direkam"),
        ("complaints", "en", "This call is recorded"),
        ("b2b", "en", "This call may be recorded"),
        ("general", "en", None),
    ],
)
def test_the_caller_is_told_in_their_language(app, svc, ayu, queue, lang, heard):
    task = svc.router.task(on_queue(svc, queue))
    with app.test_request_context():
        said = str(recording.notice(VoiceResponse(), task, lang))
    if heard is None:
        assert "<Say" not in said
    else:
        assert heard in said


def test_an_on_queue_records_dual_channel_with_its_callback(svc, ayu, recorder, tmp_path):
    task_id = on_queue(svc, "complaints")
    recording.start(svc, svc.router.task(task_id))
    recording.start(svc, svc.router.task(task_id))  # a retried join: once
    recording.start(svc, svc.router.task(on_queue_off(svc)[0]))  # "off": nothing
    drain(svc, TwilioGateway(settings(tmp_path, twilio_api_base=recorder.url)))
    (record,) = recorder.requests
    assert record.path == f"{ACCOUNT}/Calls/{CUSTOMER}/Recordings.json"
    assert record.form["RecordingChannels"] == ["dual"]
    assert record.form["RecordingStatusCallback"] == [
        f"{PUBLIC}/twilio/voice/recording?task={task_id}"
    ]
    attrs = svc.router.task(task_id)["attributes"]
    assert attrs["recording_sid"].startswith("RE") and attrs["recording_state"] == "in-progress"


def on_queue_off(svc) -> tuple[str, str]:
    """A second live call, on a queue that does not record (another agent takes it), and
    that agent's token."""
    token = add_agent(svc, "budi")
    svc.router.enqueue("call-general", "voice", "general", "id")
    svc.router.accept(svc.router.task("call-general")["offer"])
    svc.router.annotate(
        "call-general",
        {"conference_sid": "CF1", "customer_leg": "CA" + "1" * 32, "agent_leg": "CA2"},
    )
    return "call-general", token


def post(client, task_id: str, token: str, action: str):
    return client.post(
        f"/api/tasks/{task_id}/recording", json={"action": action}, headers=bearer(token)
    )


def test_the_desk_starts_pauses_resumes_and_stops_an_on_demand_recording(
    svc, client, ayu, recorder, tmp_path
):
    task_id = on_queue(svc, "b2b")
    assert post(client, task_id, ayu, "pause").status_code == 409  # nothing recording
    assert post(client, task_id, ayu, "start").status_code == 202
    assert post(client, task_id, ayu, "start").status_code == 409  # already recording
    assert post(client, task_id, ayu, "pause").status_code == 409  # still starting
    gateway = TwilioGateway(settings(tmp_path, twilio_api_base=recorder.url))
    drain(svc, gateway)
    sid = svc.router.task(task_id)["attributes"]["recording_sid"]
    assert post(client, task_id, ayu, "resume").status_code == 409  # not paused
    for action in ("pause", "resume", "stop"):
        assert post(client, task_id, ayu, action).status_code == 202, action
    assert post(client, task_id, ayu, "stop").status_code == 409
    drain(svc, gateway)
    start, pause, resume, stop = recorder.requests
    assert start.path == f"{ACCOUNT}/Calls/{CUSTOMER}/Recordings.json"
    assert [r.path for r in (pause, resume, stop)] == [
        f"{ACCOUNT}/Calls/{CUSTOMER}/Recordings/{sid}.json"
    ] * 3
    assert [r.form["Status"] for r in (pause, resume, stop)] == [
        ["paused"],
        ["in-progress"],
        ["stopped"],
    ]
    assert svc.router.task(task_id)["attributes"]["recording_state"] == "stopped"


def test_queues_that_record_always_or_never_refuse_the_desks_start(svc, client, ayu, gateway):
    always = on_queue(svc, "complaints")
    assert post(client, always, ayu, "start").status_code == 409
    recording.start(svc, svc.router.task(always))
    drain(svc, gateway)
    assert post(client, always, ayu, "stop").status_code == 409  # every call is recorded
    assert post(client, always, ayu, "pause").status_code == 202  # card details, say
    never, budi = on_queue_off(svc)
    assert post(client, never, budi, "start").status_code == 409
    reply = client.post(
        f"/api/tasks/{always}/recording", json={"action": "rewind"}, headers=SUPERVISOR
    )
    assert reply.status_code == 400 and "action" in reply.json["error"]


def test_the_finished_recording_lands_on_the_contact_and_the_case_timeline(app, svc, ayu, twilio):
    task_id = on_queue(svc, "complaints")
    task = svc.router.task(task_id)
    case = case_store().open_from_task(task, actor="ivr", confirm=False)
    form = {
        "RecordingSid": REC,
        "RecordingUrl": LINK,
        "RecordingDuration": "42",
        "RecordingChannels": "2",
        "RecordingStatus": "completed",
        "CallSid": CUSTOMER,
    }
    for _ in range(2):  # Twilio retries: one timeline entry
        reply = twilio.post(f"/twilio/voice/recording?task={task_id}", form)
        assert reply.status_code == 200 and reply.mimetype == "text/xml"
    attrs = svc.router.task(task_id)["attributes"]
    assert (attrs["recording_sid"], attrs["recording_url"], attrs["recording_duration"]) == (
        REC,
        LINK,
        "42",
    )
    entries = [e for e in case_store().timeline(case["ref"]) if e["event"] == "call_recorded"]
    assert [(e["text"], e["duration"], e["task_id"]) for e in entries] == [(LINK, 42, task_id)]


def test_a_recording_callback_for_no_task_or_unsigned_is_harmless(svc, twilio):
    reply = twilio.post("/twilio/voice/recording?task=call-nobody", {"RecordingUrl": LINK})
    assert reply.status_code == 200 and "<Response" in reply.text
    forged = twilio.post(
        "/twilio/voice/recording?task=call-nobody", {"RecordingUrl": LINK}, signature="x"
    )
    assert forged.status_code == 403


def test_the_recording_of_a_closed_contact_still_lands_on_it(svc, ayu, twilio):
    task_id = on_queue(svc, "complaints")
    svc.router.complete(task_id)
    svc.router.complete(task_id)
    form = {"RecordingSid": REC, "RecordingUrl": LINK, "RecordingDuration": "7"}
    twilio.post(f"/twilio/voice/recording?task={task_id}", form)
    assert svc.router.task(task_id)["attributes"]["recording_duration"] == "7"
