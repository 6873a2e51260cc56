"""Call control of a live call through the agent API: who may, what input, which calls, and the
REST requests the outbox sends for it (through the real `twilio` client to the local recorder,
or the FakeGateway for the flows), and the router's part of every transfer."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest

from telephony.gateway import TwilioGateway
from telephony.ivr import call_control
from telephony.outbox import Senders
from telephony.routing.errors import RoutingError
from telephony.twilio_emulator import RestRecorder
from tests.ivr.conftest import PUBLIC, settings

SUPERVISOR = {"Authorization": "Bearer supervisor-token-for-tests"}
CAPACITY = {"voice": 1, "chat": 3, "whatsapp": 5, "sms": 5, "email": 10}
SKILLS = {"general": 2, "product": 2, "complaints": 3}
CUSTOMER, AGENT, CONFERENCE = "CA" + "c" * 32, "CA" + "a" * 32, "CF" + "f" * 32
TASK = f"call-{CUSTOMER}"
CENTRE_NUMBER = "+622150001234"
ACCOUNT = "/2010-04-01/Accounts/AC" + "0" * 32


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def add_agent(svc, agent_id: str, available: bool = True) -> str:
    update = svc.router.upsert_agent(
        agent_id, SKILLS, ("id", "en"), CAPACITY, contact={"client": agent_id}
    )
    if available:
        svc.router.set_agent_state(agent_id, "available")
    return str(update.token)


def live_call(svc, agent_id: str = "ayu", queue: str = "general", task_id: str = TASK) -> str:
    """A voice call offered to `agent_id`, accepted, and bridged in its conference (the
    attributes the agent leg and the conference callback put on it)."""
    offers = svc.router.enqueue(
        task_id, "voice", queue, "id", attributes={"call_sid": CUSTOMER, "to": CENTRE_NUMBER}
    )
    assert [o.agent for o in offers] == [agent_id]
    svc.router.accept(offers[0].offer)
    svc.router.annotate(
        task_id, {"conference_sid": CONFERENCE, "customer_leg": CUSTOMER, "agent_leg": AGENT}
    )
    svc.router.bridge(task_id)
    return task_id


def drain(svc, gateway) -> None:
    """Send every queued request now, in this thread, as the dispatcher's senders would."""
    senders = Senders(svc.outbox, svc.router, lambda: gateway, "t", backoff=0.01)
    while entries := svc.outbox.read("t", block_seconds=0.01):
        for entry_id, fields in entries:
            job = {k.decode(): v.decode() for k, v in fields.items()}
            senders.handle(gateway, entry_id, job)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def recorder() -> Iterator[RestRecorder]:
    with RestRecorder() as recorder:
        yield recorder


@pytest.fixture
def ayu(svc) -> str:
    return add_agent(svc, "ayu")


def post(client, path: str, token: str, body: dict | None = None):
    return client.post(f"/api/tasks/{TASK}/{path}", json=body, headers=bearer(token))


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


# --- the REST requests, through the real twilio client ------------------------------------


