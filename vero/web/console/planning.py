"""The console's planning pages, one blueprint (`planning`, under /console): the Forecast page
(`forecast_page`) and the Roster page (`roster_page`), behind the console's one login guard
(`vero.web.auth`). Their runs and jobs are `runs`', their form inputs `uploads`'; the What-if page
(`whatif`) shares both."""

from __future__ import annotations

from flask import Blueprint

from vero.web import auth
from vero.web.console import (
    adherence_page,
    forecast_page,
    roster_page,
    roster_publish,
    staffing_panel,
)

bp = Blueprint("planning", __name__, url_prefix="/console")
bp.before_request(auth.require_supervisor_login)
forecast_page.add_routes(bp)
roster_page.add_routes(bp)
roster_publish.add_routes(bp)  # the published roster: adherence, the staffing panel
adherence_page.add_routes(bp)
staffing_panel.add_routes(bp)  # the wallboard's required vs scheduled vs on duty
