"""Replications of every scenario, in parallel processes or on a dask.distributed cluster.

`run_replication` is a pure top-level function of plain picklable data, so any map can run it:
local processes (`concurrent.futures`) or a running Dask scheduler (`--scheduler
tcp://host:8786`, whose workers need the same Vero installed). Replication k of every scenario
uses the same seed (common random numbers): scenario differences are the scenario's, and a
replication gives the same tallies wherever it runs.
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
from vero.kernel.errors import VeroError

CONNECT_SECONDS = 10.0  # how long to try reaching a scheduler before saying it is not there
Result = tuple[pd.DataFrame, pd.DataFrame]


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


def run_replication(job: Job) -> Result:
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
    jobs: list[Job],
    workers: int = 2,
    done: Callable[[], None] | None = None,
    scheduler: str | None = None,
) -> Result:
    """Run every job (on the Dask `scheduler` when given, else in this process when `workers`
    is 1, else in `workers` processes) and stack the tallies in job order, so the result does
    not depend on where or in which order jobs finished. `done` is called after each."""
    results: list[Result | None] = [None] * len(jobs)

    def finished(index: int, result: Result) -> None:
        results[index] = result
        if done:
            done()

    if scheduler is not None:
        _run_on_cluster(jobs, scheduler, finished)
    elif workers <= 1:
        for index, job in enumerate(jobs):
            finished(index, run_replication(job))
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = {pool.submit(run_replication, job): index for index, job in enumerate(jobs)}
            for future in as_completed(futures):
                finished(futures[future], future.result())
    counts = pd.concat([r[0] for r in results if r is not None], ignore_index=True)
    work = pd.concat([r[1] for r in results if r is not None], ignore_index=True)
    return counts, work


def _run_on_cluster(
    jobs: list[Job], scheduler: str, finished: Callable[[int, Result], None]
) -> None:
    """Each job as one task on the scheduler's workers (`pure=False`: never served from a
    cache), results fetched as they finish. distributed is imported here: local runs never
    load it."""
    import distributed

    try:
        client = distributed.Client(scheduler, timeout=CONNECT_SECONDS, set_as_default=False)
    except (OSError, ValueError) as exc:
        raise VeroError(f"cannot reach the Dask scheduler: {exc}", field="--scheduler") from exc
    with client:
        futures = client.map(run_replication, jobs, pure=False)
        index = {future.key: k for k, future in enumerate(futures)}
        for future, result in distributed.as_completed(
            futures, loop=client.loop, with_results=True
        ):
            finished(index[future.key], result)
