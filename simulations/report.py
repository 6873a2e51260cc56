"""What a supervisor reads after `vero simulate`: figures with confidence intervals per scenario
and channel, the difference of each scenario from the base (paired by replication, which common
random numbers make tight), and charts of service level per interval against the target.

The page and its charts are in the reader's language (`vero.kernel.language`): waits as
minutes and hours, local decimals, a service level under its target marked in colour and in
words, and a scenario the twin handled exactly as the base (its change never triggered, e.g.
callbacks where no caller waits long enough to be offered one) said so instead of a row of
zeros. `figures.json` holds the same numbers as `report.html`, for other tools.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from simulations.kpi import COUNTS, FIGURES, confidence, figures, occupancy, summarise  # noqa: E402
from simulations.scenario import Study  # noqa: E402
from vero.kernel.chart_axes import clock, percent_axis, time_axis  # noqa: E402
from vero.kernel.errors import VeroError  # noqa: E402
from vero.kernel.language import Language, language  # noqa: E402
from vero.kernel.targets import answer_target  # noqa: E402


@dataclass(frozen=True)
class Results:
    """Per scenario: `kpis` and `differences` (scenario minus base) by channel, `occupancy` by
    staffing group, `intervals` (service level and volume) by bin and channel; `unchanged`: the
    scenarios whose every count equals the base's in every replication."""

    kpis: pd.DataFrame
    differences: pd.DataFrame
    occupancy: pd.DataFrame
    intervals: pd.DataFrame
    unchanged: tuple[str, ...] = ()


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
    return Results(kpis, differences, occ, intervals, unchanged_scenarios(summed, names))


def unchanged_scenarios(summed: pd.DataFrame, names: list[str]) -> tuple[str, ...]:
    """The scenarios the twin played exactly as the base: with common random numbers, a change
    that never fires (no caller reaches a callback offer, a volume ×1) leaves every count of
    every replication and channel as it was."""
    counts = ["replication", "channel", *COUNTS]

    def played(name: str) -> pd.DataFrame:
        rows = summed[summed.scenario == name][counts]
        return rows.sort_values(["replication", "channel"]).reset_index(drop=True)

    base = played(names[0])
    return tuple(name for name in names[1:] if played(name).equals(base))


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
        "unchanged_scenarios": list(results.unchanged),
        "no_effect": {name: no_effect(study, name) for name in results.unchanged},
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


def no_effect(study: Study, name: str) -> str:
    """Why a scenario played exactly as the base, as a catalogue key: callbacks turned on that
    no caller was ever offered, or any other change that never fired."""
    base, case = study.cases[0], next(c for c in study.cases if c.name == name)
    if case.behaviour.callbacks and not base.behaviour.callbacks:
        return "whatif.no_effect.callbacks"
    return "whatif.no_effect.other"


def scenario_label(name: str, study_names: list[str], lang: Language) -> str:
    """A scenario's name as the reader sees it: the file's own names, the base by its role."""
    return lang.text("whatif.base_case") if name == study_names[0] == "base" else name


def service_level_chart(results: Results, study: Study, channel: str, lang: str = "id") -> str:
    """Service level per interval for each scenario against the channel's target, as a
    base64 PNG in `lang`; intervals without contacts are gaps."""
    words = language(lang)
    names = [case.name for case in study.cases]
    fig, ax = plt.subplots(figsize=(13, 3.6))
    data = results.intervals[results.intervals.channel == channel]
    last = int(math.ceil(study.until / study.bin_seconds))
    for case in study.cases:
        part = data[data.scenario == case.name].set_index("bin")["service_level"]
        full = part.reindex(range(last))
        starts = _interval_start(study, pd.Series(full.index))
        # matplotlib plots datetimes through its unit converters; its stubs list numbers only
        label = scenario_label(case.name, names, words)
        same = case.name in results.unchanged  # drawn dotted over the base it equals
        ax.plot(
            starts,  # type: ignore[arg-type]
            full.to_numpy(dtype=float),
            label=words.text("chart.same_as_base", scenario=label) if same else label,
            linewidth=2.4 if same else 1.2,
            linestyle=":" if same else "-",
        )
    target = study.centre.channels[channel].service_level
    ax.axhline(
        target,
        color="black",
        linestyle="--",
        linewidth=1,
        label=words.text(
            "chart.target",
            share=words.percent(target),
            wait=words.duration(_target(study, channel)),
        ),
    )
    ax.set_ylim(0, 1.02)
    percent_axis(ax.yaxis, words)
    time_axis(ax.xaxis, words, study.centre.tz)
    ax.set_ylabel(words.text("chart.service_level"))
    ax.set_title(
        words.text("chart.whatif_title", channel=words.text(f"channel.{channel}")), loc="left"
    )
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


