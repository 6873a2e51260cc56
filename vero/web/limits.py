"""Rate limits on every entry point, kept in Vero's Redis so they hold across web workers.

Flask-Limiter (storage: the app's own Redis connection pool, counters under the centre's
`Keys.rate_limits()` prefix, so they live in the centre's hash slot and expire with their window)
applies, per client IP:

- `public`: each anonymous route (open a chat, the complaint form, codes, customer login);
- `api`: each token-checked route, per IP and token (a generous ceiling: agents' desks poll);
- `bad_credentials`: wrong bearer tokens, wrong console/desk/customer logins and wrong chat
  tokens, counted together for the IP; once spent, that IP's credential checks answer 429 (the
  right token from another address still works);
- `twilio`: each signed webhook, generous (Twilio bursts), and `forged`: webhooks refused for
  their signature, all together per IP.

Limits per phone, account or chat (codes sent, cases filed, chat messages) are spent by the views
themselves through `spend`. Every refusal is a 429 `{"error": ...}` with Retry-After (valid TwiML
for a Twilio webhook). Each limit can be changed with VERO_RATE_LIMIT_<NAME>.
"""

from __future__ import annotations

import hashlib
import math
import time

import redis
from flask import Flask, Response, current_app, jsonify, request
from flask_limiter import ApplicationLimit, Limit, Limiter, RateLimitExceeded
from limits import parse_many
from redis.cluster import RedisCluster
from twilio.twiml.messaging_response import MessagingResponse
from werkzeug.exceptions import TooManyRequests

from vero.kernel.settings import Settings, SettingsError
from vero.web.auth import bearer_token

DEFAULTS = {
    "public": "20/minute;300/hour",  # per IP, per anonymous route
    "api": "1200/minute",  # per IP, per token-checked route
    "bad_credentials": "20/minute;100/hour",  # per IP, wrong tokens and logins together
    "twilio": "6000/minute",  # per IP, per webhook: Twilio's bursts pass
    "forged": "30/minute",  # per IP, webhooks refused for their signature, together
    "otp_phone": "3/15minutes;10/day",  # one-time codes sent to one phone
    "otp_ip": "5/15minutes;20/day",  # one-time codes asked for from one address
    "otp_total": "300/hour",  # one-time codes sent in all (against SMS-pumping fraud)
    "otp_verify": "10/15minutes",  # codes tried for one phone (each code has 5 attempts too)
    "complaint_customer": "5/hour;20/day",  # cases filed by one phone or account
    "customer_login": "10/15minutes",  # logins tried for one account name (lockout after 5)
    "chat_visitor": "60/minute",  # requests on one chat by its visitor
}
# what the identity of a limit spent by a view is, for its 429 message
SUBJECT = {
    "otp_phone": "phone",
    "otp_ip": "address",
    "otp_total": "service",
    "otp_verify": "phone",
    "complaint_customer": "customer",
    "customer_login": "account",
    "chat_visitor": "chat",
}
PUBLIC_ENDPOINTS = frozenset(
    {
        "chat.open_chat",
        "complaints.file_complaint",
        "customer_auth.request_code",
        "customer_auth.verify_code",
        "customer_auth.login",
        "customer_auth.logout",
    }
)
LOGIN_ENDPOINTS = frozenset({"console.login", "desk.login"})
VISITOR_PREFIX = "chat.visitor_"  # the chat visitor's own routes (their chat token)
REFUSED = (401, 403)


def client_ip() -> str:
    """The caller's address; behind a trusted proxy, the first X-Forwarded-For hop."""
    settings: Settings = current_app.extensions["vero"].settings
    if settings.trust_proxy:
        forwarded = request.headers.get("X-Forwarded-For", "").split(",")[0].strip()
        if forwarded:
            return forwarded
    return request.remote_addr or "unknown"


def client_and_token() -> str:
    """The caller's address and a digest of its bearer token: each agent behind one office
    address has its own allowance (wrong tokens are held back by `bad_credentials`)."""
    token = bearer_token() or ""
    return f"{client_ip()}|{hashlib.sha256(token.encode()).hexdigest()[:16]}"


def _endpoint() -> str:
    return request.endpoint or ""


def _is_twilio() -> bool:
    return request.path.startswith("/twilio/")


def _is_public() -> bool:
    return _endpoint() in PUBLIC_ENDPOINTS


def _checks_credentials() -> bool:
    """Routes that check a bearer token, a login or a chat token."""
    endpoint = _endpoint()
    return (
        endpoint in LOGIN_ENDPOINTS
        or endpoint.startswith(VISITOR_PREFIX)
        or (request.path.startswith("/api/") and endpoint not in PUBLIC_ENDPOINTS)
    )


