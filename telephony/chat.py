"""Website chat: `POST /api/chat` opens a chat task and gives the visitor a token for their side
of the conversation; agents answer through the task message API (telephony/messaging.py)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid

from flask import Blueprint, abort, jsonify, request
from pydantic import Field

from telephony.messaging import MAX_BODY, OPEN, MessageBody, append_message, history
from telephony.routing.errors import RoutingError
from vero.bodies import Body, Text, parse_body
from vero.services import services

bp = Blueprint("chat", __name__, url_prefix="/api/chat")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _visitor_task(task_id: str) -> dict:
    """The chat task whose visitor token came with the request (404 for anything else)."""
    token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    try:
        task = services().router.task(task_id)
    except RoutingError:
        abort(404, f"no chat {task_id}")
    expected = task["attributes"].get("visitor_token_sha256", "")
    if task["channel"] != "chat" or not expected or not hmac.compare_digest(
            _digest(token), expected):
        abort(404, f"no chat {task_id}")
    return task


class NewChat(Body):
    """The website's chat opening: language and queue default to the centre's."""

    language: str | None = Field(default=None, max_length=10)
    queue: str | None = Field(default=None, max_length=40)
    name: Text(80) = ""
    message: Text(MAX_BODY) = ""


@bp.post("")
def open_chat():
    svc = services()
    body = parse_body(NewChat)
    language = body.language or svc.centre.default_language
    if language not in svc.centre.languages:
        abort(400, f"language: one of {', '.join(svc.centre.languages)}")
    queue = body.queue or svc.centre.default_queue
    if queue not in svc.centre.queues or "chat" not in svc.centre.queue_channels(queue):
        abort(400, "queue: a queue that takes chat")
    name, first = body.name, body.message
    token, task_id = secrets.token_urlsafe(24), f"chat-{uuid.uuid4().hex[:20]}"
    svc.router.enqueue(task_id, "chat", queue, language,
                       attributes={"name": name, "visitor_token_sha256": _digest(token)})
    if first:
        append_message(svc, task_id, "customer", first)
    return jsonify(task_id=task_id, token=token), 201


@bp.get("/<task_id>/messages")
def visitor_messages(task_id: str):
    _visitor_task(task_id)
    return jsonify(messages=history(services(), task_id))


@bp.post("/<task_id>/messages")
def visitor_message(task_id: str):
    task = _visitor_task(task_id)
    if task["state"] not in OPEN:
        abort(409, "this chat has ended")
    body = parse_body(MessageBody).body
    return jsonify(message=append_message(services(), task_id, "customer", body)), 201
