"""Forecast accuracy on the US bank call data (30-minute intervals, weekdays 07:00-21:00).

Rolling origins over the final 50 weekdays, horizons 1 to 5 weekdays ahead (every target day at
every horizon: the forecast of a day does not depend on the window it sits in); WAPE of every
model next to the weekly seasonal naive and the median of the last six same weekdays. The
daily-profile model's recent-level memory, ridge penalty and profile memory are tuned by
rolling origin on the days BEFORE the final 50 only. Its 90% band is fitted at each origin as
`vero forecast` fits it (scaled residual quantiles of the backtest on the working days before
that origin) and checked on the final 50: the share of intervals inside it. The intraday
reforecast (wfm/forecast/intraday.py) is checked against the day-ahead forecast on the rest of
each final day.

The six absent weekdays are treated as closures known in advance (they are bank closures or
gaps; the centre knows its own closing days), so the day after them is flagged as a backlog day.
The 21:00-21:05 slot (one 5-minute count, not a full interval) is outside the hours.

Usage: .venv/bin/python benchmarks/forecast.py [path/to/calls_5min_long.csv]
(default: ../shared/data next to the repository or its worktree folder)
"""

from __future__ import annotations

import sys
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from benchmarks.support.bank import bank_calls, bank_centre  # noqa: E402
from wfm.forecast.backtest import (  # noqa: E402
    Backtest,
    apply_band,
    band_offsets,
    coverage,
    rolling_origin,
    wape,
)
from wfm.forecast.calendar import Event, day_features, fixed_multipliers  # noqa: E402
from wfm.forecast.history import load_history  # noqa: E402
from wfm.forecast.intervals import DayMatrix, aggregate, open_mask  # noqa: E402
from wfm.forecast.intraday import reforecast  # noqa: E402
from wfm.forecast.models import MODELS, daily_profile  # noqa: E402
from wfm.forecast.pipeline import BACKTEST_DAYS  # noqa: E402

FINAL_DAYS, HORIZONS = 50, (1, 2, 3, 4, 5)
OPENING_HOUR, REFORECAST_HOURS = 7, (9, 11, 13, 15)  # the reforecast runs at these hours
TUNE_DAYS = 60  # the weekdays before the final 50 used to pick hyper-parameters
GRID = [
    (days, damping, ridge, profile)
    for days in (1.0, 2.0, 4.0)
    for damping in (0.6, 0.9)
    for ridge in (0.01, 0.001)
    for profile in (28.0, 112.0)
]


