"""The sample data a newcomer tries the planning commands on, made by Vero itself from the
reference centre with a seed: eight weeks of contact history played through the twin, and for
the week after it a requirements file, an agents file and shift templates for `vero roster`,
and two what-if scenario files for `vero simulate`.

The expected demand is the division's shape: Indonesian first (English a small share), voice
busiest, two intraday peaks (late morning, mid-afternoon) and a small evening one, Monday the
busiest day and Sunday the quietest, a slow growth, and 12.12 (Harbolnas, the national online
shopping day) doubling orders and WhatsApp. The centre's own calendar closes it on public
holidays (Christmas in the history, New Year in the planned week). The twin staffs each
interval with what Erlang A asks for (`vero staff`'s `required_net`), so the history has real
waits, abandonments and handle times; every contact is written as the router's contact log
writes it (`telephony.routing.contact_log.record_row`).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from simulations.loading import Forecast, demand
from simulations.model import Behaviour, Twin
from simulations.scenario import channel_patience
from simulations.staff import group_profile, shifts_from_staffing
from telephony.routing.contact_log import COLUMNS, record_row
from vero.kernel.centre import Centre, load_centre
from wfm.commands import plan_forecast
from wfm.scheduler.inputs import AGENT_COLUMNS, REQUIREMENT_COLUMNS
from wfm.staffing_plan import PlanOptions

SEED = 16
HISTORY_START = dt.date(2026, 11, 2)  # a Monday; eight weeks to Sunday 2026-12-27
HISTORY_WEEKS = 8
INTERVAL_MINUTES = 30
# (channel, queue, language): contacts on an ordinary Wednesday, mean handle seconds
SERIES = {
    ("voice", "general", "id"): (70, 240),
    ("voice", "general", "en"): (12, 270),
    ("voice", "product", "id"): (45, 330),
    ("voice", "orders", "id"): (55, 210),
    ("voice", "complaints", "id"): (25, 450),
    ("voice", "vip", "id"): (20, 390),
    ("chat", "general", "id"): (45, 480),
    ("chat", "general", "en"): (8, 480),
    ("whatsapp", "general", "id"): (60, 600),
    ("email", "backoffice", "id"): (20, 540),
}
WEEKDAY_FACTORS = (1.15, 1.05, 1.0, 0.98, 0.92, 0.55, 0.35)
WEEKLY_GROWTH = 0.01
HARBOLNAS = dt.date(2026, 12, 12)  # 12.12: orders and WhatsApp double, and stay up two days
CSAT_SHARE = 0.4  # answered contacts that rate the service
FILES = (
    "history.csv",
    "requirements.csv",
    "agents.csv",
    "shifts.yaml",
    "scenario-peak.yaml",
    "scenario-vip.yaml",
)
# Agents of the division: given name, family name (a Javanese, Sundanese, Batak, Minang,
# Balinese, Chinese-Indonesian and Manado mix).
NAMES = (
    "Ayu Lestari", "Budi Santoso", "Citra Wulandari", "Dewi Anggraini", "Eko Prasetyo",
    "Fitri Handayani", "Gita Maharani", "Hendra Siregar", "Indah Permatasari", "Joko Susilo",
    "Kadek Ariani", "Lina Halim", "Made Wirawan", "Nurul Hidayah", "Oki Setiawan",
    "Putri Rahmawati", "Rizky Pratama", "Sari Nasution", "Taufik Hidayat", "Utami Dewi",
    "Wahyu Saputra", "Yuni Kartika", "Agus Salim", "Bella Tanoto", "Cahya Ramadhan",
    "Dian Sastro", "Endah Puspita", "Fajar Nugroho", "Galih Permana", "Hana Wijaya",
    "Irfan Maulana", "Jessica Lumenta", "Kurniawan Effendi", "Lestari Rahayu", "Maya Sinaga",
    "Nanda Aulia", "Oktaviani Putri", "Rina Marlina", "Siti Nurhaliza", "Teguh Wibowo",
)  # fmt: skip
# The groups planned, the agents' languages, and the share of full-time contracts.
GROUP_LANGUAGES = {"voice-id": "id", "voice-en": "en;id", "digital": "id;en", "backoffice": "id"}


def make_sample(folder: Path, seed: int = SEED, centre: Centre | None = None) -> list[Path]:
    """Write the sample files into `folder` (created) and return their paths."""
    centre = centre or load_centre(None)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    history_days = [HISTORY_START + dt.timedelta(days=d) for d in range(7 * HISTORY_WEEKS)]
    week = [history_days[-1] + dt.timedelta(days=d) for d in range(1, 8)]
    past = expected_demand(centre, history_days)
    write_history(folder / "history.csv", centre, past, seed)
    future = plan_forecast(expected_demand(centre, week), centre, PlanOptions())
    write_requirements(folder / "requirements.csv", future)
    write_agents(folder / "agents.csv", future, week, rng)
    (folder / "shifts.yaml").write_text(SHIFTS, encoding="utf-8")
    for name, text in scenarios().items():
        (folder / name).write_text(text, encoding="utf-8")
    return [folder / name for name in FILES]


def expected_demand(centre: Centre, days: list[dt.date]) -> pd.DataFrame:
    """Expected contacts per open interval of `days` and series, in the columns of a
    `vero forecast` CSV read back (`wfm.commands.read_forecast`), with the staffing group."""
    rows = []
    for day in days:
        hours = centre.hours_on(day)
        if hours is None:
            continue
        weeks = (day - HISTORY_START).days / 7
        level = WEEKDAY_FACTORS[day.weekday()] * (1 + WEEKLY_GROWTH) ** weeks
        starts = list(_intervals(day, hours, centre))
        weights = np.array([intraday(t.hour + t.minute / 60 + 0.25) for t in starts])
        weights /= weights.sum()
        for (channel, queue, language), (daily, aht) in SERIES.items():
            factor = level * shopping_day(day, channel, queue)
            for start, weight in zip(starts, weights, strict=True):
                rows.append(
                    {
                        "interval_start": start,
                        "interval_minutes": INTERVAL_MINUTES,
                        "channel": channel,
                        "queue": queue,
                        "language": language,
                        "volume": daily * factor * weight,
                        "volume_lo": 0.0,
                        "volume_hi": 0.0,
                        "aht_seconds": float(aht),
                        "group": centre.staffing_group(channel, queue, language),
                    }
                )
    return pd.DataFrame.from_records(rows)


def intraday(hour: float) -> float:
    """Relative arrivals at a local hour: peaks at 10:30 and 14:30, a smaller one at 19:30."""
    return (
        0.35
        + math.exp(-(((hour - 10.5) / 1.5) ** 2))
        + 0.8 * math.exp(-(((hour - 14.5) / 1.8) ** 2))
        + 0.3 * math.exp(-(((hour - 19.5) / 1.2) ** 2))
    )


def shopping_day(day: dt.date, channel: str, queue: str) -> float:
    """12.12 doubles orders and WhatsApp; the two days after still carry a third more."""
    if not (queue == "orders" or channel == "whatsapp"):
        return 1.0
    after = (day - HARBOLNAS).days
    return 2.0 if after == 0 else 1.3 if after in (1, 2) else 1.0


def _intervals(day: dt.date, hours: tuple[str, str], centre: Centre) -> Iterator[dt.datetime]:
    opens, closes = (dt.time.fromisoformat(h) if h != "24:00" else None for h in hours)
    assert opens is not None
    moment = dt.datetime.combine(day, opens, centre.tz)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), centre.tz)
    if closes is not None:
        end = dt.datetime.combine(day, closes, centre.tz)
    while moment < end:
        yield moment
        moment += dt.timedelta(minutes=INTERVAL_MINUTES)


def write_history(path: Path, centre: Centre, rows: pd.DataFrame, seed: int) -> None:
    """Play the expected demand through the twin, staffed as Erlang A asks, and write every
    contact it saw as the router's contact record."""
    first = rows["interval_start"].min()
    forecast = Forecast(rows, dt.datetime.combine(first.date(), dt.time(0), centre.tz))
    staffing = plan_forecast(rows, centre, PlanOptions())
    shifts = shifts_from_staffing(
        [
            (
                (start - forecast.origin).total_seconds(),
                minutes * 60.0,
                group,
                math.ceil(net),
            )
            for start, minutes, group, net in zip(
                staffing["interval_start"],
                staffing["interval_minutes"],
                staffing["group"],
                staffing["required_net"],
                strict=True,
            )
        ]
    )
    series = demand(forecast)
    twin = Twin(
        centre,
        series,
        shifts,
        {s.agent: group_profile(centre, s.group) for s in shifts},
        Behaviour(patience=channel_patience(centre)),
        np.random.SeedSequence(seed),
        bin_seconds=INTERVAL_MINUTES * 60.0,
    )
    outcome = twin.run(forecast.end_seconds)
    origin = forecast.origin.timestamp()
    surveys = np.random.default_rng([seed, 1])
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, COLUMNS, lineterminator="\n")
        writer.writeheader()
        for index, arrival in enumerate(outcome.arrival):
            answered, abandoned = outcome.answered[index], outcome.abandoned[index]
            if math.isnan(answered) and math.isnan(abandoned):
                continue  # still waiting when the run ended
            s = series[outcome.series[index]]
            ended = answered + twin.handle[index] if math.isnan(abandoned) else abandoned
            rated = math.isnan(abandoned) and surveys.random() < CSAT_SHARE
            csat = {"csat": int(surveys.choice([5, 4, 3, 2, 1], p=CSAT_WEIGHTS))} if rated else {}
            writer.writerow(
                record_row(
                    {
                        "task_id": f"sample-{index + 1:06d}",
                        "channel": s.channel,
                        "origin_queue": s.queue,
                        "queue": s.queue,
                        "language": s.language,
                        "created_at": f"{origin + arrival:.0f}",
                        "answered_at": "" if math.isnan(answered) else f"{origin + answered:.0f}",
                        "ended_at": f"{origin + ended:.0f}",
                        "outcome": "completed" if math.isnan(abandoned) else "abandoned",
                        "attributes": json.dumps(csat),
                    }
                )
            )


