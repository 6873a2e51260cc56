"""The duty supervisor's breach messages: one WhatsApp message per queue and alert window, sent by
the dispatcher through the outbox to Twilio (the REST recorder), none when no number is set; the
settings that switch them on are checked at start."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from telephony.breach_alerts import BreachAlerts
from telephony.outbox import Outbox
from telephony.services import services
from telephony.twilio_emulator import RestRecorder
from tests.console.conftest import console_app
from tests.console.wallboard_traffic import NOW, busy_afternoon
from vero.cli.dispatch import dispatching
from vero.kernel.settings import Settings, SettingsError

DUTY = "+6281234567890"
SENDER = "+6221500123"


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _outbox_messages(outbox: Outbox) -> list[dict[str, str]]:
    entries = outbox.redis.xrange(outbox.stream)
    return [
        {k.decode(): v.decode() for k, v in fields.items()}
        for _, fields in entries
        if fields.get(b"kind") == b"message"
    ]


def test_one_message_per_queue_and_window(app):
    busy_afternoon(app)  # complaints breaches (a chat waiting 25:33, nobody ready)
    with app.app_context():
        router = services().router
        clock = Clock(NOW)
        router.clock = clock
        outbox = Outbox(router.redis, router.keys)
        alerts = BreachAlerts(router, outbox, DUTY, SENDER, window_seconds=900, every=0)
        assert alerts.check() == 1  # complaints, its two lines in one message
        [message] = _outbox_messages(outbox)
        assert (message["to"], message["channel"], message["sender"]) == (DUTY, "whatsapp", SENDER)
        assert message["body"].startswith("Vero: Keluhan dan purna jual (Telepon, Obrolan)")
        assert "sejak 14.07" in message["body"]
        assert "tunggu terlama 25 mnt 33 dtk melewati target 5 mnt" in message["body"]
        clock.now += 5  # general's English caller has waited 14 s of its 15: amber, no breach
        assert alerts.check() == 0  # complaints: still in its window
        # a second dispatcher (its own BreachAlerts) shares the window: nothing more
        assert BreachAlerts(router, outbox, DUTY, SENDER, window_seconds=900).check() == 0
        router.enqueue("t-vip", "voice", "vip", "id", created=clock.now - 30)  # vip breaches
        clock.now += 0.5
        assert alerts.check() == 1
        assert "Layanan VIP" in _outbox_messages(outbox)[-1]["body"]
        clock.now += 60  # general's caller waits past the target now: its own first message
        assert alerts.check() == 1
        assert "Layanan umum" in _outbox_messages(outbox)[-1]["body"]
        # each queue's window is a key that expires after the 15 minutes
        window = router.keys.breach_alert("complaints")
        assert 890 < router.redis.ttl(window) <= 900
        router.redis.delete(window)  # as at its expiry: complaints, still in breach, is told again
        assert alerts.check() == 1
        assert "Keluhan dan purna jual" in _outbox_messages(outbox)[-1]["body"]
        assert len(_outbox_messages(outbox)) == 4


@pytest.fixture
def recorder() -> Iterator[RestRecorder]:
    with RestRecorder() as recorder:
        yield recorder


def _wait_for(found, seconds: float = 10.0):
    deadline = time.monotonic() + seconds
    while not (value := found()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
    return value


@pytest.mark.parametrize("duty", [DUTY, ""])
def test_the_dispatcher_messages_the_duty_supervisor_only_when_set(
    redis_client, namespace, tmp_path, recorder, duty
):
    app = console_app(
        redis_client,
        namespace,
        tmp_path,
        twilio_api_base=recorder.url,
        messaging_number=SENDER,
        duty_supervisor_phone=duty,
    )
    busy_afternoon(app)
    with dispatching(app, senders=1, interval=0.05) as running:
        hooks = [getattr(work, "__self__", None) for work in running.dispatcher.periodic]
        assert any(isinstance(h, BreachAlerts) for h in hooks) == bool(duty)
        if duty:
            [sent] = _wait_for(recorder.messages_sent)
            assert sent.form["To"] == [f"whatsapp:{DUTY}"]
            assert "Keluhan dan purna jual" in sent.form["Body"][0]
        # rounds go by (the heartbeat's count grows); no further message comes
        with app.app_context():
            router = services().router
        beats = _wait_for(lambda: router.redis.hgetall(router.keys.dispatchers()))
        assert beats
    assert len(recorder.messages_sent()) == (1 if duty else 0)


def _env(**more: str) -> dict[str, str]:
    return {"TWILIO_AUTH_TOKEN": "secret", "VERO_SUPERVISOR_TOKEN": "s" * 16, **more}


def test_the_duty_supervisors_number_is_checked_at_start():
    assert Settings.from_env(_env()).duty_supervisor_phone == ""
    on = Settings.from_env(_env(VERO_DUTY_SUPERVISOR_PHONE=DUTY, VERO_MESSAGING_NUMBER=SENDER))
    assert (on.duty_supervisor_phone, on.breach_alert_minutes) == (DUTY, 15)
    with pytest.raises(SettingsError, match="VERO_DUTY_SUPERVISOR_PHONE: expected an E.164"):
        Settings.from_env(_env(VERO_DUTY_SUPERVISOR_PHONE="0812", VERO_MESSAGING_NUMBER=SENDER))
    with pytest.raises(SettingsError, match="needs VERO_MESSAGING_NUMBER"):
        Settings.from_env(_env(VERO_DUTY_SUPERVISOR_PHONE=DUTY))
    with pytest.raises(SettingsError, match="VERO_BREACH_ALERT_MINUTES"):
        Settings.from_env(_env(VERO_BREACH_ALERT_MINUTES="soon"))
