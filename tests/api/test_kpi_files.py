"""The KPI routes read the contact records robustly: a non-UTF-8 or malformed file in
VERO_DATA_DIR/contacts is skipped with a warning naming it, never a 500; the good files count."""

from __future__ import annotations

import logging

from tests.api.conftest import SUPERVISOR
from tests.console.conftest import PageClient

HEADER = "created_at,channel,queue,answered_at,wait_seconds,csat\n"
GOOD = HEADER + "2025-07-15T10:00:00+07:00,chat,general,2025-07-15T10:01:00+07:00,60,5\n"


def _records(tmp_path):
    folder = tmp_path / "contacts"
    folder.mkdir()
    (folder / "2025-07-15.csv").write_text(GOOD, encoding="utf-8")
    (folder / "2025-07-14.csv").write_bytes(HEADER.encode() + b"\xff\xfe broken \x80\n")
    (folder / "2025-07-13.csv").write_text("when,what\n1,2\n", encoding="utf-8")
    (folder / "2025-07-12.csv").write_bytes(HEADER.encode() + b'"' + b"x" * 200_000 + b'"\n')


def test_api_kpis_skips_bad_files_and_names_them(client, tmp_path, caplog):
    _records(tmp_path)
    with caplog.at_level(logging.WARNING):
        reply = client.get("/api/kpis?from=2025-07-12&to=2025-07-15", headers=SUPERVISOR)
    assert reply.status_code == 200
    skipped = reply.json["skipped"]
    assert len(skipped) == 3
    assert any("2025-07-14.csv" in s and "not UTF-8" in s for s in skipped)
    assert any("2025-07-13.csv" in s and "missing column" in s for s in skipped)
    assert any("2025-07-12.csv" in s for s in skipped)  # a field over csv's size limit
    assert "2025-07-14.csv" in caplog.text
    totals = [r for r in reply.json["rows"] if r["channel"] == "all" and r["queue"] == "all"]
    assert sum(r["contacts"] for r in totals) == 1


def test_console_kpis_page_shows_the_skipped_file(app, tmp_path):
    _records(tmp_path)
    app.test_client_class = PageClient  # posts the login form as the page does (CSRF token)
    client = app.test_client()
    client.post("/console/login", data={"token": "supervisor-token-for-tests"})
    page = client.get("/console/kpis?from=2025-07-12&to=2025-07-15&period=day")
    assert page.status_code == 200
    assert "2025-07-14.csv" in page.get_data(as_text=True)
    download = client.get("/console/kpis.csv?from=2025-07-12&to=2025-07-15&period=day")
    assert download.status_code == 200
