"""Security headers on every GET route of the console and the desk (walked from the app's URL
map, so a new page is walked too), and pages that a CSP without 'unsafe-inline' can run."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from telephony.services import services
from tests.api.media_host import MediaHost
from tests.console.conftest import SUPERVISOR, add_agent
from tests.console.test_cases_console import file_complaint
from tests.security.conftest import log_in, plain_client
from vero.web.headers import PAGE_POLICY, RUN_FILE_POLICY, SOFTPHONE_ENDPOINTS, SOFTPHONE_POLICY

PAGE_BLUEPRINTS = ("console", "desk", "planning", "whatif")
RUN_ID = "20260101-000000-000000"
RUN_FILES = {
    "planning.forecast_file": ("forecast", "forecast.csv"),
    "planning.roster_file": ("roster", "roster.csv"),
    "whatif.whatif_file": ("whatif", "report.html"),
}
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>")
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style|\sstyle\s*=", re.IGNORECASE)
ROOT = Path(__file__).resolve().parents[2]
RECORDING = f"/2010-04-01/Accounts/AC{'0' * 32}/Recordings/RE{'7' * 32}"


def _runs(data_dir: Path) -> None:
    """One finished-with-an-error run of each kind, with a file each, for the run routes."""
    for kind, name in RUN_FILES.values():
        folder = data_dir / "console" / kind / RUN_ID
        folder.mkdir(parents=True)
        (folder / "status.json").write_text(json.dumps({"state": "failed", "error": "x"}))
        (folder / name).write_text(
            "<html><style>p{}</style><p>report</p></html>"
            if name.endswith(".html")
            else "a,b\n1,2\n"
        )


def _voicemail(app, media: MediaHost) -> str:
    """A voicemail the desk's agent took, its recording on Twilio's (stand-in) media host."""
    media.recordings[RECORDING + ".mp3"] = b"ID3 a recording"
    svc = app.extensions["vero"]
    svc.settings = dataclasses.replace(svc.settings, twilio_api_base=media.url)
    with app.app_context():
        router = services().router
        router.set_agent_state("ayu", "available")
        attributes = {"kind": "voicemail", "recording_url": media.url + RECORDING}
        [offer] = router.enqueue("vm-CA1", "voice", "general", "id", attributes=attributes)
        router.accept(offer.offer)
    return "vm-CA1"


def _urls(app, ref: str, task_id: str) -> list[tuple[str, str]]:
    values = {"ref": ref, "run_id": RUN_ID, "filename": "console.css", "task_id": task_id}
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in PAGE_BLUEPRINTS or "GET" not in rule.methods:
            continue
        path = rule.rule
        for argument in rule.arguments:
            value = RUN_FILES[rule.endpoint][1] if argument == "name" else values[argument]
            path = re.sub(rf"<(?:[a-z]+:)?{argument}>", value, path)
        urls.append((rule.endpoint, path))
    return urls


@pytest.fixture
def media() -> Iterator[MediaHost]:
    with MediaHost() as host:
        yield host


@pytest.fixture
def browser(app):
    token = add_agent(app)
    client = plain_client(app)
    log_in(client, "/console/login", SUPERVISOR)
    log_in(client, "/desk/login", token)
    _runs(app.extensions["vero"].settings.data_dir)
    return client


def test_every_page_route_has_the_security_headers(app, browser, media):
    ref = file_complaint(plain_client(app))
    urls = _urls(app, ref, _voicemail(app, media))
    assert len(urls) >= 20 and ("desk.desk", "/desk/") in urls
    pages = 0
    for endpoint, path in urls:
        reply = browser.get(
            path,
            buffered=False,
            headers={"Accept": "text/event-stream"} if endpoint == "console.stream" else {},
        )
        assert reply.status_code == 200, (path, reply.status_code)
        assert reply.headers["X-Content-Type-Options"] == "nosniff", path
        assert reply.headers["Referrer-Policy"] == "same-origin", path
        if reply.mimetype == "text/html":
            pages += 1
            policy = RUN_FILE_POLICY if endpoint in RUN_FILES else PAGE_POLICY
            policy = SOFTPHONE_POLICY if endpoint in SOFTPHONE_ENDPOINTS else policy
            assert reply.headers["Content-Security-Policy"] == policy, path
            assert reply.headers["X-Frame-Options"] == "DENY", path
            if endpoint not in RUN_FILES:
                text = reply.get_data(as_text=True)
                assert not INLINE_SCRIPT.search(text), path
                assert not INLINE_HANDLER.search(text), path
                assert not INLINE_STYLE.search(text), path
                assert reply.headers["Cache-Control"] == "no-store", path
        reply.close()
    assert pages >= 12
    for path in ("/console/login", "/desk/login"):  # the pages anyone sees
        reply = plain_client(app).get(path)
        assert reply.headers["Content-Security-Policy"] == PAGE_POLICY
        assert reply.headers["X-Frame-Options"] == "DENY"


def test_the_policy_runs_only_vero_s_own_scripts_and_forbids_framing():
    directives = dict(d.split(" ", 1) for d in PAGE_POLICY.split("; "))
    assert directives["script-src"] == "'self'" and "unsafe" not in PAGE_POLICY
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'" and directives["base-uri"] == "'none'"
    assert "sandbox" in RUN_FILE_POLICY and "script-src" not in RUN_FILE_POLICY
    softphone = dict(d.split(" ", 1) for d in SOFTPHONE_POLICY.split("; "))
    assert softphone["script-src"] == "'self'" and "unsafe" not in SOFTPHONE_POLICY
    assert softphone["connect-src"] == "'self' https://*.twilio.com wss://*.twilio.com"
    # ringtones only: recordings come through Vero ('self'), so Twilio's media auth can stay on
    assert softphone["media-src"] == "'self' https://sdk.twilio.com"
    assert {**softphone, "connect-src": "'self'"} == {
        **directives,
        "media-src": softphone["media-src"],
    }


def test_no_template_holds_a_script_a_handler_or_a_style():
    templates = [
        p
        for folder in ("vero", "telephony", "wfm", "simulations")
        for p in (ROOT / folder).rglob("templates/**/*.html")
    ]
    assert len(templates) >= 16
    for template in templates:
        text = template.read_text(encoding="utf-8")
        assert not INLINE_SCRIPT.search(text), template
        assert not INLINE_HANDLER.search(text), template
        assert not INLINE_STYLE.search(text), template


def test_other_responses_are_nosniff_too(app):
    client = plain_client(app)
    for reply in (
        client.get("/healthz"),
        client.get("/api/agents"),
        client.post("/twilio/voice", data={}),
    ):
        assert reply.headers["X-Content-Type-Options"] == "nosniff"
        assert reply.headers["Referrer-Policy"] == "same-origin"
