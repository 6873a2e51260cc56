"""The OpenAPI 3 description of Vero's JSON API, served at `/api/openapi.json`.

Built from a hand-listed table of the routes and the very pydantic models the routes validate
their bodies with (`vero/kernel/bodies.py`), so the description cannot drift from what is enforced;
tests/api/test_openapi.py checks that every JSON route of the app is listed here, and the fuzz
run of the test suite (schemathesis) is driven by this description.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from flask import Blueprint, jsonify
from pydantic import BaseModel

from vero.web.api.accounts import NewAccount, NewPassword
from vero.web.api.call_control import Monitor, RecordingAction, Switch, ThirdParty, Transfer
from vero.web.api.chat import NewChat
from vero.web.api.complaints import (
    CaseText,
    Classification,
    ComplaintForm,
    CustomerAnswer,
    Forwarding,
    MarkComplaint,
    Notification,
    NpsScore,
)
from vero.web.api.customer_auth import CodeCheck, CodeRequest, Login
from vero.web.api.messages import MessageBody
from vero.web.api.outbound import NewCall
from vero.web.api.routing import AgentProfile, Cancel, NewTask, StateChange

bp = Blueprint("openapi", __name__)
SUPERVISOR, AGENT, VISITOR, CUSTOMER, ANYONE = (
    "supervisor",
    "agent",
    "visitor",
    "customer",
    "anyone",
)


class Route(NamedTuple):
    method: str
    path: str  # OpenAPI style: {name} for a path parameter
    summary: str
    who: tuple[str, ...]  # who may call: supervisor and agent tokens, a chat visitor token, a
    # website customer's token (after a login or a one-time code)
    body: type[BaseModel] | None = None
    body_optional: bool = False
    query: tuple[str, ...] = ()
    created: bool = False  # answers 201
    queued: bool = False  # answers 202: a call request queued for Twilio


def _routes() -> tuple[Route, ...]:
    staff = (SUPERVISOR, AGENT)
    return (
        Route("get", "/healthz", "liveness and Redis", (ANYONE,)),
        Route("get", "/readyz", "Redis answers and a dispatcher beat in the last 5 s", (ANYONE,)),
        Route("get", "/metrics", "Prometheus text format (VERO_METRICS_TOKEN)", (SUPERVISOR,)),
        Route("get", "/api/openapi.json", "this description", (ANYONE,)),
        Route(
            "put",
            "/api/agents/{agent_id}",
            "create or update an agent",
            (SUPERVISOR,),
            AgentProfile,
        ),
        Route("get", "/api/agents", "every agent with state and load", (SUPERVISOR,)),
        Route("get", "/api/agents/{agent_id}", "one agent", staff),
        Route(
            "post",
            "/api/agents/{agent_id}/state",
            "available, break or offline",
            staff,
            StateChange,
        ),
        Route("get", "/api/agents/{agent_id}/offers", "pending offers", staff),
        Route(
            "post",
            "/api/agents/{agent_id}/calls",
            "click-to-call: ring the agent, then the customer",
            staff,
            NewCall,
            queued=True,
        ),
        Route(
            "get",
            "/api/agents/{agent_id}/voice-token",
            "the softphone's Twilio access token (503 without TWILIO_API_KEY settings)",
            staff,
        ),
        Route("post", "/api/offers/{offer_id}/accept", "accept an offer", staff),
        Route("post", "/api/offers/{offer_id}/reject", "reject an offer", staff),
        Route("get", "/api/offers/{offer_id}/customer", "the screen pop of an offer", staff),
        Route("post", "/api/tasks", "enqueue a task", (SUPERVISOR,), NewTask, created=True),
        Route("get", "/api/tasks/{task_id}", "one task", staff),
        Route("get", "/api/tasks/{task_id}/customer", "the screen pop of a task", staff),
        Route(
            "get",
            "/api/tasks/{task_id}/recording",
            "the task's recording (audio/mpeg, from Twilio; Range honoured)",
            staff,
        ),
        Route("post", "/api/tasks/{task_id}/complete", "complete (then end wrap-up)", staff),
        Route(
            "post",
            "/api/tasks/{task_id}/cancel",
            "cancel a waiting task",
            (SUPERVISOR,),
            Cancel,
            body_optional=True,
        ),
        Route("get", "/api/queues", "live and today's statistics per queue", (SUPERVISOR,)),
        Route(
            "post",
            "/api/tasks/{task_id}/hold",
            "hold or resume the caller",
            staff,
            Switch,
            queued=True,
        ),
        Route(
            "post",
            "/api/tasks/{task_id}/mute",
            "mute or unmute the agent",
            staff,
            Switch,
            queued=True,
        ),
        Route("post", "/api/tasks/{task_id}/hangup", "end the call", staff, queued=True),
        Route(
            "post",
            "/api/tasks/{task_id}/transfer",
            "transfer to a queue (cold) or an agent (cold or warm)",
            staff,
            Transfer,
            queued=True,
        ),
        Route(
            "post",
            "/api/tasks/{task_id}/transfer/complete",
            "hand a warm transfer over",
            staff,
            queued=True,
        ),
        Route(
            "post",
            "/api/tasks/{task_id}/transfer/cancel",
            "cancel a warm transfer",
            staff,
            queued=True,
        ),
        Route(
            "post",
            "/api/tasks/{task_id}/participants",
            "add a third party",
            staff,
            ThirdParty,
            queued=True,
        ),
        Route(
            "post",
            "/api/tasks/{task_id}/recording",
            "start, pause, resume or stop an on-demand recording",
            staff,
            RecordingAction,
            queued=True,
        ),
        Route(
            "post",
            "/api/tasks/{task_id}/monitor",
            "listen to, whisper in or barge into a call",
            (SUPERVISOR,),
            Monitor,
            queued=True,
        ),
        Route("get", "/api/tasks/{task_id}/messages", "a conversation's history", staff),
        Route(
            "post",
            "/api/tasks/{task_id}/messages",
            "an agent's reply",
            staff,
            MessageBody,
            created=True,
        ),
        Route(
            "post",
            "/api/tasks/{task_id}/complaint",
            "mark a conversation as a complaint",
            staff,
            MarkComplaint,
            body_optional=True,
            created=True,
        ),
        Route("post", "/api/chat", "open a website chat", (ANYONE,), NewChat, created=True),
        Route("get", "/api/chat/{task_id}/messages", "the visitor's view of a chat", (VISITOR,)),
        Route(
            "post",
            "/api/chat/{task_id}/messages",
            "a visitor's message",
            (VISITOR,),
            MessageBody,
            created=True,
        ),
        Route("post", "/api/chat/{task_id}/end", "the visitor ends the chat", (VISITOR,)),
        Route(
            "post", "/api/public/code", "send a one-time code to a phone", (ANYONE,), CodeRequest
        ),
        Route(
            "post",
            "/api/public/code/verify",
            "check a one-time code: a customer token",
            (ANYONE,),
            CodeCheck,
        ),
        Route(
            "post",
            "/api/public/login",
            "a customer account's login: a customer token",
            (ANYONE,),
            Login,
        ),
        Route("post", "/api/public/logout", "end a customer token", (CUSTOMER,)),
        Route(
            "post",
            "/api/complaints",
            "the website complaint form",
            (CUSTOMER,),
            ComplaintForm,
            created=True,
        ),
        Route("get", "/api/accounts", "customer accounts", (SUPERVISOR,)),
        Route(
            "post",
            "/api/accounts",
            "add a customer account",
            (SUPERVISOR,),
            NewAccount,
            created=True,
        ),
        Route("post", "/api/accounts/{username}/disable", "disable an account", (SUPERVISOR,)),
        Route("post", "/api/accounts/{username}/enable", "enable an account", (SUPERVISOR,)),
        Route(
            "post",
            "/api/accounts/{username}/password",
            "reset an account's password",
            (SUPERVISOR,),
            NewPassword,
        ),
        Route("get", "/api/complaints", "complaint cases", staff, query=("open", "overdue")),
        Route("get", "/api/complaints/{ref}", "one case and its timeline", staff),
        Route("get", "/api/complaint-alerts", "batch alerts", staff),
        Route("post", "/api/complaints/{ref}/classify", "classify a case", staff, Classification),
        Route("post", "/api/complaints/{ref}/forward", "forward to a team", staff, Forwarding),
        Route("post", "/api/complaints/{ref}/notes", "add a note", staff, CaseText),
        Route(
            "post",
            "/api/complaints/{ref}/corrective-action",
            "record the corrective action",
            staff,
            CaseText,
        ),
        Route(
            "post",
            "/api/complaints/{ref}/notify",
            "tell the customer the result",
            staff,
            Notification,
        ),
        Route(
            "post", "/api/complaints/{ref}/answer", "the customer's answer", staff, CustomerAnswer
        ),
        Route(
            "post",
            "/api/complaints/{ref}/nps",
            "the customer's recommendation score",
            staff,
            NpsScore,
        ),
        Route(
            "get",
            "/api/kpis",
            "service KPIs over the contact records",
            (SUPERVISOR,),
            query=("from", "to", "period"),
        ),
    )


ROUTES = _routes()
ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string", "description": "what is wrong, and where"}},
}


def _operation(route: Route, components: dict[str, Any]) -> dict[str, Any]:
    names = [part[1:-1] for part in route.path.split("/") if part.startswith("{")]
    parameters = [
        {"name": n, "in": "path", "required": True, "schema": {"type": "string"}} for n in names
    ]
    parameters += [
        {"name": n, "in": "query", "required": False, "schema": {"type": "string"}}
        for n in route.query
    ]
    ok = "201" if route.created else "202" if route.queued else "200"
    operation: dict[str, Any] = {
        "operationId": f"{route.method}_{route.path}",
        "summary": route.summary,
        "parameters": parameters,
        "responses": {
            ok: {"description": "done"},
            "default": {
                "description": "refused: 4xx with what is wrong",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            },
        },
    }
    if ANYONE not in route.who:
        operation["security"] = [{"bearer": []}]
        operation["description"] = "bearer token of: " + ", ".join(route.who)
    if route.body is not None:
        schema = route.body.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(schema.pop("$defs", {}))
        components[route.body.__name__] = schema
        operation["requestBody"] = {
            "required": not route.body_optional,
            "content": {
                "application/json": {
                    "schema": {"$ref": f"#/components/schemas/{route.body.__name__}"}
                }
            },
        }
    return operation


def describe(version: str = "1") -> dict[str, Any]:
    """The whole description (plain JSON data)."""
    paths: dict[str, dict[str, Any]] = {}
    components: dict[str, Any] = {"Error": ERROR}
    for route in ROUTES:
        paths.setdefault(route.path, {})[route.method] = _operation(route, components)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Vero contact-centre API",
            "version": version,
            "description": 'Bad input answers 4xx with {"error": ...} naming the field; '
            "never a 500.",
        },
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


@bp.get("/api/openapi.json")
def openapi_json():
    return jsonify(describe())
