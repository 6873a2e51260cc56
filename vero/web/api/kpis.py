"""The supervisor's `GET /api/kpis`: the rows of `vero report` (wfm/kpi_commands.py) over the
contact and case records in VERO_DATA_DIR, as JSON.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, jsonify, request

from telephony.services import services
from vero.kernel.errors import VeroError
from vero.web.auth import require_supervisor_token
from wfm.kpi_commands import report_rows

bp = Blueprint("kpis", __name__, url_prefix="/api")


@bp.get("/kpis")
def kpis():
    """`?from=YYYY-MM-DD&to=YYYY-MM-DD&period=day|week` over VERO_DATA_DIR (supervisor). A bad
    record file is left out and named in `skipped`: one broken day must not hide the others."""
    require_supervisor_token()
    svc = services()
    try:
        first = dt.date.fromisoformat(request.args.get("from", ""))
        last = dt.date.fromisoformat(request.args.get("to", request.args.get("from", "")))
    except ValueError:
        abort(400, "from, to: days as YYYY-MM-DD")
    period = request.args.get("period", "day")
    if period not in ("day", "week"):
        abort(400, "period: day or week")
    folders = [svc.settings.data_dir / name for name in ("contacts", "cases")]
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
    skipped: list[str] = []
    try:
        rows = report_rows(svc.centre, [folders[0]], [folders[1]], first, last, period, skipped)
    except VeroError as exc:
        abort(400, exc.one_line())
    return jsonify(period=period, rows=rows, skipped=skipped)
