"""Fixtures of the API tests: the whole app on a real Redis, with a fake Twilio gateway, the
supervisor's headers, and the tally of the fuzz run (printed at the end of the session)."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.ivr.conftest import OPEN_AT, Clock, FakeGateway, settings
from vero.web.app import create_app

SUPERVISOR = {"Authorization": "Bearer supervisor-token-for-tests"}
FUZZ_TALLY: Counter[str] = Counter()


@pytest.fixture
def app(redis_client, namespace, tmp_path):
    app = create_app(
        settings(tmp_path),
        redis_client=redis_client,
        namespace=namespace,
        clock=Clock(OPEN_AT),
        gateway=FakeGateway(),
    )
    app.testing = True
    return app


@pytest.fixture
def client(app):
    return app.test_client()


def pytest_terminal_summary(terminalreporter) -> None:
    if FUZZ_TALLY["requests"]:
        terminalreporter.write_line(
            f"API fuzz run: {FUZZ_TALLY['requests']} requests, {FUZZ_TALLY['5xx']} answered 5xx"
        )
