"""Small centres and runs shared by the simulation tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from simulations.arrivals import HandleTimes, Series
from simulations.kpi import tally
from simulations.model import Behaviour, Outcome, Twin
from simulations.staff import Profile, Shift
from simulations.textbook import single_skill_centre


def run_mmc(
    calls_per_hour: float,
    aht: float,
    agents: int,
    target: float,
    hours: float,
    seed: int,
    patience: float | None = None,
) -> tuple[pd.DataFrame, Outcome]:
    """One replication of M/M/c(+M), no accept delay; counts after a 30 min warm-up."""
    centre = single_skill_centre(target)
    horizon = hours * 3600
    demand = [Series(0.0, horizon, "voice", "q", "id", calls_per_hour * hours, aht)]
    shifts = [Shift(f"a{k}", "g", 0.0, horizon + 3600) for k in range(agents)]
    profiles = {s.agent: Profile({"s": 1}, ("id",), {"voice": 1}) for s in shifts}
    behaviour = Behaviour(
        handle=HandleTimes("exponential"),
        accept_delay={},
        patience={"voice": patience} if patience else {},
    )
    twin = Twin(centre, demand, shifts, profiles, behaviour, np.random.SeedSequence(seed))
    outcome = twin.run(horizon + 3600)
    counts, _ = tally(outcome, demand, centre, warmup=1800, end=horizon + 3600)
    return counts, outcome


def write_morning(
    here: Path, series: tuple[tuple[str, str, str, int, int, str, int], ...], end_hour: int = 12
) -> None:
    """forecast.csv and staffing.csv in `here` for 08:00 to `end_hour` on Tuesday 1 December
    2026, by half hour: per (channel, queue, language, volume, aht, group, agents)."""
    forecast = [
        "interval_start,interval_minutes,channel,queue,language,volume,volume_lo,"
        "volume_hi,aht_seconds"
    ]
    staffing = ["interval_start,interval_minutes,group,required_net"]
    for minute in range(8 * 60, end_hour * 60, 30):
        start = f"2026-12-01T{minute // 60:02d}:{minute % 60:02d}:00+07:00"
        for channel, queue, language, volume, aht, group, agents in series:
            forecast.append(f"{start},30,{channel},{queue},{language},{volume},0,0,{aht}")
            staffing.append(f"{start},30,{group},{agents}")
    (here / "forecast.csv").write_text("\n".join(forecast) + "\n", encoding="utf-8")
    (here / "staffing.csv").write_text("\n".join(staffing) + "\n", encoding="utf-8")