CSAT_WEIGHTS = (0.52, 0.3, 0.1, 0.05, 0.03)


def write_requirements(path: Path, plan: pd.DataFrame) -> None:
    """The week's required agents per interval and group, as `vero staff` writes them."""
    frame = plan[[c for c in REQUIREMENT_COLUMNS]].copy()
    frame["interval_start"] = frame["interval_start"].map(lambda t: t.isoformat())
    frame.to_csv(path, index=False, lineterminator="\n")


def write_agents(
    path: Path, plan: pd.DataFrame, week: list[dt.date], rng: np.random.Generator
) -> None:
    """Enough agents per group for the week's required hours (a fifth spare), with Indonesian
    names, the division's contracts (mostly the 6-day 6x7 week; a 5x8 week cannot be worked in
    a week with a holiday and short weekend hours), the languages of their group, some
    preferring Sunday off, one on paid leave and a part-timer who never works weekends."""
    hours = plan.groupby("group")["required_agents"].sum() * INTERVAL_MINUTES / 60
    names = list(NAMES)
    rng.shuffle(names)
    rows = []
    for group in GROUP_LANGUAGES:
        if group not in hours.index:
            continue
        for k in range(max(1, math.ceil(hours[group] / 40 * 1.2))):
            contract = "part-time:24" if k % 5 == 4 else "full-time" if k % 3 == 2 else "6x7"
            rows.append(
                {
                    "id": f"{group.replace('-', '')}{k + 1:02d}",
                    "name": names.pop(),
                    "groups": group + (";digital" if group == "backoffice" else ""),
                    "contract": contract,
                    "languages": GROUP_LANGUAGES[group],
                    "preferred_days_off": "sun" if k % 2 else "",
                    "leave": "",
                    "unavailable": "",
                }
            )
    rows[0]["leave"] = week[2].isoformat()
    next(r for r in rows if r["contract"].startswith("part-time"))["unavailable"] = "sat;sun"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    assert set(AGENT_COLUMNS) <= set(rows[0])


