"""The agent desk: log in with the agent token, then work from one page.

The page's JavaScript talks to the JSON API (`/api/...`) with the agent's bearer token, kept in
the tab's sessionStorage by the login form; the desk login (`auth`, a server-side session that a
rotated token ends) decides which page to serve, and the page asks `/desk/session` every few
minutes, so that a login ended elsewhere (logout, new token, lifetime) stops the desk at once. A
bearer header is never sent by a cross-site form, so the API needs no CSRF token; the desk's own
forms (login, logout) carry one (`csrf`).
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for

from telephony.routing.errors import RoutingError
from telephony.services import services
from vero.web import auth
from vero.web.console.wallboard import SETTABLE_STATES
from vero.web.i18n import CATALOGUE, t

bp = Blueprint("desk", __name__, url_prefix="/desk")
bp.before_request(auth.require_agent_login)
MESSAGES_ENDPOINT = "messages.list_messages"  # chat and WhatsApp conversations, when present
# the catalogue entries desk.js shows (the customer view names languages, outcomes, case states)
SCRIPT_TEXT = ("state.", "channel.", "desk.", "lang.", "outcome.", "case.state.")


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
    return render_template(
        "console/desk.html",
        agent=agent,
        states=SETTABLE_STATES,
        timezone=services().centre.tz.key,
        messages=MESSAGES_ENDPOINT in current_app.view_functions,
        labels={k: t(k) for k in CATALOGUE if k.startswith(SCRIPT_TEXT)},
    )


@bp.get("/session")
def session_status():
    """The desk login is still alive (the guard answered 401 otherwise); asking renews it."""
    return jsonify(agent=auth.current_agent())
