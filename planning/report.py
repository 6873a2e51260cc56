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
    STOP_BUDGET,
    STOP_MET,
    STOP_STUCK,
    Iteration,
    PlanResult,
    PlanSettings,
)
from vero.kernel.chart_axes import clock, interval_start
from vero.kernel.language import Language, language


def changes(iteration: Iteration, lang: str = "id") -> list[str]:
    """The change to the agents on hand, one sentence each in `lang`: hires per groups and
    contract, then overtime spans."""
    words = language(lang)
    lines = [
        words.text("plan.change.hire", count=count, groups=groups, contract=contract)
        for (groups, contract), count in sorted(iteration.hires.items())
    ]
    lines += [
        words.text(
            "plan.change.overtime",
            hours=words.number(o.hours, 1),
            day=words.date(o.start, "EEE d MMM"),
            start=clock(o.start, words),
            end=clock(o.end, words),
            group=o.group,
            agents=o.agents,
        )
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
        "changes": changes(iteration, "en"),  # for tools: one fixed language
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


MODEL_NAMES = {"erlang-c": "Erlang C", "erlang-a": "Erlang A"}  # the staffing models' names
STOPS = {STOP_MET: "plan.stop.met", STOP_BUDGET: "plan.stop.budget", STOP_STUCK: "plan.stop.stuck"}


def stop_text(stop: str, lang: Language) -> str:
    """Why the loop stopped, in `lang` (a solver's own reason stays as the solver gave it)."""
    if stop in STOPS:
        return lang.text(STOPS[stop])
    return lang.text("plan.stop.no_roster", reason=stop.partition(": ")[2] or stop)


def fresh_check(result: PlanResult, settings: PlanSettings, lang: str = "id") -> str:
    """One sentence: how the plan fared on replications the loop never saw."""
    words = language(lang)
    missed = result.fresh_misses
    if missed.empty:
        return words.text("plan.fresh.met", replications=settings.replications)
    return words.text(
        "plan.fresh.missed", replications=settings.replications, intervals=len(missed)
    )


def _ci(half_width: float) -> float:
    """A confidence half-width, 0 where one replication gives none."""
    return 0.0 if pd.isna(half_width) else half_width


def _service_cells(iteration: Iteration, lang: Language) -> dict[str, str]:
    """'group/channel' → 'SL ± CI' text."""
    return {
        f"{r.group}/{r.channel}": (
            "–"
            if pd.isna(r.service_level)
            else f"{lang.percent(r.service_level, 1)} ± {lang.percent(_ci(r.service_level_ci), 1)}"
        )
        for r in iteration.service.itertuples()
    }


def _rows(iterations: tuple[Iteration, ...], labels: list[str], lang: Language) -> str:
    cells_of = [_service_cells(i, lang) for i in iterations]
    keys = sorted({k for cells in cells_of for k in cells})
    heads = ("agents", "agent_hours", "required_hours", "overtime_hours", "short_hours", "missed")
    head = (
        "<tr><th></th>"
        + "".join(f"<th>{html.escape(lang.text(f'plan.column.{h}'))}</th>" for h in heads)
        + "".join(f"<th>{html.escape(lang.text('plan.column.sl', cell=k))}</th>" for k in keys)
        + "</tr>"
    )
    body = ""
    for label, it, cells in zip(labels, iterations, cells_of, strict=True):
        hours = (it.agent_hours, it.required_hours, it.agent_hours - it.rostered_hours)
        body += (
            f"<tr><td>{html.escape(label)}</td><td>{it.headcount}</td>"
            + "".join(f"<td>{lang.number(h, 1)}</td>" for h in hours)
            + f"<td>{lang.number(it.short_hours, 1)}</td>"
            f'<td class="{"miss" if len(it.misses()) else ""}">{len(it.misses())}</td>'
            + "".join(f"<td>{cells.get(k, '–')}</td>" for k in keys)
            + "</tr>"
        )
    return f"<table>{head}{body}</table>"


def _band(level: float, half: float, lang: Language) -> str:
    if pd.isna(level):
        return "–"
    low, high = max(level - _ci(half), 0.0), min(level + _ci(half), 1.0)
    return f"{lang.percent(low, 1)} – {lang.percent(high, 1)}"


def _interval_rows(iteration: Iteration, lang: Language) -> str:
    return "".join(
        f'<tr class="{"miss" if r.missed else "ok"}">'
        f"<td>{interval_start(r.interval_start, lang)}</td>"
        f"<td>{html.escape(r.group)}</td><td>{html.escape(lang.text('channel.' + r.channel))}</td>"
        f"<td>{lang.number(r.offered, 1)}</td><td>{lang.percent(r.service_level, 1)}</td>"
        f"<td>{_band(r.service_level, r.service_level_ci, lang)}</td>"
        f"<td>{lang.percent(r.met_share)}</td>"
        f"<td>{lang.percent(r.abandonment, 1)}</td><td>{lang.percent(r.target)}</td>"
        f"<td>{html.escape(lang.text('plan.missed' if r.missed else 'plan.met'))}</td></tr>"
        for r in judged(iteration).itertuples()
    )


STYLE = """body{font-family:sans-serif;margin:2em;max-width:1200px;color:#1f2328}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;
text-align:right}td:first-child,th{text-align:left}tr.miss td,td.miss{background:#fde2e1;
color:#8a1c14}"""


def report_html(result: PlanResult, settings: PlanSettings, lang: str = "id") -> str:
    """The supervisor's page in `lang`: the change, the comparison, iterations and every
    interval."""
    words = language(lang)
    esc = html.escape
    first, final = result.two_step, result.best
    unchanged = words.text(
        "plan.no_change_missing" if len(final.misses()) else "plan.no_change",
        missed=len(final.misses()),
    )
    change = "".join(f"<li>{esc(c)}</li>" for c in changes(final, lang)) or (
        f"<li>{esc(unchanged)}</li>"
    )
    intro = words.text(
        "plan.intro",
        iterations=len(result.iterations),
        stop=stop_text(result.stop, words),
        plan=final.number,
        missed=len(final.misses()),
        fresh=fresh_check(result, settings, lang),
        replications=settings.replications,
        seed=settings.seed,
        share=words.percent(MET_SHARE),
        model=MODEL_NAMES.get(settings.staffing.model, settings.staffing.model),
    )
    heads = ("interval", "group", "channel", "offered", "sl", "band", "at_target", "abandon")
    interval_head = "".join(
        f"<th>{esc(words.text(f'plan.interval.{h}'))}</th>" for h in (*heads, "target")
    )
    no_contacts = f"<tr><td colspan=10>{esc(words.text('plan.no_contacts'))}</td></tr>"
    labels = [words.text("plan.iteration", number=i.number) for i in result.iterations]
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{esc(words.text("plan.title"))}</title>
<style>{STYLE}</style>
</head><body>
<h1>{esc(words.text("plan.heading"))}</h1>
<p>{esc(intro)}</p>
<h2>{esc(words.text("plan.what_to_change"))}</h2>
<ul>{change}</ul>
<h2>{esc(words.text("plan.comparison"))}</h2>
{_rows((first, final), [words.text("plan.two_step"), words.text("plan.verified")], words)}
<h2>{esc(words.text("plan.iterations"))}</h2>
{_rows(result.iterations, labels, words)}
<h2>{esc(words.text("plan.every_interval"))}</h2>
<table><tr>{interval_head}<th></th></tr>{_interval_rows(final, words) or no_contacts}</table>
</body></html>
"""


def print_summary(
    result: PlanResult, settings: PlanSettings, console: Console | None = None, lang: str = "id"
) -> None:
    """The CLI's view in `lang`: the iterations, the change, and the plan's worst intervals."""
    words = language(lang)
    out = console or Console()
    final = result.best
    table = Table(
        title=words.text("plan.summary", stop=stop_text(result.stop, words), plan=final.number)
    )
    table.add_column(words.text("plan.column.iteration"), justify="right")
    for column in ("agents", "agent_hours", "required_hours", "short_hours", "missed"):
        table.add_column(words.text(f"plan.column.{column}"), justify="right")
    for it in result.iterations:
        table.add_row(
            str(it.number),
            str(it.headcount),
            words.number(it.agent_hours, 1),
            words.number(it.required_hours, 1),
            words.number(it.short_hours, 1),
            str(len(it.misses())),
        )
    out.print(table)
    out.print(
        words.text("plan.iteration", number=final.number)
        + " "
        + fresh_check(result, settings, lang)
    )
    for line in changes(final, lang):
        out.print(line)
    cells = judged(final).sort_values("service_level").head(5)
    worst = Table(title=words.text("plan.weakest"))
    heads = ("interval", "group", "channel", "sl", "band", "at_target", "abandon")
    for column in heads:
        worst.add_column(words.text(f"plan.interval.{column}"))
    for r in cells.itertuples():
        worst.add_row(
            interval_start(r.interval_start, words),
            r.group,
            words.text("channel." + r.channel),
            words.percent(r.service_level, 1),
            _band(r.service_level, r.service_level_ci, words),
            words.percent(r.met_share),
            words.percent(r.abandonment, 1),
        )
    out.print(worst)
