"""One service level everywhere: the same contacts of one queue serving voice and chat, fed to
the router's live statistics, the wallboard, the contact CSV behind `vero report` and the KPI
page, the demo summary, the twin's KPIs (which `vero plan` uses) and staffing, give the same
figure per channel and per queue, under each formula the centre may name."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner
from flask import g
from rich.console import Console

from simulations.arrivals import Series
from simulations.kpi import summarise, tally
from simulations.model import Outcome
from telephony.complaints.store import case_store
from telephony.routing.contact_log import ContactLog
from telephony.routing.router import RedisRouter
from telephony.routing.stats import queue_stats
from telephony.services import services
from tests.console.conftest import SUPERVISOR, console_app
from vero.cli import cli
from vero.cli.demo.span import Span
from vero.cli.demo.summary import account, summary_table
from vero.kernel import service_level as sl
from vero.kernel.centre import Centre, load_centre, reference_centre_path
from vero.kernel.files import read_yaml
from vero.kernel.language import language
from vero.web.console.wallboard import snapshot
from wfm.staffing_plan import PlanOptions, plan_group

QUEUE = "general"  # serves every channel of the reference centre
# (id, channel, arrives, answered after, abandoned after): seconds from the start
CONTACTS = [
    ("v1", "voice", 0, 4, None),  # in the 15 s target
    ("v2", "voice", 0.5, 30, None),  # answered late
    ("v3", "voice", 1, None, 3),  # a short abandon (5 s threshold, or the 15 s target)
    ("v4", "voice", 1.5, None, 40),  # abandoned after the target
    ("c1", "chat", 0, 100, None),  # in the 300 s target
    ("c2", "chat", 0.5, None, 2),  # a short abandon
]
# voice: 4 offered, 2 answered, 1 in target, 2 abandoned, 1 short; chat: 2, 1, 1, 1, 1
VOICE = sl.Counts(4, 2, 1, 2, 1)
CHAT = sl.Counts(2, 1, 1, 1, 1)
FORMULAS = [
    ("offered", "offered"),
    ("offered_minus_short_abandons", "offered_minus_short_abandons"),
    ("answered", "answered"),
    ("offered", "answered"),  # each channel its own
]


def centre_file(tmp_path: Path, voice: sl.Formula, chat: sl.Formula) -> Path:
    raw = read_yaml(reference_centre_path())
    for name, formula in (("voice", voice), ("chat", chat)):
        raw["channels"][name]["service_level_formula"] = formula
        if formula == "offered_minus_short_abandons":
            raw["channels"][name]["short_abandon_seconds"] = 5
    path = tmp_path / "centre.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def expected(voice: sl.Formula, chat: sl.Formula) -> dict[str, float]:
    return {
        "voice": sl.service_level(VOICE, voice),
        "chat": sl.service_level(CHAT, chat),
        "queue": sl.pooled([(VOICE, voice), (CHAT, chat)]),
    }


def play(router: RedisRouter, t0: float) -> None:
    """The contacts through the real router: agent a answers v1, b answers v2 once it comes
    back at 30 s, c takes chats from 100 s; the rest hang up."""
    for agent, capacity in (("a", {"voice": 1}), ("b", {"voice": 1}), ("c", {"chat": 3})):
        router.upsert_agent(agent, {QUEUE: 1}, ("id",), capacity, now=t0)
    router.set_agent_state("a", "available", now=t0)
    offers = {}
    for task_id, channel, arrives, _, _ in CONTACTS:
        for r in router.enqueue(task_id, channel, QUEUE, "id", now=t0 + arrives):
            offers[r.task] = r.offer
    steps: list[tuple[float, str, str]] = []
    for task_id, _, arrives, answered, abandoned in CONTACTS:
        if answered is not None:
            steps.append((arrives + answered, "answer", task_id))
        else:
            steps.append((arrives + abandoned, "abandon", task_id))
    steps += [(30.5, "available", "b"), (100, "available", "c")]
    for at, what, subject in sorted(steps, key=lambda s: (s[0], s[1] != "available")):
        now = t0 + at
        if what == "available":
            for r in router.set_agent_state(subject, "available", now=now):
                offers[r.task] = r.offer
        elif what == "abandon":
            router.cancel(subject, "abandoned", now=now)
        else:
            router.accept(offers[subject], now=now)
            if subject.startswith("v"):  # a call is answered once caller and agent are bridged
                router.bridge(subject, now=now)
    for task_id, *_ in CONTACTS:
        if router.task(task_id)["state"] == "assigned":
            router.complete(task_id, now=t0 + 150)
    router.tick(now=t0 + 300)  # wrap-ups end: every contact is closed


def twin_counts(centre: Centre) -> pd.DataFrame:
    """The same contacts as the twin's outcome of one replication."""
    demand = [Series(0, 900, ch, QUEUE, "id", 1, 100) for ch in ("voice", "chat")]
    nan = np.nan
    arrival = np.array([c[2] for c in CONTACTS], dtype=float)
    answered = np.array([nan if c[3] is None else c[2] + c[3] for c in CONTACTS])
    abandoned = np.array([nan if c[4] is None else c[2] + c[4] for c in CONTACTS])
    series = np.array([0 if c[1] == "voice" else 1 for c in CONTACTS])
    outcome = Outcome(
        arrival, series, answered, abandoned, ("g",), np.ones((1, 1)), np.ones((1, 1)), 900.0
    )
    counts, _ = tally(outcome, demand, centre, 0.0, 3600.0)
    return counts.assign(replication=0)


