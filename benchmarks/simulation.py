"""Speed of the SimPy twin: customers simulated per second on M/M/400 (2 arrivals/s, mean
service 180 s, 8 hours), beside the ciw library on the same model in the same run; and the wall
time of 20 replications of a full week of the reference centre on 2 worker processes (goal: under
a minute), the run behind `vero simulate`.

The twin does more per customer than ciw (every decision goes through the routing state machine
the live router mirrors), so this measures what the policy-faithful twin costs. The two engines
run by turns, `--repeat` times each on the same seed, and each is judged by its fastest run: on a
machine shared with other work a pause of the machine slows one run, not the engine.
`--no-week` skips the week's replications.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import time

import ciw
import numpy as np
import pandas as pd

from simulations.arrivals import HandleTimes, Series
from simulations.model import Behaviour, Twin
from simulations.replications import Job, run_all
from simulations.scenario import ScenarioCase
from simulations.staff import Profile, Shift, group_profile, shifts_from_staffing
from simulations.textbook import single_skill_centre
from vero.kernel.centre import WEEKDAYS, Centre, load_centre
from wfm.staffing_plan import PlanOptions, plan_group

RATE, SERVICE, SERVERS, HOURS = 2.0, 180.0, 400, 8.0
WEEK_REPLICATIONS, WEEK_WORKERS = 20, 2
MONDAY = dt.date(2026, 11, 30)
# A weekday's contacts by channel, then shares by queue and language, and AHT (s) by channel.
DAILY = {"voice": 1800, "chat": 700, "whatsapp": 600, "email": 250, "sms": 50}
QUEUE_SHARE = {
    "general": 0.3,
    "product": 0.2,
    "orders": 0.25,
    "complaints": 0.1,
    "b2b": 0.05,
    "partners": 0.04,
    "vip": 0.06,
}
LANGUAGE_SHARE = {"id": 0.9, "en": 0.1}
AHT = {"voice": 240.0, "chat": 480.0, "whatsapp": 600.0, "email": 420.0, "sms": 300.0}
DAY_SHARE = (1.15, 1.0, 0.95, 0.95, 1.05, 0.6, 0.4)  # Monday to Sunday


def twin_rate(seed: int) -> tuple[int, float]:
    horizon = HOURS * 3600
    centre = single_skill_centre(20)
    demand = [Series(0.0, horizon, "voice", "q", "id", RATE * horizon, SERVICE)]
    shifts = [Shift(f"a{k}", "g", 0.0, horizon) for k in range(SERVERS)]
    profiles = {s.agent: Profile({"s": 1}, ("id",), {"voice": 1}) for s in shifts}
    behaviour = Behaviour(handle=HandleTimes("exponential"), accept_delay={})
    gc.collect()  # each engine starts without the imports' or the other engine's garbage
    start = time.perf_counter()
    outcome = Twin(centre, demand, shifts, profiles, behaviour, np.random.SeedSequence(seed)).run(
        horizon
    )
    return len(outcome.arrival), time.perf_counter() - start


def ciw_rate(seed: int) -> tuple[int, float]:
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=RATE)],
        service_distributions=[ciw.dists.Exponential(rate=1 / SERVICE)],
        number_of_servers=[SERVERS],
    )
    ciw.seed(seed)  # ciw's own API: it draws from global random state
    gc.collect()
    start = time.perf_counter()
    sim = ciw.Simulation(network)
    sim.simulate_until_max_time(HOURS * 3600)
    arrived = len(sim.get_all_records()) + sum(len(n.all_individuals) for n in sim.transitive_nodes)
    return arrived, time.perf_counter() - start


def week_forecast(centre: Centre) -> pd.DataFrame:
    """Forecast rows (the `vero staff` shape) for a week of open 30-minute intervals: a morning
    and an afternoon peak, quieter weekends; the back-office queue takes 30 % of email."""
    rows = []
    for offset, weight in enumerate(DAY_SHARE):
        day = MONDAY + dt.timedelta(days=offset)
        opening, closing = centre.opening_hours[WEEKDAYS[day.weekday()]]
        starts = range(int(opening[:2]) * 60, int(closing[:2]) * 60, 30)
        hours = np.array([(m + 15) / 60 for m in starts])
        shape = np.exp(-(((hours - 10.5) / 1.8) ** 2)) + 0.8 * np.exp(
            -(((hours - 14.5) / 2.2) ** 2)
        )
        shape /= shape.sum()
        for channel, daily in DAILY.items():
            queues = dict(QUEUE_SHARE)
            if channel == "email":
                queues = {q: 0.7 * share for q, share in queues.items()} | {"backoffice": 0.3}
            for queue, q_share in queues.items():
                for language, l_share in LANGUAGE_SHARE.items():
                    for minute, part in zip(starts, shape, strict=True):
                        start = dt.datetime.combine(
                            day, dt.time(minute // 60, minute % 60), centre.tz
                        )
                        rows.append(
                            (
                                start,
                                30,
                                channel,
                                queue,
                                language,
                                centre.staffing_group(channel, queue, language),
                                daily * weight * q_share * l_share * part,
                                AHT[channel],
                            )
                        )
    return pd.DataFrame(
        rows,
        columns=[
            "interval_start",
            "interval_minutes",
            "channel",
            "queue",
            "language",
            "group",
            "volume",
            "aht_seconds",
        ],
    )


def week_case(centre: Centre) -> ScenarioCase:
    """The week's demand, staffed per group and interval by Erlang A (on-seat agents)."""
    rows = week_forecast(centre)
    origin = dt.datetime.combine(MONDAY, dt.time(0), centre.tz)
    plans = pd.concat(
        [plan_group(part, group, centre, PlanOptions()) for group, part in rows.groupby("group")]
    )
    shifts = shifts_from_staffing(
        [
            ((t - origin).total_seconds(), minutes * 60.0, group, net)
            for t, minutes, group, net in zip(
                plans.interval_start,
                plans.interval_minutes,
                plans.group,
                plans.required_net,
                strict=True,
            )
        ]
    )
    demand = tuple(
        Series((t - origin).total_seconds(), 1800.0, c, q, lang, v, a)
        for t, c, q, lang, v, a in zip(
            rows.interval_start,
            rows.channel,
            rows.queue,
            rows.language,
            rows.volume,
            rows.aht_seconds,
            strict=True,
        )
    )
    behaviour = Behaviour(patience={"voice": 120.0})
    return ScenarioCase(
        "week",
        centre.model_dump(),
        demand,
        tuple(shifts),
        {s.agent: group_profile(centre, s.group) for s in shifts},
        behaviour,
    )


