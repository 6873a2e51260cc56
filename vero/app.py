"""The Flask app factory: one blueprint per area, services plugged in once, JSON errors."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass

import redis
from flask import Flask, current_app, jsonify
from werkzeug.exceptions import HTTPException

from telephony.gateway import Gateway, TwilioGateway
from telephony.routing.router import RedisRouter
from vero.centre import Centre, load_centre
from vero.settings import Settings


@dataclass
class Services:
    """What the blueprints share: reach it with `services()` inside a request."""

    settings: Settings
    centre: Centre
    redis: redis.Redis
    router: RedisRouter
    gateway: Gateway  # outbound Twilio REST (dial-out redirects, messages)


def services() -> Services:
    return current_app.extensions["vero"]


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
    app.extensions["vero"] = Services(settings, centre, redis_client,
                                      RedisRouter(redis_client, centre, namespace=namespace,
                                                  clock=clock),
                                      gateway or TwilioGateway(settings))

    from telephony.routing.api import bp as routing_api

    app.register_blueprint(routing_api)
    from telephony.chat import bp as chat
    from telephony.ivr.voice import bp as voice
    from telephony.messaging import bp as messaging

    app.register_blueprint(voice)
    app.register_blueprint(messaging)
    app.register_blueprint(chat)
    from telephony import customer_view
    from telephony.complaints.api import bp as complaints
    from wfm.kpi_commands import bp as kpis

    app.register_blueprint(complaints)
    app.register_blueprint(customer_view.bp)
    app.register_blueprint(kpis)

    from telephony.console import desk, supervisor
    from vero import i18n

    # Console sessions are signed with a key derived from the supervisor token (unless one is
    # configured): rotating the token also ends every console session.
    app.secret_key = app.secret_key or hmac.new(settings.supervisor_token.encode(),
                                                b"vero console session", hashlib.sha256).digest()
    app.config.update(SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_SECURE=settings.public_base_url.startswith("https://"))
    i18n.init_app(app)
    app.register_blueprint(supervisor.bp)
    app.register_blueprint(desk.bp)
    from simulations import console as whatif_pages
    from wfm import console as planning_pages

    app.register_blueprint(planning_pages.bp)
    app.register_blueprint(whatif_pages.bp)

    @app.get("/healthz")
    def healthz():
        services().redis.ping()
        return {"status": "ok", "centre": centre.id}

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return jsonify(error=exc.description), exc.code

    return app
