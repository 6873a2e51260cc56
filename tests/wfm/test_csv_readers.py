"""Every reader of Vero's CSV files still reads them as written for people (local and UTC
columns beside the ISO key, rounded figures): `vero forecast` -> `vero staff` -> `vero roster`
on the command line, and the twin's loaders on their outputs."""

from __future__ import annotations

import pandas as pd
from click.testing import CliRunner

from simulations.loading import load_forecast, load_roster, load_staffing
from tests.wfm.test_forecast_cli import router_history
from vero.cli import cli
from vero.kernel.centre import load_centre

AGENTS = "id,name,groups,contract\n" + "".join(f"a{k},Agen {k},voice-id,5x8\n" for k in range(6))


def _run(*args: str) -> None:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output


def test_forecast_staff_roster_and_twin_read_each_others_files(tmp_path):
    router_history(tmp_path / "contacts.csv")
    forecast, staffing = tmp_path / "forecast.csv", tmp_path / "staffing.csv"
    _run(
        "forecast",
        "--history",
        str(tmp_path / "contacts.csv"),
        "--horizon-days",
        "7",
        "--out",
        str(forecast),
        "--chart",
        str(tmp_path / "forecast.png"),
        "--backtest-report",
        str(tmp_path / "backtest.csv"),
    )
    _run("staff", "--forecast", str(forecast), "--out", str(staffing))
    (tmp_path / "agents.csv").write_text(AGENTS)
    _run(
        "roster",
        "--requirements",
        str(staffing),
        "--agents",
        str(tmp_path / "agents.csv"),
        "--out-dir",
        str(tmp_path / "roster"),
        "--time-limit",
        "5",
    )
    backtest = pd.read_csv(tmp_path / "backtest.csv")
    for column in ("wape", "mase", "bias"):  # no 16-digit decimals
        assert backtest[column].map(lambda v: len(repr(v).split(".")[-1]) <= 4).all()
    rows = pd.read_csv(staffing)
    local = pd.to_datetime(rows["interval_start_local"], format="%Y-%m-%d %H:%M")
    utc = pd.to_datetime(rows["interval_start_utc"], format="%Y-%m-%d %H:%M")
    assert ((local - utc) == pd.Timedelta(hours=7)).all()
    centre = load_centre(None)
    twin_forecast = load_forecast(forecast, centre)
    assert load_staffing(staffing, centre, twin_forecast).shifts
    roster = pd.read_csv(tmp_path / "roster" / "roster.csv")
    start_utc = pd.to_datetime(roster["shift_start_utc"], format="%Y-%m-%d %H:%M")
    start_local = pd.to_datetime(roster["date"] + " " + roster["shift_start"])
    assert ((start_local - start_utc) == pd.Timedelta(hours=7)).all()
    assert load_roster(tmp_path / "roster" / "roster.csv", centre, twin_forecast).shifts
