"""Small centres and runs shared by the simulation tests."""

from __future__ import annotations

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
