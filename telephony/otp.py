"""One-time codes that prove a phone number: 6 digits by WhatsApp (SMS as fallback), valid for
`TTL_SECONDS`, `ATTEMPTS` tries; only an HMAC of the code is stored (Redis, with the code's TTL).

A right code marks the phone verified for `VERIFIED_SECONDS` (the outbound allow-list reads the
mark) and is deleted; the check and the count of the attempt are one Lua step (otp_check.lua).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import cache
from importlib import resources

import redis

from telephony.gateway import Messenger, send_message
from telephony.keys import Keys

TTL_SECONDS = 300
ATTEMPTS = 5
VERIFIED_SECONDS = 90 * 86400  # about a complaint's life: its notices may follow for weeks
TEXT = {
    "id": "Kode verifikasi Anda: {code}. Berlaku 5 menit. Jangan berikan kode ini kepada "
    "siapa pun.",
    "en": "Your verification code: {code}. Valid for 5 minutes. Do not share it with anyone.",
}


class CodeNotSent(Exception):
    """Neither WhatsApp nor SMS took the message (or the number may not be written to)."""


@cache
def _script_source() -> str:
    return (resources.files("telephony") / "lua" / "otp_check.lua").read_text()


class OneTimeCodes:
    def __init__(self, client: redis.Redis, keys: Keys, gateway: Messenger, secret: bytes) -> None:
        self.redis = client
        self.keys = keys
        self.gateway = gateway
        self.secret = secret
        self.check_script = client.register_script(_script_source())

    def _digest(self, phone: str, code: str) -> str:
        return hmac.new(self.secret, f"{phone}|{code}".encode(), hashlib.sha256).hexdigest()

    def send(self, phone: str, language: str, sender: str, channel: str) -> str:
        """Store a new code for `phone` (replacing any pending one) and send it; the channel it
        went on. CodeNotSent (and no code kept) when it could not be sent."""
        code = f"{secrets.randbelow(10**6):06d}"
        key = self.keys.one_time_code(phone)
        with self.redis.pipeline() as pipe:
            pipe.delete(key)
            pipe.hset(key, mapping={"digest": self._digest(phone, code), "attempts": 0})
            pipe.expire(key, TTL_SECONDS)
            pipe.execute()
        used = send_message(
            self.gateway, phone, TEXT.get(language, TEXT["en"]).format(code=code), channel, sender
        )
        if used is None:
            self.redis.delete(key)
            raise CodeNotSent(phone)
        return used

    def check(self, phone: str, code: str) -> tuple[str, int]:
        """('ok', 0) | ('wrong', attempts left) | ('spent', 0) | ('none', 0)."""
        reply = self.check_script(
            keys=[self.keys.one_time_code(phone), self.keys.verified_phone(phone)],
            args=[self._digest(phone, code), ATTEMPTS, VERIFIED_SECONDS],
        )
        outcome = reply[0].decode()
        return outcome, int(reply[1]) if len(reply) > 1 else 0
