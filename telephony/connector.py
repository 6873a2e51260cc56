"""From a reservation to a ringing agent: the connector reads 'reserved' events of live voice
tasks and queues, in the outbox, a redirect of the caller's call to TwiML that dials the agent
(`/twilio/voice/connect`). The outbox's sender threads make the REST call, off the timer path;
if the call is gone or Twilio keeps failing, they give the offer back at once.

A consumer group shares the events between Vero processes: each reservation is queued by one
of them, and acknowledged once queued. What a dead process had read is claimed by a survivor.
"""

from __future__ import annotations

import os
from urllib.parse import urlencode

import redis

from telephony.outbox import Outbox, stream_entries
from telephony.routing.errors import RoutingError
from telephony.routing.router import RedisRouter
from telephony.routing.takeover import claim_stale

GROUP = "voice-connector"
CLAIM_IDLE_SECONDS = 5  # a live connector acknowledges within one round (queuing is quick)


class Connector:
    def __init__(
        self,
        router: RedisRouter,
        outbox: Outbox,
        public_base_url: str,
        consumer: str | None = None,
        claim_idle: float = CLAIM_IDLE_SECONDS,
    ) -> None:
        self.router = router
        self.claim_idle = claim_idle
        self.outbox = outbox
        self.base = public_base_url.rstrip("/")
        self.stream = router.keys.events()
        self.consumer = consumer or f"pid-{os.getpid()}"
        try:
            router.redis.xgroup_create(self.stream, GROUP, id="$", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def poll(self, batch: int = 100) -> int:
        """Handle every new event (own unacknowledged ones first, with those a dead process
        left); returns the redirects queued."""
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
        if event.get("type") != "reserved" or event.get("channel", "voice") != "voice":
            return 0  # (the channel rides on the event: no task read for chats and messages)
        offer = event.get("offer", "")
        try:
            task = self.router.task(event.get("task", ""))
        except RoutingError:
            return 0
        call_sid = task["attributes"].get("call_sid", "")
        if (
            task["channel"] != "voice"
            or not call_sid
            or task["state"] != "reserved"
            or task["offer"] != offer
        ):
            return 0  # callbacks have no live call; stale offers are someone else's past
        url = f"{self.base}/twilio/voice/connect?{urlencode({'offer': offer})}"
        self.outbox.redirect_call(call_sid, url, task=task["id"], offer=offer)
        return 1
