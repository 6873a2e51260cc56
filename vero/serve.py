"""`vero serve`: settings, Redis (embedded unless REDIS_URL), the app and the dispatcher loop."""

from __future__ import annotations

import dataclasses
import logging

import click
from werkzeug.serving import run_simple

from telephony.connector import Connector
from telephony.routing.contact_log import ContactLog
from telephony.routing.dispatcher import Dispatcher
from vero.app import create_app, services
from vero.embedded_redis import EmbeddedRedis
from vero.settings import Settings


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, help="Port to listen on.")
def serve(host: str, port: int) -> None:
    """Run the Vero service: webhooks, agent and supervisor API, routing loop.

    Without REDIS_URL a real redis-server is started under VERO_DATA_DIR/redis (append-only
    persistence, so a restart finds the same agents and queued tasks) and stopped on exit.
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = Settings.from_env()
    embedded = None
    if settings.redis_url is None:
        embedded = EmbeddedRedis(settings.data_dir / "redis").start()
        settings = dataclasses.replace(settings, redis_url=embedded.url)
        click.echo(f"embedded redis-server on {embedded.url} (data in {embedded.data_dir})")
    try:
        app = create_app(settings)
        with app.app_context():
            router, gateway = services().router, services().gateway
        dispatcher = Dispatcher(router, ContactLog(router.redis, router.keys, router.centre,
                                                   settings.data_dir),
                                connector=Connector(router, gateway,
                                                    settings.public_base_url)).start()
        click.echo(f"Vero serving centre '{router.centre.id}' on http://{host}:{port}")
        try:
            run_simple(host, port, app, threaded=True)
        finally:
            dispatcher.stop()
    finally:
        if embedded is not None:
            embedded.stop()
