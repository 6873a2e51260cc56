"""Outbound Twilio REST behind a small interface, so the IVR and connector can be tested with a
fake and the real client can be pointed at a local recorder (VERO_TWILIO_API_BASE).

Every request of the real gateway is bounded by VERO_TWILIO_TIMEOUT: a Twilio API that accepts
the connection and never answers costs one timeout, never a hung thread."""

from __future__ import annotations

import logging
from typing import Protocol

import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from vero.kernel.settings import Settings

log = logging.getLogger(__name__)


Option = str | bool | int  # a REST parameter as the twilio client takes it


class Messenger(Protocol):
    def send_message(self, to: str, body: str, channel: str, sender: str) -> str:
        """Send a WhatsApp or SMS message from `sender` (the Vero number the customer reached);
        returns the message sid."""


class Gateway(Messenger, Protocol):
    """Every REST request Vero makes. The web sends its messages at once (a `Messenger`) and
    queues every call request in the outbox, whose senders hold the full gateway."""

    def redirect_call(self, call_sid: str, url: str) -> None:
        """Make a live call fetch new TwiML from `url`."""

    def create_call(self, to: str, from_: str, url: str, status_callback: str, timeout: int) -> str:
        """Dial out (an agent's leg, a callback's customer): Twilio fetches `url` once answered
        and posts each progress (initiated, ringing, answered, completed) to `status_callback`;
        returns the new call's sid."""

    def end_call(self, call_sid: str) -> None:
        """Hang up a call, ringing or in progress."""

    def update_participant(
        self, conference_sid: str, call_sid: str, changes: dict[str, Option]
    ) -> None:
        """Change one conference participant: hold, hold_url, muted, coaching, call_sid_to_coach."""

    def add_participant(
        self, conference_sid: str, to: str, from_: str, options: dict[str, Option]
    ) -> str:
        """Dial `to` into the conference (a third party, a supervisor); returns the call sid."""

    def record_call(self, call_sid: str, status_callback: str) -> str:
        """Start a dual-channel recording of a call (the caller on one channel, the rest on the
        other); Twilio posts the finished recording to `status_callback`. Returns its sid."""

    def set_recording(self, call_sid: str, recording_sid: str, status: str) -> None:
        """Pause, resume or stop a recording ('paused', 'in-progress', 'stopped')."""


def mask(phone: str) -> str:
    """A phone number fit for logs: '+6281234567890' → '+62*******7890'."""
    digits = phone.removeprefix("whatsapp:")
    return digits[:3] + "*" * max(len(digits) - 7, 0) + digits[-4:] if len(digits) > 7 else "***"


def send_message(gateway: Messenger, to: str, body: str, first: str, sender: str) -> str | None:
    """Send on `first` (WhatsApp), falling back to SMS; the channel used, None when both
    failed. A failure is logged, never raised: the caller records it."""
    for channel in dict.fromkeys((first, "sms")):
        try:
            gateway.send_message(to, body, channel, sender)
            return channel
        except Exception:  # the Messages API is outside our control
            log.warning("could not send %s message to %s", channel, mask(to))
    return None


def retryable(exc: Exception) -> bool:
    """Worth another try: a timeout, a refused or broken connection, Twilio's 5xx or 429. A
    4xx such as 'call is not in progress' (21220) or a bad number is final."""
    if isinstance(exc, TwilioRestException):
        return exc.status >= 500 or exc.status == 429
    return isinstance(exc, requests.RequestException | OSError)


class TwilioGateway:
    """The real gateway: the official client, against Twilio's cloud or `twilio_api_base`. Its
    HTTP session is not shared between threads: give each thread its own gateway."""

    def __init__(self, settings: Settings) -> None:
        self.client = Client(
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            http_client=TwilioHttpClient(timeout=settings.twilio_timeout),
        )
        if settings.twilio_api_base:
            self.client.api.base_url = settings.twilio_api_base.rstrip("/")

    def redirect_call(self, call_sid: str, url: str) -> None:
        self.client.calls(call_sid).update(url=url, method="POST")

    def create_call(self, to: str, from_: str, url: str, status_callback: str, timeout: int) -> str:
        call = self.client.calls.create(
            to=to,
            from_=from_,
            url=url,
            method="POST",
            status_callback=status_callback,
            status_callback_method="POST",
            status_callback_event=["initiated", "ringing", "answered", "completed"],
            timeout=timeout,
        )
        return str(call.sid)

    def end_call(self, call_sid: str) -> None:
        self.client.calls(call_sid).update(status="completed")

    def update_participant(
        self, conference_sid: str, call_sid: str, changes: dict[str, Option]
    ) -> None:
        self.client.conferences(conference_sid).participants(call_sid).update(**changes)

    def add_participant(
        self, conference_sid: str, to: str, from_: str, options: dict[str, Option]
    ) -> str:
        participant = self.client.conferences(conference_sid).participants.create(
            from_=from_,
            to=to,
            **options,
        )
        return str(participant.call_sid)

    def record_call(self, call_sid: str, status_callback: str) -> str:
        recording = self.client.calls(call_sid).recordings.create(
            recording_channels="dual",
            recording_status_callback=status_callback,
            recording_status_callback_method="POST",
        )
        return str(recording.sid)

    def set_recording(self, call_sid: str, recording_sid: str, status: str) -> None:
        self.client.calls(call_sid).recordings(recording_sid).update(status=status)

    def send_message(self, to: str, body: str, channel: str, sender: str) -> str:
        if channel == "whatsapp":
            to = "whatsapp:" + to.removeprefix("whatsapp:")
            sender = "whatsapp:" + sender.removeprefix("whatsapp:")
        message = self.client.messages.create(from_=sender, to=to, body=body)
        log.info("sent %s message to %s", channel, mask(to))
        return message.sid
