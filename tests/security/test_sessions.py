"""Sessions as an attacker tries them: a cookie copied before logout, a desk cookie kept after
the agent's token was rotated, an old login past its lifetimes, a planted session id, and a
cookie used against the JSON API or a webhook instead of a bearer token or a signature."""

from __future__ import annotations

import json

import pytest

from telephony.services import services
from tests.console.conftest import SUPERVISOR, add_agent
from tests.security.conftest import (
    cookie,
    log_in,
    page_token,
    plain_client,
    replay,
)
from vero.kernel.settings import Settings
from vero.web import auth, csrf
from vero.web.app import create_app

EVENT_STREAM = {"Accept": "text/event-stream"}
FORGED_SIGNATURE = "bm90IGEgc2lnbmF0dXJlIGF0IGFsbA=="


def sessions_in_redis(app) -> list[bytes]:
    with app.app_context():
        keys = services().router.keys
        return list(services().redis.scan_iter(match=keys.web_session("*")))


def test_a_console_cookie_replayed_after_logout_is_refused(app):
    browser = plain_client(app)
    log_in(browser, "/console/login", SUPERVISOR)
    stolen, token = cookie(browser), page_token(browser, "/console/")
    assert replay(app, stolen).get("/console/").status_code == 200  # before logout: it works
    assert browser.post("/console/logout", data={"csrf_token": token}).status_code == 302

    attacker = replay(app, stolen)
    page = attacker.get("/console/agents")
    assert page.status_code == 302 and "/console/login" in page.location
    assert attacker.get("/console/forecast").status_code == 302
    assert attacker.get("/console/stream", headers=EVENT_STREAM).status_code == 401
    add_agent(app)
    change = attacker.post(
        "/console/agents/ayu/state", json={"state": "break"}, headers={csrf.HEADER: token}
    )
    assert change.status_code == 401 and "log in" in change.json["error"]
    with app.app_context():
        assert services().router.agent("ayu")["state"] == "offline"  # nothing changed
    assert sessions_in_redis(app) == []


def test_a_desk_cookie_replayed_after_logout_is_refused(app):
    token = add_agent(app)
    browser = plain_client(app)
    log_in(browser, "/desk/login", token)
    stolen, csrf_token = cookie(browser), page_token(browser, "/desk/")
    assert replay(app, stolen).get("/desk/session").json == {"agent": "ayu"}
    browser.post("/desk/logout", data={"csrf_token": csrf_token})
    attacker = replay(app, stolen)
    assert attacker.get("/desk/").location.endswith("/desk/login")
    assert attacker.get("/desk/session").status_code == 401
    with app.app_context():
        assert not services().redis.smembers(services().router.keys.agent_web_sessions("ayu"))


def test_a_desk_cookie_dies_when_the_agents_token_is_rotated(app):
    token = add_agent(app)
    browser = plain_client(app)
    log_in(browser, "/desk/login", token)
    assert browser.get("/desk/").status_code == 200
    stolen = cookie(browser)
    rotated = plain_client(app).put(
        "/api/agents/ayu",
        headers={"Authorization": f"Bearer {SUPERVISOR}"},
        json={"skills": {"complaints": 4}, "languages": ["id"], "rotate_token": True},
    )
    assert rotated.status_code == 200 and rotated.json["token"] != token
    for holder in (browser, replay(app, stolen)):
        assert holder.get("/desk/").location.endswith("/desk/login")
        assert holder.get("/desk/session").status_code == 401
    assert sessions_in_redis(app) == []  # the router deleted them with the old token
    # and the old bearer token is gone from the API too
    assert (
        plain_client(app)
        .get("/api/agents/ayu", headers={"Authorization": f"Bearer {token}"})
        .status_code
        == 401
    )


def test_a_desk_login_that_raced_the_rotation_is_still_refused(app):
    """The deletion is the cleanup; the lock is that a desk login is believed only while the
    token it was opened with is still the agent's. Put back a session the cleanup missed."""
    token = add_agent(app)
    browser = plain_client(app)
    log_in(browser, "/desk/login", token)
    with app.app_context():
        svc = services()
        saved = {key: svc.redis.get(key) for key in sessions_in_redis(app)}
        svc.router.upsert_agent("ayu", {"complaints": 4}, ("id",), {"voice": 1}, new_token=True)
        for key, value in saved.items():
            svc.redis.set(key, value)
    assert browser.get("/desk/").location.endswith("/desk/login")


def test_idle_and_absolute_lifetimes_end_a_login(app, monkeypatch):
    now = [1_800_000_000.0]
    monkeypatch.setattr(auth, "clock", lambda: now[0])
    browser = plain_client(app)
    log_in(browser, "/console/login", SUPERVISOR)
    idle = app.extensions["vero"].settings.session_idle_minutes * 60
    statuses = []
    for _ in range(13):  # used every 59 minutes: never idle; the 13th use is past 12 hours
        now[0] += idle - 60
        statuses.append(browser.get("/console/").status_code)
    assert statuses == [200] * 12 + [302]

    log_in(browser, "/console/login", SUPERVISOR)
    now[0] += idle + 1  # left alone for longer than the idle lifetime
    assert browser.get("/console/").status_code == 302