PERCENT, DURATION, COUNT = "percent", "duration", "count"
# (figure, its column header's key, how it reads)
COLUMNS = (
    ("offered", "wall.offered", COUNT),
    ("service_level", "whatif.service_level", PERCENT),
    ("asa", "whatif.asa_time", DURATION),
    ("mean_wait", "whatif.mean_wait_time", DURATION),
    ("abandonment", "wall.abandoned", PERCENT),
)


def figure_text(
    value: float | None, half: float | None, kind: str, lang: Language, signed: bool = False
) -> str:
    """One figure ± its confidence half-width as a reader writes it: `97,5% ± 1,2%`,
    `6 jam 53 mnt ± 5 jam 24 mnt`, `+12,5 ± 3,0`; a dash where nothing was measured."""
    if value is None or not math.isfinite(value):
        return "–"

    def one(amount: float) -> str:
        if kind == PERCENT:
            return lang.percent(amount, 1)
        if kind == DURATION:
            return lang.duration(amount)
        return lang.number(amount, 1)

    sign = ("+" if value > 0 else "−" if value < 0 else "") if signed else ""
    text = f"{sign}{one(abs(value))}" if signed else one(value)
    if half is not None and math.isfinite(half) and half > 0:
        text += f" ± {one(half)}"
    return text


MISS, NEAR, MET = "miss", "near", "met"


def judge(level: float | None, half: float | None, target: float) -> str:
    """How a service level stands to its target: `miss` (even the top of its 95 % band is
    under it), `near` (the mean is under it, the band reaches it) or `met`."""
    if level is None or not math.isfinite(level) or level >= target:
        return MET
    reach = level + (half if half is not None and math.isfinite(half) else 0.0)
    return NEAR if reach >= target else MISS


def _number(row: Mapping[str, Any], column: str) -> float | None:
    value = row[column]
    return None if pd.isna(value) else float(value)


def kpi_cells(row: Mapping[str, Any], target: float, lang: Language) -> list[tuple[str, str]]:
    """A scenario's figures on one channel (a table row or a figures.json record) as (text,
    mark) per column of COLUMNS; the service level is marked `miss`/`near` under its target,
    in words as well as the colour its class gives."""
    cells = []
    for column, _, kind in COLUMNS:
        value, half = _number(row, column), _number(row, f"{column}_ci")
        text, mark = figure_text(value, half, kind, lang), ""
        if column == "service_level":
            mark = judge(value, half, target)
            text += "" if mark == MET else f" {lang.text(f'whatif.mark.{mark}')}"
        cells.append((text, mark))
    return cells


def _kpi_row(row: pd.Series, names: list[str], study: Study, lang: Language) -> str:
    target = study.centre.channels[row["channel"]].service_level
    cells = "".join(
        f'<td class="{mark}">{html.escape(text)}</td>' if mark else f"<td>{html.escape(text)}</td>"
        for text, mark in kpi_cells(row, target, lang)
    )
    return (
        f"<tr><td>{html.escape(scenario_label(str(row['scenario']), names, lang))}</td>"
        f"<td>{html.escape(lang.text('channel.' + str(row['channel'])))}</td>"
        f"<td>{html.escape(lang.percent(target))}</td>{cells}</tr>"
    )


def _diff_row(row: pd.Series, names: list[str], lang: Language) -> str:
    cells = "".join(
        "<td>"
        + html.escape(
            figure_text(_number(row, c), _number(row, f"{c}_ci"), kind, lang, signed=True)
        )
        + "</td>"
        for c, _, kind in COLUMNS
    )
    return (
        f"<tr><td>{html.escape(scenario_label(str(row['scenario']), names, lang))}</td>"
        f"<td>{html.escape(lang.text('channel.' + str(row['channel'])))}</td>{cells}</tr>"
    )


def _head(lang: Language, *first: str) -> str:
    keys = (*first, *(key for _, key, _ in COLUMNS))
    return "<tr>" + "".join(f"<th>{html.escape(lang.text(k))}</th>" for k in keys) + "</tr>"


