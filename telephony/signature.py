"""The X-Twilio-Signature check: a webhook is only believed when Twilio signed it.

Twilio signs the URL it requested (the public URL, not the one the proxy forwarded to us) plus
the sorted POST parameters. The public URL is PUBLIC_BASE_URL joined with the request path and
query; with VERO_TRUST_PROXY, the scheme and host come from X-Forwarded-Proto/-Host instead.
"""

from __future__ import annotations

import base64
import functools
import hmac
import logging
from collections.abc import Callable
from typing import Any

from flask import Request, abort, request
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from telephony.services import services
from vero.kernel.settings import Settings

log = logging.getLogger(__name__)


def public_url(req: Request, settings: Settings) -> str:
    """The URL Twilio requested, as it signed it."""
    path = req.full_path if req.query_string else req.path
    if settings.trust_proxy:
        scheme = req.headers.get("X-Forwarded-Proto", req.scheme).split(",")[0].strip()
        host = req.headers.get("X-Forwarded-Host", req.host).split(",")[0].strip()
        return f"{scheme}://{host}{path}"
    return settings.public_base_url + path


def signature(token: str, url: str, params: MultiDict[str, str]) -> str:
    """Twilio's signature of a request: HMAC-SHA1 (keyed with the auth token, base64) of the URL
    followed by each parameter's name and value, sorted. One C call for the HMAC, where the
    library's `compute_signature` pays a caught exception per parameter of a Flask form."""
    data = url + "".join(name + value for name, value in sorted(params.items(multi=True)))
    return base64.b64encode(hmac.digest(token.encode(), data.encode(), "sha1")).decode()


def is_signed(req: Request, settings: Settings) -> bool:
    """Twilio signs the URL exactly as requested, so one HMAC settles almost every request; only
    a mismatch pays for the library's `validate`, which also tries the URL with and without its
    port."""
    given = req.headers.get("X-Twilio-Signature", "")
    if not given:
        return False
    url, params = public_url(req, settings), req.form
    expected = signature(settings.twilio_auth_token, url, params)
    if hmac.compare_digest(expected.encode(), given.encode()):
        return True
    return RequestValidator(settings.twilio_auth_token).validate(url, params, given)


def twilio_signed(view: Callable[..., Any]) -> Callable[..., Any]:
    """Decorator: 403 before the view runs unless the request carries a valid signature."""

    @functools.wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        # the request itself rather than its proxy, which pays a context lookup per attribute
        # (flask types its proxy as the Request it stands for: no proxy method in the stubs)
        current = request._get_current_object()  # type: ignore[attr-defined]
        if not is_signed(current, services().settings):
            log.warning("rejected unsigned or wrongly signed webhook %s", request.path)
            abort(403, "invalid X-Twilio-Signature")
        return view(*args, **kwargs)

    return checked
