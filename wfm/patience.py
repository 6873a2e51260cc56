"""Patience from history: how long the centre's own callers wait before hanging up.

A contact's patience is seen only when it abandons; an answered contact waited `wait_seconds`
and would have waited longer (right-censored). So the mean patience is estimated with the
exponential maximum-likelihood estimator, total wait over abandonments (Erlang A's patience is
exponential, so this is the figure staffing needs; its 95 % interval is the chi-square one),
and the shape is checked with a Kaplan–Meier curve, whose median an exponential patience puts
at mean × ln 2. Contacts that left the queue another way (a callback or voicemail offer taken,
a cancel) are censored at their wait too; tasks no caller waited for (callbacks, voicemails,
outbound legs: a `kind`) are left out.

Reading takes Vero's contact CSV (`telephony/routing/contact_log.py`: wait_seconds, outcome,
kind) or any CSV with a wait_seconds column and an outcome or abandoned column.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import chi2

from vero.kernel.csv_columns import write_frame
from vero.kernel.errors import VeroError
from vero.kernel.files import open_text, read_table

ALL_QUEUES = "all"
SHOWN_ISSUES = 5  # skipped rows named in `from_records`' lines, the rest counted
MIN_ABANDONS = 10  # fewer events leave the mean's relative error above 1/sqrt(10) ≈ 32 %
NOT_WAITING = ("callback_failed", "unreached")  # outcomes of outbound legs: nobody queued
YES = ("1", "true", "yes", "y")
NO = ("0", "false", "no", "n", "")
PATIENCE_COLUMNS = (
    "channel",
    "queue",
    "contacts",
    "abandoned",
    "abandon_share",
    "mean_patience_seconds",
    "mean_patience_lo",
    "mean_patience_hi",
    "km_median_seconds",
)


@dataclass
class Waits:
    """One row per waiting contact: channel, queue, wait_seconds, abandoned (bool); `issues`
    name each skipped row (file:line field: reason)."""

    frame: pd.DataFrame
    issues: list[str] = field(default_factory=list)


def kaplan_meier(waits: np.ndarray, abandoned: np.ndarray) -> pd.DataFrame:
    """The Kaplan–Meier survival curve of patience at each abandonment time: columns seconds,
    at_risk, abandoned, survival (the share still willing to wait after `seconds`). A contact
    answered at the same second as an abandonment is still at risk then."""
    times, inverse = np.unique(np.asarray(waits, dtype=float), return_inverse=True)
    events = np.bincount(inverse, weights=np.asarray(abandoned, dtype=float))
    leaving = np.bincount(inverse)
    at_risk = len(inverse) - np.concatenate([[0], np.cumsum(leaving)[:-1]])
    survival = np.cumprod(1 - events / at_risk)
    keep = events > 0
    return pd.DataFrame(
        {
            "seconds": times[keep],
            "at_risk": at_risk[keep],
            "abandoned": events[keep].astype(int),
            "survival": survival[keep],
        }
    )


def km_median(curve: pd.DataFrame) -> float:
    """The first time the curve falls to one half or below; NaN when it never does (too few
    callers waited long enough to tell)."""
    below = curve["seconds"][curve["survival"] <= 0.5]
    return float(below.iloc[0]) if len(below) else math.nan


def exponential_mean(waits: np.ndarray, abandoned: np.ndarray) -> tuple[float, float, float]:
    """Mean patience, total wait / abandonments, with its exact 95 % interval (2·wait over
    chi-square quantiles with 2k degrees of freedom); NaNs without any abandonment."""
    total, events = float(np.sum(waits)), int(np.sum(abandoned))
    if events == 0:
        return math.nan, math.nan, math.nan
    low = 2 * total / chi2.ppf(0.975, 2 * events)
    high = 2 * total / chi2.ppf(0.025, 2 * events)
    return total / events, float(low), float(high)


def estimate(waits: pd.DataFrame) -> pd.DataFrame:
    """PATIENCE_COLUMNS per channel (queue "all") and per channel and queue (a customer class,
    e.g. a VIP queue, has its own patience), channels sorted."""
    rows = []
    for channel, part in waits.groupby("channel", sort=True):
        rows.append(_row(str(channel), ALL_QUEUES, part))
        if part["queue"].nunique() > 1:
            rows.extend(_row(str(channel), str(q), p) for q, p in part.groupby("queue", sort=True))
    return pd.DataFrame(rows, columns=list(PATIENCE_COLUMNS))


def _row(channel: str, queue: str, part: pd.DataFrame) -> dict:
    wait = part["wait_seconds"].to_numpy(dtype=float)
    gone = part["abandoned"].to_numpy(dtype=bool)
    mean, low, high = exponential_mean(wait, gone)
    return {
        "channel": channel,
        "queue": queue,
        "contacts": len(part),
        "abandoned": int(gone.sum()),
        "abandon_share": round(float(gone.mean()), 4),
        "mean_patience_seconds": round(mean, 1),
        "mean_patience_lo": round(low, 1),
        "mean_patience_hi": round(high, 1),
        "km_median_seconds": km_median(kaplan_meier(wait, gone)),
    }


def channel_patience(estimates: pd.DataFrame) -> dict[str, float]:
    """The mean patience per channel for staffing and the twin: channels with at least
    MIN_ABANDONS abandonments (the others keep their configured patience)."""
    whole = estimates[(estimates["queue"] == ALL_QUEUES) & (estimates["abandoned"] >= MIN_ABANDONS)]
    return dict(zip(whole["channel"], whole["mean_patience_seconds"].astype(float), strict=True))


def describe(estimates: pd.DataFrame) -> list[str]:
    """One line per channel saying what was estimated and whether staffing can use it."""
    lines = []
    for row in estimates[estimates["queue"] == ALL_QUEUES].itertuples():
        head = f"{row.channel}: {row.abandoned} of {row.contacts} contacts abandoned"
        if row.abandoned < MIN_ABANDONS:
            lines.append(f"{head}, too few to estimate patience (need {MIN_ABANDONS})")
            continue
        median = "n/a" if math.isnan(row.km_median_seconds) else f"{row.km_median_seconds:.0f} s"
        lines.append(
            f"{head}; mean patience {row.mean_patience_seconds:.0f} s (95% "
            f"{row.mean_patience_lo:.0f}-{row.mean_patience_hi:.0f}), Kaplan-Meier median "
            f"{median} (exponential: {row.mean_patience_seconds * math.log(2):.0f} s)"
        )
    return lines


def read_waits(path: Path, defaults: Mapping[str, str]) -> Waits | None:
    """The waiting contacts of one CSV; None when it has no wait_seconds column or neither an
    outcome nor an abandoned column (interval counts, a call log). `defaults` gives channel
    and queue where the file has none."""
    with open_text(path) as lines:
        table = read_table(lines)
        if table is not None and table.error is not None:
            raise table.error
    if table is None:
        return None
    header = [name.strip() for name in table.header]
    flag = "abandoned" if "abandoned" in header else "outcome" if "outcome" in header else None
    if "wait_seconds" not in header or flag is None:
        return None
    records, issues = [], []
    for line, values in table.rows:
        if len(values) != len(header):
            issues.append(f"{path}:{line}: {len(values)} fields, header has {len(header)}")
            continue
        row = dict(zip(header, (v.strip() for v in values), strict=True))
        if row.get("kind") or row.get("outcome") in NOT_WAITING:
            continue
        try:
            records.append(
                {
                    "channel": row.get("channel") or defaults["channel"],
                    "queue": row.get("queue") or defaults["queue"],
                    "wait_seconds": _wait(row["wait_seconds"]),
                    "abandoned": _abandoned(row[flag], flag),
                }
            )
        except ValueError as exc:
            name, _, why = str(exc).partition(": ")
            issues.append(f"{path}:{line} field {name!r}: {why}")
    frame = pd.DataFrame(records, columns=["channel", "queue", "wait_seconds", "abandoned"])
    return Waits(frame.astype({"wait_seconds": float, "abandoned": bool}), issues)


def load_waits(
    paths: Iterable[Path], defaults: Mapping[str, str], *, required: bool = False
) -> Waits | None:
    """`read_waits` of every file joined; None when no file has waits. `required`: a file
    without waits is a VeroError (`vero staff --patience-from`), not passed over."""
    found = []
    for path in paths:
        waits = read_waits(path, defaults)
        if waits is None and required:
            raise VeroError(
                "no wait_seconds with an outcome or abandoned column: not a contact record file",
                source=str(path),
                line=1,
            )
        if waits is not None:
            found.append(waits)
    if not found:
        return None
    return Waits(
        pd.concat([w.frame for w in found], ignore_index=True),
        [issue for w in found for issue in w.issues],
    )


def from_records(
    paths: Iterable[Path], channels: Collection[str]
) -> tuple[dict[str, float], list[str]]:
    """`--patience-from`: the mean patience per channel (`channel_patience`) from contact
    records that must all have waits, and the lines to print (the first skipped rows, each
    channel's estimate). A channel outside `channels` (the centre's) is a VeroError."""
    paths = list(paths)
    waits = load_waits(paths, {"channel": "voice", "queue": "general"}, required=True)
    if waits is None or waits.frame.empty:
        first = f" (all skipped; the first: {waits.issues[0]})" if waits and waits.issues else ""
        raise VeroError(
            f"no waiting contacts to estimate patience from{first}", source=str(paths[0])
        )
    unknown = sorted(set(waits.frame["channel"]) - set(channels))
    if unknown:
        raise VeroError(
            f"channel(s) {', '.join(unknown)} not in the centre ({', '.join(channels)})",
            source=str(paths[0]),
            field="channel",
        )
    estimates = estimate(waits.frame)
    lines = [f"  skipped {issue}" for issue in waits.issues[:SHOWN_ISSUES]]
    if len(waits.issues) > SHOWN_ISSUES:
        lines.append(f"  ... and {len(waits.issues) - SHOWN_ISSUES} more skipped")
    lines.extend(f"patience from history: {line}" for line in describe(estimates))
    return channel_patience(estimates), lines


def history_patience(
    paths: Iterable[Path], defaults: Mapping[str, str], out: Path
) -> pd.DataFrame | None:
    """The estimates of `vero forecast` and the console's forecast run, written to `out`
    (patience.csv) beside the forecast; None, and nothing written, when the histories have no
    waits (interval counts, a call log)."""
    waits = load_waits(paths, defaults)
    if waits is None or waits.frame.empty:
        return None
    estimates = estimate(waits.frame)
    try:
        write_frame(estimates, out)
    except OSError as exc:
        raise VeroError(f"cannot write: {exc.strerror}", source=str(out)) from exc
    return estimates


def _wait(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"wait_seconds: {text!r} is not a number") from None
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"wait_seconds: {text!r} is negative or not finite")
    return value


def _abandoned(text: str, column: str) -> bool:
    if column == "outcome":
        return text.lower() == "abandoned"
    if text.lower() in YES:
        return True
    if text.lower() in NO:
        return False
    raise ValueError(f"abandoned: {text!r} is not yes/no, true/false or 1/0")
