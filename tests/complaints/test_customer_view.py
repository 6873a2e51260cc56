"""The screen pop of an offer: directory entry, recent contacts, open complaints, script."""

from __future__ import annotations

import json

from telephony.customers import Customer, CustomerDirectory, remember_contact
from tests.complaints.conftest import SUPERVISOR, make_agent
from tests.complaints.test_procedure import FORM


def test_the_offered_agent_sees_who_calls_and_what_is_open(client, svc, clock):
    CustomerDirectory(svc.redis, svc.router.keys).put(
        Customer("+628111000001", "Sari", "B2B", True, "id")
    )
    ref = client.post("/api/complaints", json={**FORM, "batch": ""}).json["ref"]
    remember_contact(
        svc.redis,
        svc.router.keys,
        {
            "task_id": "call-old",
            "channel": "voice",
            "queue": "orders",
            "origin_queue": "orders",
            "outcome": "completed",
            "ended_at": str(clock.now - 3600),
            "attributes": json.dumps({"from": "+628111000001", "topic": "orders", "csat": "4"}),
        },
    )
    ayu = make_agent(client, "ayu", {"general": 2})
    other = make_agent(client, "eko", {"general": 2})
    client.post("/api/agents/ayu/state", json={"state": "available"}, headers=ayu)
    svc.router.enqueue(
        "wa-1",
        "whatsapp",
        "general",
        "id",
        attributes={"from": "+628111000001", "to": "+622150001234"},
    )
    offer = client.get("/api/agents/ayu/offers", headers=ayu).json["offers"][0]["offer_id"]

    view = client.get(f"/api/offers/{offer}/customer", headers=ayu)
    assert view.status_code == 200
    body = view.json
    assert (body["name"], body["segment_label"], body["vip"], body["language"]) == (
        "Sari",
        "B2B/OEM",
        True,
        "id",
    )
    assert [(c["task_id"], c["outcome"], c["csat"]) for c in body["recent_contacts"]] == [
        ("call-old", "completed", "4")
    ]
    assert [(c["ref"], c["state"], c["urgent"]) for c in body["open_complaints"]] == [
        (ref, "received", True)
    ]
    script = body["script"]
    assert script["reason"] == "complaint_followup" and ref in script["greeting"]
    assert script["questions"] and script["offer"]
    assert client.get(f"/api/offers/{offer}/customer", headers=other).status_code == 403
    assert client.get(f"/api/offers/{offer}/customer", headers=SUPERVISOR).status_code == 200


def test_an_unknown_caller_gets_the_script_of_the_ivr_topic(client, svc):
    ayu = make_agent(client, "ayu", {"product": 3})
    client.post("/api/agents/ayu/state", json={"state": "available"}, headers=ayu)
    svc.router.enqueue(
        "call-x", "voice", "product", "en", attributes={"from": "+628999000333", "topic": "product"}
    )
    offer = client.get("/api/agents/ayu/offers", headers=ayu).json["offers"][0]["offer_id"]
    body = client.get(f"/api/offers/{offer}/customer", headers=ayu).json
    assert (body["known"], body["segment"], body["recent_contacts"]) == (False, "", [])
    assert body["script"]["reason"] == "product"
    assert body["script"]["greeting"] == "Hello there, happy to help you with our products."
    assert client.get("/api/offers/nope.1/customer", headers=SUPERVISOR).status_code == 404


def test_a_task_in_hand_shows_the_same_view_as_its_offer(client, svc):
    """The desk asks for the task's view when it saw no offer (a reload, a click-to-call)."""
    CustomerDirectory(svc.redis, svc.router.keys).put(
        Customer("+628111000001", "Sari", "B2C", False, "id")
    )
    ayu = make_agent(client, "ayu", {"general": 2})
    eko = make_agent(client, "eko", {"general": 2})
    client.post("/api/agents/ayu/state", json={"state": "available"}, headers=ayu)
    svc.router.enqueue("wa-1", "whatsapp", "general", "id", attributes={"from": "+628111000001"})
    offer = client.get("/api/agents/ayu/offers", headers=ayu).json["offers"][0]["offer_id"]
    offered = client.get(f"/api/offers/{offer}/customer", headers=ayu).json
    assert client.post(f"/api/offers/{offer}/accept", headers=ayu).status_code == 200
    view = client.get("/api/tasks/wa-1/customer", headers=ayu)
    assert view.status_code == 200
    assert view.json == offered and view.json["name"] == "Sari"
    assert client.get("/api/tasks/wa-1/customer", headers=SUPERVISOR).json == offered
    assert client.get("/api/tasks/wa-1/customer", headers=eko).status_code == 403
    assert client.get("/api/tasks/wa-1/customer").status_code == 401
    assert client.get("/api/tasks/nope/customer", headers=SUPERVISOR).status_code == 404
