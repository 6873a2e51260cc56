"""Fixtures of the console tests: the app on real Redis, a logged-in supervisor, agents, and for
the browser tests a real HTTP server in a thread and headless Chromium driven by Playwright."""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from telephony.console import csrf
from vero.app import create_app
from vero.services import services
from vero.settings import Settings

SUPERVISOR = "supervisor-token-0123456789"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives headless Chromium through Playwright")


@pytest.fixture
def app(redis_client, namespace, tmp_path) -> Flask:
    settings = Settings(redis_url=None, public_base_url="http://127.0.0.1:8000",
                        twilio_account_sid="AC" + "0" * 32, twilio_auth_token="secret",
                        centre_path=None, supervisor_token=SUPERVISOR, data_dir=tmp_path)
    app = create_app(settings, redis_client=redis_client, namespace=namespace)
    app.config["CONSOLE_STREAM_SECONDS"] = 3  # streams end soon: no worker held by a test
    return app


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


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    app.test_client_class = PageClient
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
            agent_id, {"complaints": 4, "general": 2}, ("id", "en"), {"voice": 1, "chat": 3},
            name=name)
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
