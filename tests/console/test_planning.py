"""The planning pages through Flask's test client: forecast → roster → what-if on tiny inputs,
downloads, and bad uploads answered on the page in one line (never a 500)."""

from __future__ import annotations

import html
import io
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook

from tests.wfm.roster_helpers import requirements
from tests.wfm.test_forecast_cli import router_history
from tests.wfm.test_roster_command import COLUMNS as REQUIREMENT_HEADER
from wfm.forecast.pipeline import OUTPUT_COLUMNS

AGENTS = "id,name,groups,contract\n" + "".join(
    f"a{k},Agen {k},voice-id;digital,5x8\n" for k in range(1, 7)
)


def tiny_requirements() -> bytes:
    """One Monday of requirements (voice-id and digital, 08:00-20:00 every 30 min)."""
    rows = [
        f"{start.isoformat()},30,{group},5,300,1,{value},0.8,10,0.8,0.02"
        for (start, group), value in sorted(requirements(1).required.items())
        if start.date().isoformat() == "2026-11-30"
    ]
    return ("\n".join([REQUIREMENT_HEADER, *rows]) + "\n").encode()


def upload(content: bytes | str, name: str) -> tuple[io.BytesIO, str]:
    data = content.encode() if isinstance(content, str) else content
    return io.BytesIO(data), name


