"""The one map of errors to HTTP answers, registered app-wide by `create_app`.

A `RoutingError` (the router's and the case store's refusals) answers by its code: an unknown id
404, bad input 400, a step that no longer fits 409, a message the gateway could not send 502. The
JSON API and the console's pages (whose scripts read `{"error": ...}`) get that JSON; a Twilio
webhook (`/twilio/...`) gets valid, empty TwiML with the same status, never a JSON body Twilio
cannot read. The voice webhooks keep their own catch-all (telephony/ivr: an apology and the
default queue), which Flask prefers to this app-wide one.

An `AccountError` is 404 for an unknown account, 409 for one that exists, 400 otherwise; a
`BodyError` carries its status (vero/kernel/bodies.py); an `HTTPException` (`abort`) is its
code with its description. Any other error is Flask's 500, answered as an HTTPException.
"""

from __future__ import annotations

from flask import Flask, Response, jsonify, request
from flask.typing import ResponseReturnValue
from twilio.twiml.messaging_response import MessagingResponse
from werkzeug.exceptions import HTTPException

from telephony.accounts import AccountError
from telephony.routing.errors import RoutingError
from vero.kernel import bodies

STATUS_FOR = {
    "unknown": 404,
    "invalid": 400,
    "exists": 409,
    "expired": 409,
    "state": 409,
    "busy": 409,
    "unsent": 502,
}
TWILIO_PREFIX = "/twilio/"


def routing_status(exc: RoutingError) -> int:
    """The HTTP status of a router or case-store refusal (409 for a code not listed)."""
    return STATUS_FOR.get(exc.code, 409)


def account_status(exc: AccountError) -> int:
    return (
        404
        if exc.message.startswith("no account")
        else (409 if exc.message.endswith("exists") else 400)
    )


def routing_error(exc: RoutingError) -> ResponseReturnValue:
    if request.path.startswith(TWILIO_PREFIX):
        return Response(str(MessagingResponse()), status=routing_status(exc), mimetype="text/xml")
    return jsonify(error=str(exc)), routing_status(exc)


def account_error(exc: AccountError) -> ResponseReturnValue:
    return jsonify(error=f"{exc.field}: {exc.message}"), account_status(exc)


def http_error(exc: HTTPException) -> ResponseReturnValue:
    return jsonify(error=exc.description), exc.code or 500


def init_app(app: Flask) -> None:
    """Register every error handler of the app (the BodyError one is the kernel's)."""
    app.register_error_handler(RoutingError, routing_error)
    app.register_error_handler(AccountError, account_error)
    app.register_error_handler(HTTPException, http_error)
    bodies.init_app(app)
