"""The console's forecast run estimates patience from the uploaded contact records' waits,
offers patience.csv and staffs with it."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from tests.console.test_planning import finish, start, upload
from tests.wfm.test_patience import history_with_abandons
from vero.kernel.centre import load_centre
from wfm.commands import plan_forecast, read_forecast
from wfm.staffing_plan import PlanOptions


def download(client, url: str) -> bytes:
    """A file of the run, its response closed (the file it streams from with it)."""
    reply = client.get(url)
    try:
        return reply.data
    finally:
        reply.close()


def test_a_forecast_run_offers_the_patience_it_staffed_with(supervisor, worker, tmp_path: Path):
    history = history_with_abandons(tmp_path / "contacts.csv")
    run = start(
        supervisor,
        "/console/forecast?lang=en",
        {"history": upload(history.read_bytes(), "contacts.csv"), "horizon_days": "1"},
    )
    page = finish(supervisor, run)
    assert "Done." in page and "patience.csv" in page
    table = pd.read_csv(io.BytesIO(download(supervisor, f"{run}/files/patience.csv")))
    voice = table.set_index(["channel", "queue"]).loc[("voice", "all")]
    assert voice["mean_patience_lo"] < 60 < voice["mean_patience_hi"]
    staffing = pd.read_csv(io.BytesIO(download(supervisor, f"{run}/files/staffing.csv")))
    forecast = tmp_path / "forecast.csv"
    forecast.write_bytes(download(supervisor, f"{run}/files/forecast.csv"))
    centre = load_centre(None)
    rows = read_forecast(forecast, centre)
    options = PlanOptions(channel_patience={"voice": float(voice["mean_patience_seconds"])})
    expected = plan_forecast(rows, centre, options)
    assert staffing["abandon_rate"].tolist() == expected["abandon_rate"].tolist()
    default = plan_forecast(rows, centre, PlanOptions())
    assert staffing["abandon_rate"].tolist() != default["abandon_rate"].tolist()
