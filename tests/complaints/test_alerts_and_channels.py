"""Batch alerts, overdue escalation with an injected clock, and complaints that start on the
phone or on WhatsApp."""

from __future__ import annotations

from telephony.twilio_emulator import Emulator
from tests.complaints.conftest import SUPERVISOR, make_agent
from tests.complaints.test_procedure import FORM

HOUR = 3600


def test_three_complaints_on_one_batch_within_a_week_raise_one_qc_alert(client, svc, clock):
    refs = []
    for step in (0, 50 * HOUR, 50 * HOUR):  # all three within seven days
        clock.now += step
        refs.append(client.post("/api/complaints", json={**FORM, "batch": "X1"}).json["ref"])
    assert client.get("/api/complaint-alerts", headers=SUPERVISOR).json["alerts"] == [
        {
            "id": f"batch-X1-{refs[2]}",
            "batch": "X1",
            "product": FORM["product"],
            "refs": refs,
            "raised_at": clock.now,
            "task_id": f"batch-X1-{refs[2]}",
        }
    ]
    task = svc.router.task(f"batch-X1-{refs[2]}")
    assert (task["queue"], task["channel"], task["attributes"]["refs"]) == (
        "qc",
        "email",
        " ".join(refs),
    )
    timeline = client.get(f"/api/complaints/{refs[2]}", headers=SUPERVISOR).json["timeline"]
    assert "batch_alert" in [e["event"] for e in timeline]
    clock.now += HOUR
    client.post("/api/complaints", json={**FORM, "batch": "X1"})  # same window: no second alert
    client.post("/api/complaints", json={**FORM, "batch": "OTHER"})
    assert len(client.get("/api/complaint-alerts", headers=SUPERVISOR).json["alerts"]) == 1


def test_two_complaints_a_week_apart_raise_no_alert(client, clock):
    client.post("/api/complaints", json={**FORM, "batch": "Y2"})
    clock.now += 8 * 24 * HOUR
    client.post("/api/complaints", json={**FORM, "batch": "Y2"})
    client.post("/api/complaints", json={**FORM, "batch": "Y2"})
    assert client.get("/api/complaint-alerts", headers=SUPERVISOR).json["alerts"] == []


def test_overdue_cases_are_escalated_once_and_shown_on_the_wallboard(client, svc, clock, app):
    store = app.extensions["vero-complaints"]
    simple = client.post(
        "/api/complaints", json={**FORM, "description": "paket terlambat", "batch": ""}
    ).json["ref"]
    complex_ = client.post(
        "/api/complaints", json={**FORM, "description": "paket terlambat", "batch": ""}
    ).json["ref"]
    client.post(
        f"/api/complaints/{complex_}/classify",
        json={"category": "logistics", "severity": "complex"},
        headers=SUPERVISOR,
    )
    clock.now += 24 * HOUR - 1
    assert store.escalate_overdue() == []
    assert client.get("/api/complaints?overdue=1", headers=SUPERVISOR).json["complaints"] == []
    clock.now += 2
    assert store.escalate_overdue() == [simple]
    assert store.escalate_overdue() == []  # once
    shown = client.get("/api/complaints?overdue=1", headers=SUPERVISOR).json["complaints"]
    assert [(c["ref"], c["escalated"], c["overdue"]) for c in shown] == [(simple, True, True)]
    task = svc.router.task(f"{simple}-escalation")
    assert (task["queue"], task["priority"], task["attributes"]["topic"]) == (
        "complaints",
        100,
        "complaint_escalation",
    )
    last = client.get(f"/api/complaints/{simple}", headers=SUPERVISOR).json["timeline"][-1]
    assert (last["event"], last["actor"], last["at"]) == ("escalated", "system", clock.now)
    clock.now += 48 * HOUR
    assert store.escalate_overdue() == [complex_]
    assert {
        c["ref"]
        for c in client.get("/api/complaints?open=1", headers=SUPERVISOR).json["complaints"]
    } == {simple, complex_}


def test_agents_without_a_case_skill_cannot_read_cases(client):
    sales_less = make_agent(client, "ani", {"general": 2})
    assert client.get("/api/complaints", headers=sales_less).status_code == 403
    assert client.get("/api/complaints").status_code == 401


def test_a_whatsapp_keyword_opens_a_case_and_confirms_it(app, svc, gateway):
    twilio = Emulator(app.test_client(), "test-twilio-auth-token", "https://vero.example.co.id")
    params = {
        "MessageSid": "SM" + "7" * 32,
        "From": "whatsapp:+628999000111",
        "To": "whatsapp:+622150001234",
        "Body": "Saya mau komplain, botol lotion bocor",
    }
    twilio.post("/twilio/messaging", params)
    twilio.post(
        "/twilio/messaging", {**params, "MessageSid": "SM" + "8" * 32, "Body": "komplain lagi"}
    )  # same conversation: one case
    task = svc.router.task(f"whatsapp-SM{'7' * 32}")
    ref = task["attributes"]["complaint_ref"]
    case = app.test_client().get(f"/api/complaints/{ref}", headers=SUPERVISOR).json["case"]
    assert (case["origin"], case["suggested_category"], case["task_id"]) == (
        "whatsapp",
        "packaging_leak",
        task["id"],
    )
    assert gateway.messages == [
        (
            "+628999000111",
            f"Terima kasih. Keluhan Anda telah kami catat dengan nomor referensi {ref}.",
            "whatsapp",
            "whatsapp:+622150001234",
        )
    ]


def test_an_agent_marks_a_conversation_as_complaint(app, client, svc):
    twilio = Emulator(client, "test-twilio-auth-token", "https://vero.example.co.id")
    twilio.post(
        "/twilio/messaging",
        {
            "MessageSid": "SM" + "5" * 32,
            "From": "+628999000222",
            "To": "+622150001234",
            "Body": "Warna bedak berubah",
        },
    )
    task_id = f"sms-SM{'5' * 32}"
    marked = client.post(
        f"/api/tasks/{task_id}/complaint", json={"batch": "z9"}, headers=SUPERVISOR
    )
    assert marked.status_code == 201
    case = marked.json["case"]
    assert (case["description"], case["batch"], case["suggested_category"]) == (
        "Warna bedak berubah",
        "Z9",
        "quality_defect",
    )
    again = client.post(f"/api/tasks/{task_id}/complaint", json={}, headers=SUPERVISOR)
    assert again.status_code == 200 and again.json["ref"] == case["ref"]
    assert svc.router.task(task_id)["attributes"]["complaint_ref"] == case["ref"]


def test_the_ivr_complaint_branch_opens_the_case_with_the_same_reference(app, svc, gateway):
    twilio = Emulator(app.test_client(), "test-twilio-auth-token", "https://vero.example.co.id")
    call = twilio.call("+628111000009").start().press("1").press("3").press("1")
    ref = svc.router.task(f"call-{call.sid}")["attributes"]["complaint_ref"]
    shown = app.test_client().get(f"/api/complaints/{ref}", headers=SUPERVISOR).json
    assert (
        shown["case"]["origin"],
        shown["case"]["suggested_category"],
        shown["case"]["urgent"],
    ) == ("voice", "product_reaction", True)
    assert [e["event"] for e in shown["timeline"]] == ["created"]  # the call sent the receipt
    assert len(gateway.messages) == 1 and ref in gateway.messages[0][1]