SHIFTS = """\
# Shift templates of the sample week (vero roster --templates): the centre opens 08:00-21:00
# on weekdays, so shifts start from its opening to 14:00 (a 7-hour shift with its break then
# ends at 21:30); 5, 7 and 8 hours for full-time agents, 4-8 for part-time, one 30-minute break.
starts: {from: "08:00", to: "14:00", every: 30}
work_hours: [4, 5, 6, 7, 8]
break_minutes: 30
"""


def scenarios() -> dict[str, str]:
    """Two what-if files over the walkthrough's forecast and roster (paths relative to the
    file): the voice team four short, or a promotion's midday peak; the VIP queue without its
    priority, or complaints given the same."""
    base = {
        "forecast": "forecast.csv",
        "roster": "roster/roster.csv",
        "agents": "agents.csv",
        "replications": 5,
        "seed": 1,
    }
    peak = {
        "base": base,
        "scenarios": [
            {
                "name": "Empat agen suara kurang / four voice agents fewer",
                "changes": [{"remove_agents": {"group": "voice-id", "count": 4}}],
            },
            {
                "name": "Promo akhir tahun: telepon 2× pukul 10-15 / year-end promotion: "
                "calls doubled 10:00-15:00",
                "changes": [
                    {"volume": 2.0, "intervals": ["10:00-15:00"], "channels": ["voice"]},
                ],
            },
        ],
    }
    vip = {
        "base": base,
        "scenarios": [
            {
                "name": "VIP tanpa prioritas / VIP without priority",
                "changes": [
                    {
                        "routing": {
                            "queue": "vip",
                            "steps": [
                                {"min_level": 3, "timeout": 10},
                                {"min_level": 1, "timeout": 30},
                                {"skill": "general"},
                            ],
                        }
                    }
                ],
            },
            {
                "name": "Keluhan seprioritas VIP / complaints as urgent as VIP",
                "changes": [
                    {
                        "routing": {
                            "queue": "complaints",
                            "steps": [
                                {"min_level": 3, "timeout": 20, "priority": 10},
                                {"min_level": 1, "timeout": 60},
                                {"skill": None, "timeout": 300},
                            ],
                        }
                    }
                ],
            },
        ],
    }
    header = (
        "# A what-if over the walkthrough's files (README): run `vero forecast`, `vero staff` and\n"
        "# `vero roster` in this folder first; the format is docs/scenarios.md.\n"
    )
    return {
        "scenario-peak.yaml": header + yaml.safe_dump(peak, allow_unicode=True, sort_keys=False),
        "scenario-vip.yaml": header + yaml.safe_dump(vip, allow_unicode=True, sort_keys=False),
    }
