"""`vero serve`: settings, Redis (embedded unless REDIS_URL), the app and the dispatcher loop."""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import click
from flask import Flask
from werkzeug.serving import make_server

from telephony.services import services
from vero.cli.dispatch import dispatching, wait_for_interrupt
from vero.cli.embedded_redis import EmbeddedRedis
from vero.cli.worker import WorkerProcess
from vero.kernel.settings import Settings
from vero.web.app import create_app


@dataclass(frozen=True)
class Running:
    """A started service: its app (services inside `app.app_context()`) and settings."""

    app: Flask
    settings: Settings
    url: str


@contextmanager
def running(settings: Settings, host: str, port: int) -> Iterator[Running]:
    """Redis (embedded unless REDIS_URL), the app, the dispatcher (timers, contact records, the
    voice connector, the outbox's senders: the same code as `vero dispatch`) and a threaded HTTP
    server on (host, port); all stopped on exit. `vero serve` and `vero demo` start Vero this
    one way."""
    embedded = None
    if settings.redis_url is None:
        embedded = EmbeddedRedis(settings.data_dir / "redis").start()
        settings = dataclasses.replace(settings, redis_url=embedded.url)
        click.echo(f"embedded redis-server on {embedded.url} (data in {embedded.data_dir})")
    try:
        app = create_app(settings)
        worker = WorkerProcess(settings)  # console background jobs: a `vero worker` child
        try:
            with dispatching(app):
                server = make_server(host, port, app, threaded=True)
                thread = threading.Thread(
                    target=server.serve_forever, name="vero-http", daemon=True
                )
                thread.start()
                try:
                    yield Running(app, settings, f"http://{host}:{server.server_port}")
                finally:
                    server.shutdown()
                    server.server_close()
        finally:
            worker.stop()
    finally:
        if embedded is not None:
            embedded.stop()


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
