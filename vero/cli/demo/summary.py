"""The accounting that fails the run when a contact goes missing, and the service-level table:
every contact the demo started against the router's tasks, its contact records and its
counters."""

from __future__ import annotations

import csv
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, fields
from pathlib import Path

from rich import box
from rich.console import Console
from rich.table import Table

from telephony.routing.policy.records import OPEN_TASK_STATES
from telephony.twilio_emulator import RestRecorder
from vero.cli.demo.span import Span
from vero.kernel import service_level as sl
from vero.kernel.centre import Centre
from vero.kernel.language import Language

CLOSED = ("completed", "abandoned", "callback", "voicemail", "canceled")
COLUMNS = (
    "queue",
    "channel",
    "offered",
    "answered",
    "in_target",
    "abandoned",
    "callback_voicemail",
    "canceled",
    "open",
    "asa",
    "sl",
    "goal",
)


@dataclass
class Row:
    """Contacts of one queue and channel by how they ended; `accepted` is the router's
    'answered' (counted at accept, so it includes answered contacts still open)."""

    offered: int = 0
    answered: int = 0
    in_target: int = 0
    abandoned: int = 0
    callback_voicemail: int = 0
    canceled: int = 0
    open: int = 0
    wait_sum: float = 0.0
    accepted: int = 0
    short_abandoned: int = 0

    def add(self, task: dict, rule: sl.Definition) -> None:
        self.offered += 1
        state = task["state"]
        if state == "completed":
            self.answered += 1
            wait = task["answered_at"] - task["created"]
            self.wait_sum += wait
            self.in_target += bool(rule.in_target(wait))
        elif state in ("callback", "voicemail"):
            self.callback_voicemail += 1
        elif state == "abandoned":
            self.abandoned += 1
            self.short_abandoned += bool(rule.short_abandon(task["ended_at"] - task["created"]))
        elif state == "canceled":
            self.canceled += 1
        elif state in OPEN_TASK_STATES:
            self.open += 1
        self.accepted += bool(task.get("answered_at"))

    def counts(self) -> sl.Counts:
        """The service level's counts: answered and abandoned contacts are the offered ones."""
        return sl.Counts(
            self.answered + self.abandoned,
            self.answered,
            self.in_target,
            self.abandoned,
            self.short_abandoned,
        )

    def accounted(self) -> int:
        return self.answered + self.abandoned + self.callback_voicemail + self.canceled + self.open

    def __add__(self, other: Row) -> Row:
        return Row(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(Row)))


@dataclass
class Summary:
    rows: dict[tuple[str, str], Row]
    problems: list[str]

    def total(self) -> Row:
        return sum(self.rows.values(), Row())


def account(
    centre: Centre,
    ledger: dict[str, str],
    tasks: dict[str, dict | None],
    router_ids: Iterable[str],
    records: list[dict[str, str]],
    counters: dict[str, dict] | None,
) -> Summary:
    """Tally every contact per (queue, channel) and check nothing is missing: each contact the
    demo started is a router task, the router has no others, each closed task has exactly one
    contact record with its outcome, and the router's counters (the console's figures) agree."""
    problems: list[str] = []
    rows: dict[tuple[str, str], Row] = defaultdict(Row)
    for task_id, label in sorted(ledger.items()):
        task = tasks.get(task_id)
        if task is None:
            problems.append(f"{label} contact {task_id} is unknown to the router")
            continue
        rows[(task["origin_queue"], label)].add(task, sl.definition(centre, task["channel"]))
    extra = set(router_ids) - set(ledger)
    problems += [f"router task {t} was not started by the demo" for t in sorted(extra)]
    per_task = Counter(r["task_id"] for r in records)
    for task_id, task in tasks.items():
        if task is None:
            continue
        written = per_task.pop(task_id, 0)
        if task["state"] in CLOSED and written != 1:
            problems.append(f"closed task {task_id} has {written} contact records, not 1")
        if task["state"] not in CLOSED and written:
            problems.append(f"open task {task_id} already has a contact record")
    problems += [f"contact record of unknown task {t}" for t in sorted(per_task)]
    outcomes = {r["task_id"]: r["outcome"] for r in records}
    problems += [
        f"task {t} is {task['state']} but its record says {outcomes[t]}"
        for t, task in tasks.items()
        if task and t in outcomes and outcomes[t] != task["state"]
    ]
    for (queue, label), row in rows.items():
        if row.offered != row.accounted():
            problems.append(
                f"{queue}/{label}: {row.offered} offered but {row.accounted()} accounted for"
            )
    if counters is not None:
        for queue in {q for q, _ in rows}:
            mine = [r for (q, _), r in rows.items() if q == queue]
            today = counters[queue]["today"]
            total = sum(mine, Row())
            for metric, value in (
                ("offered", total.offered),
                ("answered", total.accepted),
                ("abandoned", total.abandoned),
            ):
                if today[metric] != value:
                    problems.append(
                        f"{queue}: the router counts {today[metric]} {metric}, the contacts {value}"
                    )
    return Summary(dict(rows), problems)


