"""A task's recording played through Vero (`/api/tasks/<id>/recording` with a bearer token,
`/desk/tasks/<id>/recording` with the desk's login): fetched from a local stand-in for Twilio's
media host that asks for the account's basic auth, as Twilio does with media authentication on;
only its agent or a supervisor gets it, only a recording of the account under the Twilio API base
is ever fetched, and Twilio's failures are a 502 that says what went wrong."""

from __future__ import annotations

import base64
import dataclasses
import socket
from collections.abc import Iterator

import pytest

from telephony.services import services
from tests.api.media_host import MediaHost
from tests.console.conftest import SUPERVISOR, console_app
from tests.console.test_voice_token import API_KEY, API_SECRET, configure_softphone
from vero.web.api import recording_media

ACCOUNT = "AC" + "0" * 32  # the console app's account; its auth token is "secret"
RECORDING = f"/2010-04-01/Accounts/{ACCOUNT}/Recordings/RE" + "7" * 32
AUDIO = bytes(range(256)) * 40  # 10 KiB standing in for an MP3
STAFF = {"Authorization": f"Bearer {SUPERVISOR}"}


@pytest.fixture
def twilio_media() -> Iterator[MediaHost]:
    with MediaHost(ACCOUNT, "secret") as host:
        host.recordings[RECORDING + ".mp3"] = AUDIO
        yield host


@pytest.fixture
def app(redis_client, namespace, tmp_path, twilio_media):
    return console_app(redis_client, namespace, tmp_path, twilio_api_base=twilio_media.url)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def voicemail(app, recording_url: str, agent: str = "ayu", task_id: str = "vm-CA1") -> str:
    """A voicemail task taken by `agent` (who is added, available); the agent's token."""
    with app.app_context():
        router = services().router
        token = router.upsert_agent(agent, {"general": 2}, ("id",), {"voice": 1}).token
        router.set_agent_state(agent, "available")
        attributes = {"kind": "voicemail", "from": "+628999000111", "call_sid": ""}
        if recording_url:
            attributes |= {"recording_url": recording_url, "recording_duration": "14"}
        [offer] = router.enqueue(task_id, "voice", "general", "id", attributes=attributes)
        assert offer.agent == agent
        router.accept(offer.offer)
    return str(token)


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_the_agent_plays_the_recording_fetched_with_the_account_s_credentials(
    app, client, twilio_media
):
    token = voicemail(app, twilio_media.url + RECORDING)
    reply = client.get("/api/tasks/vm-CA1/recording", headers=bearer(token))
    assert reply.status_code == 200
    assert reply.mimetype == "audio/mpeg"
    assert reply.data == AUDIO
    assert reply.headers["Content-Length"] == str(len(AUDIO))
    assert reply.headers["Accept-Ranges"] == "bytes"
    assert reply.headers["Cache-Control"] == "no-store"
    [asked] = twilio_media.requests
    assert asked.path == RECORDING + ".mp3"  # the MP3, as Twilio documents
    assert asked.authorization == basic(ACCOUNT, "secret")
    # a supervisor too; a Range (the audio element's seek) is passed on and answered 206
    reply = client.get("/api/tasks/vm-CA1/recording", headers={**STAFF, "Range": "bytes=10-19"})
    assert reply.status_code == 206
    assert reply.data == AUDIO[10:20]
    assert reply.headers["Content-Range"] == f"bytes 10-19/{len(AUDIO)}"
    assert reply.headers["Content-Length"] == "10"
    past = client.get("/api/tasks/vm-CA1/recording", headers={**STAFF, "Range": "bytes=99999-"})
    assert (past.status_code, past.headers["Content-Range"]) == (416, f"bytes */{len(AUDIO)}")
    odd = client.get("/api/tasks/vm-CA1/recording", headers={**STAFF, "Range": "items=0-1"})
    assert (odd.status_code, odd.data) == (200, AUDIO)  # not a byte range: the whole file
    assert twilio_media.requests[-1].range == ""


def test_with_an_api_key_the_key_and_its_secret_are_the_credentials(app, client, twilio_media):
    configure_softphone(app)
    twilio_media.authorization = basic(API_KEY, API_SECRET)
    token = voicemail(app, twilio_media.url + RECORDING)
    assert client.get("/api/tasks/vm-CA1/recording", headers=bearer(token)).data == AUDIO
    assert twilio_media.requests[0].authorization == basic(API_KEY, API_SECRET)


def test_the_desk_s_player_gets_it_with_the_desk_login(app, client, twilio_media):
    token = voicemail(app, twilio_media.url + RECORDING)
    eko = voicemail(app, twilio_media.url + RECORDING, agent="eko", task_id="vm-CA2")
    assert client.get("/desk/tasks/vm-CA1/recording").status_code in (302, 401)  # no login
    assert client.post("/desk/login", data={"token": token}).status_code == 302
    reply = client.get("/desk/tasks/vm-CA1/recording", headers={"Range": "bytes=0-"})
    assert (reply.status_code, reply.mimetype, reply.data) == (206, "audio/mpeg", AUDIO)
    refused = client.get("/desk/tasks/vm-CA2/recording")  # eko's
    assert refused.status_code == 403 and refused.json["error"] == "this task is not yours"
    assert client.get("/desk/tasks/nope/recording").status_code == 404
    assert client.get("/api/tasks/vm-CA1/recording", headers=bearer(eko)).status_code == 403
    assert len(twilio_media.requests) == 1