def _refused(response: Response) -> bool:
    """A credential was wrong: 401/403, or 404 for a chat token (which never says 'exists')."""
    if response.status_code in REFUSED:
        return True
    return response.status_code == 404 and _endpoint().startswith(VISITOR_PREFIX)


def rates(settings: Settings) -> dict[str, str]:
    """The limits in force: the defaults with the settings' overrides; an unknown name is a
    settings error (one line at start)."""
    unknown = sorted(set(settings.rate_limits) - set(DEFAULTS))
    if unknown:
        raise SettingsError(
            [
                f"VERO_RATE_LIMIT_{name.upper()}: no such limit; known: "
                f"{', '.join(n.upper() for n in DEFAULTS)}"
                for name in unknown
            ]
        )
    return {**DEFAULTS, **settings.rate_limits}


def _storage(client: redis.Redis | RedisCluster, prefix: str) -> dict:
    """Limiter storage on Vero's own Redis: its connection pool, or for a Redis Cluster the
    cluster's primaries (the limits library builds its own cluster client). Every counter key
    starts with `prefix`, whose hash tag puts it in the centre's slot."""
    if isinstance(client, RedisCluster):
        nodes = ",".join(f"{node.host}:{node.port}" for node in client.get_primaries())
        return {
            "storage_uri": f"redis+cluster://{nodes}",
            "storage_options": {"key_prefix": prefix},
        }
    return {
        "storage_uri": "redis://",  # the connection pool is used, not this URI
        "storage_options": {"connection_pool": client.connection_pool, "key_prefix": prefix},
    }


def init_app(app: Flask, client: redis.Redis | RedisCluster, prefix: str) -> Limiter:
    """Plug the limits into `app` (after its blueprints are registered)."""
    rate = rates(app.extensions["vero"].settings)
    limiter = Limiter(
        client_ip,
        app=app,
        **_storage(client, prefix),
        strategy="sliding-window-counter",
        default_limits=[
            Limit(rate["public"], exempt_when=lambda: not _is_public()),
            Limit(
                rate["api"],
                key_function=client_and_token,
                exempt_when=lambda: _is_public() or _is_twilio() or not _checks_credentials(),
            ),
            Limit(rate["twilio"], exempt_when=lambda: not _is_twilio()),
        ],
        application_limits=[
            ApplicationLimit(
                rate["bad_credentials"],
                scope="bad-credentials",
                exempt_when=lambda: not _checks_credentials(),
                deduct_when=_refused,
            ),
            ApplicationLimit(
                rate["forged"],
                scope="forged",
                exempt_when=lambda: not _is_twilio(),
                deduct_when=lambda response: response.status_code == 403,
            ),
        ],
    )
    app.extensions["vero-limiter"] = limiter
    app.extensions["vero-rates"] = rate
    app.register_error_handler(429, too_many_requests)
    return limiter


def spend(name: str, *identity: str) -> None:
    """Count one request against the limit `name` for `identity` (a phone, an account, a chat);
    429 once it is spent."""
    limiter: Limiter = current_app.extensions["vero-limiter"]
    for item in parse_many(current_app.extensions["vero-rates"][name]):
        if not limiter.limiter.hit(item, name, *identity):
            reset, _ = limiter.limiter.get_window_stats(item, name, *identity)
            raise TooManyRequests(
                f"too many requests: {item} for this {SUBJECT[name]}",
                retry_after=max(1, math.ceil(reset - time.time())),
            )


def _retry_after(exc: TooManyRequests) -> int:
    if isinstance(exc, RateLimitExceeded):
        current = current_app.extensions["vero-limiter"].current_limit
        if current is not None:
            return max(1, math.ceil(current.reset_at - time.time()))
        return exc.limit.limit.get_expiry()
    for name, value in exc.get_headers():
        if name == "Retry-After":
            return int(value)
    return 60


def too_many_requests(exc: TooManyRequests) -> tuple[Response, int]:
    """429 with Retry-After: JSON `{"error": ...}`, or empty TwiML for a Twilio webhook."""
    retry = _retry_after(exc)
    if _is_twilio():
        response = Response(str(MessagingResponse()), mimetype="text/xml")
    else:
        description = exc.description
        if isinstance(exc, RateLimitExceeded):
            description = f"too many requests: {exc.description}"
        response = jsonify(error=f"{description}; retry in {retry} s")
    response.headers["Retry-After"] = str(retry)
    return response, 429
