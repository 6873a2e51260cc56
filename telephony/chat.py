"""Website chat: `POST /api/chat` opens a chat task and gives the visitor a token for their side
of the conversation; agents answer through the task message API (telephony/messaging.py)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid

from flask import Blueprint, abort, jsonify, request

from telephony.messaging import MAX_BODY, OPEN, append_message, history
from telephony.routing.errors import RoutingError
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


def _text(data: object, field: str, limit: int, required: bool) -> str:
    value = data.get(field, "") if isinstance(data, dict) else ""
    if not isinstance(value, str) or len(value) > limit or (required and not value.strip()):
        abort(400, f"{field}: a text of {'1' if required else '0'} to {limit} characters")
    return value.strip()


@bp.post("")
def open_chat():
    svc = services()
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, "send a JSON object with Content-Type: application/json")
    language = data.get("language", svc.centre.default_language)
    if language not in svc.centre.languages:
        abort(400, f"language: one of {', '.join(svc.centre.languages)}")
    queue = data.get("queue", "general")
    if queue not in svc.centre.queues or "chat" not in svc.centre.queue_channels(queue):
        abort(400, "queue: a queue that takes chat")
    name = _text(data, "name", 80, required=False)
    first = _text(data, "message", MAX_BODY, required=False)
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
    body = _text(request.get_json(silent=True), "body", MAX_BODY, required=True)
    return jsonify(message=append_message(services(), task_id, "customer", body)), 201
