"""The Flask app factory: services plugged in once, one blueprint per area, JSON errors."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable

import redis
from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from simulations import console as whatif_pages
from telephony import chat, customer_view, messaging
from telephony.complaints import api as complaints_api
from telephony.console import desk, supervisor
from telephony.gateway import Gateway, TwilioGateway
from telephony.ivr import voice
from telephony.routing import api as routing_api
from telephony.routing.router import RedisRouter
from vero import i18n
from vero.centre import load_centre
from vero.services import Services, services
from vero.settings import Settings
from wfm import console as planning_pages
from wfm import kpi_commands

PAGES = (supervisor.bp, desk.bp, planning_pages.bp, whatif_pages.bp)  # bilingual HTML
BLUEPRINTS = (routing_api.bp, voice.bp, messaging.bp, chat.bp, complaints_api.bp,
              customer_view.bp, kpi_commands.bp, *PAGES)
MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # history files and rosters uploaded in the console


def create_app(settings: Settings | None = None, *, redis_client: redis.Redis | None = None,
               namespace: str = "vero", clock: Callable[[], float] = time.time,
               gateway: Gateway | None = None) -> Flask:
    """Build the app. `vero serve` passes the settings; tests also pass their Redis and key
    namespace. Without a Redis URL or client there is nothing to route with: that is an error."""
    settings = settings or Settings.from_env()
    centre = load_centre(settings.centre_path)
    if redis_client is None:
        if not settings.redis_url:
            raise RuntimeError("create_app needs REDIS_URL or a client (vero serve starts one)")
        redis_client = redis.Redis.from_url(settings.redis_url)
    app = Flask(__name__)
    app.json.sort_keys = False
    app.extensions["vero"] = Services(
        settings, centre, redis_client,
        RedisRouter(redis_client, centre, namespace=namespace, clock=clock),
        gateway or TwilioGateway(settings))
    # Console sessions are signed with a key derived from the supervisor token: rotating the
    # token also ends every console session.
    app.secret_key = hmac.new(settings.supervisor_token.encode(), b"vero console session",
                              hashlib.sha256).digest()
    app.config.update(SESSION_COOKIE_SAMESITE="Lax", MAX_CONTENT_LENGTH=MAX_UPLOAD_BYTES,
                      SESSION_COOKIE_SECURE=settings.public_base_url.startswith("https://"))
    i18n.init_app(app, PAGES)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)

    @app.get("/healthz")
    def healthz():
        services().redis.ping()
        return {"status": "ok", "centre": centre.id}

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return jsonify(error=exc.description), exc.code

    return app
