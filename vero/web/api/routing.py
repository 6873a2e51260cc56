"""The agent and supervisor HTTP API of the router (JSON, bearer tokens).

Supervisors use VERO_SUPERVISOR_TOKEN; an agent uses the token it got when it was created and may
only act on itself and its own offers and tasks (the checks are `vero.web.auth`'s). Bad input is
a 400, an unknown id a 404, a transition that no longer fits (e.g. an expired offer) a 409 —
never a 500 (the map is `vero.web.errors`).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from flask import Blueprint, abort, jsonify
from pydantic import Field

from telephony.routing.stats import queue_stats
from telephony.services import services
from vero.kernel.bodies import Body, Text, parse_body
from vero.web.auth import (
    own_offer,
    own_task,
    require_agent_or_supervisor,
    require_supervisor_token,
)

bp = Blueprint("routing_api", __name__, url_prefix="/api")


# --- request bodies -------------------------------------------------------------------------

Level = Annotated[int, Field(ge=1, le=5)]
Capacity = Annotated[int, Field(ge=0, le=50)]
Attribute = Annotated[str, Field(max_length=2000)] | int | float | bool
Name, Reason, Phone = Text(80), Text(60), Text(40)


class AgentContact(Body):
    """How the agent's phone leg is reached: a Twilio Client identity or a phone number."""

    client: Name = ""  # type: ignore[valid-type]
    phone: Phone = ""  # type: ignore[valid-type]


class AgentProfile(Body):
    name: Name = ""  # type: ignore[valid-type]
    skills: dict[str, Level] = Field(
        min_length=1, max_length=50, description='skill → level 1-5, e.g. {"complaints": 3}'
    )
    languages: list[str] = Field(min_length=1, max_length=10)
    capacity: dict[str, Capacity] = Field(
        default_factory=dict, max_length=20, description="channel → tasks at once"
    )
    contact: AgentContact = Field(default_factory=AgentContact)
    rotate_token: bool = False


class StateChange(Body):
    state: Literal["available", "break", "offline"]
    reason: Reason = ""  # type: ignore[valid-type]


class NewTask(Body):
    channel: str = Field(max_length=40)
    queue: str = Field(max_length=40)
    language: str = Field(max_length=10)
    priority: int = Field(default=0, ge=-100, le=100)
    attributes: dict[str, Attribute] = Field(default_factory=dict, max_length=50)
    id: str | None = Field(default=None, max_length=80)


class Cancel(Body):
    outcome: Literal["canceled", "abandoned", "callback", "voicemail"] = "canceled"


def _check_profile(body: AgentProfile) -> dict[str, int]:
    """The names in a profile against the centre; the capacity per channel, defaults filled."""
    centre = services().centre
    for skill in body.skills:
        if skill not in centre.skills:
            abort(400, f"skills: unknown skill {skill!r}; known: {', '.join(centre.skills)}")
    for lang in body.languages:
        if lang not in centre.languages:
            abort(400, f"languages: unknown language {lang!r}")
    for channel in body.capacity:
        if channel not in centre.channels:
            abort(400, f"capacity: unknown channel {channel!r}")
    return {**{name: ch.capacity for name, ch in centre.channels.items()}, **body.capacity}


# --- agents ---------------------------------------------------------------------------------


@bp.put("/agents/<agent_id>")
def put_agent(agent_id: str):
    require_supervisor_token()
    body = parse_body(AgentProfile)
    capacity = _check_profile(body)
    contact = {k: v for k, v in body.contact.model_dump().items() if v}
    router = services().router
    _, token = router.upsert_agent(
        agent_id,
        body.skills,
        tuple(body.languages),
        capacity,
        name=body.name,
        contact=contact,
        new_token=body.rotate_token,
    )
    reply: dict[str, Any] = {"agent": router.agent(agent_id)}
    if token:
        reply["token"] = token
    return jsonify(reply), 200


@bp.get("/agents")
def list_agents():
    require_supervisor_token()
    return jsonify(agents=services().router.agents())


@bp.get("/agents/<agent_id>")
def get_agent(agent_id: str):
    require_agent_or_supervisor(agent_id)
    return jsonify(services().router.agent(agent_id))


@bp.post("/agents/<agent_id>/state")
def set_state(agent_id: str):
    require_agent_or_supervisor(agent_id)
    body = parse_body(StateChange)
    router = services().router
    router.set_agent_state(agent_id, body.state, body.reason)
    return jsonify(router.agent(agent_id))


@bp.get("/agents/<agent_id>/offers")
def agent_offers(agent_id: str):
    require_agent_or_supervisor(agent_id)
    return jsonify(offers=services().router.offers_for(agent_id))


@bp.post("/offers/<offer_id>/accept")
def accept_offer(offer_id: str):
    own_offer(offer_id)
    return jsonify(task=services().router.accept_view(offer_id))


@bp.post("/offers/<offer_id>/reject")
def reject_offer(offer_id: str):
    own_offer(offer_id)
    services().router.reject(offer_id)
    return jsonify(status="rejected")


# --- tasks ----------------------------------------------------------------------------------


@bp.post("/tasks")
def create_task():
    require_supervisor_token()
    body = parse_body(NewTask)
    centre = services().centre
    for field, options in (
        ("channel", centre.channels),
        ("queue", centre.queues),
        ("language", centre.languages),
    ):
        if getattr(body, field) not in options:
            abort(400, f"{field}: one of {', '.join(options)}")
    task_id = body.id or f"t-{uuid.uuid4().hex[:20]}"
    router = services().router
    router.enqueue(
        task_id, body.channel, body.queue, body.language, body.priority, attributes=body.attributes
    )
    return jsonify(id=task_id, task=router.task(task_id)), 201


@bp.get("/tasks/<task_id>")
def get_task(task_id: str):
    return jsonify(own_task(task_id))


@bp.post("/tasks/<task_id>/complete")
def complete_task(task_id: str):
    own_task(task_id)
    router = services().router
    router.complete(task_id)
    return jsonify(router.task(task_id))


@bp.post("/tasks/<task_id>/cancel")
def cancel_task(task_id: str):
    require_supervisor_token()
    body = parse_body(Cancel, optional=True)
    router = services().router
    router.cancel(task_id, body.outcome)
    return jsonify(router.task(task_id))


@bp.get("/queues")
def queues():
    require_supervisor_token()
    return jsonify(queues=queue_stats(services().router))