def week_run() -> tuple[int, int, float]:
    """(contacts per replication, agents, wall seconds) of the week's replications."""
    case = week_case(load_centre())
    jobs = [Job(case, k, 1, 0.0, 7 * 86400.0, 1800.0) for k in range(WEEK_REPLICATIONS)]
    start = time.perf_counter()
    counts, _ = run_all(jobs, WEEK_WORKERS)
    seconds = time.perf_counter() - start
    contacts = int(counts.offered.sum()) // WEEK_REPLICATIONS
    return contacts, len(case.profiles), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description="Speed of the SimPy twin beside ciw.")
    parser.add_argument("--repeat", type=int, default=3, help="M/M/c runs per engine (default 3)")
    parser.add_argument("--no-week", action="store_true", help="skip the week's replications")
    args = parser.parse_args()
    engines = {"vero twin (SimPy + MemoryRouter)": twin_rate, "ciw": ciw_rate}
    runs: dict[str, list[tuple[int, float]]] = {name: [] for name in engines}
    for _ in range(args.repeat):
        for name, rate in engines.items():
            runs[name].append(rate(1))
    print(
        f"M/M/{SERVERS}: {RATE:g} arrivals/s, mean service {SERVICE:g} s, {HOURS:g} h; "
        f"fastest of {args.repeat} runs by turns"
    )
    print(f"{'engine':<34} {'customers':>10} {'seconds':>8} {'customers/s':>12}  every run (s)")
    speeds = {}
    for name, times in runs.items():
        customers, seconds = min(times, key=lambda run: run[1])
        speeds[name] = customers / seconds
        print(
            f"{name:<34} {customers:>10} {seconds:>8.2f} {speeds[name]:>12.0f}  "
            + " ".join(f"{t:.2f}" for _, t in times)
        )
    twin, peer = speeds.values()
    if args.no_week:
        print(f"twin/ciw speed ratio: {twin / peer:.2f}x (goal 2x)")
        return
    contacts, agents, week = week_run()
    print(
        f"reference centre, one week: {contacts} contacts and {agents} agents per replication; "
        f"{WEEK_REPLICATIONS} replications on {WEEK_WORKERS} processes in {week:.1f} s"
    )
    print(
        f"twin/ciw speed ratio: {twin / peer:.2f}x (goal 2x); week x{WEEK_REPLICATIONS}: "
        f"{week:.1f} s (goal < 60 s)"
    )


if __name__ == "__main__":
    main()
