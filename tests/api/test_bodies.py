"""Request bodies: wrong types, missing fields, deep nesting and huge bodies are a 4xx naming the
field on every JSON route (anonymous ones included), never a 500."""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import SUPERVISOR
from tests.public.conftest import account_headers
from vero.kernel.bodies import MAX_BODY_BYTES, MAX_DEPTH, nesting_depth
from vero.web.openapi import ROUTES

BODY_ROUTES = [r for r in ROUTES if r.body is not None]


def _headers(client, path: str) -> dict[str, str]:
    """The caller a route takes: a logged-in website customer files complaints, the
    supervisor calls everything else."""
    return account_headers(client, SUPERVISOR) if path == "/api/complaints" else SUPERVISOR


def _path(template: str) -> str:
    return (
        template.replace("{agent_id}", "ayu")
        .replace("{task_id}", "t-1")
        .replace("{offer_id}", "t-1.1")
        .replace("{ref}", "CMP-2025-000001")
    )


@pytest.mark.parametrize("route", BODY_ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_json_nested_1000_deep_is_a_400_on_every_route(client, route):
    deep = "[" * 1000 + "]" * 1000  # 2 KB: RecursionError in json.loads before the guard
    reply = client.open(
        _path(route.path),
        method=route.method.upper(),
        data=deep,
        content_type="application/json",
        headers=_headers(client, route.path),
    )
    assert 400 <= reply.status_code < 500, reply.data
    assert reply.status_code in (400, 404)  # 404: the route looks the case/task up first
    assert "error" in reply.json


@pytest.mark.parametrize("path", ["/api/chat", "/api/complaints", "/api/tasks"])
def test_deep_nesting_names_the_body(client, path):
    deep = '{"a":' * 500 + "1" + "}" * 500
    reply = client.post(
        path, data=deep, content_type="application/json", headers=_headers(client, path)
    )
    assert reply.status_code == 400
    assert reply.json["error"] == f"field 'body': nested deeper than {MAX_DEPTH} levels"


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/chat", {"queue": []}, "queue"),
        ("/api/chat", {"language": {"x": 1}}, "language"),
        ("/api/chat", {"message": 5}, "message"),
        ("/api/tasks", {"channel": ["chat"], "queue": "general", "language": "id"}, "channel"),
        ("/api/tasks", {"channel": "chat", "queue": "general"}, "language"),
        (
            "/api/tasks",
            {"channel": "chat", "queue": "general", "language": "id", "priority": True},
            "priority",
        ),
        (
            "/api/tasks",
            {"channel": "chat", "queue": "general", "language": "id", "attributes": {"a": [1]}},
            "attributes.a",
        ),
        ("/api/complaints", {"phone": "+628123456789"}, "description"),
        ("/api/complaints", {"phone": 628123456789, "description": "x"}, "phone"),
        (
            "/api/complaints",
            {"description": "x", "email": "a@b.co", "photos": "https://x"},
            "photos",
        ),
        ("/api/agents/ayu", {"skills": {"orders": "3"}, "languages": ["id"]}, "skills.orders"),
        ("/api/agents/ayu", {"skills": {"orders": 3}, "languages": "id"}, "languages"),
        ("/api/agents/ayu/state", {"state": "break", "reason": ["x"]}, "reason"),
    ],
)
def test_a_wrong_type_or_a_missing_field_is_a_400_naming_it(client, path, body, field):
    method = client.put if path == "/api/agents/ayu" else client.post
    if path.endswith("/state"):
        client.put(
            "/api/agents/ayu",
            json={"skills": {"orders": 3}, "languages": ["id"]},
            headers=SUPERVISOR,
        )
    reply = method(path, json=body, headers=_headers(client, path))
    assert reply.status_code == 400, reply.json
    assert reply.json["error"].startswith(f"field '{field}'"), reply.json


def test_a_huge_body_is_a_413(client):
    huge = json.dumps({"description": "x" * (MAX_BODY_BYTES + 1), "email": "a@b.co"})
    reply = client.post(
        "/api/complaints",
        data=huge,
        content_type="application/json",
        headers=_headers(client, "/api/complaints"),
    )
    assert reply.status_code == 413
    assert "body" in reply.json["error"]


@pytest.mark.parametrize("raw", [b"\xff\xfe{", b'{"a": ', b"[1, 2]", b"null", b'"text"'])
def test_not_a_json_object_is_a_400(client, raw):
    reply = client.post("/api/chat", data=raw, content_type="application/json")
    assert reply.status_code == 400
    assert reply.json["error"].startswith("field 'body'")


def test_an_optional_body_may_be_empty(client):
    reply = client.post("/api/tasks/nope/cancel", headers=SUPERVISOR)
    assert reply.status_code == 404  # the body was fine; the task is unknown


@pytest.mark.parametrize(
    ("raw", "depth"),
    [
        (b"1", 0),
        (b"[]", 1),
        (b'{"a": [1, {"b": []}]}', 4),
        (b'["[[[[", "]]"]', 1),
        (b'["\\"[[[", {}]', 2),
        (b'["\\\\", [[]]]', 3),
        (b"[" * 5000, 5000),
    ],
)
def test_nesting_depth_counts_brackets_outside_strings(raw, depth):
    assert nesting_depth(raw) == depth