def test_the_absolute_lifetime_is_twelve_hours_and_the_idle_one_an_hour_by_default():
    settings = Settings.from_env({"TWILIO_AUTH_TOKEN": "x", "VERO_SUPERVISOR_TOKEN": "s" * 16})
    assert (settings.session_idle_minutes, settings.session_hours) == (60, 12)
    with pytest.raises(Exception, match="VERO_SESSION_HOURS"):
        Settings.from_env(
            {
                "TWILIO_AUTH_TOKEN": "x",
                "VERO_SUPERVISOR_TOKEN": "s" * 16,
                "VERO_SESSION_HOURS": "zwölf",
            }
        )


def test_login_gives_a_new_session_id_and_redis_never_holds_it(app):
    browser = plain_client(app)
    log_in(browser, "/console/login", SUPERVISOR)
    first = cookie(browser)
    with browser.session_transaction() as session:
        first_id = session[auth.SUPERVISOR]
    log_in(browser, "/console/login", SUPERVISOR)
    with browser.session_transaction() as session:
        second_id = session[auth.SUPERVISOR]
    assert first_id != second_id
    assert replay(app, first).get("/console/").status_code == 302  # the earlier login ended
    with app.app_context():
        stored = [json.loads(services().redis.get(key)) for key in sessions_in_redis(app)]
    assert len(stored) == 1 and stored[0]["role"] == "supervisor"
    assert all(second_id not in key.decode() for key in sessions_in_redis(app))


def test_a_planted_session_id_opens_nothing(app):
    browser = plain_client(app)
    with browser.session_transaction() as session:  # a cookie signed by the app, id made up
        session[auth.SUPERVISOR] = "made-up-session-id"
        session[auth.AGENT] = "made-up-session-id"
    assert browser.get("/console/").status_code == 302
    assert browser.get("/desk/").status_code == 302


def test_a_new_supervisor_token_ends_every_console_session(app, redis_client, namespace, tmp_path):
    browser = plain_client(app)
    log_in(browser, "/console/login", SUPERVISOR)
    settings = app.extensions["vero"].settings
    rotated = create_app(
        Settings(**{**settings.__dict__, "supervisor_token": "x" * 24}),
        redis_client=redis_client,
        namespace=namespace,
    )
    assert replay(rotated, cookie(browser)).get("/console/").status_code == 302


def test_cookies_are_httponly_samesite_and_secure_behind_https(app, redis_client, namespace):
    browser = plain_client(app)
    browser.get("/console/login")
    jar = browser.get_cookie("session")
    assert jar.http_only and jar.same_site == "Lax" and not jar.secure
    settings = app.extensions["vero"].settings
    https = create_app(
        Settings(**{**settings.__dict__, "public_base_url": "https://vero.example.co.id"}),
        redis_client=redis_client,
        namespace=namespace,
    )
    reply = plain_client(https).get("/console/login?lang=en", base_url="https://vero.example.co.id")
    cookies = reply.headers.getlist("Set-Cookie")
    session = next(c for c in cookies if c.startswith("__Host-session="))
    assert all(flag in session for flag in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"))
    assert "Domain" not in session
    language = next(c for c in cookies if c.startswith("vero_lang="))
    assert "Secure" in language and "HttpOnly" in language
    assert reply.headers["Strict-Transport-Security"].startswith("max-age=")


def _unsafe_non_page_routes(app) -> list[tuple[str, str]]:
    pages = {"console", "desk", "planning", "whatif"}
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] in pages or rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"GET", "HEAD", "OPTIONS"}):
            path = rule.rule
            for argument in rule.arguments:
                path = path.replace(f"<{argument}>", "ayu")
            routes.append((method, path))
    return routes


def test_a_cookie_alone_never_authorises_an_api_write_or_a_webhook(app):
    """Every non-page route answers a request carrying the console's and the desk's cookies
    (and the CSRF token, and a forged Twilio signature) exactly as it answers the same request
    without the cookies: webhooks refuse it, the agent API asks for a bearer token."""
    token = add_agent(app)
    with_cookies = plain_client(app)
    log_in(with_cookies, "/console/login", SUPERVISOR)
    log_in(with_cookies, "/desk/login", token)
    csrf_token = page_token(with_cookies, "/console/")
    routes = _unsafe_non_page_routes(app)
    assert len(routes) > 20 and ("PUT", "/api/agents/ayu") in routes
    for method, path in routes:
        app.extensions["vero-limiter"].reset()  # the forged-webhook allowance is per minute
        body = {"state": "break", "skills": {"general": 5}, "languages": ["id"]}
        headers = {csrf.HEADER: csrf_token, "X-Twilio-Signature": FORGED_SIGNATURE}
        logged = with_cookies.open(path, method=method, json=body, headers=headers)
        anonymous = plain_client(app).open(path, method=method, json=body, headers=headers)
        assert logged.status_code == anonymous.status_code, (method, path)
        if path.startswith("/twilio/"):
            assert logged.status_code == 403, path  # forged: refused, cookie or not
        if path.startswith("/api/agents"):
            assert logged.status_code == 401, path
    with app.app_context():
        assert services().router.agent("ayu")["state"] == "offline"
        assert services().router.agent("ayu")["skills"] == {"complaints": 4, "general": 2}
