"""Complaint cases and service KPIs in the console through Flask's test client: the case list,
a case classified and forwarded from its page, overdue cases on the wallboard and its stream,
batch alerts, and the KPI page with its CSV download, in both languages."""

from __future__ import annotations

import csv
import io
import json
import time

import pytest

from telephony.services import services
from tests.console.conftest import SUPERVISOR
from tests.console.test_console import _frames
from tests.public.conftest import account_headers
from vero.web.console.cases import format_overdue
from wfm.kpi import COLUMNS

FORM = {
    "phone": "0811-1000-001",
    "name": "Sari",
    "product": "Serum Cerah 30 ml",
    "language": "id",
    "description": "Setelah pakai serum, wajah saya gatal dan kemerahan.",
}
HOUR = 3600


def file_complaint(client, **extra: str) -> str:
    """Filed on the website by the logged-in account holder of FORM's number."""
    customer = account_headers(client, {"Authorization": f"Bearer {SUPERVISOR}"}, "+628111000001")
    reply = client.post("/api/complaints", json={**FORM, **extra}, headers=customer)
    assert reply.status_code == 201, reply.json
    return reply.json["ref"]


def test_case_and_kpi_pages_need_the_supervisor(client):
    for url in (
        "/console/complaints",
        "/console/complaints/CMP-2025-000001",
        "/console/kpis",
        "/console/kpis.csv",
    ):
        reply = client.get(url)
        assert reply.status_code == 302 and "/console/login" in reply.location
    for step in ("classify", "forward"):
        reply = client.post(f"/console/complaints/CMP-2025-000001/{step}", json={})
        assert reply.status_code == 401


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(59, "0 mnt"), (150 * 60, "2 jam"), (47 * HOUR, "47 jam"), (50 * HOUR, "2 hari")],
)
def test_how_overdue_reads_in_whole_units(app, seconds, text):
    with app.test_request_context("/?lang=id"):
        app.preprocess_request()
        assert format_overdue(seconds) == text


def test_a_complaint_is_listed_classified_and_forwarded_from_the_console(app, supervisor):
    ref = file_complaint(supervisor)
    listing = supervisor.get("/console/complaints").text
    assert "Kasus keluhan terbuka" in listing and f'data-case="{ref}"' in listing
    assert "Sari · +62******0001" in listing  # the phone masked on a shared screen
    assert "Reaksi produk (saran)" in listing and "Diterima" in listing
    english = supervisor.get("/console/complaints?lang=en").text
    assert "Product reaction (suggested)" in english and "Received" in english
    assert "No batch alerts." in english

    page = supervisor.get(f"/console/complaints/{ref}?lang=id").text
    assert "Riwayat kasus" in page and "Dibuat" in page and FORM["description"] in page
    assert '<option value="product_reaction" selected>' in page  # the suggestion, pre-filled
    assert '<option value="escalated" selected>' in page
    assert 'data-case-form="forward"' not in page  # not before it is classified

    url = f"/console/complaints/{ref}"
    body = {"category": "quality_defect", "severity": "complex"}
    assert supervisor.post(f"{url}/classify", json=body, csrf_token=False).status_code == 403
    assert supervisor.post(f"{url}/classify", json={**body, "category": "x"}).status_code == 400
    reply = supervisor.post(f"{url}/classify", json=body)
    assert reply.status_code == 200, reply.json
    assert (reply.json["case"]["state"], reply.json["case"]["severity"]) == (
        "classified",
        "complex",
    )

    assert supervisor.post(f"{url}/forward", json={"team": "hr"}).status_code == 400
    assert (
        supervisor.post(
            "/console/complaints/CMP-1999-000009/forward", json={"team": "qc"}
        ).status_code
        == 404
    )
    reply = supervisor.post(f"{url}/forward", json={"team": "qc", "note": "cek batch"})
    assert reply.status_code == 200 and reply.json["case"]["teams"] == ["qc"]
    with app.app_context():
        task = services().router.task(f"{ref}-qc-1")  # the investigation task of the team
    assert (task["queue"], task["attributes"]["complaint_ref"]) == ("qc", ref)
    assert supervisor.post(f"{url}/classify", json=body).status_code == 409

    page = supervisor.get(f"{url}?lang=en").text
    assert "Investigating" in page and "Forwarded" in page and "cek batch" in page
    assert "Quality defect · Complex" in page and "<dd>QC</dd>" in page
    assert 'data-case-form="classify"' not in page and 'data-case-form="forward"' in page
    assert supervisor.get("/console/complaints/CMP-1999-000009").status_code == 404