def finish(client: FlaskClient, location: str, timeout: float = 120) -> str:
    """Poll the run's status endpoint until its job (in a `vero worker`) ends; the run page's
    HTML."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.get(f"{location}/status").json
        if status["state"] != "running":
            return client.get(location).text
        time.sleep(0.2)
    raise AssertionError(f"{location} still running after {timeout} s")


def start(client: FlaskClient, url: str, data: dict) -> str:
    reply = client.post(url, data=data, content_type="multipart/form-data")
    assert reply.status_code == 303, reply.text
    return reply.location


def test_planning_pages_need_the_supervisor(client):
    for url in ("/console/forecast", "/console/roster", "/console/whatif/"):
        reply = client.get(url)
        assert reply.status_code == 302 and "/console/login" in reply.location
    reply = client.get("/console/roster/20260101-000000-000000/status")
    assert reply.status_code == 401 and "error" in reply.json


def test_the_forms_speak_both_languages_and_link_from_the_nav(supervisor):
    page = supervisor.get("/console/forecast").text
    assert "Prakiraan volume kontak" in page and 'href="/console/roster"' in page
    assert 'href="/console/whatif/"' in page and 'aria-current="page"' in page
    assert "Make the roster" in supervisor.get("/console/roster?lang=en").text
    english = supervisor.get("/console/whatif/").text
    assert (
        "What-if simulation" in english and "no roster or forecast from the console yet" in english
    )


def test_forecast_roster_and_what_if_chain_through_the_console(supervisor, worker, tmp_path):
    history = tmp_path / "contacts.csv"
    router_history(history)
    run = start(
        supervisor,
        "/console/forecast?lang=en",
        {
            "history": upload(history.read_bytes(), "contacts.csv"),
            "interval": "30",
            "horizon_days": "7",
        },
    )
    page = finish(supervisor, run)
    assert "Done." in page and "forecast.png" in page
    backtest = page[page.index('class="backtest"') :]
    assert "WAPE" in backtest and 'data-model="weekday_mean"' in backtest and "%" in backtest
    frame = pd.read_csv(io.BytesIO(supervisor.get(f"{run}/files/forecast.csv").data))
    times = ("interval_start_local", "interval_start_utc")
    assert tuple(frame.columns) == (*times, *OUTPUT_COLUMNS) and len(frame) > 0
    assert supervisor.get(f"{run}/files/forecast.png").data[:4] == b"\x89PNG"
    assert supervisor.get(f"{run}/files/staffing.csv").status_code == 200
    assert supervisor.get(f"{run}/files/history.csv").status_code == 404  # not a download

    assert "From the last forecast" in supervisor.get("/console/roster").text
    roster = start(
        supervisor,
        "/console/roster",
        {
            "requirements_from": "forecast",
            "agents": upload(AGENTS, "agents.csv"),
            "time_limit": "5",
        },
    )
    assert 'data-agent="a6"' in finish(supervisor, roster)

    whatif = start(
        supervisor,
        "/console/whatif/",
        {
            "base": "last",
            "change": "remove_agents",
            "group": "voice-id",
            "count": "2",
            "days": "1",
            "replications": "2",
        },
    )
    page = finish(supervisor, whatif)
    assert 'data-scenario="base"' in page and "Remove agents −2 voice-id" in page


def test_a_roster_from_uploads_shows_the_grid_and_downloads(supervisor, worker):
    run = start(
        supervisor,
        "/console/roster?lang=en",
        {
            "requirements_from": "upload",
            "requirements": upload(tiny_requirements(), "req.csv"),
            "agents": upload(AGENTS, "agents.csv"),
            "time_limit": "5",
        },
    )
    page = finish(supervisor, run)
    assert 'data-week-start="2026-11-30"' in page and "November 30, 2026" in page
    assert "Mon 30/11" in page
    assert all(f'data-agent="a{k}"' in page for k in range(1, 7))
    book = load_workbook(io.BytesIO(supervisor.get(f"{run}/files/roster.xlsx").data))
    assert book.sheetnames == ["Roster", "Shifts", "Coverage", "Chart"]  # the asker's language
    assert [row[0] for row in book["Roster"].iter_rows(min_row=2, max_row=7, values_only=True)] == [
        f"a{k}" for k in range(1, 7)
    ]
    calendars = zipfile.ZipFile(io.BytesIO(supervisor.get(f"{run}/files/calendars.zip").data))
    assert sorted(calendars.namelist()) == [f"a{k}.ics" for k in range(1, 7)]
    assert supervisor.get(f"{run}/files/roster.csv").text.startswith("agent,name,date")
    for lang in ("id", "en"):
        assert supervisor.get(f"{run}/files/coverage-{lang}.png").data[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    ("url", "data", "message"),
    [
        (
            "/console/forecast",
            {"history": ("something,else\n1,2\n", "broken.csv")},
            "broken.csv:1: cannot tell the format from the header",
        ),
        ("/console/forecast", {"history": (b"\xff\xfe\x00garbage", "binary.csv")}, "binary.csv"),
        ("/console/forecast", {}, "field 'history': choose a file to upload"),
        (
            "/console/forecast",
            {"history": ("start,calls\n", "c.csv"), "interval": "45"},
            "field 'interval': use 15, 30, 60 minutes",
        ),
        (
            "/console/roster",
            {
                "requirements": (tiny_requirements(), "req.csv"),
                "agents": ("id,name,groups,contract\na1,Ani,voice-id,7x9\n", "staff.csv"),
            },
            "staff.csv:2 field 'contract': unknown contract",
        ),
        (
            "/console/roster",
            {"requirements": ("interval_start\n", "req.csv"), "agents": (AGENTS, "agents.csv")},
            "req.csv:1 field 'interval_minutes': missing column(s) interval_minutes, group",
        ),
        (
            "/console/roster",
            {"requirements_from": "forecast", "agents": (AGENTS, "agents.csv")},
            "no forecast with required agents yet",
        ),
        (
            "/console/roster",
            {
                "requirements": (tiny_requirements(), "req.csv"),
                "agents": (AGENTS, "agents.csv"),
                "time_limit": "soon",
            },
            "field 'time_limit': 'soon' is not a number",
        ),
        (
            "/console/whatif/",
            {"base": "last", "change": "volume"},
            "no roster or forecast from the console yet",
        ),
        (
            "/console/whatif/",
            {
                "forecast": ("interval_start,volume\n", "f.csv"),
                "plan": ("x\n", "p.csv"),
                "change": "volume",
            },
            "f.csv:1: missing column(s) interval_start or no rows",
        ),
    ],
)
def test_bad_uploads_are_answered_in_one_line_on_the_page(supervisor, url, data, message):
    files = {
        key: upload(*value) if isinstance(value, tuple) else value for key, value in data.items()
    }
    reply = supervisor.post(f"{url}?lang=en", data=files, content_type="multipart/form-data")
    assert reply.status_code == 400
    assert message in html.unescape(reply.text) and 'role="alert"' in reply.text


def what_if_files() -> dict:
    """A forecast and a staffing table for 08:00-12:00 on one day, as in the twin's tests."""
    forecast = [
        "interval_start,interval_minutes,channel,queue,language,volume,volume_lo,"
        "volume_hi,aht_seconds"
    ]
    staffing = ["interval_start,interval_minutes,group,required_net"]
    for minute in range(8 * 60, 12 * 60, 30):
        stamp = f"2026-12-01T{minute // 60:02d}:{minute % 60:02d}:00+07:00"
        forecast.append(f"{stamp},30,voice,general,id,40,0,0,180")
        staffing.append(f"{stamp},30,voice-id,6")
    return {
        "base": "upload",
        "plan_kind": "staffing",
        "forecast": upload("\n".join(forecast) + "\n", "forecast.csv"),
        "plan": upload("\n".join(staffing) + "\n", "staffing.csv"),
        "replications": "2",
    }


