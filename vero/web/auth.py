"""Every authentication decision of the web layer: who is calling, and may they do this.

Two kinds of caller, one module:
- the JSON API's bearer tokens (`Authorization: Bearer <token>`, parsed by `bearer_token` alone):
  the supervisor token (VERO_SUPERVISOR_TOKEN), an agent's token (an agent acts only on itself
  and its own offers and tasks), and a website customer's token (issued after an account login
  or a one-time code, kept in Redis as its SHA-256 for CUSTOMER_SESSION_SECONDS);
- the console's and the desk's logins, one guard over sessions the server can end:

The signed cookie holds one random session id per role ("supervisor", "agent") and nothing that
grants anything by itself: the login is a record in Redis (`keys.web_session`, filed under the
id's sha256). Logout deletes it; a rotated agent token deletes the agent's (the router does), and
a desk login is believed only while the token it was opened with is still the agent's; the idle
and absolute lifetimes (VERO_SESSION_IDLE_MINUTES, VERO_SESSION_HOURS) end it too. A cookie
replayed afterwards finds nothing: a page answers with the login page, a fetch() call or a stream
with 401.
"""

from __future__ import annotations

import hmac
import json
import secrets
import time
from typing import cast

from flask import Flask, abort, g, redirect, request, session, url_for
from flask.typing import ResponseReturnValue

from telephony.routing.errors import RoutingError
from telephony.routing.router import token_hash
from telephony.services import services
from vero.web import csrf

SUPERVISOR, AGENT = "supervisor", "agent"
CUSTOMER_SESSION_SECONDS = 30 * 60
LOGIN_PAGES = {SUPERVISOR: "console.login", AGENT: "desk.login"}
OPEN_ENDPOINTS = ("console.login", "console.static", "desk.login")
TOUCH_SECONDS = 60  # `seen` is rewritten at most once a minute: polls and streams stay cheap
clock = time.time  # wall-clock time, not the router's (whose tests move it by days)


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
    record = {
        "role": role,
        "agent": agent,
        "token": token_hash(token) if token else "",
        "created": now,
        "seen": now,
    }
    pipe = svc.redis.pipeline(transaction=False)
    pipe.set(keys.web_session(token_hash(session_id)), json.dumps(record), ex=idle + TOUCH_SECONDS)
    if agent is not None:
        pipe.sadd(keys.agent_web_sessions(agent), token_hash(session_id))
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
    keys, id_hash = svc.router.keys, token_hash(session_id)
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
    key = keys.web_session(token_hash(session_id))
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
    if (
        record.get("role") != role
        or now - record["created"] >= absolute
        or now - record["seen"] >= idle
    ):
        return False
    if role != AGENT:
        return True
    svc = services()
    owner = cast("bytes | None", svc.redis.hget(svc.router.keys.agent_tokens(), record["token"]))
    return owner is not None and owner.decode() == record["agent"]


def _wants_json() -> bool:
    """fetch() calls, status polls and streams are answered 401; a page (or a form posted from
    one) is sent to the login page."""
    accept = request.accept_mimetypes
    return (
        request.is_json
        or (request.endpoint or "").endswith(("_status", ".stream"))
        or accept["text/html"] < max(accept["application/json"], accept["text/event-stream"])
    )


def _guard(role: str) -> ResponseReturnValue | None:
    if request.endpoint in OPEN_ENDPOINTS or logged_in(role):
        return None
    if _wants_json():
        abort(401, "log in first (your session has ended)")
    if role == SUPERVISOR:
        return redirect(url_for(LOGIN_PAGES[role], next=request.path))
    return redirect(url_for(LOGIN_PAGES[role]))


def log_in_with_token(role: str, token: str) -> bool:
    """The login form's check: the supervisor token opens a console login, an agent's token a
    desk login (believed while the token stays the agent's). False for any other token."""
    if role == SUPERVISOR:
        if not is_supervisor_token(token):
            return False
        open_login(SUPERVISOR)
        return True
    agent_id = services().router.agent_for_token(token)
    if not agent_id:
        return False
    open_login(AGENT, agent=agent_id, token=token)
    return True


def require_supervisor_login() -> ResponseReturnValue | None:
    """before_request of every supervisor page: console, planning, what-if."""
    return _guard(SUPERVISOR)


