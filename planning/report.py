"""What `vero plan` tells the planner (no file I/O): the change that meets the targets (hires,
overtime), the plan against the two-step method, and every interval's service level with its
confidence band and abandonment, as plan.json, report.html and the CLI summary."""

from __future__ import annotations

import html
import json
from typing import Any

import pandas as pd
from rich.console import Console
from rich.table import Table

from planning.plan import (
    FRESH_SEED_OFFSET,
    MET_SHARE,
    MIN_OFFERED,
    Iteration,
    PlanResult,
    PlanSettings,
)


def changes(iteration: Iteration) -> list[str]:
    """The change to the agents on hand, one sentence each: hires per groups and contract,
    then overtime spans."""
    lines = [
        f"hire {count} {groups} agent{'s' if count > 1 else ''} on contract {contract}"
        for (groups, contract), count in sorted(iteration.hires.items())
    ]
    lines += [
        f"offer {o.hours:g} h overtime on {o.start:%a %d %b %H:%M}-{o.end:%H:%M} to "
        f"{o.group} ({o.agents} agent{'s' if o.agents > 1 else ''})"
        for o in iteration.overtime
    ]
    return lines


def judged(iteration: Iteration) -> pd.DataFrame:
    """The interval cells the rule judges (enough contacts), in time order."""
    cells = iteration.intervals
    return cells[cells["offered"] >= MIN_OFFERED].sort_values(
        ["interval_start", "group", "channel"]
    )


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON records (NaN becomes null, times ISO 8601)."""
    return json.loads(frame.to_json(orient="records", date_format="iso"))


def _summary(iteration: Iteration) -> dict[str, Any]:
    return {
        "iteration": iteration.number,
        "headcount": iteration.headcount,
        "agent_hours": iteration.agent_hours,
        "required_agent_hours": iteration.required_hours,
        "rostered_agent_hours": iteration.rostered_hours,
        "short_agent_hours": iteration.short_hours,
        "overtime_hours": iteration.agent_hours - iteration.rostered_hours,
        "intervals_missing_target": len(iteration.misses()),
        "roster_status": iteration.roster.status,
        "changes": changes(iteration),
        "service": _records(iteration.service),
    }


def plan_json(result: PlanResult, settings: PlanSettings) -> dict[str, Any]:
    """The report's numbers: every iteration, the two-step/verified comparison, the plan's
    interval cells and its misses."""
    final = result.best
    cells = _when(final.intervals)
    return {
        "settings": {
            "replications": settings.replications,
            "max_iterations": settings.max_iterations,
            "met_share": MET_SHARE,
            "seed": settings.seed,
            "time_limit": settings.time_limit,
            "staffing_model": settings.staffing.model,
            "hire_contract": settings.hire.text if settings.hire else None,
        },
        "stop": result.stop,
        "plan_iteration": final.number,
        "iterations": [_summary(i) for i in result.iterations],
        "comparison": {"two_step": _summary(result.two_step), "verified": _summary(final)},
        "intervals": _records(cells.drop(columns="surplus")),
        "final_misses": _records(cells[cells["missed"]].drop(columns="surplus")),
        "fresh_seed": settings.seed + FRESH_SEED_OFFSET,
        "fresh_misses": []
        if result.fresh_misses.empty
        else _records(_when(result.fresh_misses).drop(columns="surplus")),
    }


def _when(cells: pd.DataFrame) -> pd.DataFrame:
    """Cells with their interval start as ISO text (JSON)."""
    return cells.assign(interval_start=lambda f: [t.isoformat() for t in f["interval_start"]])


def fresh_check(result: PlanResult, settings: PlanSettings) -> str:
    """One sentence: how the plan fared on replications the loop never saw."""
    missed = result.fresh_misses
    checked = f"checked on {settings.replications} fresh replications"
    if missed.empty:
        return f"{checked}, it meets every target"
    return f"{checked}, it misses {len(missed)} interval(s) (more replications fit it better)"


def _ci(half_width: float) -> float:
    """A confidence half-width, 0 where one replication gives none."""
    return 0.0 if pd.isna(half_width) else half_width


def _service_cells(iteration: Iteration) -> dict[str, str]:
    """'group/channel' → 'SL ± CI' text."""
    return {
        f"{r.group}/{r.channel}": (
            "–"
            if pd.isna(r.service_level)
            else f"{r.service_level:.1%} ± {_ci(r.service_level_ci):.1%}"
        )
        for r in iteration.service.itertuples()
    }


def _rows(iterations: tuple[Iteration, ...], labels: list[str]) -> str:
    keys = sorted({k for i in iterations for k in _service_cells(i)})
    head = (
        "<tr><th></th><th>agents</th><th>agent-hours</th><th>required agent-hours</th>"
        "<th>overtime hours</th><th>short agent-hours</th><th>intervals missing target</th>"
        + "".join(f"<th>SL {html.escape(k)}</th>" for k in keys)
        + "</tr>"
    )
    body = ""
    for label, it in zip(labels, iterations, strict=True):
        cells = _service_cells(it)
        body += (
            f"<tr><td>{html.escape(label)}</td><td>{it.headcount}</td>"
            f"<td>{it.agent_hours:.1f}</td><td>{it.required_hours:.1f}</td>"
            f"<td>{it.agent_hours - it.rostered_hours:.1f}</td><td>{it.short_hours:.1f}</td>"
            f"<td>{len(it.misses())}</td>"
            + "".join(f"<td>{cells.get(k, '–')}</td>" for k in keys)
            + "</tr>"
        )
    return f"<table>{head}{body}</table>"


def _band(level: float, half: float) -> str:
    if pd.isna(level):
        return "–"
    return f"{max(level - _ci(half), 0.0):.1%} – {min(level + _ci(half), 1.0):.1%}"


def _interval_rows(iteration: Iteration) -> str:
    return "".join(
        f'<tr class="{"miss" if r.missed else "ok"}"><td>{r.interval_start:%a %d %b %H:%M}</td>'
        f"<td>{html.escape(r.group)}</td><td>{html.escape(r.channel)}</td>"
        f"<td>{r.offered:.1f}</td><td>{r.service_level:.1%}</td>"
        f"<td>{_band(r.service_level, r.service_level_ci)}</td><td>{r.met_share:.0%}</td>"
        f"<td>{r.abandonment:.1%}</td><td>{r.target:.0%}</td>"
        f"<td>{'missed' if r.missed else 'met'}</td></tr>"
        for r in judged(iteration).itertuples()
    )


def report_html(result: PlanResult, settings: PlanSettings) -> str:
    """The supervisor's page: the change, the comparison, iterations and every interval."""
    first, final = result.two_step, result.best
    change = "".join(f"<li>{html.escape(c)}</li>" for c in changes(final)) or (
        "<li>none: the agents on hand meet the targets</li>"
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Vero plan</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:1200px}}
table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #ccc;padding:4px 8px;
text-align:right}}td:first-child{{text-align:left}}tr.miss td{{background:#fde2e1}}</style>
</head><body>
<h1>Simulation-verified plan</h1>
<p>{len(result.iterations)} iteration(s); stopped: {html.escape(result.stop)}. The plan is
iteration {final.number}, missing {len(final.misses())} interval(s);
{fresh_check(result, settings)}. Each iteration rosters the requirement and simulates the roster
{settings.replications} times in the twin (seed {settings.seed}, the same random numbers every
iteration). An interval meets its channel's target when the mean service level (SL) over
replications reaches the target and at least {MET_SHARE:.0%} of the replications reach it on
their own. The band is the 95 % t confidence interval of the mean. Where a cell misses, its
requirement becomes one more agent than the twin had there; where even its weakest replications
are well above target, one fewer. The first iteration is the two-step method
({html.escape(settings.staffing.model)} per interval, then a covering roster).</p>
<h2>What to change</h2>
<ul>{change}</ul>
<h2>Two-step method against the simulation-verified plan</h2>
{_rows((first, final), ["two-step (Erlang, then cover)", "simulation-verified"])}
<h2>Iterations</h2>
{_rows(result.iterations, [f"iteration {i.number}" for i in result.iterations])}
<h2>Every interval of the plan</h2>
<table><tr><th>interval</th><th>group</th><th>channel</th><th>offered</th><th>SL</th>
<th>95 % band</th><th>replications at target</th><th>abandonment</th><th>target</th>
<th></th></tr>{_interval_rows(final) or "<tr><td colspan=10>no contacts</td></tr>"}</table>
</body></html>
"""


def print_summary(
    result: PlanResult, settings: PlanSettings, console: Console | None = None
) -> None:
    """The CLI's view: the iterations, the change, and the plan's worst intervals."""
    out = console or Console()
    final = result.best
    table = Table(title=f"vero plan: {result.stop}; the plan is iteration {final.number}")
    for column in ("iteration", "agents", "agent h", "required h", "short h", "missed"):
        table.add_column(column, justify="right")
    for it in result.iterations:
        table.add_row(
            str(it.number),
            str(it.headcount),
            f"{it.agent_hours:.1f}",
            f"{it.required_hours:.1f}",
            f"{it.short_hours:.1f}",
            str(len(it.misses())),
        )
    out.print(table)
    out.print(f"iteration {final.number} {fresh_check(result, settings)}")
    for line in changes(final):
        out.print(line)
    cells = judged(final).sort_values("service_level").head(5)
    worst = Table(title="the plan's weakest intervals")
    for column in ("interval", "group", "channel", "SL", "95 % band", "at target", "abandon"):
        worst.add_column(column)
    for r in cells.itertuples():
        worst.add_row(
            f"{r.interval_start:%a %d %b %H:%M}",
            r.group,
            r.channel,
            f"{r.service_level:.1%}",
            _band(r.service_level, r.service_level_ci),
            f"{r.met_share:.0%}",
            f"{r.abandonment:.1%}",
        )
    out.print(worst)
