"""Fixtures of the IVR tests: the app with a fake gateway and a settable clock, the emulator."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from telephony.customers import Customer, CustomerDirectory
from telephony.services import services
from telephony.twilio_emulator import Emulator
from vero.kernel.settings import Settings
from vero.web.app import create_app

TOKEN = "test-twilio-auth-token"
PUBLIC = "https://vero.example.co.id"
JAKARTA = ZoneInfo("Asia/Jakarta")
OPEN_AT = dt.datetime(2025, 7, 15, 10, 0, tzinfo=JAKARTA).timestamp()  # a Tuesday morning
CLOSED_AT = dt.datetime(2025, 7, 15, 22, 30, tzinfo=JAKARTA).timestamp()


class FakeGateway:
    def __init__(self) -> None:
        self.redirects: list[tuple[str, str]] = []
        self.messages: list[tuple[str, str, str, str]] = []
        self.fail_channels: set[str] = set()
        self.rest: list[tuple[str, dict]] = []  # (operation, its arguments) of the call requests

    def redirect_call(self, call_sid: str, url: str) -> None:
        self.redirects.append((call_sid, url))

    def _sid(self, op: str, prefix: str, **args) -> str:
        self.rest.append((op, args))
        return f"{prefix}{len(self.rest):032d}"

    def create_call(self, to: str, from_: str, url: str, status_callback: str, timeout: int) -> str:
        return self._sid(
            "create_call",
            "CA",
            to=to,
            from_=from_,
            url=url,
            status_callback=status_callback,
            timeout=timeout,
        )

    def end_call(self, call_sid: str) -> None:
        self.rest.append(("end_call", {"call_sid": call_sid}))

    def update_participant(self, conference_sid: str, call_sid: str, changes: dict) -> None:
        self.rest.append(
            (
                "update_participant",
                {"conference_sid": conference_sid, "call_sid": call_sid, **changes},
            )
        )

    def add_participant(self, conference_sid: str, to: str, from_: str, options: dict) -> str:
        return self._sid(
            "add_participant", "CA", conference_sid=conference_sid, to=to, from_=from_, **options
        )

    def record_call(self, call_sid: str, status_callback: str) -> str:
        return self._sid("record_call", "RE", call_sid=call_sid, status_callback=status_callback)

    def set_recording(self, call_sid: str, recording_sid: str, status: str) -> None:
        self.rest.append(
            (
                "set_recording",
                {"call_sid": call_sid, "recording_sid": recording_sid, "status": status},
            )
        )

    def send_message(self, to: str, body: str, channel: str, sender: str) -> str:
        if channel in self.fail_channels:
            raise RuntimeError("Twilio said no")
        self.messages.append((to, body, channel, sender))
        return f"SM{len(self.messages):032d}"


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def settings(tmp: Path, **extra) -> Settings:
    return Settings(
        redis_url=None,
        public_base_url=PUBLIC,
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token=TOKEN,
        centre_path=None,
        supervisor_token="supervisor-token-for-tests",
        data_dir=tmp,
        **extra,
    )


@pytest.fixture
def clock() -> Clock:
    return Clock(OPEN_AT)


@pytest.fixture
def gateway() -> FakeGateway:
    return FakeGateway()


@pytest.fixture
def app(redis_client, namespace, tmp_path, clock, gateway):
    app = create_app(
        settings(tmp_path),
        redis_client=redis_client,
        namespace=namespace,
        clock=clock,
        gateway=gateway,
    )
    app.testing = True
    return app


@pytest.fixture
def svc(app):
    with app.app_context():
        yield services()


@pytest.fixture
def twilio(app) -> Emulator:
    return Emulator(app.test_client(), TOKEN, PUBLIC)


@pytest.fixture
def directory(svc) -> CustomerDirectory:
    directory = CustomerDirectory(svc.redis, svc.router.keys)
    directory.put(Customer("+628111000001", "Sari", "B2C", False, "id"))
    directory.put(Customer("+628111000002", "Emily", "B2C", False, "en"))
    directory.put(Customer("+628111000003", "Dewi", "B2C", True, "id"))
    directory.put(Customer("+628111000004", "PT Cantik", "B2B", False, "id"))
    return directory