def test_every_control_reaches_twilio_as_it_expects(svc, client, ayu, recorder, tmp_path):
    add_agent(svc, "budi")
    live_call(svc)
    calls = [
        ("hold", {"on": True}),
        ("hold", {"on": False}),
        ("mute", {"on": True}),
        ("participants", {"number": "+6281234567890"}),
        ("transfer", {"agent": "budi", "mode": "warm"}),
        ("hangup", None),
    ]
    for path, body in calls:
        reply = post(client, path, ayu, body)
        assert (reply.status_code, reply.json) == (202, {"status": "queued"}), path
    reply = client.post(
        f"/api/tasks/{TASK}/monitor",
        json={"mode": "whisper", "to": "client:sup-rina"},
        headers=SUPERVISOR,
    )
    assert reply.status_code == 202
    drain(svc, TwilioGateway(settings(tmp_path, twilio_api_base=recorder.url)))
    base = f"{ACCOUNT}/Conferences/{CONFERENCE}/Participants"
    held, resumed, muted, third, hold_for_transfer, transfer, hung_up, coach = recorder.requests
    assert held.path == f"{base}/{CUSTOMER}.json"
    assert held.form == {
        "Hold": ["true"],
        "HoldUrl": [f"{PUBLIC}/twilio/voice/hold-music?lang=id"],
        "HoldMethod": ["POST"],
    }
    assert (resumed.path, resumed.form) == (f"{base}/{CUSTOMER}.json", {"Hold": ["false"]})
    assert (muted.path, muted.form) == (f"{base}/{AGENT}.json", {"Muted": ["true"]})
    assert third.path == f"{base}.json"
    assert (third.form["To"], third.form["From"], third.form["Label"]) == (
        ["+6281234567890"],
        [CENTRE_NUMBER],
        ["third"],
    )
    assert third.form["StatusCallbackEvent"] == ["answered", "completed"]
    assert query(third.form["StatusCallback"][0]) == {"task": TASK, "label": "third"}
    assert hold_for_transfer.form["Hold"] == ["true"]
    assert (transfer.form["To"], transfer.form["Label"], transfer.form["Timeout"]) == (
        ["client:budi"],
        ["transfer"],
        ["15"],
    )
    assert transfer.form["StatusCallback"][0].startswith(
        f"{PUBLIC}/twilio/voice/participant-status?"
    )
    assert (hung_up.path, hung_up.form) == (
        f"{ACCOUNT}/Calls/{CUSTOMER}.json",
        {"Status": ["completed"]},
    )
    assert coach.path == f"{base}.json"
    assert (coach.form["To"], coach.form["Label"], coach.form["Beep"]) == (
        ["client:sup-rina"],
        ["supervisor"],
        ["false"],
    )
    assert (coach.form["Coaching"], coach.form["CallSidToCoach"], coach.form["Muted"]) == (
        ["true"],
        [AGENT],
        ["false"],
    )
    attrs = svc.router.task(TASK)["attributes"]  # the sids the recorder answered, stored
    assert attrs["third_leg"].startswith("CA") and attrs["transfer_leg"].startswith("CA")
    assert attrs["supervisor_leg"].startswith("CA")


def test_a_live_monitor_changes_mode_in_place(svc, client, ayu, gateway):
    live_call(svc)
    svc.router.annotate(TASK, {"supervisor_leg": "CA" + "5" * 32})
    for mode in ("barge", "listen", "whisper"):
        reply = client.post(f"/api/tasks/{TASK}/monitor", json={"mode": mode}, headers=SUPERVISOR)
        assert reply.status_code == 202
    drain(svc, gateway)
    leg = {"conference_sid": CONFERENCE, "call_sid": "CA" + "5" * 32}
    assert gateway.rest == [
        ("update_participant", {**leg, "muted": False, "coaching": False}),
        ("update_participant", {**leg, "muted": True, "coaching": False}),
        (
            "update_participant",
            {**leg, "muted": False, "coaching": True, "call_sid_to_coach": AGENT},
        ),
    ]


def test_a_supervisor_leg_that_left_is_forgotten(svc, twilio, gateway):
    add_agent(svc, "ayu")
    live_call(svc)
    svc.router.annotate(TASK, {"supervisor_leg": "CA" + "5" * 32})
    url = f"/twilio/voice/participant-status?task={TASK}&label=supervisor"
    reply = twilio.post(url, {"CallSid": "CA" + "5" * 32, "CallStatus": "completed"})
    assert reply.status_code == 200 and reply.mimetype == "text/xml"
    assert svc.router.task(TASK)["attributes"]["supervisor_leg"] == ""


# --- who may, what input, which calls -------------------------------------------------------

ENDPOINTS = [
    ("hold", {"on": True}),
    ("mute", {"on": False}),
    ("hangup", None),
    ("transfer", {"queue": "product"}),
    ("transfer/complete", None),
    ("transfer/cancel", None),
    ("participants", {"number": "+6281234567890"}),
    ("recording", {"action": "start"}),
]