STYLE = """body{font-family:sans-serif;margin:2em;max-width:1200px;color:#1f2328}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;
text-align:right}td:first-child,td:nth-child(2),th{text-align:left}img{max-width:100%}
.miss{background:#fde2e1;color:#8a1c14;font-weight:bold}.near{background:#fff1cc;
color:#6b4a00}.note{border-left:4px solid #d4a72c;background:#fff8e1;padding:.6em 1em}
.legend span{display:inline-block;padding:2px 8px;margin-right:1em}"""


def report_html(results: Results, study: Study, lang: str = "id") -> str:
    """The what-if report in `lang`: setup, figures against targets, differences from the
    base (or why there are none), occupancy and the service-level charts."""
    words = language(lang)
    names = [case.name for case in study.cases]
    esc = html.escape
    charts = "".join(
        f"<h3>{esc(words.text('channel.' + ch))}</h3>"
        f'<img alt="{esc(words.text("whatif.curves"))}: {esc(words.text("channel." + ch))}" '
        f'src="data:image/png;base64,{service_level_chart(results, study, ch, lang)}">'
        for ch in sorted(results.kpis.channel.unique())
    )
    kpis = "".join(_kpi_row(row, names, study, words) for _, row in results.kpis.iterrows())
    shown = results.differences
    if len(shown):
        shown = shown[~shown.scenario.isin(results.unchanged)]
    diff = (
        f"<table>{_head(words, 'whatif.scenario', 'whatif.channel')}"
        + "".join(_diff_row(row, names, words) for _, row in shown.iterrows())
        + "</table>"
        if len(shown)
        else ""
    )
    notes = "".join(
        f'<p class="note" data-no-effect="{esc(name)}"><strong>{esc(name)}</strong>: '
        f"{esc(words.text(no_effect(study, name)))}</p>"
        for name in results.unchanged
    )
    if len(names) == 1:
        notes = f"<p>{esc(words.text('whatif.only_base'))}</p>"
    occ = "".join(
        f"<tr><td>{esc(scenario_label(r.scenario, names, words))}</td><td>{esc(r.group)}</td>"
        f"<td>{esc(figure_text(r.occupancy, r.occupancy_ci, PERCENT, words))}</td></tr>"
        for r in results.occupancy.itertuples()
    )
    intro = words.text(
        "whatif.intro",
        scenarios=len(study.cases),
        replications=study.replications,
        seed=study.seed,
        start=f"{words.date(study.forecast.origin)} {clock(study.forecast.origin, words)}",
        span=words.duration(study.until),
        warmup=words.duration(study.warmup),
    )
    legend = "".join(
        f'<span class="{mark}">{esc(words.text(f"whatif.mark.{mark}"))} '
        f"{esc(words.text(f'whatif.legend.{mark}'))}</span>"
        for mark in (MISS, NEAR)
    )
    kpi_head = _head(words, "whatif.scenario", "whatif.channel", "whatif.target")
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<title>{esc(words.text("whatif.heading", centre=study.centre.name))}</title>
<style>{STYLE}</style>
</head><body>
<h1>{esc(words.text("whatif.heading", centre=study.centre.name))}</h1>
<p>{esc(intro)} {esc(words.text("whatif.explain"))}. {esc(words.text("whatif.sl_formula"))}</p>
<h2>{esc(words.text("whatif.figures"))}</h2>
<p class="legend">{legend}</p>
<table>{kpi_head}{kpis}</table>
<h2>{esc(words.text("whatif.differences"))}</h2>
<p>{esc(words.text("whatif.paired"))}</p>
{notes}{diff}
<h2>{esc(words.text("whatif.occupancy"))}</h2>
<table><tr><th>{esc(words.text("whatif.scenario"))}</th><th>{esc(words.text("whatif.group"))}</th>
<th>{esc(words.text("whatif.occupancy_figure"))}</th></tr>{occ}</table>
<h2>{esc(words.text("whatif.curves"))}</h2>{charts}
</body></html>
"""


def write_report(
    results: Results, study: Study, out_dir: Path, lang: str = "id"
) -> tuple[Path, Path]:
    """report.html (in `lang`) and figures.json in `out_dir` (created if needed)."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        page, data = out_dir / "report.html", out_dir / "figures.json"
        page.write_text(report_html(results, study, lang), encoding="utf-8")
        data.write_text(json.dumps(figures_json(results, study), indent=1), encoding="utf-8")
    except OSError as exc:
        raise VeroError(f"cannot write the report: {exc.strerror}", source=str(out_dir)) from exc
    return page, data
