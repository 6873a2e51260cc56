"""Fixtures of the complaint tests: the app with a recording gateway and a settable clock, agents
of the customer-experience and investigating teams, and a snapshot of this test's Redis keys."""

from __future__ import annotations

import pytest

from telephony.complaints.model import Policy
from telephony.services import services
from tests.ivr.conftest import OPEN_AT, Clock, FakeGateway, settings
from tests.public.conftest import account_headers
from vero.web.app import create_app

SUPERVISOR = {"Authorization": "Bearer supervisor-token-for-tests"}
SENDER = "+622150001234"


@pytest.fixture
def clock() -> Clock:
    return Clock(OPEN_AT)


@pytest.fixture
def gateway() -> FakeGateway:
    return FakeGateway()


@pytest.fixture
def app(redis_client, namespace, tmp_path, clock, gateway):
    app = create_app(
        settings(tmp_path, rate_limits={"complaint_customer": "100/hour"}),
        redis_client=redis_client,
        namespace=namespace,
        clock=clock,
        gateway=gateway,
    )
    app.testing = True
    app.extensions["vero-complaints"].policy = Policy(sender=SENDER)  # the website's number
    return app


@pytest.fixture
def client(app):
    """A client logged in as the website customer of +628111000001 (explicit headers win)."""
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = account_headers(
        client, SUPERVISOR, "+628111000001"
    )["Authorization"]
    return client


@pytest.fixture
def svc(app):
    with app.app_context():
        yield services()


def make_agent(client, agent_id: str, skills: dict[str, int]) -> dict[str, str]:
    reply = client.put(
        f"/api/agents/{agent_id}",
        json={"name": agent_id, "skills": skills, "languages": ["id", "en"]},
        headers=SUPERVISOR,
    )
    assert reply.status_code == 200, reply.json
    return {"Authorization": f"Bearer {reply.json['token']}"}


def snapshot(redis_client, namespace) -> dict[bytes, bytes]:
    """Every key of this test with its serialised value: compared before and after a refusal
    (but the rate-limit counters: a refused request still counts against those)."""
    return {
        key: redis_client.dump(key)
        for key in sorted(redis_client.scan_iter(match=f"{namespace}:*", count=1000))
        if b":ratelimit:" not in key
    }