@pytest.mark.parametrize(("path", "body"), ENDPOINTS, ids=[p for p, _ in ENDPOINTS])
def test_only_the_calls_agent_or_a_supervisor_may(svc, client, ayu, path, body):
    other = add_agent(svc, "budi", available=False)
    live_call(svc)
    assert post(client, path, other, body).status_code == 403
    assert client.post(f"/api/tasks/{TASK}/{path}", json=body).status_code == 401
    unknown = client.post(f"/api/tasks/call-nobody/{path}", json=body, headers=SUPERVISOR)
    assert unknown.status_code == 404
    # the supervisor passes the checks (the step may still not fit: never a 403 or 404)
    reply = client.post(f"/api/tasks/{TASK}/{path}", json=body, headers=SUPERVISOR)
    assert reply.status_code in (202, 409), reply.json


def test_monitoring_is_the_supervisors_alone(svc, client, ayu):
    live_call(svc)
    body = {"mode": "listen", "to": "+6281299990000"}
    assert post(client, "monitor", ayu, body).status_code == 403
    assert client.post(f"/api/tasks/{TASK}/monitor", json=body).status_code == 401
    assert (
        client.post(f"/api/tasks/{TASK}/monitor", json=body, headers=SUPERVISOR).status_code == 202
    )


BAD = [
    ("hold", {"on": "yes"}, "on"),
    ("hold", {}, "on"),
    ("mute", {"on": 1}, "on"),
    ("transfer", {}, "queue"),
    ("transfer", {"queue": "general", "agent": "budi"}, "queue"),
    ("transfer", {"queue": "nowhere"}, "queue"),
    ("transfer", {"queue": "product", "mode": "warm"}, "mode"),
    ("transfer", {"agent": "ghost"}, "agent"),
    ("transfer", {"agent": "ayu"}, "agent"),
    ("transfer", {"agent": "budi", "mode": "lukewarm"}, "mode"),
    ("participants", {"number": "0812"}, "number"),
    ("recording", {"action": "rewind"}, "action"),
    ("monitor", {"mode": "spy", "to": "client:sup"}, "mode"),
    ("monitor", {"mode": "listen", "to": "sup"}, "to"),
    ("monitor", {"mode": "listen"}, "to"),
]


@pytest.mark.parametrize(("path", "body", "field"), BAD, ids=[f"{p}-{f}" for p, _, f in BAD])
def test_bad_input_is_a_400_naming_the_field(svc, client, ayu, path, body, field):
    add_agent(svc, "budi")
    live_call(svc)
    reply = client.post(f"/api/tasks/{TASK}/{path}", json=body, headers=SUPERVISOR)
    assert reply.status_code == 400, reply.json
    assert field in reply.json["error"]


@pytest.mark.parametrize(("path", "body"), ENDPOINTS, ids=[p for p, _ in ENDPOINTS])
def test_anything_but_a_live_call_is_a_409(svc, client, ayu, gateway, path, body):
    svc.router.enqueue("chat-1", "chat", "general", "id")  # ayu's chat: no call
    svc.router.accept(svc.router.task("chat-1")["offer"])
    svc.router.enqueue(TASK, "voice", "general", "id", attributes={"call_sid": CUSTOMER})
    reserved = svc.router.task(TASK)  # offered to nobody yet: ayu has a chat... or rings
    for task_id in ("chat-1", TASK):
        reply = client.post(f"/api/tasks/{task_id}/{path}", json=body, headers=SUPERVISOR)
        assert reply.status_code == 409, (task_id, reply.json)
    assert reserved["state"] in ("queued", "reserved")
    drain(svc, gateway)
    assert gateway.rest == []


def test_a_monitor_of_no_live_call_is_a_409(svc, client, ayu):
    svc.router.enqueue(TASK, "voice", "general", "id", attributes={"call_sid": CUSTOMER})
    reply = client.post(
        f"/api/tasks/{TASK}/monitor", json={"mode": "barge", "to": "client:s"}, headers=SUPERVISOR
    )
    assert reply.status_code == 409


def test_a_call_vero_placed_goes_to_an_agent_not_to_a_queue(svc, client, ayu):
    """A callback's customer has no hold loop of their own (their call is not a call into the
    IVR): it can be handed to a named agent, not put back in a queue."""
    live_call(svc)
    svc.router.annotate(TASK, {"call_sid": "", "kind": "callback"})
    reply = post(client, "transfer", ayu, {"queue": "product"})
    assert reply.status_code == 409 and "named agent" in reply.json["error"]
    assert svc.router.task(TASK)["state"] == "assigned"


