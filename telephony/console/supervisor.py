"""Supervisor pages: login with the supervisor token, the live wallboard, the agents page,
complaint cases and the service KPIs.

The session cookie says "supervisor"; the app signs it with a key derived from the supervisor
token, so rotating the token also ends every console session. State changes are JSON POSTs that
must carry the `X-Vero-Console` header: a cross-site form cannot send it, which is the CSRF guard.
Case steps call the case store in-process, as the supervisor (the session stands in for the
bearer token the JSON API asks for).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TypeVar

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

from telephony.complaints import model
from telephony.complaints.api import Classification, Forwarding
from telephony.complaints.store import case_store
from telephony.console.cases import alert_row, case_row, timeline_row
from telephony.console.kpis import csv_text, display_row, kpi_data, kpi_range
from telephony.console.stream import live_events
from telephony.console.wallboard import SETTABLE_STATES, snapshot
from telephony.routing.api import STATUS_FOR, StateChange, is_supervisor
from telephony.routing.errors import RoutingError
from vero.bodies import Body, parse_body
from vero.errors import VeroError
from vero.services import services

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates",
               static_folder="static", static_url_path="/static")
CSRF_HEADER = "X-Vero-Console"
STREAM_SECONDS = 30  # per connection; app.config["CONSOLE_STREAM_SECONDS"] overrides it
OPEN_ENDPOINTS = ("console.login", "console.static")
# answered 401 rather than redirected to the login page: fetch() calls, not pages
API_ENDPOINTS = ("console.stream", "console.agent_state", "console.complaints_classify",
                 "console.complaints_forward")
ACTOR = "supervisor"  # as the JSON API records a supervisor's steps
B = TypeVar("B", bound=Body)


@bp.before_request
def require_login() -> Response | None:
    if request.endpoint in OPEN_ENDPOINTS or session.get("supervisor"):
        return None
    if request.endpoint in API_ENDPOINTS:
        abort(401, "log in to the console first")
    return redirect(url_for("console.login", next=request.path))


def _require_console_json(schema: type[B]) -> B:
    if request.headers.get(CSRF_HEADER) != "1" or not request.is_json:
        abort(403, f"send JSON with the {CSRF_HEADER}: 1 header")
    return parse_body(schema)


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
    return render_template("console/wallboard.html",
                           board=snapshot(services().router, case_store()))


@bp.get("/agents")
def agents():
    return render_template("console/agents.html",
                           board=snapshot(services().router, case_store()),
                           states=SETTABLE_STATES)


@bp.get("/stream")
def stream():
    router, cases = services().router, case_store()
    seconds = current_app.config.get("CONSOLE_STREAM_SECONDS", STREAM_SECONDS)
    frames = live_events(router.redis, router.keys.events(), lambda: snapshot(router, cases),
                         max_seconds=seconds)
    return Response(stream_with_context(frames), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@bp.post("/agents/<agent_id>/state")
def agent_state(agent_id: str):
    body = _require_console_json(StateChange)
    router = services().router
    try:
        router.set_agent_state(agent_id, body.state, body.reason)
    except RoutingError as exc:
        abort(404 if exc.code == "unknown" else 400, str(exc))
    return jsonify(router.agent(agent_id))


@bp.get("/complaints")
def complaints():
    """The open cases, most urgent first, and the batch alerts."""
    store, router = case_store(), services().router
    now, tz = router.clock(), router.centre.tz
    return render_template("console/complaints.html",
                           cases=[case_row(c, now, tz) for c in store.listing(open_only=True)],
                           alerts=[alert_row(a, tz) for a in store.alerts()])


@bp.get("/complaints/<ref>")
def complaints_case(ref: str):
    """One case with its timeline, and the classify and forward forms when its state allows."""
    store, router = case_store(), services().router
    try:
        case = store.get(ref)
    except RoutingError as exc:
        abort(404, str(exc))
    tz = router.centre.tz
    return render_template(
        "console/case.html", case=case, row=case_row(case, router.clock(), tz),
        timeline=[timeline_row(e, tz) for e in store.timeline(ref)],
        category=case["category"] or case["suggested_category"] or "",
        severity=case["severity"] or ("escalated" if case["urgent"] else model.UNCLASSIFIED),
        can_classify=case["state"] in model.ALLOWED["classify"],
        can_forward=case["state"] in model.ALLOWED["forward"],
        categories=model.CATEGORIES, severities=model.SEVERITIES, teams=model.TEAMS)


def _case_step(step: Callable[[], dict]) -> Response:
    """Run a case step; a refused one answers like the JSON API (404, 400 or 409)."""
    try:
        return jsonify(case=step())
    except RoutingError as exc:
        abort(STATUS_FOR.get(exc.code, 409), str(exc))


@bp.post("/complaints/<ref>/classify")
def complaints_classify(ref: str):
    body = _require_console_json(Classification)
    return _case_step(lambda: case_store().classify(ref, body.category, body.severity, ACTOR))


@bp.post("/complaints/<ref>/forward")
def complaints_forward(ref: str):
    body = _require_console_json(Forwarding)
    return _case_step(lambda: case_store().forward(ref, body.team, body.note, ACTOR))


def _kpi_request(skipped: list[str]) -> tuple[dt.date, dt.date, str, list[dict]]:
    """The range asked for and its KPI rows; VeroError for a bad range; a broken record file
    is left out and named in `skipped`."""
    router = services().router
    today = dt.datetime.fromtimestamp(router.clock(), router.centre.tz).date()
    first, last, period = kpi_range(request.args, today)
    return first, last, period, kpi_data(services(), first, last, period, skipped)


@bp.get("/kpis")
def kpis():
    """Daily or weekly KPIs per channel and queue; a bad range is said on the page."""
    skipped: list[str] = []
    try:
        first, last, period, rows = _kpi_request(skipped)
    except VeroError as exc:
        form = {name: request.args.get(name, "") for name in ("from", "to", "period")}
        return render_template("console/kpis.html", form=form, rows=[], skipped=skipped,
                               error=exc.one_line()), 400
    form = {"from": first.isoformat(), "to": last.isoformat(), "period": period}
    centre = services().centre
    return render_template("console/kpis.html", form=form, error="", skipped=skipped,
                           rows=[display_row(centre, r) for r in rows])


@bp.get("/kpis.csv")
def kpis_csv():
    try:
        first, last, period, rows = _kpi_request([])  # skipped files: logged (see kpi_commands)
    except VeroError as exc:
        abort(400, exc.one_line())
    name = f"kpis-{period}-{first}-{last}.csv"
    return Response(csv_text(rows), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
