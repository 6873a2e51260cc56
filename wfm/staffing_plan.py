"""A forecast table → required agents per interval and staffing group (no I/O).

Within a group, the series of one channel are pooled per interval (volume summed, AHT weighted
by volume) and staffed against that channel's target and concurrency. A group mixing channels
(e.g. b2b over voice, chat and email) gets the sum of its channels' on-seat requirements: each
channel is staffed as its own queue, which ignores the saving from agents switching between
channels within an interval (a safe, slightly high figure). Shrinkage grosses up the sum once.
The group's service level, ASA and abandonment are volume-weighted over its channels; its
occupancy is weighted by the agents each channel needs.

Each channel is staffed against its service-level definition in the centre
(vero/kernel/service_level.py): answer target, goal and, unless `PlanOptions.convention` names
another, its formula as the Erlang A convention (with its short-abandon threshold).

Each channel's Erlang A patience is, first to last: `PlanOptions.channel_patience[channel]`,
`PlanOptions.patience_seconds` (one value for every channel), the centre's
`channels.<channel>.patience_seconds`, and DEFAULT_PATIENCE_SECONDS. An infinite patience (a
message that waits until it is answered) staffs the channel with Erlang C.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from vero.kernel.centre import Centre
from vero.kernel.errors import VeroError
from vero.kernel.service_level import definition
from wfm.erlang import SLConvention
from wfm.staffing import (
    Model,
    QueueModel,
    Target,
    check_patience,
    gross_up,
    requirement,
    round_up,
)

DEFAULT_PATIENCE_SECONDS = 120.0

OUTPUT_COLUMNS = (
    "interval_start",
    "interval_minutes",
    "group",
    "volume",
    "aht_seconds",
    "required_net",
    "required_agents",
    "service_level",
    "asa_seconds",
    "occupancy",
    "abandon_rate",
)


@dataclass(frozen=True)
class PlanOptions:
    """How to staff a forecast; `convention`, `short_abandon_seconds` and `max_abandonment`
    are those of `wfm.staffing` (Erlang A only; None: each channel's own in the centre),
    patience as in the module docstring."""

    model: Model = "erlang-a"
    patience_seconds: float | None = None
    shrinkage: float = 0.3
    max_occupancy: float = 0.85
    fractional: bool = False
    convention: SLConvention | None = None
    short_abandon_seconds: float | None = None
    max_abandonment: float | None = None
    channel_patience: Mapping[str, float] = field(default_factory=dict)

    def patience_for(self, centre: Centre, channel: str) -> float:
        """The mean patience used to staff `channel` (see the module docstring)."""
        for value in (
            self.channel_patience.get(channel),
            self.patience_seconds,
            centre.channels[channel].patience_seconds,
        ):
            if value is not None:
                return value
        return DEFAULT_PATIENCE_SECONDS


def plan_group(
    rows: pd.DataFrame, group: str, centre: Centre, options: PlanOptions
) -> pd.DataFrame:
    """Requirement rows (OUTPUT_COLUMNS) for one group's forecast rows.

    `rows` holds columns interval_start (aware datetimes), interval_minutes, channel, volume
    and aht_seconds, already validated.
    """
    per_channel = pd.concat(
        [
            _plan_channel(part, channel, centre, options)
            for channel, part in rows.groupby("channel", sort=True)
        ]
    )
    totals = per_channel.groupby(["interval_start", "interval_minutes"], sort=True).sum()
    volume, net = totals["volume"], totals["required_net"]
    out = pd.DataFrame(
        {
            "group": group,
            "volume": volume,
            "aht_seconds": _share(totals["work"], volume, 0.0).where(
                volume > 0, totals["aht_seconds"] / totals["channels"]
            ),
            "required_net": net,
            "required_agents": gross_up(net, options.shrinkage, options.fractional),
            "service_level": _share(totals["sl_volume"], volume, 1.0),
            "asa_seconds": _share(totals["asa_volume"], volume, 0.0),
            "occupancy": _share(totals["occ_agents"], totals["on_seat"], 0.0),
            "abandon_rate": (
                _share(totals["abandon_volume"], volume, 0.0)
                if options.model == "erlang-a"
                else np.nan
            ),
        }
    ).reset_index()
    if not options.fractional:
        out = out.astype({"required_net": int, "required_agents": int})
    return out.round(
        {
            "volume": 2,
            "aht_seconds": 1,
            "required_net": 3,
            "required_agents": 3,
            "service_level": 4,
            "asa_seconds": 2,
            "occupancy": 4,
            "abandon_rate": 4,
        }
    )[list(OUTPUT_COLUMNS)]


def _plan_channel(
    rows: pd.DataFrame, channel: str, centre: Centre, options: PlanOptions
) -> pd.DataFrame:
    """One channel of a group: pool its series per interval and staff them as one queue."""
    rule = definition(centre, channel)
    target = Target(
        rule.target_seconds,
        rule.goal,
        max_occupancy=options.max_occupancy,
        max_abandonment=options.max_abandonment,
    )
    patience = options.patience_for(centre, channel)
    model = QueueModel(
        options.model if math.isfinite(patience) else "erlang-c",  # nobody abandons
        patience,
        centre.channels[channel].capacity,
        options.convention or rule.formula,
        rule.short_abandon_seconds
        if options.short_abandon_seconds is None
        else options.short_abandon_seconds,
    )
    try:
        check_patience(target, model)
    except VeroError as exc:
        raise VeroError(exc.message, field=f"channels.{channel}.patience_seconds") from exc
    pooled = (
        rows.assign(work=rows["volume"] * rows["aht_seconds"])
        .groupby(["interval_start", "interval_minutes"], sort=True)
        .agg(volume=("volume", "sum"), work=("work", "sum"), aht_seconds=("aht_seconds", "mean"))
        .reset_index()
    )
    volume = pooled["volume"].to_numpy(dtype=float)
    aht = np.where(
        volume > 0, pooled["work"] / np.where(volume > 0, volume, 1.0), pooled["aht_seconds"]
    )
    result = requirement(
        volume,
        aht,
        pooled["interval_minutes"].to_numpy(dtype=float) * 60,
        target,
        model,
        fractional=options.fractional,
    )
    metrics = result.metrics
    on_seat = round_up(result.required_net)
    abandon = metrics.abandon_rate if metrics.abandon_rate is not None else np.zeros_like(volume)
    return pooled.assign(
        required_net=result.required_net,
        on_seat=on_seat,
        channels=1,
        sl_volume=metrics.service_level * volume,
        asa_volume=metrics.asa_seconds * volume,
        abandon_volume=abandon * volume,
        occ_agents=metrics.occupancy * on_seat,
    )


def _share(weighted_sum: pd.Series, weight: pd.Series, empty: float) -> pd.Series:
    """weighted_sum / weight, or `empty` where the weight is zero."""
    return (weighted_sum / weight.where(weight > 0, 1.0)).where(weight > 0, empty)