# --- transfers through the router -----------------------------------------------------------


def test_a_cold_transfer_to_a_queue_reoffers_the_call_with_its_age(
    svc, client, ayu, gateway, clock
):
    created = clock.now
    svc.router.upsert_agent("ayu", {"general": 2}, ("id",), CAPACITY)  # takes no product calls
    live_call(svc)
    clock.now += 200
    svc.router.upsert_agent("budi", {"product": 3}, ("id",), CAPACITY)
    younger = svc.router.enqueue("call-younger", "voice", "product", "id")
    assert younger == []  # nobody takes product calls yet
    assert post(client, "transfer", ayu, {"queue": "product"}).status_code == 202
    task = svc.router.task(TASK)
    assert (task["state"], task["queue"], task["agent"], task["created"]) == (
        "queued",
        "product",
        "",
        created,
    )
    attrs = task["attributes"]
    assert (attrs["transfer"], attrs["transferred_by"], attrs["conference_sid"]) == (
        "yes",
        "ayu",
        "",
    )
    ayu_now = svc.router.agent("ayu")
    assert (ayu_now["load"], ayu_now["tasks"], ayu_now["shown_state"]) == ({}, [], "available")
    drain(svc, gateway)
    ((sid, url),) = gateway.redirects  # the caller leaves the conference for the hold loop
    assert sid == CUSTOMER and url.startswith(f"{PUBLIC}/twilio/voice/hold?")
    assert query(url)["queue"] == "product" and query(url)["lang"] == "id"
    # the older call goes first when an agent of the new queue is free
    offers = svc.router.set_agent_state("budi", "available")
    assert [o.task for o in offers] == [TASK]
    day = svc.router.local_bucket(clock.now)[0]
    stats = svc.redis.hgetall(svc.router.keys.stats(day))
    assert float(stats[b"general|voice|day|transferred"]) == 1
    assert float(stats[b"general|voice|day|answered"]) == 1  # answered once, by ayu


def _participant(twilio, sid: str, status: str, label: str = "transfer"):
    reply = twilio.post(
        f"/twilio/voice/participant-status?task={TASK}&label={label}",
        {"CallSid": sid, "CallStatus": status},
    )
    assert reply.status_code == 200 and "<Response" in reply.text
    return reply


def test_a_cold_transfer_to_an_agent_moves_the_call_and_the_load(svc, client, ayu, gateway, twilio):
    add_agent(svc, "budi")
    live_call(svc)
    assert post(client, "transfer", ayu, {"agent": "budi"}).status_code == 202
    ringing = svc.router.agent("budi")
    assert (ringing["load"], ringing["shown_state"]) == ({"voice": 1}, "busy")  # held for it
    drain(svc, gateway)
    (hold, hold_args), (add, add_args), (end, end_args) = gateway.rest
    assert (hold, hold_args["call_sid"], hold_args["hold"]) == (
        "update_participant",
        CUSTOMER,
        True,
    )
    assert (add, add_args["to"], add_args["label"]) == (
        "add_participant",
        "client:budi",
        "transfer",
    )
    assert (end, end_args) == ("end_call", {"call_sid": AGENT})  # cold: the first leg ends now
    leg = svc.router.task(TASK)["attributes"]["transfer_leg"]
    assert svc.router.task(TASK)["agent"] == "ayu"  # until the target answers
    _participant(twilio, leg, "in-progress")
    task = svc.router.task(TASK)
    assert (task["agent"], task["state"]) == ("budi", "assigned")
    attrs = task["attributes"]
    assert (attrs["agent_leg"], attrs["transferred_by"], attrs["transfer_to"]) == (leg, "ayu", "")
    assert svc.router.agent("ayu")["load"] == {} and svc.router.agent("budi")["load"] == {
        "voice": 1
    }
    drain(svc, gateway)
    assert gateway.rest[-1] == (
        "update_participant",
        {"conference_sid": CONFERENCE, "call_sid": CUSTOMER, "hold": False},
    )
    svc.router.complete(TASK)  # budi's wrap-up, then budi is free
    svc.router.complete(TASK)
    assert svc.router.agent("budi")["load"] == {}


