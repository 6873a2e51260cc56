"""The agent and supervisor HTTP API on real Redis: the routes, tokens, and 4xx for bad input."""

import pytest

from vero.kernel.settings import Settings
from vero.web.app import create_app

SUPERVISOR = "supervisor-token-0123456789"


class Clock:
    def __init__(self, now: float = 1_790_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def app(redis_client, namespace, tmp_path, clock):
    settings = Settings(
        redis_url=None,
        public_base_url="http://127.0.0.1:8000",
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token="secret",
        centre_path=None,
        supervisor_token=SUPERVISOR,
        data_dir=tmp_path,
    )
    return create_app(settings, redis_client=redis_client, namespace=namespace, clock=clock)


@pytest.fixture
def client(app):
    return app.test_client()


def sup(**extra):
    return {"Authorization": f"Bearer {SUPERVISOR}", **extra}


def make_agent(client, agent_id="ayu", **profile):
    body = {
        "name": "Ayu",
        "skills": {"complaints": 4, "general": 2},
        "languages": ["id", "en"],
        **profile,
    }
    reply = client.put(f"/api/agents/{agent_id}", json=body, headers=sup())
    assert reply.status_code == 200, reply.json
    return {"Authorization": f"Bearer {reply.json['token']}"}


def test_healthz(client):
    assert client.get("/healthz").json["status"] == "ok"


def test_a_call_goes_from_queue_to_agent_to_wrap_up(client, clock):
    agent = make_agent(client)
    assert (
        client.post("/api/agents/ayu/state", json={"state": "available"}, headers=agent).json[
            "state"
        ]
        == "available"
    )
    created = client.post(
        "/api/tasks",
        json={"channel": "voice", "queue": "complaints", "language": "id"},
        headers=sup(),
    )
    assert created.status_code == 201
    task_id = created.json["id"]
    offers = client.get("/api/agents/ayu/offers", headers=agent).json["offers"]
    assert [o["task"]["id"] for o in offers] == [task_id]
    clock.now += 2
    accepted = client.post(f"/api/offers/{offers[0]['offer_id']}/accept", headers=agent)
    assert accepted.json["task"]["state"] == "assigned"
    # the task as stored, as every read shows it: no keys for the times it has not reached
    assert accepted.json["task"] == client.get(f"/api/tasks/{task_id}", headers=sup()).json
    assert {"ended_at", "wrap_until", "answered_at"}.isdisjoint(accepted.json["task"])
    clock.now += 1
    client.application.extensions["vero"].router.bridge(task_id)  # the call's conference
    assert client.get("/api/agents/ayu", headers=agent).json["shown_state"] == "busy"
    done = client.post(f"/api/tasks/{task_id}/complete", headers=agent)
    assert done.json["state"] == "wrapping"
    assert client.get("/api/agents/ayu", headers=agent).json["shown_state"] == "wrap-up"
    clock.now += 61  # complaints wrap up for 60 s; the dispatcher's tick ends it
    client.application.extensions["vero"].router.tick()
    assert client.get("/api/agents/ayu", headers=agent).json["shown_state"] == "available"
    stats = client.get("/api/queues", headers=sup()).json["queues"]["complaints"]
    assert stats["today"]["offered"] == 1 and stats["today"]["answered"] == 1
    assert stats["today"]["service_level"] == 1.0 and stats["today"]["asa_seconds"] == 3.0


def test_accepting_an_expired_offer_is_409(client, clock):
    agent = make_agent(client)
    client.post("/api/agents/ayu/state", json={"state": "available"}, headers=agent)
    client.post(
        "/api/tasks", json={"channel": "voice", "queue": "general", "language": "id"}, headers=sup()
    )
    offer = client.get("/api/agents/ayu/offers", headers=agent).json["offers"][0]
    clock.now += 16  # voice offers last 15 s
    reply = client.post(f"/api/offers/{offer['offer_id']}/accept", headers=agent)
    assert reply.status_code == 409 and "expired" in reply.json["error"]


def test_tokens_are_checked(client):
    ayu = make_agent(client)
    make_agent(client, "budi")
    assert client.get("/api/agents").status_code == 401
    assert client.get("/api/agents", headers=ayu).status_code == 403
    assert client.get("/api/agents/budi", headers=ayu).status_code == 403
    assert (
        client.get("/api/agents/ayu", headers={"Authorization": "Bearer nope"}).status_code == 401
    )
    assert len(client.get("/api/agents", headers=sup()).json["agents"]) == 2


@pytest.mark.parametrize(
    ("path", "method", "body", "status", "words"),
    [
        (
            "/api/agents/x",
            "put",
            {"skills": {"astrology": 1}, "languages": ["id"]},
            400,
            "unknown skill",
        ),
        (
            "/api/agents/x",
            "put",
            {"skills": {"orders": 9}, "languages": ["id"]},
            400,
            "skills.orders': input should be less than or equal to 5",
        ),
        (
            "/api/agents/x",
            "put",
            {"skills": {"orders": 1}, "languages": ["fr"]},
            400,
            "unknown language",
        ),
        (
            "/api/agents/bad id!",
            "put",
            {"skills": {"orders": 1}, "languages": ["id"]},
            400,
            "agent id",
        ),
        (
            "/api/tasks",
            "post",
            {"channel": "fax", "queue": "general", "language": "id"},
            400,
            "channel",
        ),
        (
            "/api/tasks",
            "post",
            {"channel": "voice", "queue": "backoffice", "language": "id"},
            400,
            "takes no voice",
        ),
        ("/api/tasks", "post", "not json", 400, "JSON object"),
        ("/api/tasks/nope", "get", None, 404, "no task"),
        ("/api/tasks/nope/complete", "post", None, 404, "no task"),
        ("/api/agents/nope/state", "post", {"state": "available"}, 404, "no agent"),
        ("/api/agents/nope/state", "post", {"state": "dancing"}, 400, "state"),
        ("/api/offers/t-1.1/accept", "post", None, 409, "no longer pending"),
        ("/api/nothing", "get", None, 404, "not found"),
    ],
)
def test_bad_input_is_a_clear_4xx(client, path, method, body, status, words):
    kwargs = {"headers": sup()}
    if isinstance(body, str):
        kwargs.update(data=body, content_type="text/plain")
    elif body is not None:
        kwargs["json"] = body
    reply = getattr(client, method)(path, **kwargs)
    assert reply.status_code == status
    assert words.lower() in reply.json["error"].lower()


def test_completing_twice_and_canceling_an_assigned_task_are_409(client):
    agent = make_agent(client)
    client.post("/api/agents/ayu/state", json={"state": "available"}, headers=agent)
    task_id = client.post(
        "/api/tasks", json={"channel": "chat", "queue": "general", "language": "en"}, headers=sup()
    ).json["id"]
    offer = client.get("/api/agents/ayu/offers", headers=agent).json["offers"][0]
    client.post(f"/api/offers/{offer['offer_id']}/accept", headers=agent)
    assert client.post(f"/api/tasks/{task_id}/cancel", headers=sup()).status_code == 409
    client.post(f"/api/tasks/{task_id}/complete", headers=agent)
    client.post(f"/api/tasks/{task_id}/complete", headers=agent)  # ends wrap-up early
    again = client.post(f"/api/tasks/{task_id}/complete", headers=agent)
    assert again.status_code == 409 and "completed" in again.json["error"]
