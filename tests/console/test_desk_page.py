"""The desk page without a browser: the softphone's script is served from the npm install (and
its absence is one line on the page, not a broken desk), and the scripts greet an unknown caller
in words that read."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.console.conftest import add_agent
from tests.console.test_voice_token import configure_softphone
from vero.web.api.customer_view import scripts
from vero.web.console import desk


@pytest.fixture
def agent_desk(app, client):
    client.post("/desk/login", data={"token": add_agent(app)})
    return client


def test_the_desk_serves_the_voice_sdk_that_make_setup_installed(app, agent_desk):
    configure_softphone(app)
    if not desk.VOICE_SDK.is_file():  # make test runs npm ci first: in CI it is there
        assert os.environ.get("CI", "").lower() != "true", "make setup did not install the SDK"
        pytest.skip("no node_modules: run make setup (npm ci)")
    page = agent_desk.get("/desk/?lang=en").text
    assert 'src="/desk/voice-sdk.js"' in page and "softphone.js" in page
    sdk = agent_desk.get("/desk/voice-sdk.js")
    assert sdk.status_code == 200 and sdk.mimetype == "text/javascript"
    assert b"Twilio" in sdk.data[:100_000]
    csp = agent_desk.get("/desk/").headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "wss://*.twilio.com" in csp
    # the SDK's ringtones; a recording is played through Vero, never from Twilio's REST host
    assert "media-src 'self' https://sdk.twilio.com" in csp.split("; ")
    assert "api.twilio.com" not in csp


def test_without_the_sdk_the_desk_says_so_in_one_line(app, agent_desk, monkeypatch):
    configure_softphone(app)
    monkeypatch.setattr(desk, "VOICE_SDK", Path("/nonexistent/twilio.min.js"))
    page = agent_desk.get("/desk/?lang=en").text
    assert "Softphone offline: Twilio&#39;s Voice SDK is not installed (make setup)" in page
    assert "voice-sdk.js" not in page and "softphone.js" not in page
    assert 'data-list="offers"' in page  # the rest of the desk is there
    missing = agent_desk.get("/desk/voice-sdk.js")
    assert missing.status_code == 404 and "npm ci" in missing.json["error"]


def test_without_the_api_key_settings_the_desk_says_so_and_asks_for_no_token(agent_desk):
    page = agent_desk.get("/desk/?lang=en").text
    assert "Softphone offline: not set up on this server (TWILIO_API_KEY" in page
    assert "softphone.js" not in page


def test_an_unknown_caller_is_greeted_in_words_that_read():
    """The anonymous name ("there", "Bapak/Ibu") only follows "Hello"/"Halo"-like openings in
    English: "Welcome to customer care, there" is what an agent read before."""
    book = scripts()
    anonymous = book["anonymous"]["en"]
    for reason, texts in book["reasons"].items():
        greeting = texts["en"]["greeting"]
        assert greeting.startswith("Hello {name}"), reason
        assert f"Hello {anonymous}," in greeting.format(name=anonymous, ref="CMP-1")


def test_the_voicemail_callback_and_dial_parts_speak_the_page_s_language(agent_desk):
    """What desk.js fills in comes from the page (templates, labels): Indonesian on the
    Indonesian page, every try status and refusal included."""
    indonesian = agent_desk.get("/desk/?lang=id").text
    for words in (
        "Pesan suara dari",
        "Percobaan sebelumnya",
        "Telepon pelanggan ini",
        "Pelanggan terakhir",
        "Transkripsi gagal",
    ):
        assert words in indonesian, words
    labels = json.loads(indonesian.split('id="desk-labels">')[1].split("</script>")[0])
    assert labels["desk.try.no-answer"] == "tidak diangkat"
    assert labels["desk.kind.voicemail"] == "Pesan suara"
    assert labels["desk.dial_409"].startswith("panggilan butuh status Siap")
    english = agent_desk.get("/desk/?lang=en").text
    assert "Voicemail from" in english and "Earlier tries" in english
    assert 'pattern="\\+[1-9][0-9]{7,14}"' in english  # the dial form asks for E.164
