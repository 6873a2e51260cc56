"""Voicemail becomes work: the recording makes a voicemail task routed like the call (the IVR
branch's queue, the caller's language and place), Twilio's transcription lands on it, and
completing it writes its contact record."""

from __future__ import annotations

import csv
import dataclasses

import pytest
import yaml

from telephony.routing.contact_log import ContactLog
from telephony.services import services
from telephony.twilio_emulator import Emulator
from tests.ivr.conftest import CLOSED_AT, PUBLIC, TOKEN, settings
from tests.ivr.dialling import agent
from vero.kernel.centre import reference_centre_path
from vero.kernel.files import read_yaml
from vero.web.app import create_app

CALLER = "+628999000111"
RECORDING = "https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/RE" + "7" * 32


def message_on_hold(twilio):
    """An English caller in the orders queue leaves a message from the hold loop."""
    call = twilio.call(CALLER).start().press("2").press("2")
    call.press("2")
    assert call.waits_on("Record")
    return call


def test_a_voicemail_becomes_a_task_routed_like_the_call(twilio, svc):
    """The defect 'a voicemail lands on a task already ended': the message must be work."""
    call = message_on_hold(twilio)
    created = svc.router.task(f"call-{call.sid}")["created"]
    call.fetch(
        call.waiting.get("action"),
        RecordingUrl=RECORDING,
        RecordingSid="RE" + "7" * 32,
        RecordingDuration="14",
    )
    assert call.said("Your message has been received") and call.ended
    assert svc.router.task(f"call-{call.sid}")["state"] == "voicemail"  # the call itself
    task = svc.router.task(f"vm-{call.sid}")
    assert task["state"] == "queued" and task["channel"] == "voice"
    assert (task["queue"], task["language"], task["created"]) == ("orders", "en", created)
    attrs = task["attributes"]
    assert (attrs["kind"], attrs["from"], attrs["origin_task"]) == (
        "voicemail",
        CALLER,
        f"call-{call.sid}",
    )
    assert (attrs["recording_url"], attrs["recording_duration"]) == (RECORDING, "14")
    assert attrs["call_sid"] == ""  # nobody on the line to connect


def test_a_retried_recording_makes_one_task(twilio, svc):
    call = message_on_hold(twilio)
    action = call.waiting.get("action")
    call.fetch(action, RecordingUrl=RECORDING, RecordingDuration="14")
    twilio.post(action, call.params(RecordingUrl=RECORDING, RecordingDuration="14"))
    assert svc.router.task(f"vm-{call.sid}")["state"] == "queued"


def test_an_after_hours_message_goes_to_the_default_queue_in_the_callers_language(
    twilio, svc, clock
):
    clock.now = CLOSED_AT
    call = twilio.call(CALLER).start().press("2")
    call.press("2")
    call.record(RECORDING)
    task = svc.router.task(f"vm-{call.sid}")
    assert (task["queue"], task["language"]) == (svc.centre.default_queue, "en")


def test_an_agent_takes_the_voicemail_and_completing_it_writes_the_contact_row(
    twilio, svc, clock, tmp_path
):
    call = message_on_hold(twilio)
    call.record(RECORDING)
    agent(svc, "ayu")
    task = svc.router.task(f"vm-{call.sid}")
    assert task["state"] == "reserved" and task["agent"] == "ayu"
    svc.router.accept(task["offer"])
    clock.now += 90  # the agent listens
    svc.router.complete(task["id"])
    clock.now += 21  # the orders queue's wrap-up
    svc.router.tick()
    ContactLog(svc.redis, svc.router.keys, svc.centre, tmp_path).flush()
    rows = {
        r["task_id"]: r for r in csv.DictReader(next((tmp_path / "contacts").glob("*.csv")).open())
    }
    row = rows[f"vm-{call.sid}"]
    assert (row["outcome"], row["queue"], row["language"], row["agent_id"], row["customer"]) == (
        "completed",
        "orders",
        "en",
        "ayu",
        CALLER,
    )
    assert row["answered_at"] and float(row["handle_seconds"]) == 110.0  # taken when accepted
    assert rows[f"call-{call.sid}"]["outcome"] == "voicemail"


@pytest.fixture
def transcribing(redis_client, namespace, tmp_path, clock, gateway) -> Emulator:
    """The emulator against a centre whose messages Twilio transcribes."""
    centre = read_yaml(reference_centre_path())
    centre["voicemail"] = {"transcribe": True, "max_seconds": 60}
    path = tmp_path / "centre.yaml"
    path.write_text(yaml.safe_dump(centre, allow_unicode=True))
    app = create_app(
        dataclasses.replace(settings(tmp_path), centre_path=path),
        redis_client=redis_client,
        namespace=namespace,
        clock=clock,
        gateway=gateway,
    )
    app.testing = True
    with app.app_context():
        yield Emulator(app.test_client(), TOKEN, PUBLIC), services()


def test_the_transcription_lands_on_the_voicemail_task(transcribing):
    twilio, svc = transcribing
    call = message_on_hold(twilio)
    record = call.waiting
    callback = f"{PUBLIC}/twilio/voice/transcription?task=vm-{call.sid}"
    assert (record.get("transcribe"), record.get("transcribeCallback")) == ("true", callback)
    assert record.get("maxLength") == "60"
    call.record(RECORDING)
    reply = twilio.post(
        callback,
        call.params(
            TranscriptionStatus="completed",
            TranscriptionText="Pesanan saya belum sampai.",
            RecordingUrl=RECORDING,
        ),
    )
    assert reply.status_code == 200 and reply.mimetype == "text/xml"
    attrs = svc.router.task(f"vm-{call.sid}")["attributes"]
    assert attrs["transcription"] == "Pesanan saya belum sampai."


def test_a_transcription_before_the_recording_is_carried_over(transcribing):
    twilio, svc = transcribing
    call = message_on_hold(twilio)
    twilio.post(
        f"{PUBLIC}/twilio/voice/transcription?task=vm-{call.sid}",
        call.params(TranscriptionStatus="completed", TranscriptionText="Halo."),
    )
    call.record(RECORDING)
    assert svc.router.task(f"vm-{call.sid}")["attributes"]["transcription"] == "Halo."


def test_without_the_setting_twilio_is_not_asked_to_transcribe(twilio):
    record = message_on_hold(twilio).waiting
    assert record.get("transcribe") is None and record.get("maxLength") == "120"
