"""The one login guard of the console and the agent desk, over sessions the server can end.

The signed cookie holds one random session id per role ("supervisor", "agent") and nothing that
grants anything by itself: the login is a record in Redis (`keys.web_session`, filed under the
id's sha256). Logout deletes it; a rotated agent token deletes the agent's (the router does), and
a desk login is believed only while the token it was opened with is still the agent's; the idle
and absolute lifetimes (VERO_SESSION_IDLE_MINUTES, VERO_SESSION_HOURS) end it too. A cookie
replayed afterwards finds nothing: a page answers with the login page, a fetch() call or a stream
with 401.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time

from flask import Flask, Response, abort, g, redirect, request, session, url_for

from telephony.routing.router import token_hash
from telephony.services import services
from vero.web import csrf

SUPERVISOR, AGENT = "supervisor", "agent"
LOGIN_PAGES = {SUPERVISOR: "console.login", AGENT: "desk.login"}
OPEN_ENDPOINTS = ("console.login", "console.static", "desk.login")
TOUCH_SECONDS = 60  # `seen` is rewritten at most once a minute: polls and streams stay cheap
clock = time.time  # wall-clock time, not the router's (whose tests move it by days)


def _id_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def _lifetimes() -> tuple[int, int]:
    """(idle, absolute) session lifetimes in seconds."""
    settings = services().settings
    return settings.session_idle_minutes * 60, settings.session_hours * 3600


def open_login(role: str, agent: str | None = None, token: str = "") -> None:
    """Log the browser in as `role` with a fresh session id (never one it brought: no fixation)
    and a fresh CSRF token; an earlier login of the same role in this browser ends."""
    close_login(role)
    svc = services()
    keys, now = svc.router.keys, clock()
    idle, absolute = _lifetimes()
    session_id = secrets.token_urlsafe(32)
    record = {"role": role, "agent": agent, "token": token_hash(token) if token else "",
              "created": now, "seen": now}
    pipe = svc.redis.pipeline(transaction=False)
    pipe.set(keys.web_session(_id_hash(session_id)), json.dumps(record), ex=idle + TOUCH_SECONDS)
    if agent is not None:
        pipe.sadd(keys.agent_web_sessions(agent), _id_hash(session_id))
        pipe.expire(keys.agent_web_sessions(agent), absolute + TOUCH_SECONDS)
    pipe.execute()
    session[role] = session_id
    csrf.renew()
    g.setdefault("logins", {})[role] = record


def close_login(role: str) -> None:
    """Log `role` out of this browser: its session record is deleted, so a copy of the cookie
    made before is worth nothing."""
    g.setdefault("logins", {})[role] = None
    session_id = session.pop(role, None)
    if not isinstance(session_id, str):
        return
    svc = services()
    keys, id_hash = svc.router.keys, _id_hash(session_id)
    raw = svc.redis.getdel(keys.web_session(id_hash))
    agent = json.loads(raw).get("agent") if raw else None
    if agent:
        svc.redis.srem(keys.agent_web_sessions(agent), id_hash)


def logged_in(role: str) -> dict | None:
    """The live login record of `role` in this request (cached), or None."""
    logins = g.setdefault("logins", {})
    if role not in logins:
        logins[role] = _load(role)
    return logins[role]


def current_agent() -> str | None:
    record = logged_in(AGENT)
    return record["agent"] if record else None


def _load(role: str) -> dict | None:
    session_id = session.get(role)
    if not isinstance(session_id, str):
        return None
    svc = services()
    keys, now = svc.router.keys, clock()
    key = keys.web_session(_id_hash(session_id))
    raw = svc.redis.get(key)
    record = json.loads(raw) if raw else None
    if record is None or not _alive(record, role, now):
        close_login(role)
        return None
    if now - record["seen"] >= TOUCH_SECONDS:
        record["seen"] = now
        idle, _ = _lifetimes()
        # XX: a logout or a token rotation that deleted it meanwhile is never undone
        svc.redis.set(key, json.dumps(record), ex=idle + TOUCH_SECONDS, xx=True)
    return record


def _alive(record: dict, role: str, now: float) -> bool:
    idle, absolute = _lifetimes()
    if record.get("role") != role or now - record["created"] >= absolute \
            or now - record["seen"] >= idle:
        return False
    if role != AGENT:
        return True
    svc = services()
    owner = svc.redis.hget(svc.router.keys.agent_tokens(), record["token"])
    return owner is not None and owner.decode() == record["agent"]


def _wants_json() -> bool:
    """fetch() calls, status polls and streams are answered 401; a page (or a form posted from
    one) is sent to the login page."""
    accept = request.accept_mimetypes
    return (request.is_json or (request.endpoint or "").endswith(("_status", ".stream"))
            or accept["text/html"] < max(accept["application/json"],
                                         accept["text/event-stream"]))


def _guard(role: str) -> Response | None:
    if request.endpoint in OPEN_ENDPOINTS or logged_in(role):
        return None
    if _wants_json():
        abort(401, "log in first (your session has ended)")
    if role == SUPERVISOR:
        return redirect(url_for(LOGIN_PAGES[role], next=request.path))
    return redirect(url_for(LOGIN_PAGES[role]))


def require_supervisor() -> Response | None:
    """before_request of every supervisor page: console, planning, what-if."""
    return _guard(SUPERVISOR)


def require_agent() -> Response | None:
    """before_request of the agent desk."""
    return _guard(AGENT)


def init_app(app: Flask) -> None:
    """Templates ask `logged_in("supervisor")`; with https the cookie takes the `__Host-` prefix
    (Secure, whole site, no Domain: no subdomain can plant or read it)."""
    app.jinja_env.globals["logged_in"] = logged_in
    if app.config.get("SESSION_COOKIE_SECURE"):
        app.config["SESSION_COOKIE_NAME"] = "__Host-session"