def test_an_unanswered_cold_transfer_puts_the_call_back_in_its_queue(
    svc, client, ayu, gateway, twilio
):
    add_agent(svc, "budi")
    live_call(svc)
    post(client, "transfer", ayu, {"agent": "budi", "mode": "cold"})
    drain(svc, gateway)
    leg = svc.router.task(TASK)["attributes"]["transfer_leg"]
    _participant(twilio, leg, "no-answer")
    task = svc.router.task(TASK)
    # back in general: offered at once to whoever is free (both are, again)
    assert task["state"] in ("queued", "reserved") and task["queue"] == "general"
    assert sum(svc.router.agent(a)["load"].get("voice", 0) for a in ("ayu", "budi")) == (
        1 if task["state"] == "reserved" else 0
    )
    drain(svc, gateway)
    assert (
        gateway.redirects[-1][0] == CUSTOMER and "/twilio/voice/hold?" in gateway.redirects[-1][1]
    )


def test_a_warm_transfer_consults_then_completes(svc, client, ayu, gateway, twilio):
    add_agent(svc, "budi")
    live_call(svc)
    post(client, "transfer", ayu, {"agent": "budi", "mode": "warm"})
    assert post(client, "transfer/complete", ayu).status_code == 409  # not answered yet
    drain(svc, gateway)
    assert [op for op, _ in gateway.rest] == ["update_participant", "add_participant"]
    leg = svc.router.task(TASK)["attributes"]["transfer_leg"]
    _participant(twilio, leg, "in-progress")
    attrs = svc.router.task(TASK)["attributes"]
    assert (attrs["transfer_state"], svc.router.task(TASK)["agent"]) == ("talking", "ayu")
    assert svc.router.agent("ayu")["load"] == {"voice": 1} == svc.router.agent("budi")["load"]
    assert post(client, "transfer/complete", ayu).status_code == 202
    task = svc.router.task(TASK)
    assert (task["agent"], task["attributes"]["agent_leg"]) == ("budi", leg)
    assert svc.router.agent("ayu")["load"] == {}
    drain(svc, gateway)
    assert gateway.rest[-2:] == [
        ("end_call", {"call_sid": AGENT}),
        ("update_participant", {"conference_sid": CONFERENCE, "call_sid": CUSTOMER, "hold": False}),
    ]
    # the first agent's leg leaving is no transfer event; budi's task goes on
    _participant(twilio, AGENT, "completed")
    assert svc.router.task(TASK)["agent"] == "budi"
    assert post(client, "transfer/cancel", ayu).status_code == 403  # no longer ayu's


def test_a_warm_transfer_cancelled_leaves_the_first_agent_with_the_caller(
    svc, client, ayu, gateway, twilio
):
    add_agent(svc, "budi")
    live_call(svc)
    post(client, "transfer", ayu, {"agent": "budi", "mode": "warm"})
    drain(svc, gateway)
    leg = svc.router.task(TASK)["attributes"]["transfer_leg"]
    _participant(twilio, leg, "in-progress")
    assert post(client, "transfer/cancel", ayu).status_code == 202
    task = svc.router.task(TASK)
    assert (task["agent"], task["attributes"]["transfer_to"]) == ("ayu", "")
    assert svc.router.agent("budi")["load"] == {}
    drain(svc, gateway)
    assert gateway.rest[-2:] == [
        ("end_call", {"call_sid": leg}),
        ("update_participant", {"conference_sid": CONFERENCE, "call_sid": CUSTOMER, "hold": False}),
    ]
    _participant(twilio, leg, "completed")  # its end, after the cancel: nothing more
    assert svc.router.agent("budi")["load"] == {} and svc.router.task(TASK)["agent"] == "ayu"
    assert post(client, "transfer/cancel", ayu).status_code == 409


def test_a_transfer_to_an_agent_who_cannot_take_it_is_a_409(svc, client, ayu):
    add_agent(svc, "budi", available=False)
    live_call(svc)
    reply = post(client, "transfer", ayu, {"agent": "budi"})
    assert reply.status_code == 409 and "budi" in reply.json["error"]
    assert svc.router.task(TASK)["attributes"].get("transfer_to", "") == ""