@pytest.mark.parametrize(("voice", "chat"), FORMULAS)
def test_every_view_gives_the_same_service_level(
    redis_client, namespace, tmp_path: Path, voice: sl.Formula, chat: sl.Formula
) -> None:
    want = expected(voice, chat)
    path = centre_file(tmp_path, voice, chat)
    centre = load_centre(path)
    app = console_app(redis_client, namespace, tmp_path, centre_path=path)
    with app.app_context():
        router = services().router
        assert router.centre == centre
        midnight = dt.datetime.combine(dt.datetime.now(centre.tz).date(), dt.time(), centre.tz)
        t0 = midnight.timestamp() + 60  # today, local: the day the wallboard shows
        play(router, t0)
        today = dt.datetime.fromtimestamp(t0, centre.tz).date()

        # the router's live statistics, per channel and for the queue
        stats = queue_stats(router, now=t0 + 300)[QUEUE]
        live = {ch: stats["channels"][ch]["service_level"] for ch in ("voice", "chat")}
        live["queue"] = stats["today"]["service_level"]
        assert live == pytest.approx(want, abs=5e-4)

        # the wallboard: one line per channel, each with its own target
        with app.test_request_context("/console/"):
            g.lang = "en"
            board = snapshot(router, case_store())
        [row] = [q for q in board["queues"] if q["id"] == QUEUE]
        lines = {line["channel"]: line for line in row["lines"]}
        assert set(lines) == {"voice", "chat"}
        assert {ch: line["service_level"] for ch, line in lines.items()} == pytest.approx(
            {ch: want[ch] for ch in lines}, abs=5e-4
        )
        assert lines["voice"]["target_text"] == "target 80% within 15 s (Phone)"
        assert lines["chat"]["target_text"] == "target 80% within 5 min (Live chat)"

        # the demo summary, from the router's tasks and counters
        log = ContactLog(redis_client, router.keys, centre, tmp_path)
        assert log.flush() == len(CONTACTS)
        records = list(csv.DictReader((tmp_path / "contacts" / f"{today}.csv").open()))
        ledger = {c[0]: c[1] for c in CONTACTS}
        tasks = {t: router.task(t) for t in ledger}
        summary = account(centre, ledger, tasks, ledger, records, queue_stats(router, t0 + 300))
        assert summary.problems == []
        demo = {
            ch: sl.service_level(summary.rows[(QUEUE, ch)].counts(), f)
            for ch, f in (("voice", voice), ("chat", chat))
        }
        demo["queue"] = sl.pooled(
            [
                (summary.rows[(QUEUE, "voice")].counts(), voice),
                (summary.rows[(QUEUE, "chat")].counts(), chat),
            ]
        )
        assert demo == pytest.approx(want)
        console = Console(record=True, width=200)
        console.print(summary_table(centre, summary, Span(5, 1.0, language("en"))))
        table = console.export_text()
        for ch in ("voice", "chat"):
            [line] = [x for x in table.splitlines() if f" {QUEUE} " in f" {x} " and f" {ch} " in x]
            assert f"{want[ch]:.0%}" in line
        [total] = [x for x in table.splitlines() if x.strip().startswith("all")]
        assert f"{want['queue']:.0%}" in total

    # `vero report` over the contact CSV the router wrote
    result = CliRunner().invoke(
        cli,
        [
            "report",
            "--contacts",
            str(tmp_path / "contacts"),
            "--from",
            str(today),
            "--to",
            str(today),
            "--out",
            str(tmp_path / "kpis.csv"),
            "--centre",
            str(path),
        ],
    )
    assert result.exit_code == 0, result.output
    rows = {(r["channel"], r["queue"]): r for r in csv.DictReader((tmp_path / "kpis.csv").open())}
    report = {ch: float(rows[(ch, QUEUE)]["service_level"]) for ch in ("voice", "chat")}
    report["queue"] = float(rows[("all", "all")]["service_level"])
    assert report == pytest.approx(want, abs=5e-5)

    # the KPI page shows each channel with its own target
    client = app.test_client()
    client.post("/console/login", data={"token": SUPERVISOR})
    page = client.get(f"/console/kpis?lang=en&from={today}&to={today}").text
    for ch, label in (
        ("voice", "target 80% within 15 s (Phone)"),
        ("chat", "target 80% within 5 min (Live chat)"),
    ):
        [tr] = [r for r in page.split("<tr")[1:] if label in r]
        assert f'<span class="pill">{want[ch]:.0%}</span>' in tr

    # the twin's KPIs (simulations/kpi.py, what `vero plan` verifies with)
    counts = twin_counts(centre)
    twin = summarise(counts, ["channel"]).set_index("channel")["service_level"].to_dict()
    twin["queue"] = float(summarise(counts, ["queue"])["service_level"].iloc[0])
    assert twin == pytest.approx(want)