def test_only_its_agent_or_a_supervisor_gets_it_and_no_recording_is_a_404(
    app, client, twilio_media
):
    voicemail(app, twilio_media.url + RECORDING)
    eko = voicemail(app, "", agent="eko", task_id="vm-CA2")
    assert client.get("/api/tasks/vm-CA1/recording").status_code == 401
    assert client.get("/api/tasks/vm-CA1/recording", headers=bearer(eko)).status_code == 403
    missing = client.get("/api/tasks/vm-CA2/recording", headers=bearer(eko))
    assert (missing.status_code, missing.json) == (404, {"error": "task vm-CA2 has no recording"})
    unknown = client.get("/api/tasks/vm-nope/recording", headers=STAFF)
    assert unknown.status_code == 404 and "vm-nope" in unknown.json["error"]
    assert twilio_media.requests == []


@pytest.mark.parametrize(
    "where",
    [
        "{other}" + RECORDING,  # another host
        "{twilio}" + RECORDING.replace(ACCOUNT, "AC" + "1" * 32),  # another account
        "{twilio}" + f"/2010-04-01/Accounts/{ACCOUNT}/Calls.json",  # not a recording
        "{twilio}" + RECORDING + "?redirect={other}",
        "{twilio}" + RECORDING + "/../../Calls",
        "{twilio}@{bare_other}" + RECORDING,  # user info: the host is another one
        "file:///etc/passwd",
    ],
)
def test_a_recording_url_outside_twilio_s_api_is_never_fetched(app, client, twilio_media, where):
    with MediaHost() as other:
        other.recordings[RECORDING + ".mp3"] = b"not Twilio"
        url = where.format(
            twilio=twilio_media.url,
            other=other.url,
            bare_other=other.url.removeprefix("http://"),
        )
        voicemail(app, url)
        reply = client.get("/api/tasks/vm-CA1/recording", headers=STAFF)
        assert reply.status_code == 404
        assert reply.json["error"] == (
            "task vm-CA1 has no recording Vero may fetch: its recording_url is not a recording "
            f"of account {ACCOUNT} under {twilio_media.url}"
        )
        assert other.requests == [] and twilio_media.requests == []


def test_twilio_s_failures_are_a_502_that_names_them(app, client, twilio_media, monkeypatch):
    voicemail(app, twilio_media.url + RECORDING)
    twilio_media.status = 500
    reply = client.get("/api/tasks/vm-CA1/recording", headers=STAFF)
    assert (reply.status_code, reply.json) == (
        502,
        {"error": "Twilio did not give the recording of task vm-CA1: Twilio answered HTTP 500"},
    )
    twilio_media.status = None
    twilio_media.authorization = basic(ACCOUNT, "another token")
    reply = client.get("/api/tasks/vm-CA1/recording", headers=STAFF)
    assert reply.status_code == 502 and "HTTP 401 (check TWILIO_API_KEY" in reply.json["error"]
    twilio_media.authorization = basic(ACCOUNT, "secret")
    monkeypatch.setattr(recording_media, "MAX_BYTES", 1000)
    reply = client.get("/api/tasks/vm-CA1/recording", headers=STAFF)
    assert reply.status_code == 502
    assert reply.json["error"].endswith(f"it is {len(AUDIO)} bytes, over the cap of 1000")


def test_a_silent_twilio_is_a_502_within_the_timeout(redis_client, namespace, tmp_path):
    with socket.socket() as silent:  # accepts connections (the backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        base = f"http://127.0.0.1:{silent.getsockname()[1]}"
        app = console_app(redis_client, namespace, tmp_path, twilio_api_base=base)
        svc = app.extensions["vero"]
        svc.settings = dataclasses.replace(svc.settings, twilio_timeout=0.3)
        voicemail(app, base + RECORDING)
        reply = app.test_client().get("/api/tasks/vm-CA1/recording", headers=STAFF)
    assert reply.status_code == 502
    assert reply.json["error"].endswith(f"no answer from {base[7:]} (ReadTimeout)")


def test_twilio_s_redirect_to_its_storage_gets_no_credentials(app, client, twilio_media):
    with MediaHost() as storage:  # a pre-signed URL: no credentials asked, none must be sent
        storage.recordings[RECORDING + ".mp3"] = AUDIO
        twilio_media.moved_to = storage.url
        voicemail(app, twilio_media.url + RECORDING)
        reply = client.get("/api/tasks/vm-CA1/recording", headers=STAFF)
        assert (reply.status_code, reply.data) == (200, AUDIO)
        assert twilio_media.requests[0].authorization == basic(ACCOUNT, "secret")
        assert [r.authorization for r in storage.requests] == [""]
