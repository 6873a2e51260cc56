"""Supervisor pages: login with the supervisor token, the live wallboard, the agents page.

The session cookie says "supervisor"; the app signs it with a key derived from the supervisor
token, so rotating the token also ends every console session. State changes are JSON POSTs that
must carry the `X-Vero-Console` header: a cross-site form cannot send it, which is the CSRF guard.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    stream_with_context,
    url_for,
)

from telephony.console.stream import live_events
from telephony.console.wallboard import SETTABLE_STATES, snapshot
from telephony.routing.api import is_supervisor
from telephony.routing.errors import RoutingError
from vero.services import services

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates",
               static_folder="static", static_url_path="/static")
CSRF_HEADER = "X-Vero-Console"
STREAM_SECONDS = 30  # per connection; app.config["CONSOLE_STREAM_SECONDS"] overrides it
OPEN_ENDPOINTS = ("console.login", "console.static")


@bp.before_request
def require_login() -> Response | None:
    if request.endpoint in OPEN_ENDPOINTS or session.get("supervisor"):
        return None
    if request.endpoint in ("console.stream", "console.agent_state"):
        abort(401, "log in to the console first")
    return redirect(url_for("console.login", next=request.path))


def _require_console_json() -> dict:
    if request.headers.get(CSRF_HEADER) != "1" or not request.is_json:
        abort(403, f"send JSON with the {CSRF_HEADER}: 1 header")
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, "send a JSON object")
    return data


@bp.route("/login", methods=["GET", "POST"])
def login():
    wrong = False
    if request.method == "POST":
        if is_supervisor(request.form.get("token", "")):
            session["supervisor"] = True
            target = request.args.get("next", "")
            # only a path on this site: never an open redirect
            safe = target.startswith("/console") and "//" not in target and "\\" not in target
            return redirect(target if safe else url_for("console.wallboard"))
        wrong = True
    return render_template("console/login.html", wrong=wrong,
                           title_key="login.supervisor"), 401 if wrong else 200


@bp.post("/logout")
def logout():
    session.pop("supervisor", None)
    return redirect(url_for("console.login"))


@bp.get("/")
def wallboard():
    return render_template("console/wallboard.html", board=snapshot(services().router))


@bp.get("/agents")
def agents():
    return render_template("console/agents.html", board=snapshot(services().router),
                           states=SETTABLE_STATES)


@bp.get("/stream")
def stream():
    router = services().router
    seconds = current_app.config.get("CONSOLE_STREAM_SECONDS", STREAM_SECONDS)
    frames = live_events(router.redis, router.keys.events(), lambda: snapshot(router),
                         max_seconds=seconds)
    return Response(stream_with_context(frames), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@bp.post("/agents/<agent_id>/state")
def agent_state(agent_id: str):
    data = _require_console_json()
    state, reason = data.get("state"), data.get("reason", "")
    if not isinstance(reason, str) or len(reason) > 60:
        abort(400, "reason: a short text (at most 60 characters)")
    router = services().router
    try:
        router.set_agent_state(agent_id, state, reason)
    except RoutingError as exc:
        abort(404 if exc.code == "unknown" else 400, str(exc))
    return jsonify(router.agent(agent_id))
