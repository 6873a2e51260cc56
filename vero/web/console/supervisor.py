"""Supervisor pages: login with the supervisor token, the live wallboard, the agents page,
complaint cases and the service KPIs (and, from `accounts_page`, the customer accounts).

The login guard and its server-side sessions are `auth`'s (shared with the planning and what-if
pages); every state change is checked by `csrf` (Origin and token) before it gets here. State
changes from the pages' scripts are JSON POSTs. Case steps call the case store in-process, as the
supervisor (the session stands in for the bearer token the JSON API asks for); a refused step or
an unknown case or agent is answered like the JSON API, by `vero.web.errors`.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from typing import TypeVar

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from telephony.complaints import model
from telephony.complaints.store import case_store
from telephony.ivr import call_control
from telephony.services import services
from vero.kernel.bodies import Body, parse_body
from vero.kernel.errors import VeroError
from vero.web import auth
from vero.web.api.call_control import Monitor
from vero.web.api.complaints import Classification, Forwarding
from vero.web.api.outbound import CaseCall, call_for_case
from vero.web.api.routing import StateChange
from vero.web.console import accounts_page
from vero.web.console.agents_board import skill_options
from vero.web.console.cases import alert_row, case_row, timeline_row
from vero.web.console.kpis import (
    adherence_data,
    csv_text,
    display_adherence,
    display_row,
    kpi_data,
    kpi_range,
)
from vero.web.console.wallboard import SETTABLE_STATES, snapshot
from vero.web.i18n import current_language
from vero.web.stream import StreamHub, StreamsFull, event_stream, stream_limit, streams_full
from wfm.adherence_report import COLUMNS as ADHERENCE_COLUMNS

bp = Blueprint(
    "console", __name__, url_prefix="/console", static_folder="../static", static_url_path="/static"
)
STREAM_SECONDS = 30  # per connection; app.config["CONSOLE_STREAM_SECONDS"] overrides it
_hub_lock = threading.Lock()
ACTOR = "supervisor"  # as the JSON API records a supervisor's steps
bp.before_request(auth.require_supervisor_login)
accounts_page.add_routes(bp)  # the customer accounts page
B = TypeVar("B", bound=Body)


def _console_json(schema: type[B]) -> B:
    """The JSON body of a page's fetch() call (CSRF and Origin are checked for every request by
    vero.web.csrf), validated by `schema`."""
    if not request.is_json:
        abort(415, "send JSON (Content-Type: application/json)")
    return parse_body(schema)


@bp.route("/login", methods=["GET", "POST"])
def login():
    wrong = False
    if request.method == "POST":
        if auth.log_in_with_token(auth.SUPERVISOR, request.form.get("token", "")):
            target = request.args.get("next", "")
            # only a path on this site: never an open redirect
            safe = target.startswith("/console") and "//" not in target and "\\" not in target
            return redirect(target if safe else url_for("console.wallboard"))
        wrong = True
    return render_template(
        "console/login.html", wrong=wrong, title_key="login.supervisor"
    ), 401 if wrong else 200


@bp.post("/logout")
def logout():
    auth.close_login(auth.SUPERVISOR)
    return redirect(url_for("console.login"))


@bp.get("/")
def wallboard():
    return render_template(
        "console/wallboard.html", board=snapshot(services().router, case_store())
    )


@bp.get("/agents")
def agents():
    """The agents page; `?group=` and `?skill=` are its filters (the page's script keeps them in
    the address, so that they survive the reload a new agent causes)."""
    centre = services().centre
    return render_template(
        "console/agents.html",
        board=snapshot(services().router, case_store()),
        states=SETTABLE_STATES,
        groups=list(centre.staffing_groups),
        skills=skill_options(centre),
        group=request.args.get("group", ""),
        skill=request.args.get("skill", ""),
    )


def stream_hub() -> StreamHub:
    """The app's one hub in this process, made by the first viewer (after a server forks)."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    with _hub_lock:
        hub = app.extensions.get("vero-streams")
        if hub is None:
            router, cases = services().router, case_store()

            def build(language: str) -> dict:
                with app.test_request_context():
                    g.lang = language
                    return snapshot(router, cases)

            # app.config["CONSOLE_STREAM_LIMIT"] (tests) or VERO_STREAM_LIMIT
            limit = app.config.get("CONSOLE_STREAM_LIMIT") or stream_limit(os.environ)
            hub = app.extensions["vero-streams"] = StreamHub(
                router.redis, router.keys.events(), build, limit=limit
            )
    return hub


