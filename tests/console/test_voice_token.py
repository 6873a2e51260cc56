"""The softphone's access token: only the agent itself (or a supervisor) gets one, and the JWT
decodes with the API secret to the account, the key, the agent's client identity, the voice
grant and the configured lifetime; without the API key settings the answer says so (503)."""

from __future__ import annotations

import dataclasses

import jwt
import pytest

from telephony.services import services
from tests.console.conftest import SUPERVISOR, add_agent, console_app
from vero.kernel.settings import Settings, SettingsError

API_KEY = "SK" + "a1" * 16
API_SECRET = "ApiSecret" + "0123456789" * 2 + "abc"  # 32 characters, as Twilio makes them
APP_SID = "AP" + "b2" * 16
SOFTPHONE = {
    "TWILIO_API_KEY": API_KEY,
    "TWILIO_API_SECRET": API_SECRET,
    "TWILIO_TWIML_APP_SID": APP_SID,
}
BASE = {"TWILIO_AUTH_TOKEN": "secret", "VERO_SUPERVISOR_TOKEN": "s" * 16}


def configure_softphone(app, ttl: int = 300) -> None:
    """The three softphone settings on an app built without them (as the console tests build
    theirs)."""
    svc = app.extensions["vero"]
    svc.settings = dataclasses.replace(
        svc.settings,
        twilio_api_key=API_KEY,
        twilio_api_secret=API_SECRET,
        twilio_twiml_app_sid=APP_SID,
        voice_token_ttl=ttl,
    )


@pytest.fixture
def voice_app(redis_client, namespace, tmp_path):
    app = console_app(redis_client, namespace, tmp_path)
    configure_softphone(app)
    return app


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_the_token_decodes_to_the_agents_identity_and_voice_grant(voice_app):
    token = add_agent(voice_app, "ayu")
    with voice_app.app_context():
        services().router.upsert_agent(
            "ayu", {"complaints": 4}, ("id",), {"voice": 1}, contact={"client": "ayu-desk"}
        )
    reply = voice_app.test_client().get("/api/agents/ayu/voice-token", headers=bearer(token))
    assert reply.status_code == 200
    body = reply.json
    claims = jwt.decode(body["token"], API_SECRET, algorithms=["HS256"])
    assert claims["iss"] == API_KEY
    assert claims["sub"] == "AC" + "0" * 32
    assert claims["grants"]["identity"] == "ayu-desk" == body["identity"]
    assert claims["grants"]["voice"]["incoming"]["allow"] is True
    assert claims["grants"]["voice"]["outgoing"]["application_sid"] == APP_SID
    assert claims["exp"] == claims["nbf"] + 300 == body["expires_at"]  # Twilio puts nbf, no iat
    assert jwt.get_unverified_header(body["token"])["cty"] == "twilio-fpa;v=1"
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(body["token"], "x" * 32, algorithms=["HS256"])


def test_an_agent_without_a_client_name_registers_under_its_id(voice_app):
    token = add_agent(voice_app, "budi", "Budi")
    reply = voice_app.test_client().get("/api/agents/budi/voice-token", headers=bearer(token))
    assert reply.json["identity"] == "budi"


def test_only_the_agent_itself_or_a_supervisor_gets_a_token(voice_app):
    ayu, budi = add_agent(voice_app, "ayu"), add_agent(voice_app, "budi", "Budi")
    client = voice_app.test_client()
    assert client.get("/api/agents/ayu/voice-token", headers=bearer(budi)).status_code == 403
    assert client.get("/api/agents/ayu/voice-token").status_code == 401
    assert client.get("/api/agents/ayu/voice-token", headers=bearer("nope")).status_code == 401
    supervisor = client.get("/api/agents/ayu/voice-token", headers=bearer(SUPERVISOR))
    assert supervisor.status_code == 200
    assert client.get("/api/agents/ayu/voice-token", headers=bearer(ayu)).status_code == 200
    assert (
        client.get("/api/agents/ghost/voice-token", headers=bearer(SUPERVISOR)).status_code == 404
    )


def test_without_the_api_key_settings_the_answer_names_them(app):
    token = add_agent(app, "ayu")
    reply = app.test_client().get("/api/agents/ayu/voice-token", headers=bearer(token))
    assert reply.status_code == 503
    assert "TWILIO_API_KEY" in reply.json["error"]


def test_the_softphone_settings_come_all_three_or_none():
    assert not Settings.from_env(BASE).softphone
    full = Settings.from_env({**BASE, **SOFTPHONE, "VERO_VOICE_TOKEN_TTL": "900"})
    assert full.softphone and full.voice_token_ttl == 900
    assert (full.twilio_api_key, full.twilio_twiml_app_sid) == (API_KEY, APP_SID)
    with pytest.raises(SettingsError) as partial:
        Settings.from_env({**BASE, "TWILIO_API_KEY": API_KEY})
    assert [p.split(":")[0] for p in partial.value.problems] == [
        "TWILIO_API_SECRET",
        "TWILIO_TWIML_APP_SID",
    ]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TWILIO_API_KEY", "AC" + "a1" * 16),
        ("TWILIO_API_KEY", "SK123"),
        ("TWILIO_API_SECRET", "short"),
        ("TWILIO_TWIML_APP_SID", "AP" + "z" * 32),
        ("VERO_VOICE_TOKEN_TTL", "30"),
        ("VERO_VOICE_TOKEN_TTL", "100000"),
        ("VERO_VOICE_TOKEN_TTL", "ten"),
    ],
)
def test_a_malformed_softphone_setting_is_named_at_start(name, value):
    with pytest.raises(SettingsError) as info:
        Settings.from_env({**BASE, **SOFTPHONE, name: value})
    assert [p.split(":")[0] for p in info.value.problems] == [name]
