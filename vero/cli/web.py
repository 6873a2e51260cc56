"""`vero web`: the web process of a production layout, under gunicorn.

The settings are checked once, here, before gunicorn starts: every problem is printed on its own
line and nothing forks. Then this process becomes gunicorn's master (exec, so a service manager
sees one PID), and each worker builds `vero.web.app:server_app()`.

The worker class is gthread, measured in benchmarks/streams.py against gevent on the same
machine (2 cores, heavily loaded: the lead re-runs it quietly): with gevent, Vero's webhooks took
p50 1.7 s / p99 7.8 s without any stream (a caller timed out), with gthread p50 18-53 ms; under
gevent one busy request (a snapshot, a KPI page, a forecast upload) also stalls every webhook of
its worker, where gthread lets the others run.

Each open wallboard stream holds one thread, so a worker serves at most
`threads - RESERVED_THREADS` streams and answers the next one 503 with a retry hint: at least
RESERVED_THREADS threads of every worker stay free for webhooks, whatever the number of
wallboards. The streams themselves cost little: one snapshot per push per process
(vero/web/stream.py).

Without `--workers`, one worker per core (threads carry the concurrency; more processes only
add memory); `vero dispatch` runs the timers and `vero worker` the console's jobs, against the
same REDIS_URL.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import click
import redis

from vero.kernel import redis_client
from vero.kernel.centre import load_centre
from vero.kernel.errors import VeroError
from vero.kernel.settings import Settings, SettingsError
from vero.web.logs import FORMAT_ENV, FORMATS, log_format
from vero.web.metrics import LOCAL_ONLY, MULTIPROC_ENV, TOKEN_ENV
from vero.web.stream import LIMIT_ENV

APP = "vero.web.app:server_app()"
WORKER_CLASSES = ("gthread", "gevent")
DEFAULT_WORKER_CLASS = "gthread"
DEFAULT_THREADS = 100
RESERVED_THREADS = 16  # threads per gthread worker that a stream never takes
GEVENT_CONNECTIONS = 1000  # gunicorn's default per gevent worker
GEVENT_STREAMS = 500  # streams per gevent worker: half its connections
BACKLOG = 2048


@dataclass(frozen=True)
class WebOptions:
    bind: str = "127.0.0.1:8000"
    workers: int = max(2, os.cpu_count() or 1)
    worker_class: str = DEFAULT_WORKER_CLASS
    threads: int = DEFAULT_THREADS
    stream_limit: int | None = None  # None: threads - RESERVED_THREADS, or GEVENT_STREAMS
    timeout: int = 30
    graceful_timeout: int = 20
    keep_alive: int = 5

    @property
    def streams_per_worker(self) -> int:
        if self.stream_limit is not None:
            return self.stream_limit
        if self.worker_class == "gevent":
            return GEVENT_STREAMS
        return max(1, self.threads - RESERVED_THREADS)


def gunicorn_argv(options: WebOptions, app: str = APP) -> list[str]:
    """gunicorn's command line for these options (the benchmark serves its peer app with it)."""
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        "python:vero.cli.gunicorn_conf",
        "--bind",
        options.bind,
        "--workers",
        str(options.workers),
        "--worker-class",
        options.worker_class,
        "--timeout",
        str(options.timeout),
        "--graceful-timeout",
        str(options.graceful_timeout),
        "--keep-alive",
        str(options.keep_alive),
        "--backlog",
        str(BACKLOG),
    ]
    if options.worker_class == "gthread":
        argv += ["--threads", str(options.threads)]
    else:
        argv += ["--worker-connections", str(GEVENT_CONNECTIONS)]
    if Path("/dev/shm").is_dir():  # the workers' heartbeat files: never on a slow disk
        argv += ["--worker-tmp-dir", "/dev/shm"]
    return [*argv, app]


