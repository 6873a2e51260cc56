"""Service figures from simulated contacts, and their confidence intervals over replications.

Definitions (those of `wfm/erlang.py`, so the twin and the planner speak alike):
- service level: answered within the channel's target under the channel's formula
  (vero/kernel/service_level.py: over offered contacts by default); a figure over several
  channels pools them, each contact counted by its own channel's formula (`counted`);
- ASA: mean wait of answered contacts; mean wait: over all contacts that left the queue;
- abandonment: abandoned / offered; occupancy: work done / logged-in time.
Contacts still waiting when the run stops count as offered and not answered in time.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from simulations.arrivals import Series
from simulations.model import Outcome
from vero.kernel import service_level as sl
from vero.kernel.centre import Centre

COUNTS = (
    "offered",
    "answered",
    "in_target",
    "abandoned",
    "short_abandoned",
    "counted",  # contacts the channel's service-level formula counts (its denominator)
    "answer_wait",
    "total_wait",
    "left",
)
FIGURES = ("service_level", "asa", "mean_wait", "abandonment")


def tally(
    outcome: Outcome, demand: list[Series], centre: Centre, warmup: float, end: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Counts per (bin, channel, queue, language) of the contacts arriving after the warm-up,
    and work and logged-in seconds per (bin, group)."""
    keep = outcome.arrival >= warmup
    arrival, series = outcome.arrival[keep], outcome.series[keep]
    answered, abandoned = outcome.answered[keep], outcome.abandoned[keep]
    channel = np.array([demand[i].channel for i in series], dtype=object)
    queue = np.array([demand[i].queue for i in series], dtype=object)
    language = np.array([demand[i].language for i in series], dtype=object)
    wait_answer = answered - arrival
    wait_abandon = abandoned - arrival
    is_answered, is_abandoned = ~np.isnan(answered), ~np.isnan(abandoned)
    left_at = np.where(is_answered, answered, np.where(is_abandoned, abandoned, np.nan))
    in_target, short_abandoned, counted = _judged(
        centre, channel, is_answered, wait_answer, is_abandoned, wait_abandon
    )
    contacts = pd.DataFrame(
        {
            "bin": (arrival // outcome.bin_seconds).astype(int),
            "channel": channel,
            "queue": queue,
            "language": language,
            "offered": 1,
            "answered": is_answered.astype(int),
            "in_target": in_target.astype(int),
            "abandoned": is_abandoned.astype(int),
            "short_abandoned": short_abandoned.astype(int),
            "counted": counted.astype(int),
            "answer_wait": np.where(is_answered, wait_answer, 0.0),
            "total_wait": np.where(np.isnan(left_at), end - arrival, left_at - arrival),
            "left": (~np.isnan(left_at)).astype(int),
        }
    )
    counts = contacts.groupby(["bin", "channel", "queue", "language"], as_index=False)[
        list(COUNTS)
    ].sum()
    first_bin = int(warmup // outcome.bin_seconds)
    bins = np.arange(outcome.workload.shape[1])
    work = pd.DataFrame(
        {
            "bin": np.tile(bins, len(outcome.groups)),
            "group": np.repeat(outcome.groups, len(bins)),
            "workload": outcome.workload.ravel(),
            "staffed": outcome.staffed.ravel(),
        }
    )
    work = work[(work.bin >= first_bin) & (work.staffed > 0)]
    return counts, work.reset_index(drop=True)


def _judged(
    centre: Centre,
    channel: np.ndarray,
    is_answered: np.ndarray,
    wait_answer: np.ndarray,
    is_abandoned: np.ndarray,
    wait_abandon: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per contact, under its channel's service-level definition: answered in target, short
    abandon, and counted by the formula (vero/kernel/service_level.py)."""
    in_target = np.zeros(len(channel), dtype=bool)
    short = np.zeros(len(channel), dtype=bool)
    counted = np.zeros(len(channel), dtype=bool)
    for name in np.unique(channel):
        mine = channel == name
        rule = sl.definition(centre, name)
        in_target[mine] = is_answered[mine] & rule.in_target(wait_answer[mine])
        short[mine] = is_abandoned[mine] & rule.short_abandon(wait_abandon[mine])
        each = sl.Counts(offered=1, answered=is_answered[mine], short_abandoned=short[mine])
        counted[mine] = np.broadcast_to(sl.counted(each, rule.formula), mine.sum()) > 0
    return in_target, short, counted


def figures(counts: pd.DataFrame) -> pd.DataFrame:
    """Service figures from summed counts (any grouping)."""
    out = pd.DataFrame(index=counts.index)
    out["offered"] = counts.offered
    out["service_level"] = counts.in_target / counts.counted.where(counts.counted > 0)
    out["asa"] = counts.answer_wait / counts.answered.where(counts.answered > 0)
    out["mean_wait"] = counts.total_wait / counts.offered.where(counts.offered > 0)
    out["abandonment"] = counts.abandoned / counts.offered.where(counts.offered > 0)
    return out


def confidence(
    per_replication: pd.DataFrame, by: list[str], columns: list[str], level: float = 0.95
) -> pd.DataFrame:
    """Mean and t-distribution half-width over replications of each column, per group `by`."""
    grouped = per_replication.groupby(by)[columns] if by else per_replication[columns]
    mean = grouped.mean()
    std = grouped.std(ddof=1)
    n = grouped.count()
    half = std * stats.t.ppf(0.5 + level / 2, (n - 1).clip(lower=1)) / np.sqrt(n)
    if not by:
        return pd.DataFrame(
            {**{c: [mean[c]] for c in columns}, **{f"{c}_ci": [half[c]] for c in columns}}
        )
    out = mean.join(half.add_suffix("_ci"))
    return out.reset_index()


def summarise(counts: pd.DataFrame, by: list[str], level: float = 0.95) -> pd.DataFrame:
    """Service figures with confidence intervals per `by` (a subset of bin, channel, queue),
    from the stacked tallies of all replications (column `replication`)."""
    summed = counts.groupby(["replication", *by], as_index=False)[list(COUNTS)].sum()
    per_rep = pd.concat([summed[["replication", *by]], figures(summed)], axis=1)
    return confidence(per_rep, by, ["offered", *FIGURES], level)


def occupancy(work: pd.DataFrame, by: list[str], level: float = 0.95) -> pd.DataFrame:
    """Occupancy with confidence intervals per `by` (a subset of bin, group)."""
    summed = work.groupby(["replication", *by], as_index=False)[["workload", "staffed"]].sum()
    summed["occupancy"] = summed.workload / summed.staffed
    return confidence(summed, by, ["occupancy"], level)
