"""The agent and supervisor HTTP API of the router (JSON, bearer tokens).

Supervisors use VERO_SUPERVISOR_TOKEN; an agent uses the token it got when it was created and may
only act on itself and its own offers and tasks. Bad input is a 400, an unknown id a 404, a
transition that no longer fits (e.g. an expired offer) a 409 — never a 500.
"""

from __future__ import annotations

import hmac
import uuid
from typing import Any

from flask import Blueprint, abort, jsonify, request

from telephony.routing.errors import RoutingError
from telephony.routing.stats import queue_stats
from vero.services import services

bp = Blueprint("routing_api", __name__, url_prefix="/api")
STATUS_FOR = {"unknown": 404, "invalid": 400, "exists": 409, "expired": 409, "state": 409,
              "busy": 409}


@bp.errorhandler(RoutingError)
def routing_error(exc: RoutingError):
    return jsonify(error=str(exc)), STATUS_FOR.get(exc.code, 409)


# --- who is calling -------------------------------------------------------------------------

def _bearer() -> str:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        abort(401, "send 'Authorization: Bearer <token>'")
    return header.removeprefix("Bearer ").strip()


def is_supervisor(token: str) -> bool:
    return hmac.compare_digest(token.encode(), services().settings.supervisor_token.encode())


def require_supervisor() -> None:
    if not is_supervisor(_bearer()):
        abort(403, "this needs the supervisor token")


def require_agent_or_supervisor(agent_id: str | None) -> str | None:
    """The calling agent's id (None for a supervisor); 403 unless it may act for `agent_id`."""
    token = _bearer()
    if is_supervisor(token):
        return None
    caller = services().router.agent_for_token(token)
    if caller is None:
        abort(401, "unknown token")
    if agent_id is not None and caller != agent_id:
        abort(403, "an agent may only act on itself")
    return caller


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, "send a JSON object with Content-Type: application/json")
    return data


# --- validation -----------------------------------------------------------------------------

def _agent_profile(data: dict[str, Any]) -> tuple[dict[str, int], list[str], dict[str, int]]:
    centre = services().centre
    skills = data.get("skills")
    if not isinstance(skills, dict) or not skills:
        abort(400, "skills: give an object of skill → level 1-5, e.g. {\"complaints\": 3}")
    for skill, level in skills.items():
        if skill not in centre.skills:
            abort(400, f"skills: unknown skill {skill!r}; known: {', '.join(centre.skills)}")
        if not isinstance(level, int) or isinstance(level, bool) or not 1 <= level <= 5:
            abort(400, f"skills.{skill}: level must be a whole number from 1 to 5")
    languages = data.get("languages")
    if not isinstance(languages, list) or not languages:
        abort(400, "languages: give a list such as [\"id\", \"en\"]")
    for lang in languages:
        if lang not in centre.languages:
            abort(400, f"languages: unknown language {lang!r}")
    capacity = {name: ch.capacity for name, ch in centre.channels.items()}
    given = data.get("capacity", {})
    if not isinstance(given, dict):
        abort(400, "capacity: give an object of channel → tasks at once")
    for channel, n in given.items():
        if channel not in centre.channels:
            abort(400, f"capacity: unknown channel {channel!r}")
        if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= 50:
            abort(400, f"capacity.{channel}: a whole number from 0 to 50")
        capacity[channel] = n
    return {k: int(v) for k, v in skills.items()}, list(languages), capacity


# --- agents ---------------------------------------------------------------------------------

@bp.put("/agents/<agent_id>")
def put_agent(agent_id: str):
    require_supervisor()
    data = _body()
    skills, languages, capacity = _agent_profile(data)
    contact = data.get("contact", {})
    if not isinstance(contact, dict):
        abort(400, "contact: give an object such as {\"client\": \"ayu\", \"phone\": \"+62...\"}")
    router = services().router
    _, token = router.upsert_agent(agent_id, skills, tuple(languages), capacity,
                                   name=str(data.get("name", "")), contact=contact,
                                   new_token=bool(data.get("rotate_token")))
    body: dict[str, Any] = {"agent": router.agent(agent_id)}
    if token:
        body["token"] = token
    return jsonify(body), 200


