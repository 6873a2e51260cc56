"""`vero forecast` end to end: CSV contract, chart, backtest report, one-line errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
from click.testing import CliRunner

from vero.cli import cli
from wfm.forecast.pipeline import OUTPUT_COLUMNS

HEADER = (
    "contact_id,task_id,channel,queue,language,created_at,answered_at,ended_at,"
    "wait_seconds,handle_seconds,agent_id,outcome,csat"
)


def router_history(path, days: int = 42, seed: int = 5) -> None:
    """Router contact records: about four contacts an hour from 08:00 Jakarta, in UTC."""
    rng = np.random.default_rng(seed)
    lines = [HEADER]
    for day in pd.date_range("2026-09-01", periods=days):
        for hour in range(9):  # 08:00-17:00 local = 01:00-10:00 UTC, open every day
            for k in range(rng.poisson(4)):
                at = day + pd.Timedelta(hours=1 + hour, minutes=int(rng.integers(60)))
                stamp = at.tz_localize("UTC").isoformat()
                lines.append(
                    f"c{len(lines)},t{k},voice,general,id,{stamp},,,5,"
                    f"{int(rng.integers(120, 400))},a1,completed,"
                )
    path.write_text("\n".join(lines) + "\n")


def test_forecast_end_to_end(tmp_path):
    history = tmp_path / "contacts.csv"
    router_history(history)
    out, chart, report = tmp_path / "f.csv", tmp_path / "f.png", tmp_path / "bt.csv"
    result = CliRunner().invoke(
        cli,
        [
            "forecast",
            "--history",
            str(history),
            "--interval",
            "60",
            "--horizon-days",
            "7",
            "--out",
            str(out),
            "--chart",
            str(chart),
            "--backtest-report",
            str(report),
        ],
    )
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out)
    assert tuple(frame.columns) == ("interval_start_local", "interval_start_utc", *OUTPUT_COLUMNS)
    assert frame["interval_start_local"].iloc[0] == "2026-10-13 08:00"  # Excel reads a time
    assert frame["interval_start_utc"].iloc[0] == "2026-10-13 01:00"
    assert frame["interval_start"].iloc[0] == "2026-10-13T08:00:00+07:00"
    assert (frame["volume_lo"] <= frame["volume"]).all()
    assert (frame["volume"] <= frame["volume_hi"]).all()
    assert frame["aht_seconds"].between(120, 400).all()
    assert chart.stat().st_size > 1000
    assert {"model", "horizon", "wape", "mase", "bias"} <= set(pd.read_csv(report).columns)
    # Saturday closes at 17:00 and Sunday at 15:00: only open intervals are written
    assert not frame["interval_start"].str.startswith("2026-10-18T15").any()


def test_help_documents_the_options():
    result = CliRunner().invoke(cli, ["forecast", "--help"])
    assert result.exit_code == 0
    for option in (
        "--history",
        "--format",
        "--interval",
        "--horizon-days",
        "--start",
        "--model",
        "--backtest-report",
        "--out",
        "--chart",
        "--centre",
        "--events",
    ):
        assert option in result.output


def test_broken_input_exits_non_zero_with_one_line(tmp_path):
    broken = tmp_path / "broken.csv"
    broken.write_text("something,else\n1,2\n")
    result = CliRunner().invoke(
        cli,
        [
            "forecast",
            "--history",
            str(broken),
            "--out",
            str(tmp_path / "f.csv"),
            "--chart",
            str(tmp_path / "f.png"),
        ],
    )
    assert result.exit_code == 2
    errors = [line for line in result.output.splitlines() if line.startswith("vero: error:")]
    assert len(errors) == 1 and "broken.csv:1" in errors[0]
