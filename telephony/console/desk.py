"""The agent desk: log in with the agent token, then work from one page.

The page's JavaScript talks to the JSON API (`/api/...`) with the agent's bearer token, kept in
the tab's sessionStorage by the login form; the session cookie only decides which page to serve.
A bearer header is never sent by a cross-site form, so the API needs no CSRF token.
"""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for

from telephony.console.wallboard import SETTABLE_STATES
from telephony.routing.errors import RoutingError
from vero.i18n import CATALOGUE, t
from vero.services import services

bp = Blueprint("desk", __name__, url_prefix="/desk", template_folder="templates")
MESSAGES_ENDPOINT = "messaging.list_messages"  # chat and WhatsApp conversations, when present
# the catalogue entries desk.js shows (the customer view names languages, outcomes, case states)
SCRIPT_TEXT = ("state.", "channel.", "desk.", "lang.", "outcome.", "case.state.")


@bp.route("/login", methods=["GET", "POST"])
def login():
    wrong = False
    if request.method == "POST":
        agent_id = services().router.agent_for_token(request.form.get("token", ""))
        if agent_id:
            session["agent"] = agent_id
            return redirect(url_for("desk.desk"))
        wrong = True
    return render_template("console/login.html", wrong=wrong, title_key="login.agent",
                           remember_token=True), 401 if wrong else 200


@bp.post("/logout")
def logout():
    session.pop("agent", None)
    return redirect(url_for("desk.login"))


@bp.get("/")
def desk():
    agent_id = session.get("agent")
    if not agent_id:
        return redirect(url_for("desk.login"))
    try:
        agent = services().router.agent(agent_id)
    except RoutingError:  # the agent was removed since the login
        session.pop("agent", None)
        return redirect(url_for("desk.login"))
    return render_template("console/desk.html", agent=agent, states=SETTABLE_STATES,
                           timezone=services().centre.tz.key,
                           messages=MESSAGES_ENDPOINT in current_app.view_functions,
                           labels={k: t(k) for k in CATALOGUE if k.startswith(SCRIPT_TEXT)})