@pytest.mark.parametrize(("voice", "chat"), FORMULAS)
def test_staffing_counts_with_the_centres_formula(tmp_path: Path, voice, chat) -> None:
    """Staffing's Erlang A convention defaults to each channel's formula in the centre."""
    centre = load_centre(centre_file(tmp_path, voice, chat))
    rows = pd.DataFrame(
        {
            "interval_start": [pd.Timestamp("2026-11-30 09:00", tz=centre.tz)] * 2,
            "interval_minutes": [30, 30],
            "channel": ["voice", "chat"],
            "volume": [300.0, 120.0],
            "aht_seconds": [180.0, 400.0],
        }
    )
    patience = {"voice": 60.0, "chat": 600.0}  # above each channel's answer target
    for channel, formula in (("voice", voice), ("chat", chat)):
        part = rows[rows.channel == channel]
        default = plan_group(part, "g", centre, PlanOptions(channel_patience=patience))
        short = 5 if formula == "offered_minus_short_abandons" else None
        explicit = PlanOptions(
            convention=formula, short_abandon_seconds=short, channel_patience=patience
        )
        pd.testing.assert_frame_equal(default, plan_group(part, "g", centre, explicit))
        offered = PlanOptions(convention="offered", channel_patience=patience)
        assert (formula == "offered") == default.equals(plan_group(part, "g", centre, offered))
