"""Patience from history (wfm/patience.py): the estimators against closed forms, the readers,
and `vero staff --patience-from` / `vero forecast`'s patience.csv end to end."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from click.testing import CliRunner

from vero.cli import cli
from wfm.patience import (
    PATIENCE_COLUMNS,
    channel_patience,
    estimate,
    exponential_mean,
    kaplan_meier,
    km_median,
    load_waits,
)

DEFAULTS = {"channel": "voice", "queue": "general"}
HEADER = (
    "contact_id,task_id,channel,queue,language,created_at,answered_at,ended_at,"
    "wait_seconds,handle_seconds,agent_id,outcome,csat,kind"
)


def censored_waits(
    n: int, patience: float, answer: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Exponential patience of mean `patience`, each contact answered after an exponential
    time of mean `answer` unless it hangs up first: the waits a queue records."""
    rng = np.random.default_rng(seed)
    gives_up = rng.exponential(patience, n)
    answered_after = rng.exponential(answer, n)
    return np.minimum(gives_up, answered_after), gives_up < answered_after


def test_kaplan_meier_matches_a_hand_computed_curve() -> None:
    # waits 1 2 2 3 4 5, abandoned at 1, 2 (one of two), 3 and 5; answered at 2 and 4
    curve = kaplan_meier(np.array([1, 2, 2, 3, 4, 5]), np.array([1, 1, 0, 1, 0, 1]))
    assert curve["seconds"].tolist() == [1, 2, 3, 5]
    assert curve["at_risk"].tolist() == [6, 5, 3, 1]
    expected = [5 / 6, 5 / 6 * 4 / 5, 5 / 6 * 4 / 5 * 2 / 3, 0.0]
    assert np.allclose(curve["survival"], expected)
    assert km_median(curve) == 3


def test_estimators_recover_exponential_patience_censored_by_answers() -> None:
    mean = 180.0
    waits, abandoned = censored_waits(20_000, mean, 60.0, seed=17)
    estimate_, low, high = exponential_mean(waits, abandoned)
    # abandonments ≈ n · (1/180) / (1/180 + 1/60) = n/4; the MLE's standard error is mean/√k
    events = int(abandoned.sum())
    assert abs(events - 5_000) < 4 * math.sqrt(5_000)
    assert abs(estimate_ - mean) < 3 * mean / math.sqrt(events)
    assert low < mean < high
    curve = kaplan_meier(waits, abandoned)
    for seconds in (30, 90, 150):
        at = curve[curve["seconds"] <= seconds]["survival"].iloc[-1]
        assert abs(at - math.exp(-seconds / mean)) < 0.03
    assert abs(km_median(curve) - mean * math.log(2)) < 0.1 * mean * math.log(2)


def test_no_abandonment_gives_no_estimate() -> None:
    assert all(math.isnan(v) for v in exponential_mean(np.array([5.0, 9.0]), np.zeros(2)))
    assert math.isnan(km_median(kaplan_meier(np.array([5.0]), np.array([0]))))


def test_estimate_per_channel_and_queue_and_what_staffing_uses() -> None:
    waits, abandoned = censored_waits(400, 100.0, 40.0, seed=3)
    frame = pd.DataFrame(
        {
            "channel": ["voice"] * 400 + ["chat"] * 3,
            "queue": ["general", "vip"] * 200 + ["general"] * 3,
            "wait_seconds": [*waits, 10.0, 20.0, 30.0],
            "abandoned": [*abandoned, True, False, False],
        }
    )
    table = estimate(frame)
    assert tuple(table.columns) == PATIENCE_COLUMNS
    assert table[["channel", "queue"]].values.tolist() == [
        ["chat", "all"],
        ["voice", "all"],
        ["voice", "general"],
        ["voice", "vip"],
    ]
    voice = table.iloc[1]
    assert voice["contacts"] == 400
    assert voice["mean_patience_seconds"] == round(waits.sum() / abandoned.sum(), 1)
    # chat has one abandonment: too few to staff with, so only voice is returned
    assert channel_patience(table) == {"voice": voice["mean_patience_seconds"]}


def contact_records(path: Path, waits: np.ndarray, abandoned: np.ndarray) -> Path:
    """Vero contact CSV rows (telephony/routing/contact_log.py columns) for these waits, plus a
    callback task, which nobody waited for, and a broken wait."""
    lines = [HEADER]
    for k, (wait, gone) in enumerate(zip(waits, abandoned, strict=True)):
        answered = "" if gone else "2026-11-30T01:01:00+00:00"
        outcome = "abandoned" if gone else "completed"
        lines.append(
            f"c{k},t{k},voice,general,id,2026-11-30T01:00:00+00:00,{answered},"
            f"2026-11-30T01:05:00+00:00,{wait:.1f},,a1,{outcome},,"
        )
    lines.append(
        "cb,tb,voice,general,id,2026-11-30T01:00:00+00:00,,2026-11-30T01:09:00+00:00,"
        "9999,,,abandoned,,callback"
    )
    lines.append(
        "cx,tx,voice,general,id,2026-11-30T01:00:00+00:00,,2026-11-30T01:09:00+00:00,"
        "soon,,,abandoned,,"
    )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_reading_contact_records(tmp_path: Path) -> None:
    path = contact_records(tmp_path / "contacts.csv", np.array([10.0, 20.0]), np.array([1, 0]))
    waits = load_waits([path], DEFAULTS)
    assert waits is not None
    assert waits.frame.to_dict("list") == {
        "channel": ["voice", "voice"],
        "queue": ["general", "general"],
        "wait_seconds": [10.0, 20.0],
        "abandoned": [True, False],
    }
    assert waits.issues == [f"{path}:5 field 'wait_seconds': 'soon' is not a number"]
    counts = tmp_path / "counts.csv"
    counts.write_text("start,calls\n2026-11-30 08:00,4\n", encoding="utf-8")
    assert load_waits([counts], DEFAULTS) is None


