"""A complaint chosen in the IVR menu: its reference (one per call, from the sequence the case
store shares), read out digit by digit, and sent to the caller by WhatsApp or SMS, once. The
case itself is opened by `placement.queue_call` in the complaint store.
"""

from __future__ import annotations

import datetime as dt
from typing import cast

from flask import request

from telephony.complaints.procedure import MESSAGE_CHANNEL, receipt_text
from telephony.complaints.store import next_reference, send_message
from telephony.ivr import call
from telephony.services import Services


def reference(svc: Services, call_sid: str) -> str:
    """CMP-<year>-<6 digits>, one per call however often the step is retried."""
    key = svc.router.keys.idempotency("complaint-ref", call_sid)
    existing = cast("bytes | None", svc.redis.get(key))  # the client does not decode
    if existing:
        return existing.decode()
    year = dt.datetime.fromtimestamp(svc.router.clock(), svc.centre.tz).year
    ref = next_reference(svc.redis, svc.router.keys, year)
    if svc.redis.set(key, ref, nx=True, ex=call.IDEMPOTENT_FOR * 30):
        return ref
    return cast(bytes, svc.redis.get(key)).decode()  # a retry running alongside set it first


def spoken(ref: str) -> str:
    """Digits read one by one ('C M P, 2 0 2 5, 0 0 0 0 4 2')."""
    return ", ".join(" ".join(part) for part in ref.split("-"))


def confirm(svc: Services, call_sid: str, lang: str, ref: str) -> None:
    """The reference by WhatsApp (SMS if that fails), once; a failure never breaks the call."""
    caller, number = request.form.get("From", ""), request.form.get("To", "")
    if not caller or call.done(svc, "complaint-message", call_sid):
        return
    send_message(svc.gateway, caller, receipt_text(lang, ref), MESSAGE_CHANNEL, number)
    call.mark_done(svc, "complaint-message", call_sid)
