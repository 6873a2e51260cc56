"""CSRF from another origin, against every form and JSON write route of the pages: without the
token, with a wrong one, or with the right one from a foreign (or opaque) origin, the request is
refused before the view runs and nothing changes; from Vero's own pages it goes through."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest

from telephony.services import services
from tests.console.conftest import SUPERVISOR, add_agent
from tests.console.test_cases_console import file_complaint
from tests.security.conftest import log_in, page_token, plain_client
from vero.kernel.settings import Settings
from vero.web import csrf
from vero.web.api.customer_auth import accounts
from vero.web.app import create_app

OWN = "http://127.0.0.1:8000"  # PUBLIC_BASE_URL of the test app
FOREIGN = "https://evil.example"


def _csv(text: str = "start,calls\n") -> tuple[io.BytesIO, str]:
    return io.BytesIO(text.encode()), "upload.csv"


# endpoint → (path, request keywords): every state-changing request the pages make
Case = tuple[str, Callable[[], dict]]
CASES: dict[str, Case] = {
    "console.login": ("/console/login", lambda: {"data": {"token": SUPERVISOR}}),
    "console.logout": ("/console/logout", lambda: {"data": {}}),
    "desk.login": ("/desk/login", lambda: {"data": {"token": SUPERVISOR}}),
    "desk.logout": ("/desk/logout", lambda: {"data": {}}),
    "console.agent_state": ("/console/agents/ayu/state", lambda: {"json": {"state": "break"}}),
    "console.monitor_call": (
        "/console/tasks/call-CA1/monitor",
        lambda: {"json": {"mode": "listen", "to": "client:sup"}},
    ),
    "console.complaints_classify": (
        "/console/complaints/{ref}/classify",
        lambda: {"json": {"category": "quality_defect", "severity": "complex"}},
    ),
    "console.complaints_forward": (
        "/console/complaints/{ref}/forward",
        lambda: {"json": {"team": "qc"}},
    ),
    "console.complaints_call": (
        "/console/complaints/{ref}/call",
        lambda: {"json": {"agent": "ayu"}},
    ),
    "planning.forecast_start": (
        "/console/forecast",
        lambda: {"data": {"history": _csv()}, "content_type": "multipart/form-data"},
    ),
    "planning.roster_start": (
        "/console/roster",
        lambda: {
            "data": {"requirements": _csv(), "agents": _csv()},
            "content_type": "multipart/form-data",
        },
    ),
    "whatif.whatif_start": (
        "/console/whatif/",
        lambda: {
            "data": {"base": "upload", "forecast": _csv(), "plan": _csv(), "change": "volume"},
            "content_type": "multipart/form-data",
        },
    ),
    "planning.forecast_cancel": ("/console/forecast/r1/cancel", lambda: {"data": {}}),
    "planning.publish_run": ("/console/forecast/r1/publish", lambda: {"data": {}}),
    "planning.publish_roster": ("/console/roster/r1/publish", lambda: {"data": {}}),
    "planning.roster_cancel": ("/console/roster/r1/cancel", lambda: {"data": {}}),
    "whatif.whatif_cancel": ("/console/whatif/r1/cancel", lambda: {"data": {}}),
    "console.accounts_add": (
        "/console/accounts",
        lambda: {
            "data": {"username": "toko-baru", "password": "rahasia-toko-2026", "segment": "partner"}
        },
    ),
    "console.accounts_disable": ("/console/accounts/toko-ayu/disable", lambda: {"data": {}}),
    "console.accounts_enable": ("/console/accounts/toko-ayu/enable", lambda: {"data": {}}),
    "console.accounts_password": (
        "/console/accounts/toko-ayu/password",
        lambda: {"data": {"password": "kata-sandi-baru-99"}},
    ),
}
ATTACKS = {
    "no token": ({}, None),
    "wrong token": ({}, "x" * 43),
    "foreign Origin": ({"Origin": FOREIGN}, "right"),
    "opaque Origin": ({"Origin": "null"}, "right"),
    "foreign Referer": ({"Referer": f"{FOREIGN}/phish.html"}, "right"),
}


def test_every_state_changing_page_route_is_in_the_list(app):
    """A new form or write route of the pages must join CASES (and so these tests)."""
    app_routes = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.split(".")[0] in ("console", "desk", "planning", "whatif")
        and rule.methods - csrf.SAFE_METHODS
    }
    assert app_routes == set(CASES)


def snapshot(app) -> dict:
    """Every key of the test with its value (but the rate-limit counters: a refused request
    still counts against those)."""
    with app.app_context():
        svc = services()
        keys = sorted(svc.redis.scan_iter(match=svc.router.keys.all_keys_pattern()))
        return {key: svc.redis.dump(key) for key in keys if b":ratelimit:" not in key}


@pytest.fixture
def logged_in(app):
    """A browser logged into the console and the desk; the complaint, agent and customer account
    to act on."""
    token = add_agent(app)
    with app.app_context():
        accounts().add("toko-ayu", "rahasia-toko-2026", segment="partner")
    browser = plain_client(app)
    log_in(browser, "/console/login", SUPERVISOR)
    log_in(browser, "/desk/login", token)
    return browser, file_complaint(plain_client(app))


@pytest.mark.parametrize("endpoint", sorted(CASES))
def test_a_cross_site_request_is_refused_and_changes_nothing(app, logged_in, endpoint):
    browser, ref = logged_in
    right = page_token(browser, "/console/")
    path, request = CASES[endpoint]
    before = snapshot(app)
    for attack, (headers, token) in ATTACKS.items():
        sent, kwargs = dict(headers), request()
        if token is not None:  # as the page sends it: a header from fetch(), a form field
            value = right if token == "right" else token
            if "json" in kwargs:
                sent[csrf.HEADER] = value
            else:
                kwargs["data"][csrf.FIELD] = value
        reply = browser.post(path.format(ref=ref), headers=sent, **kwargs)
        assert reply.status_code == 403, (attack, reply.text)
        assert "refused" in reply.json["error"], attack
    assert snapshot(app) == before
    assert not (app.extensions["vero"].settings.data_dir / "console").exists()  # no run folder
    assert browser.get("/console/").status_code == 200  # still logged in: nothing was done


@pytest.mark.parametrize("origin", [OWN, "http://localhost"])
def test_from_vero_s_own_pages_the_same_requests_go_through(app, logged_in, origin):
    browser, ref = logged_in
    token = page_token(browser, "/console/")
    headers = {"Origin": origin, csrf.HEADER: token}
    assert (
        browser.post(
            "/console/agents/ayu/state", json={"state": "break"}, headers=headers
        ).status_code
        == 200
    )
    classify = CASES["console.complaints_classify"][1]()["json"]
    assert (
        browser.post(
            f"/console/complaints/{ref}/classify", json=classify, headers=headers
        ).status_code
        == 200
    )
    # the form field works as the header does; a bad upload reaches the view (its 400 page)
    bad = browser.post(
        "/console/forecast",
        data={"history": _csv(), csrf.FIELD: token},
        content_type="multipart/form-data",
        headers={"Origin": origin},
    )
    assert bad.status_code == 400 and "data-error" in bad.text
    # a plain form of the accounts page (its csrf_token field) goes through too
    path, request = CASES["console.accounts_disable"]
    reply = browser.post(
        path, data={**request()["data"], csrf.FIELD: token}, headers={"Origin": origin}
    )
    assert reply.status_code == 303


def test_behind_a_trusted_proxy_the_forwarded_origin_is_vero_s(redis_client, namespace, tmp_path):
    base = dict(
        redis_url=None,
        public_base_url="http://127.0.0.1:8000",
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token="secret",
        centre_path=None,
        supervisor_token=SUPERVISOR,
        data_dir=tmp_path,
    )
    proxied = {
        "Origin": "https://vero.example.co.id",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "vero.example.co.id",
    }
    for trust, expected in ((True, 302), (False, 403)):
        app = create_app(
            Settings(**base, trust_proxy=trust), redis_client=redis_client, namespace=namespace
        )
        browser = plain_client(app)
        token = page_token(browser, "/console/login")
        reply = browser.post(
            "/console/login", data={"token": SUPERVISOR, csrf.FIELD: token}, headers=proxied
        )
        assert reply.status_code == expected, trust


def test_a_token_from_before_the_login_is_worth_nothing_after_it(app):
    browser = plain_client(app)
    before = page_token(browser, "/console/login")
    log_in(browser, "/console/login", SUPERVISOR)
    add_agent(app)
    reply = browser.post(
        "/console/agents/ayu/state", json={"state": "break"}, headers={csrf.HEADER: before}
    )
    assert reply.status_code == 403
