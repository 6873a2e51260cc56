"""`/api/openapi.json`: a valid OpenAPI description that lists every JSON route of the app."""

from __future__ import annotations

import re

import schemathesis

from vero.web.openapi import ROUTES

NOT_JSON_API = ("/twilio/", "/console/", "/desk/", "/static/")  # webhooks (TwiML), HTML pages
NOT_JSON_ENDPOINTS = ("static", "home")  # "/": the front door, a redirect to the console


def test_the_description_is_served_and_loads(app, client):
    reply = client.get("/api/openapi.json")
    assert reply.status_code == 200
    assert reply.json["openapi"].startswith("3.")
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == len(ROUTES) - 1  # schemathesis leaves out the description itself
    body = reply.json["paths"]["/api/tasks"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/NewTask"}
    assert "channel" in reply.json["components"]["schemas"]["NewTask"]["required"]


def test_every_json_route_of_the_app_is_described(app):
    described = {(r.method.upper(), r.path) for r in ROUTES}
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(NOT_JSON_API) or rule.endpoint in NOT_JSON_ENDPOINTS:
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        served |= {(m, path) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert served == described
