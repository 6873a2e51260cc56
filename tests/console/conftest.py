"""Fixtures of the console tests: the app on real Redis, a logged-in supervisor, agents, and for
the browser tests a real HTTP server in a thread and headless Chromium driven by Playwright."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from telephony.keys import Keys
from telephony.services import services
from vero.kernel.settings import Settings
from vero.web import csrf
from vero.web.app import create_app
from vero.web.jobs import JobQueue

SUPERVISOR = "supervisor-token-0123456789"
CHROMIUM = Path("/usr/bin/chromium")
WORKER_START_SECONDS = 240
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives headless Chromium through Playwright")


class PageClient(FlaskClient):
    """A test client that sends with every state change the CSRF token of its session, as the
    console's forms and scripts do (`csrf=False`: none, as a forged request from another site).
    tests/security proves the refusals with plain clients."""

    def open(self, *args, csrf_token: bool = True, **kwargs):
        if csrf_token and kwargs.get("method", "GET") not in csrf.SAFE_METHODS:
            with self.session_transaction() as session:
                token = session.setdefault(csrf.SESSION_KEY, secrets.token_urlsafe(32))
            kwargs["headers"] = {**dict(kwargs.get("headers") or {}), csrf.HEADER: token}
        return super().open(*args, **kwargs)


def console_app(redis_client, namespace: str, data_dir: Path, **more: Any) -> Flask:
    """One web app instance; several may serve one Redis and data dir (a restart, a second
    web process). `more`: other settings (a centre file, a Twilio REST base)."""
    settings = Settings(
        **{
            "redis_url": None,
            "public_base_url": "http://127.0.0.1:8000",
            "twilio_account_sid": "AC" + "0" * 32,
            "twilio_auth_token": "secret",
            "centre_path": None,
            "supervisor_token": SUPERVISOR,
            "data_dir": data_dir,
            **more,
        }
    )
    app = create_app(settings, redis_client=redis_client, namespace=namespace)
    app.config["CONSOLE_STREAM_SECONDS"] = 3  # streams end soon: no worker held by a test
    app.test_client_class = PageClient  # its clients post as the pages do (CSRF token)
    return app


@pytest.fixture
def app(redis_client, namespace, tmp_path) -> Flask:
    return console_app(redis_client, namespace, tmp_path)


class WorkerProcesses:
    """`vero worker` processes on the test's queue and data dir; stopped by PID afterwards (with
    their work-horses: a second SIGTERM is RQ's cold shutdown)."""

    def __init__(self, redis_url: str, keys: Keys, data_dir: Path) -> None:
        self.env = {
            **os.environ,
            "REDIS_URL": redis_url,
            "VERO_DATA_DIR": str(data_dir),
            "TWILIO_AUTH_TOKEN": "secret",
            "VERO_SUPERVISOR_TOKEN": SUPERVISOR,
        }
        self.queue = JobQueue(redis.Redis.from_url(redis_url), keys, dt.timedelta(days=7))
        self.started: list[subprocess.Popen] = []

    def start(self, **env: str) -> subprocess.Popen:
        """A worker, once it listens (its start imports pandas, PuLP, SimPy: slow on a busy
        machine, and not part of any job's time)."""
        before = self.queue.workers()
        process = subprocess.Popen(
            [sys.executable, "-m", "vero.cli", "worker", "--queue", self.queue.keys.jobs_queue()],
            env={**self.env, **env},
        )
        self.started.append(process)
        deadline = time.monotonic() + WORKER_START_SECONDS
        while self.queue.workers() <= before:
            assert process.poll() is None, f"vero worker exited with {process.returncode}"
            assert time.monotonic() < deadline, "vero worker did not start listening"
            time.sleep(0.2)
        return process

    def stop_all(self) -> None:
        for process in self.started:
            for _ in range(2):
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
                    try:
                        process.wait(timeout=10)
                    except subprocess.TimeoutExpired:
                        continue
            if process.poll() is None:
                process.kill()
                process.wait()


@pytest.fixture
def workers(redis_url, namespace, centre, tmp_path) -> Iterator[WorkerProcesses]:
    started = WorkerProcesses(redis_url, Keys(centre.id, namespace), tmp_path)
    yield started
    started.stop_all()


@pytest.fixture
def worker(workers: WorkerProcesses) -> subprocess.Popen:
    """One `vero worker` working this test's console jobs."""
    return workers.start()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def supervisor(client: FlaskClient) -> FlaskClient:
    reply = client.post("/console/login", data={"token": SUPERVISOR})
    assert reply.status_code == 302
    return client


def add_agent(app: Flask, agent_id: str = "ayu", name: str = "Ayu Lestari") -> str:
    """An agent who handles complaints in both languages; returns its token."""
    with app.app_context():
        _, token = services().router.upsert_agent(
            agent_id,
            {"complaints": 4, "general": 2},
            ("id", "en"),
            {"voice": 1, "chat": 3},
            name=name,
        )
    return token


def enqueue(app: Flask, task_id: str, channel: str = "voice", queue: str = "complaints") -> None:
    with app.app_context():
        services().router.enqueue(task_id, channel, queue, "id")


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app behind a real threaded HTTP server, as a browser needs it."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium through Playwright. Without either, a browser test is skipped on a
    developer's machine and fails in CI (CI=true), where a skipped browser test proves nothing."""
    if not CHROMIUM.exists():
        _skip_or_fail("browser tests need Debian's chromium (apt-get install -y chromium)")
    try:
        from playwright import sync_api
    except ImportError:
        _skip_or_fail("browser tests need Playwright (pip install playwright)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _skip_or_fail(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: browser tests must run)")
    pytest.skip(reason)


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(5000)
    yield page
    context.close()


SCREENSHOTS = Path(os.environ.get("VERO_SCREENSHOTS", "build/screenshots"))


@pytest.fixture
def screenshot() -> Callable[..., Path]:
    """Saves what a page shows as `build/screenshots/<name>.png` (VERO_SCREENSHOTS moves the
    folder): the pictures a closing note lists, rewritten by every run of the browser tests."""

    def take(page: Any, name: str, full_page: bool = False) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take
