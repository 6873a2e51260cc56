"""The task message API of agents and supervisors: read a message task's conversation (WhatsApp,
SMS, chat) and answer it. The conversation itself is telephony's (telephony/messaging.py); this
module checks who calls (`vero.web.auth`: the agent who has the task, or a supervisor) and the
body.
"""

from __future__ import annotations

from flask import Blueprint, jsonify

from telephony.messaging import MAX_BODY, history, send_reply
from telephony.services import services
from vero.kernel.bodies import Body, Text, parse_body
from vero.web.auth import own_task

bp = Blueprint("messages", __name__, url_prefix="/api")


class MessageBody(Body):
    """One message of a conversation (an agent's reply, a chat visitor's line)."""

    body: Text(MAX_BODY, required=True)  # type: ignore[valid-type]


@bp.get("/tasks/<task_id>/messages")
def list_messages(task_id: str):
    own_task(task_id)
    return jsonify(messages=history(services(), task_id))


@bp.post("/tasks/<task_id>/messages")
def agent_reply(task_id: str):
    """An agent's reply: kept in the history, sent out for WhatsApp and SMS (a 409 for a task
    that takes no reply, a 502 for one the gateway could not send)."""
    task = own_task(task_id)
    body = parse_body(MessageBody).body
    return jsonify(message=send_reply(services(), task, body)), 201
