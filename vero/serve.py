"""`vero serve`: settings, Redis (embedded unless REDIS_URL), the app and the dispatcher loop."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import click
from flask import Flask
from werkzeug.serving import make_server

from telephony.chat import end_idle_chats
from telephony.complaints.store import case_store
from telephony.connector import Connector
from telephony.routing.contact_log import ContactLog
from telephony.routing.dispatcher import Dispatcher
from vero.app import create_app
from vero.embedded_redis import EmbeddedRedis
from vero.services import services
from vero.settings import Settings


@dataclass(frozen=True)
class Running:
    """A started service: its app (services inside `app.app_context()`) and settings."""

    app: Flask
    settings: Settings
    url: str


@contextmanager
def running(settings: Settings, host: str, port: int) -> Iterator[Running]:
    """Redis (embedded unless REDIS_URL), the app, the dispatcher (timers, contact records, the
    voice connector) and a threaded HTTP server on (host, port); all stopped on exit. `vero serve`
    and `vero demo` start Vero this one way."""
    embedded = None
    if settings.redis_url is None:
        embedded = EmbeddedRedis(settings.data_dir / "redis").start()
        settings = dataclasses.replace(settings, redis_url=embedded.url)
        click.echo(f"embedded redis-server on {embedded.url} (data in {embedded.data_dir})")
    try:
        app = create_app(settings)
        with app.app_context():
            router, gateway, cases = services().router, services().gateway, case_store()
        connector = Connector(router, gateway, settings.public_base_url)
        dispatcher = Dispatcher(router, ContactLog(router.redis, router.keys, router.centre,
                                                   settings.data_dir),
                                periodic=(connector.poll, cases.escalate_overdue,
                                          functools.partial(end_idle_chats, router))).start()
        try:
            server = make_server(host, port, app, threaded=True)
            thread = threading.Thread(target=server.serve_forever, name="vero-http", daemon=True)
            thread.start()
            try:
                yield Running(app, settings, f"http://{host}:{server.server_port}")
            finally:
                server.shutdown()
                server.server_close()
        finally:
            dispatcher.stop()
    finally:
        if embedded is not None:
            embedded.stop()


def wait_for_interrupt() -> None:
    """Block the main thread until Ctrl-C or SIGTERM (a service manager stopping Vero): both
    leave through the `running` context, which stops the embedded redis-server too."""
    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    with contextlib.suppress(KeyboardInterrupt):
        threading.Event().wait()


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, help="Port to listen on.")
def serve(host: str, port: int) -> None:
    """Run the Vero service: webhooks, agent and supervisor API, routing loop.

    Without REDIS_URL a real redis-server is started under VERO_DATA_DIR/redis (append-only
    persistence, so a restart finds the same agents and queued tasks) and stopped on exit.
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    with running(Settings.from_env(), host, port) as service:
        with service.app.app_context():
            centre = services().centre.id
        click.echo(f"Vero serving centre '{centre}' on {service.url} (Ctrl-C stops)")
        wait_for_interrupt()