def test_a_generic_export_with_an_abandoned_column(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("wait_seconds;abandoned\n12,5;yes\n3;no\n4;maybe\n", encoding="utf-8")
    waits = load_waits([path], DEFAULTS)
    assert waits is not None
    assert waits.frame["wait_seconds"].tolist() == [12.5, 3.0]
    assert waits.frame["abandoned"].tolist() == [True, False]
    assert waits.issues == [f"{path}:4 field 'abandoned': 'maybe' is not yes/no, true/false or 1/0"]


FORECAST = (
    "interval_start,interval_minutes,channel,queue,language,volume,volume_lo,volume_hi,"
    "aht_seconds\n2026-11-30T08:00:00+07:00,30,voice,general,id,100,90,110,180\n"
)


def test_staff_uses_the_patience_from_history(tmp_path: Path) -> None:
    waits, abandoned = censored_waits(300, 40.0, 30.0, seed=8)
    records = contact_records(tmp_path / "contacts.csv", waits, abandoned)
    forecast = tmp_path / "forecast.csv"
    forecast.write_text(FORECAST, encoding="utf-8")
    mean = round(float(np.round(waits, 1).sum()) / int(abandoned.sum()), 1)
    runner = CliRunner()
    result = runner.invoke(
        cli, ["staff", "--forecast", str(forecast), "--patience-from", str(records)]
    )
    assert result.exit_code == 0, result.output
    assert f"mean patience {mean:.0f} s" in result.output
    assert f"patience used: voice {mean:g} s" in result.output
    assert "skipped" in result.output and "'soon' is not a number" in result.output
    with_default = runner.invoke(cli, ["staff", "--forecast", str(forecast)])
    assert "patience used: voice 120 s" in with_default.output
    overridden = runner.invoke(
        cli,
        [
            "staff",
            "--forecast",
            str(forecast),
            "--patience-from",
            str(records),
            "--patience",
            "voice=90",
        ],
    )
    assert "patience used: voice 90 s" in overridden.output


def test_staff_patience_from_a_file_without_waits_is_one_line(tmp_path: Path) -> None:
    forecast = tmp_path / "forecast.csv"
    forecast.write_text(FORECAST, encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["staff", "--forecast", str(forecast), "--patience-from", str(forecast)]
    )
    assert result.exit_code != 0
    assert result.output.strip().count("\n") == 0, result.output
    assert "not a contact record file" in result.output
    unusable = tmp_path / "waits.csv"
    unusable.write_text("wait_seconds,outcome\n-3,abandoned\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["staff", "--forecast", str(forecast), "--patience-from", str(unusable)]
    )
    assert result.exit_code != 0
    assert result.output == (
        f"vero: error: {unusable}: no waiting contacts to estimate patience from (all skipped; "
        f"the first: {unusable}:2 field 'wait_seconds': '-3' is negative or not finite)\n"
    )


def history_with_abandons(path: Path, days: int = 28) -> Path:
    """Router contact records, about four an hour from 08:00 Jakarta: exponential patience of
    mean 60 s, answered after an exponential 30 s unless the caller hangs up first."""
    rng = np.random.default_rng(4)
    lines = [HEADER]
    for day in pd.date_range("2026-09-01", periods=days):
        for hour in range(9):
            for k in range(rng.poisson(4)):
                at = (day + pd.Timedelta(hours=1 + hour, minutes=int(rng.integers(60)))).isoformat()
                gives_up, answer = rng.exponential(60.0), rng.exponential(30.0)
                gone = gives_up < answer
                lines.append(
                    f"c{len(lines)},t{k},voice,general,id,{at}+00:00,{'' if gone else at},,"
                    f"{min(gives_up, answer):.1f},{'' if gone else 200},a1,"
                    f"{'abandoned' if gone else 'completed'},,"
                )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_forecast_writes_patience_beside_its_output(tmp_path: Path) -> None:
    history = history_with_abandons(tmp_path / "contacts.csv")
    out = tmp_path / "run" / "forecast.csv"
    out.parent.mkdir()
    result = CliRunner().invoke(
        cli,
        [
            "forecast",
            "--history",
            str(history),
            "--interval",
            "60",
            "--horizon-days",
            "1",
            "--out",
            str(out),
            "--chart",
            str(tmp_path / "f.png"),
        ],
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "run" / "patience.csv")
    assert tuple(table.columns) == PATIENCE_COLUMNS
    voice = table.iloc[0]
    assert (voice["channel"], voice["queue"]) == ("voice", "all")
    assert voice["mean_patience_lo"] < 60 < voice["mean_patience_hi"]
    assert "patience: voice:" in result.output
