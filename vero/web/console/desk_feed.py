"""What one agent's desk shows, as one JSON-ready snapshot, and the hub that pushes it.

The desk is pushed its snapshot (the agent, its offers, its tasks, the conversations of its
message tasks) by server-sent events: the process's one `StreamHub` for desks follows the
router's events, so an offer, a state change or a completed task is on the desk within
`MIN_GAP` seconds, and rebuilds every viewed agent's snapshot each `EVERY` seconds, which brings
new chat, WhatsApp and SMS messages (they are not router events). A snapshot equal to the last
one is not sent again (a comment is, which lets the desk's view check the login each second).
The desk falls back to asking `/desk/snapshot` when the stream is down.
"""

from __future__ import annotations

import contextlib
import os
import threading
from typing import Any

from flask import Flask, current_app

from telephony.messaging import history
from telephony.routing.errors import RoutingError
from telephony.services import Services, services
from vero.web.stream import StreamHub, stream_limit

MESSAGE_CHANNELS = ("chat", "whatsapp", "sms")
MESSAGES_ENDPOINT = "messages.list_messages"  # chat and WhatsApp conversations, when present
SHOWN_TASK_STATES = ("assigned", "wrapping")
MIN_GAP = 0.25  # a new offer is on the desk within this (plus a round trip)
EVERY = 1.0  # and a new customer message within this
_hub_lock = threading.Lock()


def desk_snapshot(svc: Services, agent_id: str, messages: bool) -> dict[str, Any]:
    """The agent, its offers, its assigned and wrapping tasks and (with `messages`) the
    conversation of each message task; `{"gone": true}` for an agent removed meanwhile."""
    router = svc.router
    try:
        agent = router.agent(agent_id)
        offers = router.offers_for(agent_id)
    except RoutingError:
        return {"gone": True}
    offered = {offer["task"]["id"] for offer in offers}
    tasks = []
    for task_id in agent["tasks"]:
        if task_id in offered:
            continue
        with contextlib.suppress(RoutingError):  # closed and purged between the two reads
            task = router.task(task_id)
            if task["state"] in SHOWN_TASK_STATES:
                tasks.append(task)
    conversations = {
        task["id"]: history(svc, task["id"])
        for task in tasks
        if messages and task["channel"] in MESSAGE_CHANNELS
    }
    return {"agent": agent, "offers": offers, "tasks": tasks, "messages": conversations}


def with_messages(app: Flask) -> bool:
    return MESSAGES_ENDPOINT in app.view_functions


def desk_hub() -> StreamHub:
    """The app's one desk hub in this process, made by the first desk (after a server forks)."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    with _hub_lock:
        hub = app.extensions.get("vero-desk-streams")
        if hub is None:
            router, messages = services().router, with_messages(app)

            def build(agent_id: str) -> dict[str, Any]:
                with app.app_context():
                    return desk_snapshot(services(), agent_id, messages)

            # app.config["DESK_STREAM_LIMIT"] (tests) or VERO_STREAM_LIMIT
            limit = app.config.get("DESK_STREAM_LIMIT") or stream_limit(os.environ)
            hub = app.extensions["vero-desk-streams"] = StreamHub(
                router.redis,
                router.keys.events(),
                build,
                limit=limit,
                every=EVERY,
                min_gap=MIN_GAP,
                quiet=True,
            )
    return hub
