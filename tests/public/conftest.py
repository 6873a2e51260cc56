"""Fixtures of the public entry point tests: the app with the real Twilio gateway pointed at the
emulator's REST recorder, low rate limits (a flood is a handful of requests), a settable clock."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from telephony.complaints.model import Policy
from telephony.services import services
from telephony.twilio_emulator import RestRecorder
from tests.ivr.conftest import OPEN_AT, Clock, settings
from vero.web.app import create_app

SUPERVISOR = {"Authorization": "Bearer supervisor-token-for-tests"}
SENDER = "+622150001234"
PHONE = "+6281234567890"
FORM = {
    "description": "Krim wajah membuat kulit saya gatal",
    "product": "Krim Siang",
    "batch": "",
    "language": "id",
}
LIMITS = {
    "public": "8/minute",
    "bad_credentials": "4/minute",
    "forged": "3/minute",
    "otp_phone": "3/15minutes",
    "otp_ip": "6/minute",
    "otp_total": "50/hour",
    "complaint_customer": "3/hour",
    "chat_visitor": "30/minute",
}


@pytest.fixture
def recorder() -> Iterator[RestRecorder]:
    with RestRecorder() as recorder:
        yield recorder


@pytest.fixture
def clock() -> Clock:
    return Clock(OPEN_AT)


def make_app(redis_client, namespace, tmp_path, clock, recorder, **extra):
    config = {"rate_limits": LIMITS, "twilio_api_base": recorder.url, **extra}
    app = create_app(
        settings(tmp_path, **config), redis_client=redis_client, namespace=namespace, clock=clock
    )
    app.testing = True
    app.extensions["vero-complaints"].policy = Policy(sender=SENDER)
    return app


@pytest.fixture
def app(redis_client, namespace, tmp_path, clock, recorder):
    return make_app(redis_client, namespace, tmp_path, clock, recorder)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def svc(app):
    with app.app_context():
        yield services()


def sent_to(recorder: RestRecorder) -> list[tuple[str, str]]:
    """(to, body) of every message the REST recorder received."""
    return [
        (r.form["To"][0].removeprefix("whatsapp:"), r.form["Body"][0])
        for r in recorder.messages_sent()
    ]


def code_for(recorder: RestRecorder, phone: str) -> str:
    """The last one-time code the recorder saw going to `phone`."""
    bodies = [body for to, body in sent_to(recorder) if to == phone]
    assert bodies, f"no message to {phone}"
    return re.search(r"\b(\d{6})\b", bodies[-1]).group(1)


def account_headers(
    client, supervisor: dict[str, str], phone: str = "", username: str = "web-customer"
) -> dict[str, str]:
    """The bearer header of a logged-in website customer (an account with `phone`): files
    complaints without any message being sent."""
    made = client.post(
        "/api/accounts",
        headers=supervisor,
        json={"username": username, "password": "password of the test", "phone": phone},
    )
    assert made.status_code in (201, 409), made.json
    login = client.post(
        "/api/public/login", json={"username": username, "password": "password of the test"}
    )
    assert login.status_code == 200, login.json
    return {"Authorization": f"Bearer {login.json['token']}"}


def verified_token(client, recorder, phone: str = PHONE) -> dict[str, str]:
    assert client.post("/api/public/code", json={"phone": phone}).status_code == 202
    reply = client.post(
        "/api/public/code/verify", json={"phone": phone, "code": code_for(recorder, phone)}
    )
    assert reply.status_code == 200, reply.json
    return {"Authorization": f"Bearer {reply.json['token']}"}
