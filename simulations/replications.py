"""Replications of every scenario, in parallel processes.

`run_replication` is a pure top-level function of plain picklable data, so any map over
processes (here `concurrent.futures`; Ray or Dask later) can run it. Replication k of every
scenario uses the same seed (common random numbers): scenario differences are the scenario's.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulations.kpi import tally
from simulations.model import Twin
from simulations.scenario import ScenarioCase, Study
from vero.kernel.centre import parse_centre


@dataclass(frozen=True)
class Job:
    """One replication of one scenario, with the run settings (seconds from the origin)."""

    case: ScenarioCase
    replication: int
    seed: int
    warmup: float
    until: float
    bin_seconds: float


def study_jobs(study: Study) -> list[Job]:
    """Every replication of every scenario, base first: what `vero simulate` and the console
    run."""
    return [
        Job(case, k, study.seed, study.warmup, study.until, study.bin_seconds)
        for case in study.cases
        for k in range(study.replications)
    ]


def replication_seed(seed: int, replication: int) -> np.random.SeedSequence:
    """The seed of replication k: the same in every scenario, independent across k."""
    return np.random.SeedSequence(seed, spawn_key=(replication,))


def run_replication(job: Job) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulate one replication; its tallies (`kpi.tally`) tagged with scenario and replication."""
    case = job.case
    centre = parse_centre(case.centre, source=f"scenario {case.name}")
    demand = list(case.demand)
    twin = Twin(
        centre,
        demand,
        list(case.shifts),
        case.profiles,
        case.behaviour,
        replication_seed(job.seed, job.replication),
        bin_seconds=job.bin_seconds,
    )
    outcome = twin.run(job.until)
    counts, work = tally(outcome, demand, centre, job.warmup, job.until)
    tags = {"scenario": case.name, "replication": job.replication}
    return counts.assign(**tags), work.assign(**tags)


def run_all(
    jobs: list[Job], workers: int = 2, done: Callable[[], None] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run every job (in this process when `workers` is 1) and stack the tallies in job order,
    so the result does not depend on which worker finished first. `done` is called after each."""
    results: list[tuple[pd.DataFrame, pd.DataFrame] | None] = [None] * len(jobs)
    if workers <= 1:
        for index, job in enumerate(jobs):
            results[index] = run_replication(job)
            if done:
                done()
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = {pool.submit(run_replication, job): index for index, job in enumerate(jobs)}
            for future in as_completed(futures):
                results[futures[future]] = future.result()
                if done:
                    done()
    counts = pd.concat([r[0] for r in results if r is not None], ignore_index=True)
    work = pd.concat([r[1] for r in results if r is not None], ignore_index=True)
    return counts, work