def require_agent_login() -> ResponseReturnValue | None:
    """before_request of the agent desk."""
    return _guard(AGENT)


# --- bearer tokens: the JSON API's agents and supervisors ---------------------------------------


def bearer_token() -> str | None:
    """The token of the request's `Authorization: Bearer <token>` header; None without one."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    return header.removeprefix("Bearer ").strip()


def _required_bearer() -> str:
    token = bearer_token()
    if token is None:
        abort(401, "send 'Authorization: Bearer <token>'")
    return token


def _same_token(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def bearer_is(expected: str) -> bool:
    """Whether the request's bearer token is `expected` (constant time; never an empty one)."""
    given = bearer_token()
    if not given:
        return False
    return _same_token(given, expected)


def is_supervisor_token(token: str) -> bool:
    """Whether `token` is the supervisor token (compared in constant time)."""
    return _same_token(token, services().settings.supervisor_token)


def require_supervisor_token() -> None:
    """401 without a bearer token, 403 unless it is the supervisor's."""
    if not is_supervisor_token(_required_bearer()):
        abort(403, "this needs the supervisor token")


def require_agent_or_supervisor(agent_id: str | None) -> str | None:
    """The calling agent's id (None for a supervisor); 403 unless it may act for `agent_id`."""
    token = _required_bearer()
    if is_supervisor_token(token):
        return None
    caller = services().router.agent_for_token(token)
    if caller is None:
        abort(401, "unknown token")
    if agent_id is not None and caller != agent_id:
        abort(403, "an agent may only act on itself")
    return caller


def own_offer(offer_id: str) -> None:
    """A supervisor, or the agent the offer went to; 404 for an offer of an unknown task."""
    caller = require_agent_or_supervisor(None)
    if caller is None:
        return
    try:
        task = services().router.task(offer_id.rsplit(".", 1)[0])
    except RoutingError:
        abort(404, f"no offer {offer_id}")
    if task.get("agent") != caller:
        abort(403, "this offer is not yours")


def own_task(task_id: str) -> dict:
    """The task, for a supervisor or the agent who has it (403 for another agent); an unknown
    task is the router's RoutingError (404 through vero.web.errors)."""
    caller = require_agent_or_supervisor(None)
    task = services().router.task(task_id)
    if caller is not None and task.get("agent") != caller:
        abort(403, "this task is not yours")
    return task


# --- bearer tokens: website customers --------------------------------------------------------


def open_customer_session(proof: dict[str, str]) -> dict[str, object]:
    """A new random customer token for what the customer proved (account or phone); Redis keeps
    only its SHA-256. The reply's token and lifetime."""
    token = secrets.token_urlsafe(32)
    svc = services()
    svc.redis.set(
        svc.router.keys.customer_session(token_hash(token)),
        json.dumps(proof),
        ex=CUSTOMER_SESSION_SECONDS,
    )
    return {"token": token, "expires_in": CUSTOMER_SESSION_SECONDS}


def close_customer_session() -> None:
    """Logout: the request's customer token (if any) is worth nothing afterwards."""
    token = bearer_token()
    if token:
        svc = services()
        svc.redis.delete(svc.router.keys.customer_session(token_hash(token)))


def current_customer() -> dict[str, str]:
    """What the request's customer token proves: {'kind': 'account', 'account', 'phone',
    'email'} or {'kind': 'phone', 'phone'}; 401 without a valid token."""
    token = bearer_token()
    svc = services()
    raw = svc.redis.get(svc.router.keys.customer_session(token_hash(token))) if token else None
    if raw is None:
        abort(
            401,
            "log in with your account, or verify your phone number with a one-time code "
            "(POST /api/public/code), then send 'Authorization: Bearer <token>'",
        )
    return json.loads(raw)


def init_app(app: Flask) -> None:
    """Templates ask `logged_in("supervisor")`; with https the cookie takes the `__Host-` prefix
    (Secure, whole site, no Domain: no subdomain can plant or read it)."""
    app.jinja_env.globals["logged_in"] = logged_in
    if app.config.get("SESSION_COOKIE_SECURE"):
        app.config["SESSION_COOKIE_NAME"] = "__Host-session"
