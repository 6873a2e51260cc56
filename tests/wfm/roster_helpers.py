"""Small roster instances shared by the roster tests (kept tiny so the suite stays fast)."""

from __future__ import annotations

import datetime as dt

from vero.kernel.centre import load_centre
from wfm.scheduler.inputs import Agent, Pin, Requirements, Rules, ShiftTemplates, parse_contract
from wfm.scheduler.problem import Problem, build_problem

WEEK = dt.date(2026, 11, 30)  # a Monday
CENTRE = load_centre(None)
TEMPLATES = ShiftTemplates.model_validate(
    {"starts": ["08:00", "09:00", "12:00"], "work_hours": [4, 5, 7, 8]}
)


def requirements(level: float = 1.0) -> Requirements:
    """`level` agents wanted in voice-id and half as many in digital while the centre is open."""
    required = {}
    for slot in range(7 * 48):
        start = dt.datetime.combine(WEEK, dt.time(0), CENTRE.tz) + dt.timedelta(minutes=30 * slot)
        if CENTRE.is_open(start):
            required[start, "voice-id"] = level
            required[start, "digital"] = level / 2
    return Requirements(30, required)


def agent(ident: str, contract: str, groups: tuple[str, ...] = ("voice-id",), **extra) -> Agent:
    return Agent(ident, ident.title(), groups, parse_contract(contract), **extra)


def problem(
    agents: tuple[Agent, ...],
    rules: Rules | None = None,
    pins: tuple[Pin, ...] = (),
    level: float = 1.0,
) -> Problem:
    return build_problem(
        CENTRE, requirements(level), agents, TEMPLATES, rules or Rules(), pins, WEEK
    )
