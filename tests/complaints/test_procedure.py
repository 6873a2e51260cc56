"""A complaint walks the division's whole procedure through the HTTP API, including a reopen;
refused steps change nothing."""

from __future__ import annotations

import csv

import pytest

from tests.complaints.conftest import SENDER, SUPERVISOR, make_agent, snapshot
from tests.public.conftest import account_headers

PHONE = "+628111000001"
FORM = {
    "phone": "0811-1000-001",
    "name": "Sari",
    "product": "Serum Cerah 30 ml",
    "batch": "b2507a",
    "purchase_channel": "Shopee",
    "language": "id",
    "description": "Setelah pakai serum, wajah saya gatal dan kemerahan.",
    "photos": ["https://example.com/1.jpg"],
}
DAY = 86400


def test_the_whole_procedure_with_a_reopen(client, svc, clock, gateway, tmp_path):
    cx = make_agent(client, "rina", {"complaints": 3})
    rnd = make_agent(client, "budi", {"rnd": 2})
    created_at = clock.now

    filed = client.post("/api/complaints", json=FORM)
    assert filed.status_code == 201
    ref = filed.json["ref"]
    assert ref == "CMP-2025-000001"
    case = filed.json["case"]
    assert (case["state"], case["suggested_category"], case["urgent"]) == (
        "received",
        "product_reaction",
        True,
    )
    assert case["customer"] == {"phone": PHONE, "email": "", "name": "Sari"}
    assert case["batch"] == "B2507A" and case["due_at"] == created_at + DAY

    # only the customer-experience team classifies
    assert (
        client.post(
            f"/api/complaints/{ref}/classify",
            json={"category": "quality_defect", "severity": "simple"},
            headers=rnd,
        ).status_code
        == 403
    )
    clock.now += 600
    classified = client.post(
        f"/api/complaints/{ref}/classify",
        json={"category": "product_reaction", "severity": "simple"},
        headers=cx,
    ).json["case"]
    assert (classified["severity"], classified["priority"]) == ("escalated", 100)
    assert classified["due_at"] == created_at + 7 * DAY

    clock.now += 600
    forwarded = client.post(
        f"/api/complaints/{ref}/forward",
        json={"team": "rnd", "note": "check the formula"},
        headers=cx,
    )
    assert forwarded.json["case"]["state"] == "investigating"
    task = svc.router.task(f"{ref}-rnd-1")
    assert (task["queue"], task["channel"], task["priority"]) == ("rnd", "email", 100)
    assert task["attributes"]["complaint_ref"] == ref
    assert task["attributes"]["due_at"] == f"{created_at + 7 * DAY:.0f}"

    def step(path, body, who=cx):
        clock.now += 600
        reply = client.post(f"/api/complaints/{ref}/{path}", json=body, headers=who)
        assert reply.status_code == 200, reply.json
        return reply.json["case"]

    step("notes", {"text": "fragrance allergen suspected"}, rnd)
    step("corrective-action", {"text": "reformulated without the allergen"}, rnd)
    assert (
        step("notify", {"message": "Kami sudah mengganti formula."})["state"] == "awaiting_customer"
    )
    reopened = step("answer", {"solved": False, "text": "masih gatal"})
    assert (reopened["state"], reopened["reopened"]) == ("investigating", 1)
    assert svc.router.task(f"{ref}-rnd-2")["queue"] == "rnd"  # investigated again
    step("notes", {"text": "second lab test"}, rnd)
    step("corrective-action", {"text": "refund and dermatologist visit"}, rnd)
    step("notify", {"message": "Biaya dokter kami ganti."})
    closed = step("answer", {"solved": True, "text": "sudah baik"})
    assert closed["state"] == "closed" and closed["closed_at"] == clock.now
    assert step("nps", {"score": 9})["nps"] == 9

    shown = client.get(f"/api/complaints/{ref}", headers=rnd).json
    events = [(e["event"], e["state"]) for e in shown["timeline"]]
    assert events == [
        ("created", "received"),
        ("confirmation_sent", "received"),
        ("classified", "classified"),
        ("forwarded", "investigating"),
        ("note", "investigating"),
        ("corrective_action", "resolved"),
        ("customer_notified", "awaiting_customer"),
        ("customer_answer", "investigating"),
        ("reopened", "investigating"),
        ("message_sent", "investigating"),
        ("forwarded", "investigating"),
        ("note", "investigating"),
        ("corrective_action", "resolved"),
        ("customer_notified", "awaiting_customer"),
        ("customer_answer", "closed"),
        ("closed", "closed"),
        ("message_sent", "closed"),
        ("nps", "closed"),
    ]
    actors = {e["event"]: e["actor"] for e in shown["timeline"]}
    assert actors["classified"] == "agent:rina" and actors["note"] == "agent:budi"
    assert actors["created"] == "customer"
    times = [e["at"] for e in shown["timeline"]]
    assert times == sorted(times) and times[0] == created_at

    confirmation = f"Terima kasih. Keluhan Anda telah kami catat dengan nomor referensi {ref}."
    ask = f"\n\nApakah masalah Anda sudah terselesaikan? Balas YA atau TIDAK (ref {ref})."
    assert gateway.messages == [
        (PHONE, confirmation, "whatsapp", SENDER),
        (PHONE, "Kami sudah mengganti formula." + ask, "whatsapp", SENDER),
        (
            PHONE,
            f"Mohon maaf masalahnya belum selesai. Keluhan {ref} kami periksa kembali.",
            "whatsapp",
            SENDER,
        ),
        (PHONE, "Biaya dokter kami ganti." + ask, "whatsapp", SENDER),
        (
            PHONE,
            f"Terima kasih, keluhan {ref} kami tutup. Seberapa besar kemungkinan Anda "
            "merekomendasikan kami kepada teman? Balas dengan angka 0 sampai 10.",
            "whatsapp",
            SENDER,
        ),
    ]
    sent = [
        e["text"]
        for e in shown["timeline"]
        if e["event"] in ("confirmation_sent", "customer_notified", "message_sent")
    ]
    assert sent == [m[1] for m in gateway.messages]

    rows = [
        row
        for path in sorted((tmp_path / "cases").glob("*.csv"))
        for row in csv.DictReader(path.open(encoding="utf-8"))
    ]
    assert [(r["ref"], r["event"], r["state"]) for r in rows] == [
        (ref, e["event"], e["state"]) for e in shown["timeline"]
    ]
    assert rows[-1]["nps"] == "9" and rows[-4]["solved"] == "yes"


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        (
            "post",
            "/api/complaints/CMP-2025-999999/classify",
            {"category": "logistics", "severity": "simple"},
            404,
        ),
        ("get", "/api/complaints/CMP-2025-999999", None, 404),
        (
            "post",
            "/api/complaints/{ref}/classify",
            {"category": "logistics", "severity": "simple"},
            409,
        ),
        ("post", "/api/complaints/{ref}/notes", {"text": "one more"}, 409),
        ("post", "/api/complaints/{ref}/answer", {"solved": False}, 409),
        ("post", "/api/complaints/{ref}/nps", {"score": 3}, 409),
        ("post", "/api/complaints/{ref}/forward", {"team": "qc"}, 409),
        ("post", "/api/complaints", {**FORM, "email": "not-an-address"}, 400),
        ("post", "/api/complaints", {**FORM, "language": "fr"}, 400),
        ("post", "/api/complaints", {**FORM, "phone": "12"}, 400),
        ("post", "/api/complaints", {**FORM, "description": ""}, 400),
    ],
)
def test_bad_requests_change_nothing(
    client, redis_client, namespace, clock, method, path, body, status
):
    ref = closed_case(client, clock)
    before = snapshot(redis_client, namespace)
    headers = {} if path == "/api/complaints" else SUPERVISOR  # the form: the customer's login
    reply = getattr(client, method)(path.format(ref=ref), json=body, headers=headers)
    assert reply.status_code == status
    assert "error" in reply.json
    assert snapshot(redis_client, namespace) == before