def summary_table(centre: Centre, summary: Summary, run: Span) -> Table:
    """Service level per queue and channel against each channel's goal, and the total; the
    title names the span the demo really ran."""
    words = run.words
    table = Table(
        title=words.text("demo.table_title", span=run.text()),
        title_justify="left",
        box=box.SIMPLE_HEAD,
        padding=(0, 1),
        collapse_padding=True,
        caption=words.text("demo.table_caption", speed=words.number(run.speed, 0)),
        caption_justify="left",
    )
    for name in COLUMNS:
        table.add_column(
            words.text(f"demo.column_{name}"),
            justify="left" if name in ("queue", "channel") else "right",
        )
    parts: list[tuple[sl.Counts, sl.Formula]] = []
    for (queue, label), row in sorted(summary.rows.items()):
        rule = sl.definition(centre, "voice" if label == "callback" else label)
        parts.append((row.counts(), rule.formula))
        table.add_row(queue, label, *_figures(row, sl.service_level(*parts[-1]), rule, words))
    table.add_section()
    table.add_row(
        words.text("demo.all"),
        "",
        *_figures(summary.total(), sl.pooled(parts), None, words),
        style="bold",
    )
    return table


def _figures(
    row: Row, level: float | None, rule: sl.Definition | None, words: Language
) -> list[str]:
    """The table cells of one row; `level` its service level, `rule` its channel's (a green
    or red figure against the goal), None for the total."""
    sl_text = "–" if level is None else words.percent(level)
    if level is not None and rule is not None:
        sl_text = f"[{'green' if level >= rule.goal else 'red'}]{sl_text}[/]"
    goal = (
        "" if rule is None else f"{words.percent(rule.goal)}/{words.duration(rule.target_seconds)}"
    )
    return [
        str(row.offered),
        str(row.answered),
        str(row.in_target),
        str(row.abandoned),
        str(row.callback_voicemail),
        str(row.canceled),
        str(row.open),
        words.number(row.wait_sum / row.answered) if row.answered else "–",
        sl_text,
        goal,
    ]


def contact_records(data_dir: Path, expected: int, limit: float = 10) -> list[dict[str, str]]:
    """The contact records the dispatcher wrote, once it has caught up (or after `limit` s)."""
    deadline = time.monotonic() + limit
    while True:
        rows = []
        for path in sorted((data_dir / "contacts").glob("*.csv")):
            with path.open(newline="", encoding="utf-8") as handle:
                rows += list(csv.DictReader(handle))
        if len(rows) >= expected or time.monotonic() > deadline:
            return rows
        time.sleep(0.2)


def voice_flows(
    tasks: dict[str, dict | None], desk_accepted: set[str], transferred: set[str], words: Language
) -> tuple[str, list[str]]:
    """The desk's voice flows the demo played, as the router saw them: calls accepted on the
    desk and then talked to, calls transferred to another queue, callbacks that reached the
    customer. A flow played that the router does not show is a problem."""

    def answered(task_id: str) -> bool:
        return bool((tasks.get(task_id) or {}).get("answered_at"))

    def moved(task_id: str) -> bool:
        return (tasks.get(task_id) or {}).get("attributes", {}).get("transfer") == "yes"

    callbacks = [
        t for t, task in tasks.items() if task and task["attributes"].get("kind") == "callback"
    ]
    shown = {
        "accepted on the desk and answered": sum(map(answered, desk_accepted)),
        "transferred": sum(map(moved, transferred)),
        "callbacks connected": sum(map(answered, callbacks)),
    }
    played = {
        "accepted on the desk and answered": len(desk_accepted),
        "transferred": len(transferred),
        "callbacks connected": len(callbacks),
    }
    names = ("desk", "transferred", "callbacks")
    line = words.text(
        "demo.voice_flows",
        **{f"{key}_shown": shown[name] for key, name in zip(names, shown, strict=True)},
        **{f"{key}_played": played[name] for key, name in zip(names, played, strict=True)},
    )
    problems = [
        f"{played[name] - shown[name]} of {played[name]} calls {name} are not so in the router"
        for name in shown
        if shown[name] != played[name]
    ]
    return line, problems


def print_report(
    console: Console, summary: Summary, recorder: RestRecorder, data_dir: Path, words: Language
) -> None:
    """The closing lines: what every contact became, what Twilio was asked, what is missing."""
    total = summary.total()
    console.print(
        words.text(
            "demo.accounted",
            offered=total.offered,
            answered=total.answered,
            abandoned=total.abandoned,
            callback_voicemail=total.callback_voicemail,
            canceled=total.canceled,
            open=total.open,
        )
    )
    console.print(
        words.text(
            "demo.twilio",
            calls=len(recorder.rest_requests("/Calls.json")),
            updates=len(recorder.calls_updated()),
            messages=len(recorder.messages_sent()),
            folder=data_dir,
        ),
        highlight=False,
    )
    if summary.problems:
        console.print(f"[bold red]{words.text('demo.missing')}[/]")
        for problem in summary.problems:
            console.print(f"  {problem}")
    else:
        console.print(f"[green]{words.text('demo.all_accounted')}[/]")