def test_the_caller_hanging_up_while_a_transfer_rings_frees_the_target(
    svc, client, ayu, gateway, twilio
):
    add_agent(svc, "budi")
    live_call(svc)
    post(client, "transfer", ayu, {"agent": "budi", "mode": "warm"})
    drain(svc, gateway)
    leg = svc.router.task(TASK)["attributes"]["transfer_leg"]
    svc.router.complete(TASK)  # the conference callback ended the talk (wrap-up)
    _participant(twilio, leg, "canceled")
    assert svc.router.agent("budi")["load"] == {}
    assert svc.router.agent("ayu")["load"] == {"voice": 1}  # ayu's wrap-up


def test_only_calls_are_transferred_by_the_router(svc, ayu):
    live_call(svc)
    add_agent(svc, "budi")
    svc.router.enqueue("chat-1", "chat", "general", "id")
    svc.router.accept(svc.router.task("chat-1")["offer"])
    with pytest.raises(RoutingError, match="not transferred"):
        svc.router.transfer_to_queue("chat-1", "general", {})
    with pytest.raises(RoutingError, match="takes no voice"):
        svc.router.transfer_to_queue(TASK, "backoffice", {})  # email only
    assert svc.router.task(TASK)["state"] == "assigned"


def test_the_first_agent_leaving_a_ringing_warm_transfer_makes_it_cold(
    svc, client, ayu, gateway, twilio
):
    add_agent(svc, "budi")
    live_call(svc)
    assert not call_control.agent_left(svc, svc.router.task(TASK))  # no transfer: the talk ends
    post(client, "transfer", ayu, {"agent": "budi", "mode": "warm"})
    drain(svc, gateway)
    assert call_control.agent_left(svc, svc.router.task(TASK))  # while it rings: now cold
    assert svc.router.task(TASK)["attributes"]["transfer_mode"] == "cold"
    leg = svc.router.task(TASK)["attributes"]["transfer_leg"]
    _participant(twilio, leg, "in-progress")
    assert svc.router.task(TASK)["agent"] == "budi"


def test_the_first_agent_leaving_while_talking_to_the_target_completes_it(
    svc, client, ayu, gateway, twilio
):
    add_agent(svc, "budi")
    live_call(svc)
    post(client, "transfer", ayu, {"agent": "budi", "mode": "warm"})
    drain(svc, gateway)
    leg = svc.router.task(TASK)["attributes"]["transfer_leg"]
    _participant(twilio, leg, "in-progress")
    assert call_control.agent_left(svc, svc.router.task(TASK))
    task = svc.router.task(TASK)
    assert (task["agent"], task["attributes"]["agent_leg"]) == ("budi", leg)
    assert svc.router.agent("ayu")["load"] == {}


def test_the_transferred_caller_hears_their_place_in_the_new_queue(svc, client, twilio, tmp_path):
    token = add_agent(svc, "ayu")
    svc.router.upsert_agent("ayu", {"general": 2}, ("id",), CAPACITY)  # takes no product calls
    call = twilio.call("+628999000111").start().press("1").press("0")  # Indonesian, an agent
    task_id = f"call-{call.sid}"
    svc.router.accept(svc.router.task(task_id)["offer"])
    svc.router.annotate(
        task_id, {"conference_sid": CONFERENCE, "customer_leg": call.sid, "agent_leg": AGENT}
    )
    reply = client.post(
        f"/api/tasks/{task_id}/transfer", json={"queue": "product"}, headers=bearer(token)
    )
    assert reply.status_code == 202
    with RestRecorder(twilio) as recorder:  # Twilio's side: the REST redirect reaches the call
        drain(svc, TwilioGateway(settings(tmp_path, twilio_api_base=recorder.url)))
    url = call.wait_for_update(1)
    assert url is not None and "queue=product" in url
    call.fetch(url)
    assert call.said("Anda berada di urutan ke-1") and not call.ended
    assert svc.router.task(task_id)["queue"] == "product"
