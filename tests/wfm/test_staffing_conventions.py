"""Issue 17's staffing: service level conventions, the abandonment cap, the patience check,
patience per channel (options, centre, CLI), Erlang B staffing and grid calls."""

from __future__ import annotations

import csv
import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from vero.cli import cli
from vero.kernel.centre import Channel, load_centre
from vero.kernel.errors import VeroError
from wfm.staffing import (
    QueueModel,
    Target,
    blocking_requirement,
    performance,
    requirement,
    requirement_grid,
)
from wfm.staffing_plan import DEFAULT_PATIENCE_SECONDS, PlanOptions, plan_group

# issue 17: 360 Erlangs (AHT 180 s, 30-minute intervals), mean patience 60 s, 80/15
VOLUME, AHT, INTERVAL = 3600, 180, 1800
TARGET = Target(15, 0.8)


def model(convention: str = "offered", **kwargs: float) -> QueueModel:
    return QueueModel("erlang-a", 60, convention=convention, **kwargs)  # type: ignore[arg-type]


def test_abandoners_as_failures_need_318_not_305() -> None:
    old = requirement(VOLUME, AHT, INTERVAL, TARGET, model("offered_minus_short_abandons"))
    new = requirement(VOLUME, AHT, INTERVAL, TARGET, model())
    assert old.required_net.tolist() == [305]
    assert new.required_net.tolist() == [318]
    assert (
        requirement(VOLUME, AHT, INTERVAL, TARGET, QueueModel("erlang-a", 60)).required_net[0]
        == 318
    )  # "offered" is the default
    at_305 = performance(VOLUME, AHT, INTERVAL, 305, 15, model())
    assert float(at_305.service_level) == pytest.approx(0.69, abs=0.005)  # 69% answered in 15 s
    assert at_305.abandon_rate is not None and float(at_305.abandon_rate) == pytest.approx(
        0.15, abs=0.005
    )
    answered = requirement(VOLUME, AHT, INTERVAL, TARGET, model("answered")).required_net[0]
    assert answered <= 305


def test_a_short_abandon_threshold_between_zero_and_the_target() -> None:
    needs = [
        requirement(
            VOLUME,
            AHT,
            INTERVAL,
            TARGET,
            model("offered_minus_short_abandons", short_abandon_seconds=s),
        ).required_net[0]
        for s in (0, 5, 15)
    ]
    assert needs[0] == 318 and needs[2] == 305 and 305 <= needs[1] <= 318
    with pytest.raises(ValueError, match="short_abandon_seconds"):
        model("offered_minus_short_abandons", short_abandon_seconds=-1)
    with pytest.raises(ValueError, match="convention"):
        model("abandoned")


def test_the_abandonment_cap_binds() -> None:
    free = requirement(VOLUME, AHT, INTERVAL, TARGET, model())
    capped = requirement(VOLUME, AHT, INTERVAL, Target(15, 0.8, max_abandonment=0.05), model())
    assert capped.required_net[0] > free.required_net[0]
    assert capped.metrics.abandon_rate is not None and capped.metrics.abandon_rate[0] <= 0.05
    below = performance(VOLUME, AHT, INTERVAL, capped.required_net - 1, 15, model())
    assert below.abandon_rate is not None and below.abandon_rate[0] > 0.05
    fractional = requirement(
        VOLUME, AHT, INTERVAL, Target(15, 0.8, max_abandonment=0.05), model(), fractional=True
    )
    assert capped.required_net[0] - 1 < fractional.required_net[0] <= capped.required_net[0]
    c = requirement(100, 180, 1800, Target(20, 0.8, max_abandonment=0.01), QueueModel("erlang-c"))
    assert c.required_net.tolist() == [14]  # nobody abandons in Erlang C: the cap is vacuous
    with pytest.raises(ValueError, match="max_abandonment"):
        Target(15, 0.8, max_abandonment=1.0)


def test_patience_below_the_target_is_refused_unless_abandoners_count() -> None:
    # issue 17: 100 Erlangs with patience below the target "needs" 12 agents, 88% abandoning
    impatient = QueueModel("erlang-a", 5, convention="offered_minus_short_abandons")
    with pytest.raises(VeroError, match="field 'patience_seconds'"):
        requirement(1000, 180, 1800, TARGET, impatient)
    capped = requirement(1000, 180, 1800, Target(15, 0.8, max_abandonment=0.1), impatient)
    assert capped.metrics.abandon_rate is not None and capped.metrics.abandon_rate[0] <= 0.1
    offered = requirement(1000, 180, 1800, TARGET, QueueModel("erlang-a", 5))
    # abandoners fail, so 80% answered in time leaves at most 20% to abandon: 83 agents, 19%
    assert offered.required_net.tolist() == [83]
    assert offered.metrics.abandon_rate is not None and offered.metrics.abandon_rate[0] <= 0.2


def test_patience_per_channel_options_then_centre_then_default() -> None:
    centre = load_centre()
    assert centre.channels["voice"].patience_seconds == 120  # cosmetics.yaml
    assert PlanOptions().patience_for(centre, "voice") == 120
    assert PlanOptions().patience_for(centre, "chat") == DEFAULT_PATIENCE_SECONDS
    assert PlanOptions(patience_seconds=90).patience_for(centre, "voice") == 90
    both = PlanOptions(patience_seconds=90, channel_patience={"chat": 600})
    assert (both.patience_for(centre, "chat"), both.patience_for(centre, "voice")) == (600, 90)
    with pytest.raises(ValidationError):
        Channel(target_seconds=15, patience_seconds=0)


