"""From a reservation to a ringing agent: the connector reads 'reserved' events of live voice
tasks and redirects the caller's call to TwiML that dials the agent (`/twilio/voice/connect`).

A consumer group shares the work between Vero processes: each reservation is redirected by one
of them and acknowledged after the REST call. If the call is gone, the offer goes back at once.
"""

from __future__ import annotations

import contextlib
import logging
import os
from urllib.parse import urlencode

import redis

from telephony.gateway import Gateway
from telephony.routing.errors import RoutingError
from telephony.routing.router import RedisRouter

log = logging.getLogger(__name__)
GROUP = "voice-connector"


class Connector:
    def __init__(self, router: RedisRouter, gateway: Gateway, public_base_url: str,
                 consumer: str | None = None) -> None:
        self.router = router
        self.gateway = gateway
        self.base = public_base_url.rstrip("/")
        self.stream = router.keys.events()
        self.consumer = consumer or f"pid-{os.getpid()}"
        try:
            router.redis.xgroup_create(self.stream, GROUP, id="$", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def poll(self, batch: int = 100) -> int:
        """Handle every new event (own unacknowledged ones first); returns calls redirected."""
        redirected = 0
        for start in ("0", ">"):
            while True:
                reply = self.router.redis.xreadgroup(GROUP, self.consumer, {self.stream: start},
                                                     count=batch)
                entries = [(eid, f) for eid, f in (reply[0][1] if reply else []) if f]
                if not entries:
                    break
                for _, fields in entries:
                    redirected += self._handle({k.decode(): v.decode()
                                                for k, v in fields.items()})
                self.router.redis.xack(self.stream, GROUP, *[eid for eid, _ in entries])
        return redirected

    def _handle(self, event: dict[str, str]) -> int:
        if event.get("type") != "reserved":
            return 0
        offer = event.get("offer", "")
        try:
            task = self.router.task(event.get("task", ""))
        except RoutingError:
            return 0
        call_sid = task["attributes"].get("call_sid", "")
        if task["channel"] != "voice" or not call_sid or task["state"] != "reserved" \
                or task["offer"] != offer:
            return 0  # callbacks have no live call; stale offers are someone else's past
        url = f"{self.base}/twilio/voice/connect?{urlencode({'offer': offer})}"
        try:
            self.gateway.redirect_call(call_sid, url)
        except Exception:  # the call ended or Twilio failed: the next agent may still take it
            log.warning("could not redirect call of task %s; offer returned", task["id"])
            with contextlib.suppress(RoutingError):  # expired meanwhile
                self.router.reject(offer)
            return 0
        return 1
