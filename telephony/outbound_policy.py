"""Who Vero may write to: the one check in front of every outbound WhatsApp/SMS message.

`PolicedGateway` wraps the app's gateway (vero/web/app.py), so every sender (agent replies,
complaint confirmations and notices, the IVR's complaint message, one-time codes) passes here. A
message goes only to a number that

- wrote in (an open conversation on WhatsApp or SMS) or has a complaint case (opened from a call,
  a conversation, or the website form after a login or a code),
- is in the customer directory or on a customer account,
- passed a one-time code, or is being sent one right now (the code's own send);

and at most `daily_cap` messages sent per number and local day (a Redis counter that expires
after the day; a failed send gives its count back). A refusal raises `OutboundRefused`, which
every sender already treats as a failed send.
"""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from telephony.customers import normalise_phone
from telephony.gateway import Messenger, mask
from telephony.keys import Keys
from vero.kernel.redis_client import Client

log = logging.getLogger(__name__)
CHANNELS_WRITING_IN = ("whatsapp", "sms")


class OutboundRefused(RuntimeError):
    """The number may not be written to (not allow-listed, or its daily cap is spent)."""


class OutboundPolicy:
    def __init__(self, client: Client, keys: Keys, tz: ZoneInfo, daily_cap: int, clock) -> None:
        self.redis = client
        self.keys = keys
        self.tz = tz
        self.daily_cap = daily_cap
        self.clock = clock

    def known(self, phone: str) -> bool:
        """Whether `phone` (E.164) is on the allow-list (see the module's docstring)."""
        keys = self.keys
        with self.redis.pipeline(transaction=False) as pipe:
            for channel in CHANNELS_WRITING_IN:
                pipe.exists(keys.conversation(channel, phone))
            pipe.exists(
                keys.customer_complaints(phone),
                keys.verified_phone(phone),
                keys.one_time_code(phone),
            )
            pipe.hexists(keys.customers(), phone)
            pipe.hexists(keys.customer_account_phones(), phone)
            return any(pipe.execute())

    def _counter(self, phone: str) -> tuple[str, int]:
        """Today's counter of `phone` and the seconds until it may go (after the local day)."""
        now = dt.datetime.fromtimestamp(self.clock(), self.tz)
        end_of_day = dt.datetime.combine(
            now.date() + dt.timedelta(days=1), dt.time(), tzinfo=self.tz
        )
        # relative: the clock may be a test's
        return (
            self.keys.outbound_count(now.date().isoformat(), phone),
            int((end_of_day - now).total_seconds()) + 3600,
        )

    def admit(self, to: str) -> None:
        """Count one message to `to`, or raise OutboundRefused (and count nothing)."""
        phone = normalise_phone(to or "")
        if phone is None or not self.known(phone):
            raise OutboundRefused(
                f"{mask(to or '')} never wrote in, has no account and did not pass a one-time code"
            )
        key, ttl = self._counter(phone)
        with self.redis.pipeline() as pipe:
            pipe.incr(key)
            pipe.expire(key, ttl)
            sent, _ = pipe.execute()
        if sent > self.daily_cap:
            self.refund(phone)
            raise OutboundRefused(f"{mask(phone)} had its {self.daily_cap} messages today")

    def refund(self, to: str) -> None:
        """Give back the count of a message that was not sent after all."""
        phone = normalise_phone(to or "")
        if phone is not None:
            self.redis.decr(self._counter(phone)[0])


class PolicedGateway:
    """A messenger whose messages pass the policy first."""

    def __init__(self, inner: Messenger, policy: OutboundPolicy) -> None:
        self.inner = inner
        self.policy = policy

    def send_message(self, to: str, body: str, channel: str, sender: str) -> str:
        try:
            self.policy.admit(to)
        except OutboundRefused as exc:
            log.warning("outbound %s message refused: %s", channel, exc)
            raise
        try:
            return self.inner.send_message(to, body, channel, sender)
        except Exception:  # not sent: it does not count against the cap
            self.policy.refund(to)
            raise