HEADER = (
    "interval_start,interval_minutes,channel,queue,language,volume,volume_lo,volume_hi,"
    "aht_seconds\n"
)
ROWS = [
    "2026-11-30T08:00:00+07:00,30,voice,general,id,300,250,350,180",
    "2026-11-30T08:00:00+07:00,30,chat,general,id,120,100,140,400",
]


def staff(tmp_path: Path, *args: str) -> tuple[int, str]:
    path = tmp_path / "forecast.csv"
    path.write_text(HEADER + "\n".join(ROWS) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["staff", "--forecast", str(path), *args])
    return result.exit_code, result.output


def column(output: str, group: str, name: str) -> float:
    """One figure of a group's row in `vero staff`'s CSV (after its progress lines)."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("interval_start"))
    row = next(r for r in csv.DictReader(lines[start:]) if r["group"] == group)
    return float(row[name])


def need(output: str, group: str) -> float:
    return column(output, group, "required_net")


def test_cli_patience_per_channel_and_conventions(tmp_path: Path) -> None:
    code, same = staff(tmp_path, "--patience", "60")
    assert code == 0, same
    code, split = staff(tmp_path, "--patience", "60,chat=1200")
    assert code == 0, split
    assert need(split, "voice-id") == need(same, "voice-id")
    assert column(split, "voice-id", "abandon_rate") == column(same, "voice-id", "abandon_rate")
    assert column(split, "digital", "abandon_rate") < column(
        same, "digital", "abandon_rate"
    )  # patient chatters
    code, old = staff(
        tmp_path,
        "--patience",
        "voice=60,chat=600",
        "--max-occupancy",
        "1",
        "--sl-convention",
        "offered_minus_short_abandons",
    )
    assert code == 0, old
    code, new = staff(tmp_path, "--patience", "voice=60,chat=600", "--max-occupancy", "1")
    assert need(old, "voice-id") < need(new, "voice-id")
    code, capped = staff(
        tmp_path, "--patience", "voice=60", "--max-occupancy", "1", "--max-abandonment", "0.02"
    )
    assert code == 0 and need(capped, "voice-id") > need(new, "voice-id")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--patience", "fax=30"), "field '--patience': unknown channel 'fax'"),
        (("--patience", "voice=0"), "field '--patience': 'voice=0'"),
        (("--patience", "soon"), "field '--patience': 'soon'"),
        (("--short-abandon-seconds", "5"), "field '--short-abandon-seconds'"),
        (
            ("--patience", "5", "--sl-convention", "answered"),
            "field 'channels.chat.patience_seconds': 5 s is below the 300 s answer target",
        ),
    ],
)
def test_cli_refuses_bad_patience_in_one_line(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    code, output = staff(tmp_path, *args)
    assert code == 2 and message in output, output


def test_help_documents_the_new_options() -> None:
    result = CliRunner().invoke(cli, ["staff", "--help"])
    assert result.exit_code == 0
    for option in ("--sl-convention", "--short-abandon-seconds", "--max-abandonment", "chat=300"):
        assert option in result.output


def test_erlang_b_staffing() -> None:
    result = blocking_requirement([100, 0, 1000], 180, 1800, 0.02, shrinkage=0.3)
    assert result.required_net[:2].tolist() == [17, 0]  # 10 Erlangs at 2% blocking: 17 lines
    assert result.required_agents[:2].tolist() == [25, 0]
    assert np.all(result.blocking <= 0.02)
    fewer = blocking_requirement([100, 1000], 180, 1800, 0.02)
    assert fewer.required_net[1] == 113  # 100 Erlangs at 2% (Erlang B tables: 113)
    occupied = blocking_requirement(100, 180, 1800, 0.05, max_occupancy=0.5)
    assert occupied.occupancy[0] <= 0.5 and occupied.required_net[0] >= 19
    with pytest.raises(ValueError, match="max_blocking"):
        blocking_requirement(100, 180, 1800, 0.0)


def test_grid_of_scenarios_matches_one_call_each() -> None:
    volumes = np.array([50.0, 100, 400])
    targets = [Target(20, 0.8), Target(20, 0.9, max_occupancy=0.85)]
    models = [QueueModel("erlang-c"), QueueModel("erlang-a", 300)]
    grid = requirement_grid(volumes, 180, 1800, targets, models, shrinkage=0.3)
    assert len(grid) == 4
    for index, (target, queue) in enumerate((t, m) for t in targets for m in models):
        for volume, net in zip(volumes, grid[index].required_net, strict=True):
            assert requirement(volume, 180, 1800, target, queue).required_net[0] == net


def test_a_channel_whose_contacts_never_abandon_is_staffed_with_erlang_c():
    """The reference centre's messages wait until answered (patience .inf): Erlang A with
    that patience would be Erlang C, so Erlang C staffs them, with no abandonment."""
    centre = load_centre(None)
    assert math.isinf(centre.channels["whatsapp"].patience_seconds)
    rows = pd.DataFrame(
        {
            "interval_start": [dt.datetime(2026, 12, 1, 10, tzinfo=centre.tz)],
            "interval_minutes": [60],
            "channel": ["whatsapp"],
            "volume": [200.0],
            "aht_seconds": [600.0],
        }
    )
    erlang_a = plan_group(rows, "digital", centre, PlanOptions(model="erlang-a"))
    erlang_c = plan_group(rows, "digital", centre, PlanOptions(model="erlang-c"))
    assert erlang_a["required_net"].tolist() == erlang_c["required_net"].tolist()
    assert erlang_a["abandon_rate"].fillna(0).tolist() == [0.0]
