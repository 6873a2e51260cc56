"""`vero dispatch`: the routing loop with no web server (timers, contact records, the voice
connector, complaint escalation, callback tries falling due) and the outbox's sender threads.
Run one or more next to the web processes, against the same Redis; `vero serve` runs the same
code inside its one process."""

from __future__ import annotations

import contextlib
import functools
import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import click
import redis
from flask import Flask

from telephony.breach_alerts import BreachAlerts
from telephony.complaints.store import CaseStore, case_store
from telephony.connector import GROUP as CONNECTOR_GROUP
from telephony.connector import Connector
from telephony.gateway import TwilioGateway
from telephony.ivr.outbound import enqueue_due_callbacks
from telephony.outbound_policy import OutboundPolicy, PolicedGateway
from telephony.outbox import GROUP as OUTBOX_GROUP
from telephony.outbox import Outbox, Senders
from telephony.routing.agent_states import AgentStates
from telephony.routing.contact_log import ContactLog
from telephony.routing.dispatcher import Dispatcher, dispatcher_id
from telephony.routing.takeover import prune_consumers
from telephony.services import services
from vero.kernel.errors import VeroError
from vero.kernel.settings import Settings, SettingsError
from vero.web.api.chat import end_idle_chats
from vero.web.app import create_app


@dataclass(frozen=True)
class Dispatching:
    dispatcher: Dispatcher
    senders: Senders
    outbox: Outbox


@contextmanager
def dispatching(
    app: Flask, *, ident: str | None = None, senders: int = 4, interval: float = 0.2
) -> Iterator[Dispatching]:
    """The dispatcher loop and the sender threads of `app`'s Redis, stopped on exit. The
    dispatcher's own messages (complaint escalation) go through the outbox, never straight to
    Twilio: nothing on the loop waits for the REST API."""
    ident = ident or dispatcher_id()
    with app.app_context():
        svc, cases = services(), case_store()
    settings, router = svc.settings, svc.router
    outbox = Outbox(router.redis, router.keys)
    connector = Connector(
        router,
        outbox,
        settings.public_base_url,
        consumer=ident,
        caller_id=router.centre.caller_id or settings.messaging_number,
    )
    # the outbound policy (who may be written to) in front of the outbox, as in front of the
    # web's gateway
    policed = PolicedGateway(
        outbox,
        OutboundPolicy(
            router.redis, router.keys, router.centre.tz, settings.outbound_daily_cap, router.clock
        ),
    )
    escalation = CaseStore(
        cases.redis, cases.keys, router, policed, settings.data_dir, cases.policy
    )

    # the duty supervisor's breach messages, through the outbox (off without a number)
    alerts = (
        (
            BreachAlerts(
                router,
                outbox,
                settings.duty_supervisor_phone,
                settings.messaging_number,
                settings.breach_alert_minutes * 60,
            ).check,
        )
        if settings.duty_supervisor_phone
        else ()
    )

    def forget_old_consumers() -> None:
        prune_consumers(router.redis, connector.stream, CONNECTOR_GROUP)
        prune_consumers(router.redis, outbox.stream, OUTBOX_GROUP)

    timeline = AgentStates(router.redis, router.keys, router.centre, settings.data_dir)
    pool = Senders(
        outbox,
        router,
        lambda: TwilioGateway(settings),
        ident,
        threads=senders,
        tries=settings.twilio_tries,
        timeout=settings.twilio_timeout,
    ).start()
    try:
        dispatcher = Dispatcher(
            router,
            ContactLog(
                router.redis,
                router.keys,
                router.centre,
                settings.data_dir,
                consumer=ident,
                retention_hours=settings.closed_retention_hours,
            ),
            interval=interval,
            ident=ident,
            report=pool.tally,
            periodic=(
                connector.poll,
                escalation.escalate_overdue,
                functools.partial(end_idle_chats, router),
                functools.partial(enqueue_due_callbacks, router),
                timeline.record,
                *alerts,
            ),
            occasional=(forget_old_consumers, timeline.reconcile),
        ).start()
        try:
            yield Dispatching(dispatcher, pool, outbox)
        finally:
            dispatcher.stop()
    finally:
        pool.stop()


def wait_for_interrupt() -> None:
    """Block the main thread until Ctrl-C or SIGTERM (a service manager stopping Vero): both
    leave through the caller's context managers, which stop everything they started."""

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    with contextlib.suppress(KeyboardInterrupt):
        threading.Event().wait()


@click.command()
@click.option(
    "--senders",
    default=4,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Threads sending outbound Twilio REST requests from the outbox.",
)
@click.option(
    "--interval",
    default=0.2,
    show_default=True,
    type=click.FloatRange(0.01, 5),
    help="Seconds between two rounds of the timer loop.",
)
def dispatch(senders: int, interval: float) -> None:
    """Run a dispatcher: timers, contact records, ringing agents, complaint escalation.

    Needs REDIS_URL (the Redis the web processes use). Any number may run at once; each timer
    is applied once. SIGTERM stops it cleanly; what it held is taken over by the others.
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = Settings.from_env()
    if settings.redis_url is None:
        raise SettingsError(
            ["REDIS_URL: required by vero dispatch (the Redis the web processes use)"]
        )
    app = create_app(settings)
    try:
        with app.app_context():
            services().redis.ping()
    except redis.RedisError as exc:
        raise VeroError(f"REDIS_URL: cannot reach {settings.redis_url}: {exc}") from exc
    with dispatching(app, senders=senders, interval=interval) as running:
        click.echo(
            f"vero dispatch {running.dispatcher.ident}: {senders} senders, "
            f"round every {interval:g} s (SIGTERM stops)"
        )
        wait_for_interrupt()
    click.echo(f"vero dispatch {running.dispatcher.ident}: stopped")
