"""Contract: the real `twilio` REST client, pointed at a local recorder, sends what Twilio
expects for Vero's call update (Url), message create (To/From/Body), call legs, conference
participants and recordings."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from telephony.gateway import TwilioGateway
from telephony.twilio_emulator import RestRecorder
from tests.ivr.conftest import settings

SID = "AC" + "0" * 32


@pytest.fixture
def recorder() -> Iterator[RestRecorder]:
    with RestRecorder() as recorder:
        yield recorder


def test_redirect_and_messages_reach_the_api_as_twilio_expects(recorder, tmp_path):
    gateway = TwilioGateway(settings(tmp_path, twilio_api_base=recorder.url))
    call = "CA" + "a" * 32
    gateway.redirect_call(call, "https://vero.example.co.id/twilio/voice/join?task=call-x&lang=id")
    sid = gateway.send_message(
        "+6281234567890", "Referensi CMP-2025-000001", "whatsapp", "+622150001234"
    )
    gateway.send_message("+6281234567890", "Halo", "sms", "+622150001234")
    assert sid.startswith("SM") and len(sid) == 34
    (m1, p1, f1, auth), (m2, p2, f2, _), (_, _, f3, _) = [
        (r.method, r.path, r.form, r.authorization) for r in recorder.requests
    ]
    assert (m1, p1) == ("POST", f"/2010-04-01/Accounts/{SID}/Calls/{call}.json")
    assert f1["Url"] == ["https://vero.example.co.id/twilio/voice/join?task=call-x&lang=id"]
    assert f1["Method"] == ["POST"]
    assert auth.startswith("Basic ")
    assert (m2, p2) == ("POST", f"/2010-04-01/Accounts/{SID}/Messages.json")
    assert (f2["To"], f2["From"], f2["Body"]) == (
        ["whatsapp:+6281234567890"],
        ["whatsapp:+622150001234"],
        ["Referensi CMP-2025-000001"],
    )
    assert (f3["To"], f3["From"]) == (["+6281234567890"], ["+622150001234"])


def test_call_legs_conferences_and_recordings_reach_the_api_as_twilio_expects(recorder, tmp_path):
    gateway = TwilioGateway(settings(tmp_path, twilio_api_base=recorder.url))
    base, conf = f"/2010-04-01/Accounts/{SID}", "CF" + "c" * 32
    leg = gateway.create_call(
        "client:ayu", "+622150001234", "https://v.example/agent", "https://v.example/st", 20
    )
    gateway.update_participant(conf, leg, {"hold": True, "hold_url": "https://v.example/music"})
    third = gateway.add_participant(conf, "+6281234567890", "+622150001234", {"label": "third"})
    recording = gateway.record_call(leg, "https://v.example/rec")
    gateway.set_recording(leg, recording, "stopped")
    gateway.end_call(leg)
    assert leg.startswith("CA") and third.startswith("CA") and recording.startswith("RE")
    create, hold, add, record, stop, end = recorder.requests
    assert create.path == f"{base}/Calls.json"
    assert (create.form["To"], create.form["Url"], create.form["Timeout"]) == (
        ["client:ayu"],
        ["https://v.example/agent"],
        ["20"],
    )
    assert create.form["StatusCallbackEvent"] == ["initiated", "ringing", "answered", "completed"]
    assert hold.path == f"{base}/Conferences/{conf}/Participants/{leg}.json"
    assert (hold.form["Hold"], hold.form["HoldUrl"]) == (["true"], ["https://v.example/music"])
    assert add.path == f"{base}/Conferences/{conf}/Participants.json"
    assert (add.form["To"], add.form["Label"]) == (["+6281234567890"], ["third"])
    assert record.path == f"{base}/Calls/{leg}/Recordings.json"
    assert record.form["RecordingChannels"] == ["dual"]
    assert stop.path == f"{base}/Calls/{leg}/Recordings/{recording}.json"
    assert stop.form["Status"] == ["stopped"]
    assert end.path == f"{base}/Calls/{leg}.json" and end.form["Status"] == ["completed"]