@bp.get("/agents")
def list_agents():
    require_supervisor()
    return jsonify(agents=services().router.agents())


@bp.get("/agents/<agent_id>")
def get_agent(agent_id: str):
    require_agent_or_supervisor(agent_id)
    return jsonify(services().router.agent(agent_id))


@bp.post("/agents/<agent_id>/state")
def set_state(agent_id: str):
    require_agent_or_supervisor(agent_id)
    data = _body()
    state = data.get("state")
    if state not in ("available", "break", "offline"):
        abort(400, "state: one of available, break, offline")
    reason = data.get("reason", "")
    if not isinstance(reason, str) or len(reason) > 60:
        abort(400, "reason: a short text (at most 60 characters)")
    router = services().router
    router.set_agent_state(agent_id, state, reason)
    return jsonify(router.agent(agent_id))


@bp.get("/agents/<agent_id>/offers")
def agent_offers(agent_id: str):
    require_agent_or_supervisor(agent_id)
    return jsonify(offers=services().router.offers_for(agent_id))


def _own_offer(offer_id: str) -> None:
    caller = require_agent_or_supervisor(None)
    if caller is None:
        return
    task_id = offer_id.rsplit(".", 1)[0]
    try:
        task = services().router.task(task_id)
    except RoutingError:
        abort(404, f"no offer {offer_id}")
    if task.get("agent") != caller:
        abort(403, "this offer is not yours")


@bp.post("/offers/<offer_id>/accept")
def accept_offer(offer_id: str):
    _own_offer(offer_id)
    task = services().router.accept(offer_id)
    return jsonify(task=task)


@bp.post("/offers/<offer_id>/reject")
def reject_offer(offer_id: str):
    _own_offer(offer_id)
    services().router.reject(offer_id)
    return jsonify(status="rejected")


# --- tasks ----------------------------------------------------------------------------------

@bp.post("/tasks")
def create_task():
    require_supervisor()
    data = _body()
    centre = services().centre
    for field, options in (("channel", centre.channels), ("queue", centre.queues),
                           ("language", centre.languages)):
        if data.get(field) not in options:
            abort(400, f"{field}: one of {', '.join(options)}")
    priority = data.get("priority", 0)
    if not isinstance(priority, int) or isinstance(priority, bool) or not -100 <= priority <= 100:
        abort(400, "priority: a whole number from -100 to 100")
    attributes = data.get("attributes", {})
    if not isinstance(attributes, dict):
        abort(400, "attributes: an object of text values")
    task_id = data.get("id") or f"t-{uuid.uuid4().hex[:20]}"
    router = services().router
    router.enqueue(task_id, data["channel"], data["queue"], data["language"], priority,
                   attributes=attributes)
    return jsonify(id=task_id, task=router.task(task_id)), 201


def _task_for_caller(task_id: str) -> dict:
    caller = require_agent_or_supervisor(None)
    task = services().router.task(task_id)
    if caller is not None and task.get("agent") != caller:
        abort(403, "this task is not yours")
    return task


@bp.get("/tasks/<task_id>")
def get_task(task_id: str):
    return jsonify(_task_for_caller(task_id))


@bp.post("/tasks/<task_id>/complete")
def complete_task(task_id: str):
    _task_for_caller(task_id)
    router = services().router
    router.complete(task_id)
    return jsonify(router.task(task_id))


@bp.post("/tasks/<task_id>/cancel")
def cancel_task(task_id: str):
    require_supervisor()
    data = request.get_json(silent=True) or {}
    outcome = data.get("outcome", "canceled") if isinstance(data, dict) else "canceled"
    router = services().router
    router.cancel(task_id, outcome)
    return jsonify(router.task(task_id))


@bp.get("/queues")
def queues():
    require_supervisor()
    return jsonify(queues=queue_stats(services().router))
