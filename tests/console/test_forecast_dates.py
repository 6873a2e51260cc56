"""The Forecast page's date order: an upload whose dates could be read either way is answered
on the page in one line, and the select gives the answer."""

from __future__ import annotations

import html
import io

AMBIGUOUS = b"start;calls\n02/11/2026 08:00;5\n02/11/2026 08:30;7\n"


def post(client, **form):
    data = {"history": (io.BytesIO(AMBIGUOUS), "ekspor.csv"), **form}
    return client.post("/console/forecast?lang=en", data=data, content_type="multipart/form-data")


def test_the_page_offers_the_date_order(supervisor):
    page = supervisor.get("/console/forecast?lang=en").text
    assert 'name="dates"' in page and "Day/month (02/11 = 2 November)" in page


def test_an_ambiguous_upload_asks_and_the_select_answers(supervisor):
    reply = post(supervisor)
    assert reply.status_code == 400 and 'role="alert"' in reply.text
    assert "ekspor.csv:2: dates like 02/11/2026 could be day-first or month-first" in (
        html.unescape(reply.text)
    )
    assert post(supervisor, dates="dayfirst").status_code == 303
    wrong = post(supervisor, dates="sideways")
    assert wrong.status_code == 400 and "field &#39;dates&#39;" in wrong.text
