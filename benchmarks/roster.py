"""Reference roster week: 150 agents, 7 days x 48 half-hour intervals, 4 groups, 44 shift
templates; HiGHS and CBC on the same two-stage solve with the same time limit (the time includes
building the models and the constructive start). Last line: key figures against the goal."""

from __future__ import annotations

import datetime as dt
import random

from vero.kernel.centre import load_centre
from wfm.scheduler.check import check_roster
from wfm.scheduler.inputs import Agent, Requirements, Rules, ShiftTemplates, parse_contract
from wfm.scheduler.problem import build_problem
from wfm.scheduler.roster import solve_roster

AGENTS, TIME_LIMIT, GAP = 150, 60.0, 0.01
GROUPS = ("voice-id", "voice-en", "digital", "b2b")
SHARES = (0.45, 0.15, 0.3, 0.1)
WEEK = dt.date(2026, 11, 30)


def reference_week(rng: random.Random):
    centre = load_centre(None)
    agents = []
    for i in range(AGENTS):
        groups = {rng.choices(GROUPS, SHARES)[0]}
        if rng.random() < 0.3:
            groups.add(rng.choice(GROUPS))
        contract = rng.choices(["5x8", "6x7", "full-time", "part-time:20"], [4, 3, 2, 1])[0]
        wish = frozenset({rng.randrange(7)})
        agents.append(
            Agent(
                f"a{i:03d}",
                f"Agent {i}",
                tuple(sorted(groups)),
                parse_contract(contract),
                preferred_days_off=wish,
            )
        )
    supply = sum(a.contract.weekly_minutes for a in agents) / 30  # agent-slots a week
    origin = dt.datetime.combine(WEEK, dt.time(0), centre.tz)
    shape = {}
    for slot in range(7 * 48):
        start = origin + dt.timedelta(minutes=30 * slot)
        if centre.is_open(start):
            hour = start.hour + start.minute / 60
            shape[start] = (1.2 - abs(hour - 13) / 10) * (0.6 if start.weekday() >= 5 else 1)
    scale = 0.9 * supply / sum(shape.values())
    required = {
        (t, g): round(scale * w * share * rng.uniform(0.85, 1.15), 2)
        for t, w in shape.items()
        for g, share in zip(GROUPS, SHARES, strict=True)
    }
    templates = ShiftTemplates.model_validate(
        {"starts": {"from": "08:00", "to": "13:00", "every": 30}, "work_hours": [5, 6, 7, 8]}
    )
    return build_problem(
        centre, Requirements(30, required), tuple(agents), templates, Rules(), week_start=WEEK
    )


def main() -> None:
    problem = reference_week(random.Random(7))
    print(
        f"{'solver':8} {'status':10} {'objective':>12} {'bound':>12} {'gap':>8} {'seconds':>8} "
        f"{'under':>8} {'valid':>6}  model size"
    )
    figures = []
    for solver in ("highs", "cbc"):
        roster = solve_roster(problem, solver, TIME_LIMIT, GAP)
        info = roster.info
        valid = not check_roster(problem, roster.shifts) if roster.shifts else False
        gap = "-" if info.gap is None else f"{info.gap:.2%}"
        objective = "-" if info.objective is None else f"{info.objective:.1f}"
        bound = "-" if info.bound is None else f"{info.bound:.1f}"
        size = ", ".join(f"{k} {v}" for k, v in roster.size.items())
        print(
            f"{solver:8} {roster.status:10} {objective:>12} {bound:>12} {gap:>8} "
            f"{info.seconds:8.1f} {roster.under_staffed():8.1f} {str(valid):>6}  {size}"
        )
        met = info.gap is not None and info.gap <= GAP and info.seconds <= TIME_LIMIT and valid
        figures.append(
            f"{solver} {info.seconds:.1f}s gap {gap} valid {valid} "
            f"({'meets' if met else 'misses'} goal)"
        )
    print(
        f"roster {AGENTS} agents, {len(problem.options)} shift options, goal gap <= {GAP:.0%} "
        f"in <= {TIME_LIMIT:g}s: " + "; ".join(figures)
    )


if __name__ == "__main__":
    main()
