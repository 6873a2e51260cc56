"""Click-to-call: an agent (or a supervisor for them) calls a customer; the task is the agent's at
once, on their voice load; the agent's leg rings first, its TwiML joins the conference and dials
the customer; a customer who does not answer ends it (no retries: the agent is there)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest

from telephony.gateway import TwilioGateway
from telephony.twilio_emulator import RestRecorder
from tests.ivr.conftest import PUBLIC, settings
from tests.ivr.dialling import CENTRE_NUMBER, agent, drain

SUPERVISOR = {"Authorization": "Bearer supervisor-token-for-tests"}
CUSTOMER = "+6281234567890"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def web(app):
    return app.test_client()


def test_the_agent_calls_a_customer_their_leg_first(web, svc, tmp_path):
    token = agent(svc, "ayu")
    reply = web.post("/api/agents/ayu/calls", json={"to": "0812-3456-7890"}, headers=bearer(token))
    assert reply.status_code == 202 and reply.json["status"] == "queued"
    task = svc.router.task(reply.json["task"]["id"])
    assert (task["state"], task["agent"], task["channel"]) == ("assigned", "ayu", "voice")
    assert task["attributes"]["kind"] == "outbound"
    assert task["attributes"]["callback_to"] == CUSTOMER
    assert svc.router.agent("ayu")["load"] == {"voice": 1}  # busy: no other offer meanwhile
    with RestRecorder() as recorder:
        drain(svc, TwilioGateway(settings(tmp_path, twilio_api_base=recorder.url)))
        (create,) = recorder.requests
    form = {k: v[0] for k, v in create.form.items()}
    assert create.path.endswith("/Calls.json")
    assert (form["To"], form["From"]) == ("client:ayu", CENTRE_NUMBER)
    assert form["Url"] == f"{PUBLIC}/twilio/voice/outbound-agent?task={task['id']}"
    assert form["StatusCallback"] == (
        f"{PUBLIC}/twilio/voice/outbound-agent-status?task={task['id']}"
    )
    assert svc.router.task(task["id"])["attributes"]["agent_leg"].startswith("CA")


def test_the_agents_answer_joins_the_conference_and_dials_the_customer(web, svc, gateway, twilio):
    token = agent(svc, "ayu", {"phone": "+628120000001"})
    task_id = web.post("/api/agents/ayu/calls", json={"to": CUSTOMER}, headers=bearer(token)).json[
        "task"
    ]["id"]
    drain(svc, gateway)
    reply = twilio.post(
        f"/twilio/voice/outbound-agent?task={task_id}", {"CallSid": "CA" + "a" * 32}
    )
    (dial,) = ET.fromstring(reply.data)
    (conference,) = dial
    assert (conference.tag, conference.text) == ("Conference", task_id)
    assert conference.get("participantLabel") == "agent"
    assert urlsplit(conference.get("statusCallback")).path == "/twilio/voice/conference"
    drain(svc, gateway)
    (agent_leg, customer_leg) = [args for op, args in gateway.rest if op == "create_call"]
    assert agent_leg["to"] == "+628120000001"
    assert (customer_leg["to"], customer_leg["from_"]) == (CUSTOMER, CENTRE_NUMBER)
    assert customer_leg["url"] == f"{PUBLIC}/twilio/voice/join?task={task_id}&lang=id"
    assert customer_leg["status_callback"].endswith(f"customer-status?task={task_id}&attempt=1")

    twilio.post(  # the customer never answers: the call ends, not retried
        f"/twilio/voice/customer-status?task={task_id}&attempt=1",
        {"CallSid": "CA" + "c" * 32, "CallStatus": "no-answer"},
    )
    task = svc.router.task(task_id)
    assert task["state"] == "wrapping" and task["attributes"]["attempt_1"].startswith("no-answer@")
    assert svc.redis.zcard(svc.router.keys.due_callbacks()) == 0


def test_an_unanswered_agent_leg_ends_the_call_and_frees_the_agent(web, svc, twilio, clock):
    token = agent(svc, "ayu")
    task_id = web.post("/api/agents/ayu/calls", json={"to": CUSTOMER}, headers=bearer(token)).json[
        "task"
    ]["id"]
    twilio.post(
        f"/twilio/voice/outbound-agent-status?task={task_id}",
        {"CallSid": "CA" + "a" * 32, "CallStatus": "no-answer"},
    )
    assert svc.router.task(task_id)["state"] == "wrapping"
    clock.now += 31
    svc.router.tick()
    assert svc.router.agent("ayu")["load"] == {}
    late = twilio.post(f"/twilio/voice/outbound-agent?task={task_id}", {"CallSid": "CA" + "a" * 32})
    assert b"<Hangup />" in late.data  # a leg answered after all: nothing to join


def test_only_the_agent_itself_or_a_supervisor(web, svc):
    agent(svc, "ayu")
    other = agent(svc, "budi")
    body = {"to": CUSTOMER}
    assert web.post("/api/agents/ayu/calls", json=body).status_code == 401
    assert web.post("/api/agents/ayu/calls", json=body, headers=bearer(other)).status_code == 403
    assert web.post("/api/agents/ayu/calls", json=body, headers=SUPERVISOR).status_code == 202
    assert web.post("/api/agents/nobody/calls", json=body, headers=SUPERVISOR).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [({"to": "not a number"}, "to"), ({}, "to"), ({"to": CUSTOMER, "case": "CMP-1999-9"}, "case")],
)
def test_bad_input_names_the_field(web, svc, body, field):
    token = agent(svc, "ayu")
    reply = web.post("/api/agents/ayu/calls", json=body, headers=bearer(token))
    assert reply.status_code == 400 and field in reply.json["error"]
    assert svc.router.agent("ayu")["load"] == {}


def test_an_agent_not_available_or_without_a_phone_gets_409(web, svc):
    on_break = agent(svc, "ayu", available=False)
    silent = agent(svc, "budi", contact={})
    busy = agent(svc, "citra")
    body = {"to": CUSTOMER}
    assert web.post("/api/agents/citra/calls", json=body, headers=bearer(busy)).status_code == 202
    for agent_id, token in (("ayu", on_break), ("budi", silent), ("citra", busy)):
        reply = web.post(f"/api/agents/{agent_id}/calls", json=body, headers=bearer(token))
        assert reply.status_code == 409, agent_id
    assert svc.router.agent("citra")["load"] == {"voice": 1}


def test_calling_the_customer_of_a_complaint_case(web, svc, twilio):
    call = twilio.call(CUSTOMER).start().press("2").press("3").press("2")
    ref = svc.router.task(f"call-{call.sid}")["attributes"]["complaint_ref"]
    call.hang_up()
    token = agent(svc, "ayu")
    reply = web.post(
        "/api/agents/ayu/calls", json={"to": CUSTOMER, "case": ref}, headers=bearer(token)
    )
    assert reply.status_code == 202
    task = svc.router.task(reply.json["task"]["id"])
    assert task["attributes"]["complaint_ref"] == ref and task["language"] == "en"