def main(path: Path) -> None:
    started = time.perf_counter()
    centre = bank_centre({"target_seconds": 20}, "benchmarks/forecast.py")
    history = load_history(
        path,
        "counts",
        tz=centre.tz,
        defaults={"channel": "voice", "queue": "general", "language": "en"},
    )
    agg = aggregate(history, centre, 30)
    matrix = next(iter(agg.series.values()))
    dates = matrix.volume.index
    weekdays = dates[dates.day_of_week < 5]
    absent = weekdays[matrix.volume.loc[weekdays].isna().all(axis=1).to_numpy()]
    events = [Event(name="closure", day=d.date(), closed=True) for d in absent]
    opened = open_mask(centre, dates, 30, frozenset(d.date() for d in absent))
    matrix = DayMatrix(
        volume=matrix.volume,
        handle=matrix.handle,
        open=opened[matrix.volume.columns],
        interval_minutes=30,
    )
    features = day_features(dates, opened.any(axis=1), centre, events)
    multipliers = fixed_multipliers(dates, events)

    # Tune on the TUNE_DAYS weekdays before the final 50 (the final 50 are cut off).
    cutoff = weekdays[-FINAL_DAYS - 1]
    early = DayMatrix(
        volume=matrix.volume[:cutoff],
        handle=matrix.handle[:cutoff],
        open=matrix.open[:cutoff],
        interval_minutes=30,
    )
    grid = {
        f"daily_profile(recent={days:.0f}d, damping={damping}, ridge={ridge}, "
        f"profile={profile:.0f}d)": partial(
            daily_profile,
            recent_days=days,
            recent_damping=damping,
            ridge=ridge,
            profile_half_life=profile,
        )
        for days, damping, ridge, profile in GRID
    }
    tuning = rolling_origin(early, features, multipliers, grid, HORIZONS, TUNE_DAYS)
    tuned_name = tuning.best()
    models = dict(MODELS)
    models["weekday_median"] = partial(MODELS["weekday_median"], weeks=6)
    models["daily_profile (defaults)"] = models.pop("daily_profile")
    models["daily_profile (tuned)"] = grid[tuned_name]
    final = rolling_origin(matrix, features, multipliers, models, HORIZONS, FINAL_DAYS)
    result = final.table
    wapes = result.pivot(index="model", columns="horizon", values="wape")
    wapes["mean"] = wapes.mean(axis=1)
    naive, median6 = wapes.loc["seasonal_naive", "mean"], wapes.loc["weekday_median", "mean"]

    table = Table(
        title=f"WAPE, 30-min intervals, final {FINAL_DAYS} weekdays, origins 1-5 weekdays earlier"
    )
    for column in ["model", *[f"h={h}" for h in HORIZONS], "mean", "x naive", "x median6"]:
        table.add_column(column, justify="left" if column == "model" else "right")
    for name, row in wapes.sort_values("mean").iterrows():
        table.add_row(
            str(name),
            *[f"{row[h]:.2%}" for h in HORIZONS],
            f"{row['mean']:.2%}",
            f"{row['mean'] / naive:.2f}",
            f"{row['mean'] / median6:.2f}",
        )
    console = Console(width=120)
    console.print(table)
    console.print(
        f"tuned on {TUNE_DAYS} earlier weekdays: {tuned_name}; "
        f"closures known in advance: {', '.join(str(d.date()) for d in absent)}; "
        f"weekday_median = median of the last six same weekdays; "
        f"{time.perf_counter() - started:.0f} s"
    )
    best = "daily_profile (tuned)"  # the headline uses only what was tuned before the window
    days = FINAL_DAYS + BACKTEST_DAYS + max(HORIZONS)  # the final days and the bands' backtests
    banded = rolling_origin(matrix, features, multipliers, {best: grid[tuned_name]}, HORIZONS, days)
    covered = band_coverage(banded, best)
    console.print(
        f"90% band (residual quantiles of the backtest on the {BACKTEST_DAYS} working days "
        "before each origin), share of the final intervals inside: "
        + ", ".join(f"h={h} {c:.1%}" for h, c in covered.items())
    )
    console.print(
        "intraday reforecast, WAPE of the rest of the day (h=1 forecast -> reforecast): "
        + ", ".join(
            f"from {hhmm} {before:.2%} -> {after:.2%}"
            for hhmm, (before, after) in intraday_gain(banded, best).items()
        )
    )
    score = wapes.loc[best, "mean"]
    print(
        f"{best}: WAPE h=1 {wapes.loc[best, 1]:.2%}, h=5 {wapes.loc[best, 5]:.2%}, "
        f"band h=1 {covered[1]:.1%}, h=5 {covered[5]:.1%}; mean {score:.2%} = "
        f"{score / naive:.2f}x weekly seasonal naive ({naive:.1%}), "
        f"{score / median6:.2f}x median-of-six ({median6:.1%})"
    )


def band_coverage(backtest: Backtest, model: str) -> dict[int, float]:
    """Per horizon, the share of the final window's intervals inside the 90% band, fitted for
    each origin as `vero forecast` fits it then: scaled residual quantiles of the backtest on
    the last BACKTEST_DAYS working days before that origin (conformal, never the future)."""
    pairs = backtest.pairs[model]
    finals = set(sorted({p.target for p in pairs})[-FINAL_DAYS:])
    inside: dict[int, list[float]] = {h: [] for h in HORIZONS}
    for pair in pairs:
        if pair.target not in finals:
            continue
        known = sorted({p.target for p in pairs if p.target <= pair.origin})[-BACKTEST_DAYS:]
        past = [p for p in pairs if p.target in set(known)]
        offsets = band_offsets(
            np.concatenate([p.actual for p in past]), np.concatenate([p.forecast for p in past])
        )
        lo, hi = apply_band(pair.forecast, offsets)
        inside[pair.horizon].append(coverage(pair.actual, lo, hi))
    return {h: float(np.mean(shares)) for h, shares in inside.items()}


def intraday_gain(backtest: Backtest, model: str) -> dict[str, tuple[float, float]]:
    """Per time of day, the WAPE of the rest of the final days: the day-ahead forecast against
    its reforecast from the actuals up to then."""
    pairs = [p for p in backtest.pairs[model] if p.horizon == 1][-FINAL_DAYS:]
    gains = {}
    for hour in REFORECAST_HOURS:
        passed = (hour - OPENING_HOUR) * 60 // 30
        actual = np.concatenate([p.actual[passed:] for p in pairs])
        before = np.concatenate([p.forecast[passed:] for p in pairs])
        after = np.concatenate([reforecast(p.forecast, p.actual[:passed], 30).rest for p in pairs])
        gains[f"{hour:02d}:00"] = (wape(actual, before), wape(actual, after))
    return gains


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else bank_calls())
