"""What a supervisor reads after `vero simulate`: figures with confidence intervals per scenario
and channel, the difference of each scenario from the base (paired by replication, which common
random numbers make tight), and charts of service level per interval against the target.

`figures.json` holds the same numbers as `report.html`, for other tools.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from simulations.kpi import COUNTS, FIGURES, confidence, figures, occupancy, summarise  # noqa: E402
from simulations.scenario import Study  # noqa: E402
from vero.kernel.errors import VeroError  # noqa: E402
from vero.kernel.targets import answer_target  # noqa: E402


@dataclass(frozen=True)
class Results:
    """Per scenario: `kpis` and `differences` (scenario minus base) by channel, `occupancy` by
    staffing group, `intervals` (service level and volume) by bin and channel."""

    kpis: pd.DataFrame
    differences: pd.DataFrame
    occupancy: pd.DataFrame
    intervals: pd.DataFrame


def _per_scenario(table: pd.DataFrame, names: list[str], summary) -> pd.DataFrame:
    parts = [
        summary(table[table.scenario == name]).assign(scenario=name)
        for name in names
        if (table.scenario == name).any()
    ]
    return pd.concat(parts, ignore_index=True)


def summarise_study(counts: pd.DataFrame, work: pd.DataFrame, names: list[str]) -> Results:
    """Confidence intervals over replications (t-based, 95 %)."""
    kpis = _per_scenario(counts, names, lambda t: summarise(t, ["channel"]))
    intervals = _per_scenario(counts, names, lambda t: summarise(t, ["bin", "channel"]))
    occ = _per_scenario(work, names, lambda t: occupancy(t, ["group"]))
    summed = counts.groupby(["scenario", "replication", "channel"], as_index=False)[
        list(COUNTS)
    ].sum()
    per_rep = pd.concat([summed[["scenario", "replication", "channel"]], figures(summed)], axis=1)
    base = per_rep[per_rep.scenario == names[0]].drop(columns="scenario")
    paired = per_rep.merge(base, on=["replication", "channel"], suffixes=("", "_base"))
    for column in ("offered", *FIGURES):
        paired[column] = paired[column] - paired[f"{column}_base"]
    paired = paired[paired.scenario != names[0]]
    differences = (
        confidence(paired, ["scenario", "channel"], ["offered", *FIGURES]).sort_values(
            "scenario", key=lambda s: s.map(names.index), kind="stable"
        )
        if len(paired)
        else pd.DataFrame()
    )
    return Results(kpis, differences, occ, intervals)


def _clean(value: Any) -> Any:
    """JSON has no NaN: undefined figures (no contacts) become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value.item() if hasattr(value, "item") else value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _clean(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _interval_start(study: Study, bins: pd.Series) -> list[dt.datetime]:
    return [
        study.forecast.origin + dt.timedelta(seconds=float(b) * study.bin_seconds) for b in bins
    ]


def figures_json(results: Results, study: Study) -> dict[str, Any]:
    intervals = results.intervals.assign(
        interval_start=[t.isoformat() for t in _interval_start(study, results.intervals["bin"])]
    )
    return {
        "centre": study.centre.id,
        "origin": study.forecast.origin.isoformat(),
        "interval_minutes": study.bin_seconds / 60,
        "replications": study.replications,
        "seed": study.seed,
        "warmup_seconds": study.warmup,
        "scenarios": [case.name for case in study.cases],
        "targets": {
            name: {"seconds": _target(study, name), "service_level": ch.service_level}
            for name, ch in study.centre.channels.items()
        },
        "kpis": _records(results.kpis),
        "differences_vs_base": _records(results.differences),
        "occupancy": _records(results.occupancy),
        "intervals": _records(intervals.drop(columns="bin")),
    }


def _target(study: Study, channel: str) -> float:
    return answer_target(study.centre, channel)


def service_level_chart(results: Results, study: Study, channel: str) -> str:
    """Service level per interval for each scenario against the channel's target, as a
    base64 PNG; intervals without contacts are gaps."""
    fig, ax = plt.subplots(figsize=(13, 3.6))
    data = results.intervals[results.intervals.channel == channel]
    last = int(math.ceil(study.until / study.bin_seconds))
    for case in study.cases:
        part = data[data.scenario == case.name].set_index("bin")["service_level"]
        full = part.reindex(range(last))
        starts = _interval_start(study, pd.Series(full.index))
        # matplotlib plots datetimes through its unit converters; its stubs list numbers only
        ax.plot(
            starts,  # type: ignore[arg-type]
            full.to_numpy(dtype=float),
            label=case.name,
            linewidth=1.2,
        )
    target = study.centre.channels[channel].service_level
    ax.axhline(
        target,
        color="black",
        linestyle="--",
        linewidth=1,
        label=f"target {target:.0%} in {_target(study, channel):g} s",
    )
    ax.set_ylim(0, 1.02)
    ax.set_ylabel("service level")
    ax.set_title(f"{channel}: service level per interval (mean of replications)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")
    fig.autofmt_xdate()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _cell(row: pd.Series, column: str, percent: bool, signed: bool = False) -> str:
    value, half = row[column], row[f"{column}_ci"]
    if pd.isna(value):
        return "–"
    sign = "+" if signed else ""
    if percent:
        text = f"{value * 100:{sign}.1f} %"
        return text + (f" ± {half * 100:.1f}" if pd.notna(half) else "")
    return f"{value:{sign}.1f}" + (f" ± {half:.1f}" if pd.notna(half) else "")


COLUMNS = (
    ("offered", "offered", False),
    ("service_level", "service level", True),
    ("asa", "ASA (s)", False),
    ("mean_wait", "mean wait (s)", False),
    ("abandonment", "abandoned", True),
)


def _table(frame: pd.DataFrame, key: str, signed: bool = False) -> str:
    head = "".join(f"<th>{label}</th>" for _, label, _ in COLUMNS)
    body = "".join(
        f"<tr><td>{html.escape(str(row['scenario']))}</td><td>{html.escape(str(row[key]))}</td>"
        + "".join(f"<td>{_cell(row, c, p, signed)}</td>" for c, _, p in COLUMNS)
        + "</tr>"
        for _, row in frame.iterrows()
    )
    return f"<table><tr><th>scenario</th><th>{key}</th>{head}</tr>{body}</table>"


def report_html(results: Results, study: Study) -> str:
    charts = "".join(
        f'<h3>{html.escape(ch)}</h3><img alt="service level of {html.escape(ch)}" '
        f'src="data:image/png;base64,{service_level_chart(results, study, ch)}">'
        for ch in sorted(results.kpis.channel.unique())
    )
    occ = "".join(
        f"<tr><td>{html.escape(r.scenario)}</td><td>{html.escape(r.group)}</td>"
        f"<td>{r.occupancy * 100:.1f} % ± {r.occupancy_ci * 100:.1f}</td></tr>"
        for r in results.occupancy.itertuples()
    )
    diff = (
        _table(results.differences, "channel", signed=True)
        if len(results.differences)
        else "<p>No scenario besides the base.</p>"
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Vero simulation: {html.escape(study.centre.name)}</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:1200px}}
table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #ccc;padding:4px 8px;
text-align:right}}td:first-child,td:nth-child(2){{text-align:left}}img{{max-width:100%}}</style>
</head><body>
<h1>Simulation of {html.escape(study.centre.name)}</h1>
<p>{len(study.cases)} scenario(s) × {study.replications} replications, seed {study.seed},
from {study.forecast.origin:%Y-%m-%d %H:%M %Z} for {study.until / 86400:g} day(s),
warm-up {study.warmup / 60:g} min. Figures are means over replications ± the half-width of a
95 % t confidence interval. Service level is each channel's formula in the centre
(service_level_formula; by default answers within the target over all offered contacts).</p>
<h2>Figures per scenario and channel</h2>{_table(results.kpis, "channel")}
<h2>Difference from the base</h2>
<p>Scenario minus base, paired by replication (the same random numbers in every scenario).</p>
{diff}
<h2>Occupancy per staffing group</h2>
<table><tr><th>scenario</th><th>group</th><th>occupancy</th></tr>{occ}</table>
<h2>Service level per interval</h2>{charts}
</body></html>
"""


def write_report(results: Results, study: Study, out_dir: Path) -> tuple[Path, Path]:
    """report.html and figures.json in `out_dir` (created if needed)."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        page, data = out_dir / "report.html", out_dir / "figures.json"
        page.write_text(report_html(results, study), encoding="utf-8")
        data.write_text(json.dumps(figures_json(results, study), indent=1), encoding="utf-8")
    except OSError as exc:
        raise VeroError(f"cannot write the report: {exc.strerror}", source=str(out_dir)) from exc
    return page, data
