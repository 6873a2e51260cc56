"""What every blueprint shares, set up once by `create_app`: reach it with `services()`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import redis
from flask import current_app

from telephony.gateway import Messenger
from telephony.outbox import Outbox
from telephony.routing.router import RedisRouter
from vero.kernel.centre import Centre
from vero.kernel.settings import Settings


@dataclass
class Services:
    settings: Settings
    centre: Centre
    redis: redis.Redis
    router: RedisRouter
    gateway: Messenger  # messages, sent within the request (behind the outbound policy)

    @cached_property
    def outbox(self) -> Outbox:
        """Every call request (legs, conferences, recordings) goes here, to be sent off the
        request. Made on first use: the web process starts, and says it is not ready, without
        Redis."""
        return Outbox(self.redis, self.router.keys)


def services() -> Services:
    return current_app.extensions["vero"]