@bp.get("/stream")
def stream():
    seconds = current_app.config.get("CONSOLE_STREAM_SECONDS", STREAM_SECONDS)
    try:
        return event_stream(stream_hub().stream(current_language(), seconds))
    except StreamsFull:  # the threads stay free for webhooks; the browser comes back later
        return streams_full()


@bp.post("/agents/<agent_id>/state")
def agent_state(agent_id: str):
    body = _console_json(StateChange)
    router = services().router
    router.set_agent_state(agent_id, body.state, body.reason)  # unknown agent: 404 (errors)
    return jsonify(router.agent(agent_id))


@bp.post("/tasks/<task_id>/monitor")
def monitor_call(task_id: str):
    """The agents page's Monitor / Whisper / Barge: the supervisor dialled in from `to`."""
    body = _console_json(Monitor)
    svc = services()
    call_control.monitor(svc, svc.router.task(task_id), body.mode, body.to)
    return jsonify(status="queued"), 202


@bp.get("/complaints")
def complaints():
    """The open cases, most urgent first, and the batch alerts."""
    store, router = case_store(), services().router
    now, tz = router.clock(), router.centre.tz
    return render_template(
        "console/complaints.html",
        cases=[case_row(c, now, tz) for c in store.listing(open_only=True)],
        alerts=[alert_row(a, tz) for a in store.alerts()],
    )


@bp.get("/complaints/<ref>")
def complaints_case(ref: str):
    """One case with its timeline, and the classify and forward forms when its state allows."""
    store, router = case_store(), services().router
    case = store.get(ref)  # an unknown case: 404 (vero.web.errors)
    tz = router.centre.tz
    return render_template(
        "console/case.html",
        case=case,
        row=case_row(case, router.clock(), tz),
        timeline=[timeline_row(e, tz) for e in store.timeline(ref)],
        category=case["category"] or case["suggested_category"] or "",
        severity=case["severity"] or ("escalated" if case["urgent"] else model.UNCLASSIFIED),
        can_classify=case["state"] in model.ALLOWED["classify"],
        can_forward=case["state"] in model.ALLOWED["forward"],
        can_call=bool(case["customer"].get("phone")),
        callers=[
            a["id"] for a in router.agents() if a["contact"] and a["shown_state"] == "available"
        ],
        categories=model.CATEGORIES,
        severities=model.SEVERITIES,
        teams=model.TEAMS,
    )


@bp.post("/complaints/<ref>/classify")
def complaints_classify(ref: str):
    body = _console_json(Classification)
    return jsonify(case=case_store().classify(ref, body.category, body.severity, ACTOR))


@bp.post("/complaints/<ref>/forward")
def complaints_forward(ref: str):
    body = _console_json(Forwarding)
    return jsonify(case=case_store().forward(ref, body.team, body.note, ACTOR))


@bp.post("/complaints/<ref>/call")
def complaints_call(ref: str):
    """ "Call customer": the chosen agent's click-to-call of the case's customer."""
    body = _console_json(CaseCall)
    return jsonify(status="queued", task=call_for_case(body.agent, ref)), 202


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
        return render_template(
            "console/kpis.html",
            form=form,
            rows=[],
            adherence=[],
            skipped=skipped,
            error=exc.one_line(),
        ), 400
    form = {"from": first.isoformat(), "to": last.isoformat(), "period": period}
    centre = services().centre
    return render_template(
        "console/kpis.html",
        form=form,
        error="",
        skipped=skipped,
        rows=[display_row(centre, r) for r in rows],
        adherence=[display_adherence(r) for r in adherence_data(services(), first, last)],
    )


@bp.get("/kpis-adherence.csv")
def kpis_adherence_csv():
    """The KPI page's daily adherence rows, as `vero report` writes <out>-adherence.csv."""
    router = services().router
    today = dt.datetime.fromtimestamp(router.clock(), router.centre.tz).date()
    try:
        first, last, _ = kpi_range(request.args, today)
    except VeroError as exc:
        abort(400, exc.one_line())
    return Response(
        csv_text(adherence_data(services(), first, last), ADHERENCE_COLUMNS),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="adherence-{first}-{last}.csv"'},
    )


@bp.get("/kpis.csv")
def kpis_csv():
    try:
        first, last, period, rows = _kpi_request([])  # skipped files: logged (see kpi_commands)
    except VeroError as exc:
        abort(400, exc.one_line())
    name = f"kpis-{period}-{first}-{last}.csv"
    return Response(
        csv_text(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