def problems_with(options: WebOptions, env: Mapping[str, str]) -> tuple[Settings | None, list[str]]:
    """Every problem with the environment and the options, one line each."""
    problems: list[str] = []
    settings = None
    try:
        settings = Settings.from_env(env)
    except SettingsError as exc:
        problems += exc.problems
    if settings is not None:
        try:
            load_centre(settings.centre_path)
        except VeroError as exc:
            problems.append(f"VERO_CENTRE: {exc.one_line()}")
        if settings.redis_url is not None:
            client = redis_client.connect(settings.redis_url)  # a cluster URL too
            try:
                client.ping()
            except redis.RedisError as exc:
                problems.append(f"REDIS_URL: cannot reach {settings.redis_url}: {exc}")
            finally:
                client.close()
    if not env.get("REDIS_URL"):
        problems.append(
            "REDIS_URL: required by vero web (the web, dispatch and worker "
            "processes share one Redis; vero serve starts an embedded one)"
        )
    if log_format(env) not in FORMATS:
        problems.append(f"{FORMAT_ENV}: {env.get(FORMAT_ENV)!r} is not one of {', '.join(FORMATS)}")
    metrics_token = env.get(TOKEN_ENV, "")
    if metrics_token and metrics_token != LOCAL_ONLY and len(metrics_token) < 16:
        problems.append(
            f"{TOKEN_ENV}: shorter than 16 characters (or '{LOCAL_ONLY}' for loopback scrapes only)"
        )
    if (
        options.worker_class == "gthread"
        and options.threads - options.streams_per_worker < RESERVED_THREADS
    ):
        problems.append(
            f"--stream-limit {options.streams_per_worker} leaves fewer than "
            f"{RESERVED_THREADS} of the {options.threads} threads for webhooks"
        )
    if options.worker_class == "gevent":
        try:
            import gevent  # noqa: F401
        except ImportError:
            problems.append("--worker-class gevent: the gevent package is not installed")
    host, _, port = options.bind.rpartition(":")
    if not options.bind.startswith("unix:") and not (host and port.isdigit()):
        problems.append(f"--bind: {options.bind!r} is not HOST:PORT or unix:PATH")
    return settings, problems


def metrics_dir(env: Mapping[str, str], data_dir: Path) -> Path:
    """Where the workers' metric files go: PROMETHEUS_MULTIPROC_DIR, else VERO_DATA_DIR/metrics;
    emptied at every start, as prometheus-client's multiprocess mode requires."""
    folder = Path(env.get(MULTIPROC_ENV) or data_dir / "metrics")
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):  # only prometheus-client's own files
        stale.unlink()
    return folder


@click.command()
@click.option(
    "--bind",
    "-b",
    default=WebOptions.bind,
    show_default=True,
    help="HOST:PORT (or unix:PATH) to listen on; put a proxy (TLS) in front.",
)
@click.option(
    "--workers",
    "-w",
    type=click.IntRange(1, 64),
    default=WebOptions.workers,
    show_default="one per core",
    help="Worker processes.",
)
@click.option(
    "--worker-class",
    "-k",
    type=click.Choice(WORKER_CLASSES),
    default=DEFAULT_WORKER_CLASS,
    show_default=True,
    help="gthread (measured default) or gevent.",
)
@click.option(
    "--threads",
    type=click.IntRange(1, 1000),
    default=DEFAULT_THREADS,
    show_default=True,
    help="Threads per gthread worker.",
)
@click.option(
    "--stream-limit",
    type=click.IntRange(1),
    default=None,
    help=f"Open wallboard streams per worker [threads - {RESERVED_THREADS}; gevent: "
    f"{GEVENT_STREAMS}]; beyond it a viewer is told to retry.",
)
@click.option(
    "--timeout",
    type=click.IntRange(1),
    default=WebOptions.timeout,
    show_default=True,
    help="Seconds a silent worker lives before it is restarted.",
)
@click.option(
    "--graceful-timeout",
    type=click.IntRange(1),
    default=WebOptions.graceful_timeout,
    show_default=True,
    help="Seconds a stopping worker gets to finish its requests.",
)
@click.option(
    "--keep-alive",
    type=click.IntRange(0),
    default=WebOptions.keep_alive,
    show_default=True,
    help="Seconds an idle keep-alive connection stays open.",
)
@click.option("--log-json", is_flag=True, help=f"One JSON object per log line ({FORMAT_ENV}=json).")
@click.option("--check", is_flag=True, help="Check the settings, print gunicorn's command, exit.")
def web(
    bind: str,
    workers: int,
    worker_class: str,
    threads: int,
    stream_limit: int | None,
    timeout: int,
    graceful_timeout: int,
    keep_alive: int,
    log_json: bool,
    check: bool,
) -> None:
    """Run the web process (webhooks, API, console, /metrics) under gunicorn.

    Needs REDIS_URL: run `vero dispatch` (timers) and `vero worker` (console jobs) beside it
    against the same Redis. GET /metrics needs a bearer token (VERO_METRICS_TOKEN, else the
    supervisor token), or VERO_METRICS_TOKEN=local for loopback scrapes only.
    """
    options = WebOptions(
        bind, workers, worker_class, threads, stream_limit, timeout, graceful_timeout, keep_alive
    )
    env = dict(os.environ)
    if log_json:
        env[FORMAT_ENV] = "json"
    settings, problems = problems_with(options, env)
    if problems or settings is None:
        for problem in problems:
            click.echo(f"vero web: {problem}", err=True)
        sys.exit(2)
    env[LIMIT_ENV] = str(options.streams_per_worker)
    argv = gunicorn_argv(options)
    if check:
        click.echo(" ".join(argv))
        return
    env[MULTIPROC_ENV] = str(metrics_dir(env, settings.data_dir))
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, argv, env)
