"""CSRF: a state-changing request to a page (console, desk, planning, what-if) is believed only
when it comes from Vero's own pages.

Two checks before the view, the first before an upload is even parsed:
- the Origin header (without one, the Referer) must be Vero's own origin: PUBLIC_BASE_URL (with
  VERO_TRUST_PROXY, the forwarded scheme and host, as for webhook signatures) or the origin the
  request was sent to (its Host header, which a cross-site page cannot choose);
- the request must carry the session's synchronizer token, as the `csrf_token` field (every form)
  or the `X-CSRF-Token` header (fetch() calls read it from `<meta name="csrf-token">`). It lives in
  the signed session cookie, which another site can neither read nor forge.
Twilio webhooks (signed) and the JSON API (bearer tokens, which no browser adds by itself) hold no
cookie authority, so they are not checked here.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterable
from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort, request, session

from telephony.services import services
from telephony.signature import public_url

FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
SESSION_KEY = "csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def token() -> str:
    """This browser's token (made on first use), for forms and the meta tag."""
    value = session.get(SESSION_KEY)
    if not isinstance(value, str):
        value = session[SESSION_KEY] = secrets.token_urlsafe(32)
    return value


def renew() -> None:
    """A new token at each login: one seen before the login is worth nothing after it."""
    session[SESSION_KEY] = secrets.token_urlsafe(32)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def same_origin() -> bool:
    """True unless the request names a foreign origin (or the opaque `null`). A browser always
    sends Origin on a cross-site POST; a request without Origin and Referer is not a browser's,
    and it still needs the token."""
    source = request.headers.get("Origin") or request.headers.get("Referer")
    if not source:
        return True
    own = {_origin(public_url(request, services().settings)), _origin(request.host_url)}
    return _origin(source) in own


def protect() -> None:
    """before_request of every page blueprint: 403 for a state change from elsewhere."""
    if request.method in SAFE_METHODS:
        return
    if not same_origin():
        abort(403, "refused: this request does not come from Vero's own pages (Origin)")
    expected = session.get(SESSION_KEY)
    given = request.headers.get(HEADER) or request.form.get(FIELD) or ""
    if not isinstance(expected, str) or not hmac.compare_digest(given.encode(), expected.encode()):
        abort(403, f"refused: missing or wrong {FIELD}; reload the page and try again")


def init_app(app: Flask, pages: Iterable[Blueprint]) -> None:
    """Check before anything else of each page blueprint (its login guard included), and give
    templates `csrf_token()`."""
    for blueprint in pages:
        app.before_request_funcs.setdefault(blueprint.name, []).insert(0, protect)
    app.jinja_env.globals["csrf_token"] = token
