"""Call control from the desk and the console (JSON, bearer tokens): hold, mute, hang up,
transfers, a third party, on-demand recording, and the supervisor's monitor, whisper and barge.

An agent acts on its own task (`own_task`), a supervisor on any; monitoring is the supervisor's
alone. Each request is queued (202 `{"status": "queued"}`): Twilio hears of it from the outbox.
A task that is not a live bridged call is a 409, bad input a 400 naming the field (the map is
`vero.web.errors`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from flask import Blueprint, abort, jsonify
from flask.typing import ResponseReturnValue
from pydantic import Field

from telephony.ivr import call_control, recording
from telephony.routing.errors import RoutingError
from telephony.services import services
from vero.kernel.bodies import Body, parse_body
from vero.web.auth import own_task, require_supervisor_token

bp = Blueprint("call_control_api", __name__, url_prefix="/api/tasks/<task_id>")

PHONE = r"^\+[1-9]\d{7,14}$"
Phone = Annotated[str, Field(pattern=PHONE, description="E.164, e.g. +6281234567890")]
Address = Annotated[
    str,
    Field(
        pattern=r"^(client:[A-Za-z0-9_.@-]{1,80}|\+[1-9]\d{7,14})$",
        description="client:<identity> or an E.164 number",
    ),
]


class Switch(Body):
    on: bool


class Transfer(Body):
    """To a queue (cold), or to a named agent, cold or warm."""

    queue: str | None = Field(default=None, max_length=40)
    agent: str | None = Field(default=None, max_length=80)
    mode: Literal["cold", "warm"] = "cold"


class ThirdParty(Body):
    number: Phone


class RecordingAction(Body):
    action: Literal["start", "pause", "resume", "stop"]


class Monitor(Body):
    mode: Literal["listen", "whisper", "barge"]
    to: Address | Literal[""] = ""  # needed unless a supervisor is already on the call


def queued() -> ResponseReturnValue:
    return jsonify(status="queued"), 202


@bp.post("/hold")
def hold(task_id: str):
    task = own_task(task_id)
    call_control.hold(services(), task, parse_body(Switch).on)
    return queued()


@bp.post("/mute")
def mute(task_id: str):
    task = own_task(task_id)
    call_control.mute(services(), task, parse_body(Switch).on)
    return queued()


@bp.post("/hangup")
def hang_up(task_id: str):
    call_control.hang_up(services(), own_task(task_id))
    return queued()


@bp.post("/transfer")
def transfer(task_id: str):
    task = own_task(task_id)
    body = parse_body(Transfer)
    svc = services()
    if (body.queue is None) == (body.agent is None):
        abort(400, "queue: give a queue or an agent to transfer to")
    if body.queue is not None:
        if body.queue not in svc.centre.queues:
            abort(400, f"queue: unknown queue {body.queue!r}")
        if body.mode != "cold":
            abort(400, "mode: a transfer to a queue is cold")
        call_control.transfer_to_queue(svc, task, body.queue)
        return queued()
    agent_id = str(body.agent)
    try:
        svc.router.agent(agent_id)
    except RoutingError:
        abort(400, f"agent: no agent {agent_id!r}")
    if agent_id == task.get("agent"):
        abort(400, f"agent: the call is already {agent_id}'s")
    call_control.transfer_to_agent(svc, task, agent_id, body.mode)
    return queued()


@bp.post("/transfer/complete")
def transfer_complete(task_id: str):
    call_control.complete_transfer(services(), own_task(task_id))
    return queued()


@bp.post("/transfer/cancel")
def transfer_cancel(task_id: str):
    call_control.cancel_transfer(services(), own_task(task_id))
    return queued()


@bp.post("/participants")
def add_participant(task_id: str):
    task = own_task(task_id)
    call_control.add_third_party(services(), task, parse_body(ThirdParty).number)
    return queued()


@bp.post("/recording")
def recording_action(task_id: str):
    task = own_task(task_id)
    recording.control(services(), task, parse_body(RecordingAction).action)
    return queued()


@bp.post("/monitor")
def monitor(task_id: str):
    require_supervisor_token()
    body = parse_body(Monitor)
    call_control.monitor(services(), services().router.task(task_id), body.mode, body.to)
    return queued()
