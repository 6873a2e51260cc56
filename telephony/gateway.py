"""Outbound Twilio REST behind a small interface, so the IVR and connector can be tested with a
fake and the real client can be pointed at a local recorder (VERO_TWILIO_API_BASE)."""

from __future__ import annotations

import logging
from typing import Protocol

from twilio.rest import Client

from vero.settings import Settings

log = logging.getLogger(__name__)


class Gateway(Protocol):
    def redirect_call(self, call_sid: str, url: str) -> None:
        """Make a live call fetch new TwiML from `url`."""

    def send_message(self, to: str, body: str, channel: str, sender: str) -> str:
        """Send a WhatsApp or SMS message from `sender` (the Vero number the customer reached);
        returns the message sid."""


def mask(phone: str) -> str:
    """A phone number fit for logs: '+6281234567890' → '+62*******7890'."""
    digits = phone.removeprefix("whatsapp:")
    return digits[:3] + "*" * max(len(digits) - 7, 0) + digits[-4:] if len(digits) > 7 else "***"


class TwilioGateway:
    """The real gateway: the official client, against Twilio's cloud or `twilio_api_base`."""

    def __init__(self, settings: Settings) -> None:
        self.client = Client(settings.twilio_account_sid, settings.twilio_auth_token)
        if settings.twilio_api_base:
            self.client.api.base_url = settings.twilio_api_base.rstrip("/")

    def redirect_call(self, call_sid: str, url: str) -> None:
        self.client.calls(call_sid).update(url=url, method="POST")

    def send_message(self, to: str, body: str, channel: str, sender: str) -> str:
        if channel == "whatsapp":
            to = "whatsapp:" + to.removeprefix("whatsapp:")
            sender = "whatsapp:" + sender.removeprefix("whatsapp:")
        message = self.client.messages.create(from_=sender, to=to, body=body)
        log.info("sent %s message to %s", channel, mask(to))
        return message.sid
