"""Website chat: `POST /api/chat` opens a chat task and gives the visitor a token for their side
of the conversation; agents answer through the task message API (vero/web/api/messages.py).

The visitor may end the chat (`POST /api/chat/<id>/end`): a waiting chat is abandoned, one with
an agent goes to wrap-up. A chat whose visitor has made no request (message or poll) for the
centre's `channels.chat.idle_timeout_seconds` is ended the same way by `end_idle_chats`, part of
the dispatcher's periodic work. One visitor (IP) holds at most `open_chats_per_visitor` open
chats at once.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import uuid
from typing import cast

from flask import Blueprint, abort, jsonify
from pydantic import Field

from telephony.messaging import MAX_BODY, OPEN, append_message, history
from telephony.routing.errors import RoutingError
from telephony.routing.router import RedisRouter, token_hash
from telephony.services import services
from vero.kernel.bodies import Body, Text, parse_body
from vero.web.api.messages import MessageBody
from vero.web.auth import bearer_token
from vero.web.limits import client_ip, spend

log = logging.getLogger(__name__)
bp = Blueprint("chat", __name__, url_prefix="/api/chat")
WAITING = ("queued", "reserved")
VISITOR_SECONDS = 86400  # an idle visitor's set of open chats expires after this
SWEEP_BATCH = 100  # idle chats ended per dispatcher round at most


def _visitor_task(task_id: str) -> dict:
    """The chat task whose visitor token came with the request (404 for anything else). The
    visitor token is the chat's own (kept, as its SHA-256, on the task): the check stays here,
    the header is read by `vero.web.auth`."""
    token = bearer_token() or ""
    try:
        task = services().router.task(task_id)
    except RoutingError:
        abort(404, f"no chat {task_id}")
    expected = task["attributes"].get("visitor_token_sha256", "")
    if (
        task["channel"] != "chat"
        or not expected
        or not hmac.compare_digest(token_hash(token), expected)
    ):
        abort(404, f"no chat {task_id}")
    spend("chat_visitor", task_id)
    svc = services()
    svc.redis.zadd(svc.router.keys.chat_activity(), {task_id: svc.router.clock()}, xx=True)
    return task


def _visitor() -> str:
    """The visitor's id: a digest of their address (the address itself is kept nowhere)."""
    return token_hash("visitor|" + client_ip())[:24]


def _open_chats(visitor: str) -> int:
    """How many chats the visitor has open (the ended ones leave the set here)."""
    svc = services()
    key = svc.router.keys.open_chats(visitor)
    members = [m.decode() for m in cast("set[bytes]", svc.redis.smembers(key))]
    ended = []
    for task_id in members:
        try:
            if svc.router.task(task_id)["state"] not in OPEN:
                ended.append(task_id)
        except RoutingError:
            ended.append(task_id)
    if ended:
        svc.redis.srem(key, *ended)
    return len(members) - len(ended)


def end_chat(router: RedisRouter, task: dict, ended_by: str) -> str:
    """End an open chat: 'abandoned' while it waits, wrap-up once an agent has it. The outcome
    ('abandoned', 'wrapping') or '' when it had ended already."""
    keys = router.keys
    outcome = ""
    try:
        if task["state"] in OPEN:
            router.annotate(task["id"], {"ended_by": ended_by})
        if task["state"] in WAITING:
            router.cancel(task["id"], "abandoned")
            outcome = "abandoned"
        elif task["state"] == "assigned":
            router.complete(task["id"])
            outcome = "wrapping"
    except RoutingError as exc:  # it changed meanwhile (answered, ended by the other side)
        log.info("chat %s not ended by %s: %s", task["id"], ended_by, exc)
    router.redis.zrem(keys.chat_activity(), task["id"])
    visitor = task["attributes"].get("visitor", "")
    if visitor:
        router.redis.srem(keys.open_chats(visitor), task["id"])
    return outcome


def idle_timeout(router: RedisRouter) -> float | None:
    """The centre's chat idle timeout (None: chats never time out, and nobody tracks them)."""
    chat = router.centre.channels.get("chat")
    return chat.idle_timeout_seconds if chat else None


def end_idle_chats(router: RedisRouter) -> list[str]:
    """End the chats idle past the centre's timeout (the dispatcher's periodic work; safe to
    run in several processes at once). The ids of the chats it ended."""
    timeout = idle_timeout(router)
    if timeout is None:
        return []
    idle = router.redis.zrangebyscore(
        router.keys.chat_activity(), "-inf", router.clock() - timeout, start=0, num=SWEEP_BATCH
    )
    ended = []
    for raw in cast("list[bytes]", idle):
        task_id = raw.decode()
        try:
            task = router.task(task_id)
        except RoutingError:
            router.redis.zrem(router.keys.chat_activity(), task_id)
            continue
        if end_chat(router, task, "idle_timeout"):
            ended.append(task_id)
    return ended


class NewChat(Body):
    """The website's chat opening: language and queue default to the centre's."""

    language: str | None = Field(default=None, max_length=10)
    queue: str | None = Field(default=None, max_length=40)
    name: Text(80) = ""  # type: ignore[valid-type]
    message: Text(MAX_BODY) = ""  # type: ignore[valid-type]


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
    visitor, cap = _visitor(), svc.settings.open_chats_per_visitor
    if _open_chats(visitor) >= cap:
        abort(429, f"you have {cap} open chats already; end one first")
    token, task_id = secrets.token_urlsafe(24), f"chat-{uuid.uuid4().hex[:20]}"
    svc.router.enqueue(
        task_id,
        "chat",
        queue,
        language,
        attributes={"name": name, "visitor_token_sha256": token_hash(token), "visitor": visitor},
    )
    keys = svc.router.keys
    with svc.redis.pipeline() as pipe:
        pipe.sadd(keys.open_chats(visitor), task_id)
        pipe.expire(keys.open_chats(visitor), VISITOR_SECONDS)
        if idle_timeout(svc.router) is not None:
            pipe.zadd(keys.chat_activity(), {task_id: svc.router.clock()})
        pipe.execute()
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


@bp.post("/<task_id>/end")
def visitor_end(task_id: str):
    """The visitor closes the chat window."""
    task = _visitor_task(task_id)
    if task["state"] not in OPEN:
        abort(409, "this chat has ended")
    outcome = end_chat(services().router, task, "visitor")
    return jsonify(task_id=task_id, outcome=outcome, state=services().router.task(task_id)["state"])
