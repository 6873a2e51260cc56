"""Contract: the real `twilio` REST client, pointed at a local recorder, sends what Twilio
expects for Vero's call update (Url) and message create (To/From/Body)."""

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
    gateway.redirect_call(call, "https://vero.example.co.id/twilio/voice/connect?offer=x.1")
    sid = gateway.send_message(
        "+6281234567890", "Referensi CMP-2025-000001", "whatsapp", "+622150001234"
    )
    gateway.send_message("+6281234567890", "Halo", "sms", "+622150001234")
    assert sid.startswith("SM") and len(sid) == 34
    (m1, p1, f1, auth), (m2, p2, f2, _), (_, _, f3, _) = [
        (r.method, r.path, r.form, r.authorization) for r in recorder.requests
    ]
    assert (m1, p1) == ("POST", f"/2010-04-01/Accounts/{SID}/Calls/{call}.json")
    assert f1["Url"] == ["https://vero.example.co.id/twilio/voice/connect?offer=x.1"]
    assert f1["Method"] == ["POST"]
    assert auth.startswith("Basic ")
    assert (m2, p2) == ("POST", f"/2010-04-01/Accounts/{SID}/Messages.json")
    assert (f2["To"], f2["From"], f2["Body"]) == (
        ["whatsapp:+6281234567890"],
        ["whatsapp:+622150001234"],
        ["Referensi CMP-2025-000001"],
    )
    assert (f3["To"], f3["From"]) == (["+6281234567890"], ["+622150001234"])