def closed_case(client, clock) -> str:
    """A case taken to closure (with its score) by the supervisor."""
    ref = client.post("/api/complaints", json={**FORM, "batch": ""}).json["ref"]
    for path, body in (
        ("classify", {"category": "logistics", "severity": "simple"}),
        ("forward", {"team": "sales"}),
        ("corrective-action", {"text": "resent"}),
        ("notify", {"message": "Paket dikirim ulang."}),
        ("answer", {"solved": True}),
        ("nps", {"score": 10}),
    ):
        clock.now += 60
        reply = client.post(f"/api/complaints/{ref}/{path}", json=body, headers=SUPERVISOR)
        assert reply.status_code == 200, (path, reply.json)
    return ref


def test_steps_out_of_order_are_409(client, clock):
    ref = client.post("/api/complaints", json={**FORM, "batch": ""}).json["ref"]
    for path, body in (
        ("forward", {"team": "qc"}),
        ("notify", {"message": "x"}),
        ("corrective-action", {"text": "x"}),
        ("answer", {"solved": True}),
    ):
        reply = client.post(f"/api/complaints/{ref}/{path}", json=body, headers=SUPERVISOR)
        assert reply.status_code == 409, path
        assert "received" in reply.json["error"]
    bad = client.post(
        f"/api/complaints/{ref}/classify",
        json={"category": "magic", "severity": "simple"},
        headers=SUPERVISOR,
    )
    assert bad.status_code == 400 and "category" in bad.json["error"]


def test_email_only_complaint_and_failed_messages_are_recorded(client, gateway):
    email_only = account_headers(client, SUPERVISOR, username="email-only")
    filed = client.post(
        "/api/complaints",
        json={**FORM, "phone": "", "email": "Sari@Mail.id", "batch": ""},
        headers=email_only,
    )
    assert filed.status_code == 201 and filed.json["case"]["customer"]["email"] == "sari@mail.id"
    ref = filed.json["ref"]
    timeline = client.get(f"/api/complaints/{ref}", headers=SUPERVISOR).json["timeline"]
    assert [e["event"] for e in timeline] == ["created", "confirmation_failed"]
    assert gateway.messages == []


def test_a_failed_result_message_is_502_and_changes_nothing(
    client, gateway, clock, redis_client, namespace
):
    ref = client.post("/api/complaints", json={**FORM, "batch": ""}).json["ref"]
    for path, body in (
        ("classify", {"category": "logistics", "severity": "complex"}),
        ("forward", {"team": "sales"}),
        ("corrective-action", {"text": "resent"}),
    ):
        client.post(f"/api/complaints/{ref}/{path}", json=body, headers=SUPERVISOR)
    gateway.fail_channels.update({"whatsapp", "sms"})
    before = snapshot(redis_client, namespace)
    reply = client.post(f"/api/complaints/{ref}/notify", json={"message": "x"}, headers=SUPERVISOR)
    assert reply.status_code == 502
    assert snapshot(redis_client, namespace) == before