def test_overdue_cases_reach_the_wallboard_and_its_stream(app, supervisor, monkeypatch):
    ref = file_complaint(supervisor)  # unclassified: due within 24 hours
    board = supervisor.get("/console/").text
    assert "Tidak ada keluhan yang lewat tenggat." in board
    with app.app_context():
        router = services().router
    later = time.time() + 49 * HOUR
    monkeypatch.setattr(router, "clock", lambda: later)
    board = supervisor.get("/console/").text
    assert f">{ref}</a>" in board and "terlambat 25 jam" in board
    assert "overdue by 25 h" in supervisor.get("/console/?lang=en").text
    assert 'data-overdue="1"' in supervisor.get("/console/complaints").text

    reply = supervisor.get("/console/stream?lang=en", buffered=False)
    frames = _frames(reply)
    assert next(frames) == "retry: 1000"
    overdue = json.loads(next(frames).removeprefix("data: "))["overdue"]
    reply.close()
    assert overdue["count"] == 1 and overdue["cases"][0]["ref"] == ref
    assert overdue["cases"][0]["overdue_text"] == "overdue by 25 h"


def test_batch_alerts_are_listed_with_their_cases(supervisor):
    refs = [file_complaint(supervisor, batch="B2507A") for _ in range(3)]
    page = supervisor.get("/console/complaints").text
    assert 'data-batch="B2507A"' in page and "Serum Cerah 30 ml" in page
    assert all(f">{ref}</a>" in page for ref in refs)


CONTACT_HEADER = (
    "contact_id,task_id,channel,queue,language,created_at,answered_at,ended_at,"
    "wait_seconds,handle_seconds,agent_id,outcome,csat,customer"
)
# created 10:00-12:00 Jakarta on Monday 14 July 2025; waits 10 s, 20 s (voice), 30 min (WhatsApp)
CONTACTS = [
    "c1,c1,voice,general,id,2025-07-14T03:00:00+00:00,2025-07-14T03:00:10+00:00,"
    "2025-07-14T03:05:00+00:00,10,290,ayu,completed,5,+62811",
    "c2,c2,voice,general,id,2025-07-14T04:00:00+00:00,2025-07-14T04:00:20+00:00,"
    "2025-07-14T04:05:00+00:00,20,280,ayu,completed,3,+62822",
    "c3,c3,whatsapp,orders,id,2025-07-14T05:00:00+00:00,2025-07-14T05:30:00+00:00,"
    "2025-07-14T05:40:00+00:00,1800,600,eko,completed,,+62811",
]


@pytest.fixture
def contact_records(tmp_path) -> None:
    folder = tmp_path / "contacts"  # the app's VERO_DATA_DIR is tmp_path
    folder.mkdir()
    (folder / "2025-07-14.csv").write_text("\n".join([CONTACT_HEADER, *CONTACTS]) + "\n")


def test_the_kpi_page_shows_daily_and_weekly_figures(supervisor, contact_records):
    page = supervisor.get("/console/kpis?from=2025-07-14&to=2025-07-15").text
    assert "KPI layanan" in page and "Waktu respons rata-rata vs target" in page
    assert page.count("<tr") == 1 + 3  # voice, WhatsApp and all on Monday
    assert "Telepon" in page and "WhatsApp" in page and "Semua" in page
    assert "4,0 · 50% (2 jawaban)" in page  # CSAT mean and share of 4-5
    assert "15 dtk / 15 dtk · 50%" in page  # mean answer on the phone vs three rings
    assert "30 mnt / 60 mnt · 100%" in page and "10,2 mnt" in page
    assert "100% (2)" in page  # both voice contacts resolved at first contact
    assert 'href="/console/kpis.csv?from=2025-07-14&amp;to=2025-07-15&amp;period=day"' in page
    weekly = supervisor.get("/console/kpis?from=2025-07-14&to=2025-07-20&period=week&lang=en")
    assert "Average response vs target" in weekly.text and "Live chat" not in weekly.text
    assert weekly.text.count("<td>2025-07-14</td>") == 3 and "15 s / 15 s · 50%" in weekly.text
    assert "No data in this range." in supervisor.get("/console/kpis").text


def test_the_kpi_csv_is_the_report_of_the_api(supervisor, contact_records):
    query = "from=2025-07-14&to=2025-07-20&period=week"
    reply = supervisor.get(f"/console/kpis.csv?{query}")
    assert reply.mimetype == "text/csv"
    assert 'filename="kpis-week-2025-07-14-2025-07-20.csv"' in reply.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(reply.text)))
    api = supervisor.get(
        f"/api/kpis?{query}", headers={"Authorization": f"Bearer {SUPERVISOR}"}
    ).json["rows"]
    assert tuple(rows[0]) == COLUMNS
    assert rows == [{k: "" if v is None else str(v) for k, v in row.items()} for row in api]


def test_a_bad_kpi_range_is_said_on_the_page(supervisor):
    page = supervisor.get("/console/kpis?from=2025-07-20&to=2025-07-14&lang=en")
    assert page.status_code == 400 and "the last day is before the first" in page.text
    assert 'value="2025-07-20"' in page.text  # the form keeps what was asked
    assert supervisor.get("/console/kpis?from=juli").status_code == 400
    reply = supervisor.get("/console/kpis.csv?period=month")
    assert reply.status_code == 400 and "period" in reply.json["error"]
