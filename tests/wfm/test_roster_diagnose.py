"""Infeasible rules named per agent and rule before any solve, consecutive days and rest across
the week's start included."""

import dataclasses
import datetime as dt

import pytest

from tests.wfm.roster_helpers import CENTRE, TEMPLATES, WEEK, agent, requirements
from vero.kernel.errors import VeroError
from wfm.scheduler import roster as roster_module
from wfm.scheduler.diagnose import pre_solve
from wfm.scheduler.inputs import Pin, Requirements, Rules, ShiftTemplates
from wfm.scheduler.problem import build_problem
from wfm.scheduler.roster import make_roster

WEEKDAYS_ONLY = CENTRE.model_copy(
    update={"opening_hours": {d: ("08:00", "21:00") for d in ("mon", "tue", "wed", "thu", "fri")}}
)


def _weekdays(agents, templates: ShiftTemplates = TEMPLATES, rules: Rules | None = None):
    """A Monday-Friday centre: a 5x8 agent must work all five days."""
    wanted = requirements()
    required = {key: v for key, v in wanted.required.items() if key[0].weekday() < 5}
    return build_problem(
        WEEKDAYS_ONLY, Requirements(30, required), agents, templates, rules or Rules(), (), WEEK
    )


@pytest.fixture
def no_solver(monkeypatch):
    """The diagnosis must come before any solve."""

    def refuse(*args, **kwargs):
        raise AssertionError("solved although the rules contradict each other")

    monkeypatch.setattr(roster_module, "solve_roster", refuse)


def test_days_worked_before_the_week_name_the_consecutive_limit_and_the_agents(no_solver):
    people = tuple(agent(f"a{i:02d}", "5x8", worked_days_before=3) for i in range(14))
    with pytest.raises(VeroError) as caught:
        make_roster(_weekdays(people), "highs", time_limit=5)
    message = str(caught.value)
    assert "14 agents a00, a01, a02, a03, a04 and 9 more" in message
    assert (
        "contract 5x8 has no rule-abiding week: it would work at least 8 consecutive days, "
        "counting the 3 worked before the week, against the limit of 6 (max_consecutive_days)"
    ) in message


def test_one_stuck_agent_among_160_is_the_only_one_named():
    people = tuple(
        agent(f"a{i:03d}", "5x8", worked_days_before=4 if i == 77 else i % 2) for i in range(160)
    )
    (issue,) = pre_solve(_weekdays(people))
    assert issue.startswith("agent a077: contract 5x8 has no rule-abiding week")
    assert "at least 9 consecutive days, counting the 4 worked before" in issue


def test_rest_after_last_weeks_shift_is_named_with_its_end():
    late = dt.datetime.combine(WEEK - dt.timedelta(days=1), dt.time(23), CENTRE.tz)
    early = ShiftTemplates.model_validate({"starts": ["08:00", "09:00"], "work_hours": [8]})
    week = _weekdays((agent("sari", "5x8", last_shift_end=late),), early)
    assert pre_solve(week) == [
        "agent sari: contract 5x8 cannot be met: its shifts do not fit the days left by the "
        "minimum rest of 11 h (min_rest_hours) after the last shift (ended Sun 29 Nov 23:00)"
    ]


def test_rest_between_the_weeks_own_shifts_is_named():
    # five days in a row of 8.5 h leave at most 15.5 h between them
    week = _weekdays((agent("sari", "5x8"),), rules=Rules(min_rest_hours=24))
    assert pre_solve(week) == [
        "agent sari: contract 5x8 has no rule-abiding week: it cannot keep the minimum rest of "
        "24 h (min_rest_hours)"
    ]


def test_hours_beyond_the_days_off_are_counted():
    week = _weekdays((agent("dewi", "part-time:36"),), rules=Rules(days_off_per_week=3))
    assert pre_solve(week) == [
        "agent dewi: contract part-time:36 needs 36 h but availability allows at most 32 h"
    ]


def test_every_alternative_is_named_when_several_rules_would_each_do():
    week = dataclasses.replace(
        _weekdays((agent("fajar", "part-time:32", worked_days_before=6),)),
        pins=(Pin("fajar", WEEK, 8 * 60, line=2),),
    )
    (issue,) = pre_solve(week)
    assert "at least 7 consecutive days, counting the 6 worked before the week" in issue
    assert "; or its pins leave no room (2026-11-30 08:00, line 2)" in issue


def test_a_feasible_week_has_no_issue():
    people = tuple(agent(f"a{i}", c) for i, c in enumerate(("5x8", "part-time:20", "5x8")))
    assert pre_solve(_weekdays(people)) == []
