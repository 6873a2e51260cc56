"""The agent desk: log in with the agent token, then work from one page.

The page's JavaScript acts through the JSON API (`/api/...`) with the agent's bearer token, kept
in the tab's sessionStorage by the login form; the desk login (`auth`, a server-side session that
a rotated token ends) decides which page to serve, and the page asks `/desk/session` every few
minutes, so that a login ended elsewhere (logout, new token, lifetime) stops the desk at once. A
bearer header is never sent by a cross-site form, so the API needs no CSRF token; the desk's own
forms (login, logout) carry one (`csrf`).

What the desk shows is pushed: `/desk/stream` (server-sent events, `desk_feed`), with
`/desk/snapshot` for the page's fallback while the stream is down. The voicemail player plays
`/desk/tasks/<id>/recording` (vero/web/api/recording_media.py: Vero fetches it from Twilio). The
softphone's script is Twilio's Voice SDK as `make setup` installed it (npm, `node_modules/`),
served from here so that the page's CSP keeps to script-src 'self'; without it the desk says it
has no softphone.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)

from telephony.routing.errors import RoutingError
from telephony.services import services
from vero.web import auth
from vero.web.api.recording_media import recording_reply
from vero.web.console.desk_feed import desk_hub, desk_snapshot, with_messages
from vero.web.console.wallboard import SETTABLE_STATES, queue_label
from vero.web.i18n import here, t
from vero.web.stream import StreamsFull, event_stream, streams_full

bp = Blueprint("desk", __name__, url_prefix="/desk")
bp.before_request(auth.require_agent_login)
# the catalogue entries desk.js shows (the customer view names languages, outcomes, case states)
SCRIPT_TEXT = ("state.", "channel.", "desk.", "lang.", "outcome.", "case.state.")
STREAM_SECONDS = 30  # per connection; app.config["CONSOLE_STREAM_SECONDS"] overrides it
# Twilio's Voice JavaScript SDK, installed by `make setup` (npm ci) beside the package
VOICE_SDK = (
    Path(__file__).resolve().parents[3] / "node_modules/@twilio/voice-sdk/dist/twilio.min.js"
)


@bp.route("/login", methods=["GET", "POST"])
def login():
    wrong = False
    if request.method == "POST":
        if auth.log_in_with_token(auth.AGENT, request.form.get("token", "")):
            return redirect(url_for("desk.desk"))
        wrong = True
    return render_template(
        "console/login.html", wrong=wrong, title_key="login.agent", remember_token=True
    ), 401 if wrong else 200


@bp.post("/logout")
def logout():
    auth.close_login(auth.AGENT)
    return redirect(url_for("desk.login"))


@bp.get("/")
def desk():
    agent_id = auth.current_agent()
    try:
        agent = services().router.agent(agent_id)
    except RoutingError:  # the agent was removed since the login
        auth.close_login(auth.AGENT)
        return redirect(url_for("desk.login"))
    centre = services().centre
    return render_template(
        "console/desk.html",
        agent=agent,
        queues=[(queue, queue_label(centre, queue)) for queue in centre.queues],
        # queues whose calls the agent records on demand (the centre's `recording` per queue)
        record_queues=[
            queue
            for queue, spec in centre.queues.items()
            if getattr(spec, "recording", "off") == "on_demand"
        ],
        states=SETTABLE_STATES,
        timezone=centre.tz.key,
        messages=with_messages(current_app),
        sdk=VOICE_SDK.is_file(),
        softphone=services().settings.softphone,
        labels={k: t(k) for k in here().keys(SCRIPT_TEXT)},
    )


@bp.get("/snapshot")
def snapshot():
    """What the stream pushes, once: the page's fallback while the stream is down."""
    agent_id = auth.current_agent() or ""
    return jsonify(desk_snapshot(services(), agent_id, with_messages(current_app)))


@bp.get("/stream")
def stream():
    """The agent's snapshot whenever it changes (server-sent events), for a bounded time."""
    seconds = current_app.config.get("CONSOLE_STREAM_SECONDS", STREAM_SECONDS)
    try:
        frames = desk_hub().stream(auth.current_agent() or "", seconds)
    except StreamsFull:  # the desk polls slowly meanwhile and comes back later
        return streams_full()
    return event_stream(stream_with_context(_while_logged_in(frames)))


def _while_logged_in(frames: Generator[str, None, None]) -> Generator[str, None, None]:
    """The frames while the desk login lives: a logout elsewhere or a rotated token ends the
    stream within a push (the hub sends at least a comment each second), and the reconnect is
    answered 401, which stops the desk."""
    try:
        for frame in frames:
            g.pop("logins", None)  # ask again, not this request's first answer
            if auth.current_agent() is None:
                return
            yield frame
    finally:
        frames.close()


@bp.get("/tasks/<task_id>/recording")
def task_recording(task_id: str):
    """The recording of one of the agent's tasks, for the desk's player: an <audio> element
    sends the desk login's cookie, never a bearer header (the API's route takes that)."""
    task = services().router.task(task_id)
    if task.get("agent") != auth.current_agent():
        abort(403, "this task is not yours")
    return recording_reply(task)


@bp.get("/voice-sdk.js")
def voice_sdk():
    if not VOICE_SDK.is_file():
        abort(404, "Twilio's Voice SDK is not installed (make setup runs npm ci)")
    return send_file(VOICE_SDK, mimetype="text/javascript", max_age=3600)


@bp.get("/session")
def session_status():
    """The desk login is still alive (the guard answered 401 otherwise); asking renews it."""
    return jsonify(agent=auth.current_agent())