def test_what_if_on_uploaded_files_shows_kpis_and_curves(supervisor, worker):
    run = start(
        supervisor,
        "/console/whatif/?lang=en",
        {**what_if_files(), "change": "volume", "factor": "1.5", "day": "2026-12-01"},
    )
    page = finish(supervisor, run)
    assert 'data-scenario="base" data-channel="voice"' in page
    assert 'data-scenario="Volume ×1.5 2026-12-01"' in page and "%" in page
    chart = supervisor.get(f"{run}/files/service-level-voice.png")
    assert chart.status_code == 200 and chart.data[:4] == b"\x89PNG"
    assert "Difference from the base" in supervisor.get(f"{run}/files/report.html").text


def test_an_impossible_scenario_names_the_field(supervisor):
    reply = supervisor.post(
        "/console/whatif/?lang=en",
        data={**what_if_files(), "change": "remove_agents", "group": "voice-id", "count": "99"},
        content_type="multipart/form-data",
    )
    assert reply.status_code == 400
    assert "scenario.yaml field" in reply.text and "cannot remove 99 agents" in reply.text


def test_a_failure_in_the_background_shows_on_the_run_page(supervisor, worker):
    """Rules that contradict each other are found by the solve, after the request: the run page
    shows the one-line reason (not a 500)."""
    away = "id,name,groups,contract,unavailable\na1,Ani,voice-id,5x8,2026-11-30/2026-12-07T00:00\n"
    run = start(
        supervisor,
        "/console/roster?lang=en",
        {
            "requirements": upload(tiny_requirements(), "req.csv"),
            "agents": upload(away, "agents.csv"),
            "time_limit": "5",
        },
    )
    page = html.unescape(finish(supervisor, run))
    assert 'data-run-state="failed"' in page
    assert "Failed: roster rules: agent a1: contract 5x8 cannot be met" in page
    assert supervisor.get(f"{run}/status").json["state"] == "failed"


def test_unknown_runs_and_files_are_404(supervisor, app):
    assert supervisor.get("/console/roster/20260101-000000-000000").status_code == 404
    assert supervisor.get("/console/roster/..%2F..%2Fetc").status_code == 404
    folder = Path(app.extensions["vero"].settings.data_dir) / "console" / "roster"
    (folder / "20260101-000000-000000").mkdir(parents=True)
    assert (
        supervisor.get("/console/roster/20260101-000000-000000/files/status.json").status_code
        == 404
    )
