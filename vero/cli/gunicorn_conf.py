"""gunicorn's configuration hooks for `vero web` (`--config python:vero.cli.gunicorn_conf`); the
options themselves come on gunicorn's command line, built by vero/cli/web.py.

Kept apart from vero/cli/web.py because gunicorn's master imports it before it forks: it loads no
app and opens no connection, so each worker builds its own app (and a gevent worker patches its
sockets first).
"""

from __future__ import annotations

import os

from vero.web.logs import log_format, logging_config

logconfig_dict = logging_config(log_format(os.environ))


def child_exit(server: object, worker: object) -> None:
    """A worker ended: its live figures leave the multiprocess metrics (its counts stay)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined]
