"""From a reservation to a ringing agent: the connector reads the router's events of voice
tasks and queues, in the outbox, the agent's leg of the call: a 'reserved' offer rings the agent
(their softphone `client:<identity>`, else their phone), whose answer fetches
`/twilio/voice/agent` (agent_leg.py); an offer that times out, is rejected or withdrawn while the
leg rings hangs the leg up. The caller stays on the hold loop meanwhile. The outbox's sender
threads make the REST calls, off the timer path; if Twilio refuses the leg, they give the offer
back at once.

A consumer group shares the events between Vero processes: each reservation is queued by one
of them, and acknowledged once queued. What a dead process had read is claimed by a survivor.
"""

from __future__ import annotations

import contextlib
import os
from urllib.parse import urlencode

import redis

from telephony.outbox import Outbox, stream_entries
from telephony.routing.errors import RoutingError
from telephony.routing.router import RedisRouter
from telephony.routing.takeover import claim_stale

GROUP = "voice-connector"
CLAIM_IDLE_SECONDS = 5  # a live connector acknowledges within one round (queuing is quick)
MIN_RING_SECONDS = 5  # Twilio's shortest ringing timeout
OFFER_OVER = ("timeout", "rejected", "withdrawn")  # the events of an offer given back


class Connector:
    def __init__(
        self,
        router: RedisRouter,
        outbox: Outbox,
        public_base_url: str,
        consumer: str | None = None,
        claim_idle: float = CLAIM_IDLE_SECONDS,
        caller_id: str = "",
    ) -> None:
        self.router = router
        self.claim_idle = claim_idle
        self.outbox = outbox
        self.base = public_base_url.rstrip("/")
        self.caller_id = caller_id  # the centre's number, when the task does not say which
        self.stream = router.keys.events()
        self.consumer = consumer or f"pid-{os.getpid()}"
        try:
            router.redis.xgroup_create(self.stream, GROUP, id="$", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def poll(self, batch: int = 100) -> int:
        """Handle every new event (own unacknowledged ones first, with those a dead process
        left); returns the REST requests queued."""
        claim_stale(self.router.redis, self.stream, GROUP, self.consumer, self.claim_idle)
        queued = 0
        for start in ("0", ">"):
            while True:
                entries = stream_entries(
                    self.router.redis.xreadgroup(
                        GROUP, self.consumer, {self.stream: start}, count=batch
                    )
                )
                if not entries:
                    break
                for _, fields in entries:
                    queued += self._handle({k.decode(): v.decode() for k, v in fields.items()})
                self.router.redis.xack(self.stream, GROUP, *[eid for eid, _ in entries])
        return queued

    def _handle(self, event: dict[str, str]) -> int:
        kind = event.get("type")
        if event.get("channel") != "voice" or kind not in ("reserved", *OFFER_OVER):
            return 0  # (the channel rides on the event: no task read for chats and messages)
        try:
            task = self.router.task(event.get("task", ""))
        except RoutingError:
            return 0
        if kind == "reserved":
            return self._ring(task, event.get("offer", ""))
        return self._hang_up(task, event.get("offer", ""))

    def _ring(self, task: dict, offer: str) -> int:
        """Queue the agent's leg for a live call or a callback (a voicemail has no call)."""
        attrs = task["attributes"]
        if (
            task["state"] != "reserved"
            or task["offer"] != offer
            or attrs.get("kind") == "voicemail"
        ):
            return 0  # stale offers are someone else's past
        if not attrs.get("call_sid") and not attrs.get("callback_to"):
            return 0  # no caller to connect
        try:
            contact = self.router.agent(task["agent"])["contact"]
        except RoutingError:
            contact = {}
        to = f"client:{contact['client']}" if contact.get("client") else contact.get("phone", "")
        if not to:  # nobody to ring: give the offer back at once
            with contextlib.suppress(RoutingError):  # expired meanwhile
                self.router.reject(offer)
            return 0
        query = urlencode({"offer": offer})
        ring = max(MIN_RING_SECONDS, int(task["offer_expires"] - self.router.clock()))
        with contextlib.suppress(RoutingError):  # the task ended meanwhile: nothing to ring
            fresh = {"agent_leg_offer": offer, "agent_leg": "", "agent_leg_status": ""}
            self.router.annotate(task["id"], fresh)
            self.outbox.rest(
                "create_call",
                {
                    "to": to,
                    "from_": attrs.get("to") or self.caller_id,
                    "url": f"{self.base}/twilio/voice/agent?{query}",
                    "status_callback": f"{self.base}/twilio/voice/agent-status?{query}",
                    "timeout": ring,
                },
                task=task["id"],
                offer=offer,
                store="agent_leg",
            )
            return 1
        return 0

    def _hang_up(self, task: dict, offer: str) -> int:
        """An offer given back while its agent's leg rings (or screens): end that leg, unless
        its own status callback said it is over already."""
        attrs = task["attributes"]
        if attrs.get("agent_leg_offer") != offer or not attrs.get("agent_leg"):
            return 0
        if attrs.get("agent_leg_status"):
            return 0
        self.outbox.rest("end_call", {"call_sid": attrs["agent_leg"]}, task=task["id"])
        return 1
