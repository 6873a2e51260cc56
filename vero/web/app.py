"""The Flask app factory: services plugged in once, one blueprint per area, one error map
(vero.web.errors)."""

from __future__ import annotations

import gc
import hashlib
import hmac
import time
from collections.abc import Callable
from typing import cast

import redis
from flask import Flask, Request, jsonify, redirect, url_for
from flask.json.provider import DefaultJSONProvider
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer

from telephony import messaging
from telephony.gateway import Messenger, TwilioGateway
from telephony.ivr import voice
from telephony.outbound_policy import OutboundPolicy, PolicedGateway
from telephony.routing.dispatcher import HEARTBEAT_FRESH_SECONDS, live_dispatchers
from telephony.routing.router import RedisRouter
from telephony.services import Services, services
from vero.kernel import redis_client as redis_connection
from vero.kernel.centre import load_centre
from vero.kernel.settings import Settings
from vero.web import auth, csrf, errors, headers, i18n, limits, logs, metrics, openapi
from vero.web.api import accounts as accounts_api
from vero.web.api import call_control as call_control_api
from vero.web.api import chat, customer_auth, customer_view, kpis, messages, voice_token
from vero.web.api import complaints as complaints_api
from vero.web.api import outbound as outbound_api
from vero.web.api import recording_media as recording_media_api
from vero.web.api import routing as routing_api
from vero.web.console import desk, supervisor
from vero.web.console import planning as planning_pages
from vero.web.console import whatif as whatif_pages

PAGES = (supervisor.bp, desk.bp, planning_pages.bp, whatif_pages.bp)  # bilingual HTML
BLUEPRINTS = (
    routing_api.bp,
    call_control_api.bp,
    voice.bp,
    messaging.bp,
    messages.bp,
    chat.bp,
    complaints_api.bp,
    outbound_api.bp,
    customer_view.bp,
    recording_media_api.bp,
    kpis.bp,
    customer_auth.bp,
    accounts_api.bp,
    openapi.bp,
    voice_token.bp,
    *PAGES,
)
MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # history files and rosters uploaded in the console


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, cheaper for the many requests that are webhooks: the signer
    is built once (Flask builds it for every request, though the secret key is set once, below),
    and a request without cookies gets its new empty session without parsing for one."""

    def __init__(self) -> None:
        self._serializer: URLSafeTimedSerializer | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        if self._serializer is None:
            self._serializer = super().get_signing_serializer(app)
        return self._serializer

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if "HTTP_COOKIE" not in request.environ:  # a webhook: no cookie, so a new empty session
            return self.session_class()
        return super().open_session(app, request)


def create_app(
    settings: Settings | None = None,
    *,
    redis_client: redis.Redis | None = None,
    namespace: str = "vero",
    clock: Callable[[], float] = time.time,
    gateway: Messenger | None = None,
) -> Flask:
    """Build the app. `vero serve` passes the settings; tests also pass their Redis and key
    namespace. Without a Redis URL or client there is nothing to route with: that is an error."""
    settings = settings or Settings.from_env()
    centre = load_centre(settings.centre_path)
    if redis_client is None:
        if not settings.redis_url:
            raise RuntimeError("create_app needs REDIS_URL or a client (vero serve starts one)")
        # a RedisCluster client answers every command the router and the pages send
        redis_client = cast(redis.Redis, redis_connection.connect(settings.redis_url))
    app = Flask(__name__)
    cast(DefaultJSONProvider, app.json).sort_keys = False  # keys in the order the code builds
    router = RedisRouter(redis_client, centre, namespace=namespace, clock=clock)
    outbound = OutboundPolicy(
        redis_client, router.keys, centre.tz, settings.outbound_daily_cap, clock
    )
    app.extensions["vero"] = Services(
        settings,
        centre,
        redis_client,
        router,
        PolicedGateway(gateway or TwilioGateway(settings), outbound),
    )
    # Console sessions are signed with a key derived from the supervisor token: rotating the
    # token also ends every console session.
    app.secret_key = hmac.new(
        settings.supervisor_token.encode(), b"vero console session", hashlib.sha256
    ).digest()
    app.session_interface = CookieSessions()
    app.config.update(
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=MAX_UPLOAD_BYTES,
        SESSION_COOKIE_SECURE=settings.public_base_url.startswith("https://"),
    )
    auth.init_app(app)
    csrf.init_app(app, PAGES)
    headers.init_app(app, https=settings.public_base_url.startswith("https://"))
    i18n.init_app(app, PAGES)
    logs.init_app(app)
    metrics.init_app(app, router, settings.supervisor_token)
    errors.init_app(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    limits.init_app(app, redis_client, router.keys.rate_limits())

    @app.get("/")
    def home():
        """A newcomer types the bare address: the wallboard for a supervisor, else the login."""
        to = "console.wallboard" if auth.logged_in(auth.SUPERVISOR) else "console.login"
        return redirect(url_for(to))

    @app.get("/healthz")
    def healthz():
        services().redis.ping()
        return {"status": "ok", "centre": centre.id}

    @app.get("/readyz")
    def readyz():
        """Ready for traffic: Redis answers and a dispatcher (timers, ringing agents) is alive."""
        try:
            alive = live_dispatchers(services().redis, services().router.keys, time.time())
        except redis.RedisError as exc:
            return jsonify(error=f"redis unreachable: {exc}"), 503
        if not alive:
            return jsonify(
                error=f"no dispatcher heartbeat in the last "
                f"{HEARTBEAT_FRESH_SECONDS:g} s (run vero dispatch)"
            ), 503
        return {"status": "ready", "dispatchers": len(alive)}

    return app


def server_app() -> Flask:
    """The app of a long-running server process (`gunicorn 'vero.web.app:server_app()'`), settings
    from the environment. Everything alive once it is built (the app, the centre, the libraries
    of the planning pages: some 200,000 objects) lives as long as the process, so it is frozen
    out of the cyclic garbage collector's sight: otherwise each full collection walks all of it,
    stalling the worker's requests for 0.1-1 s, and the first comes soon after the start."""
    app = create_app()
    gc.freeze()
    return app
