"""The app's one error map (vero/web/errors.py): the same refusal answers the same status on
every blueprint, as JSON for the API and the pages and as TwiML for a Twilio webhook."""

from __future__ import annotations

import pytest
from flask import Flask

from telephony.accounts import AccountError
from telephony.routing.errors import RoutingError
from tests.ivr.conftest import settings
from vero.web.app import create_app

SUPERVISOR = {"Authorization": "Bearer supervisor-token-for-tests"}


@pytest.fixture
def app(redis_client, namespace, tmp_path) -> Flask:
    app = create_app(settings(tmp_path), redis_client=redis_client, namespace=namespace)

    def refuse(code: str):
        raise RoutingError(code, f"refused: {code}")

    def refuse_account():
        raise AccountError("exists", field="username")

    for prefix in ("/api/test", "/twilio/test", "/console/test"):
        app.add_url_rule(f"{prefix}/<code>", f"{prefix}-refuse", refuse)
    app.add_url_rule("/api/test-account", "refuse-account", refuse_account)
    return app


@pytest.mark.parametrize(
    ("code", "status"),
    [("unknown", 404), ("invalid", 400), ("state", 409), ("unsent", 502), ("new", 409)],
)
def test_a_routing_error_is_json_with_its_status_outside_the_webhooks(app, code, status):
    for prefix in ("/api/test", "/console/test"):
        reply = app.test_client().get(f"{prefix}/{code}")
        assert reply.status_code == status
        assert reply.get_json() == {"error": f"refused: {code}"}


def test_a_routing_error_of_a_twilio_webhook_is_valid_empty_twiml(app):
    reply = app.test_client().get("/twilio/test/unknown")
    assert reply.status_code == 404 and reply.mimetype == "text/xml"
    assert reply.get_data(as_text=True).endswith("<Response />")


def test_an_account_error_and_an_abort_are_json(app):
    reply = app.test_client().get("/api/test-account")
    assert reply.status_code == 409 and reply.get_json() == {"error": "username: exists"}
    missing = app.test_client().get("/api/no-such-route")
    assert missing.status_code == 404 and "error" in missing.get_json()


def test_every_blueprint_shares_the_map(app):
    """An unknown task answers 404 on the router's and the message API alike."""
    client = app.test_client()
    for path in ("/api/tasks/nope", "/api/tasks/nope/messages"):
        reply = client.get(path, headers=SUPERVISOR)
        assert reply.status_code == 404 and reply.get_json() == {"error": "no task nope"}
