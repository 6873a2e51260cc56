"""The roster MILP: every roster obeys every hard rule; contradictions name agent and rule."""

import dataclasses
import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.wfm.roster_helpers import WEEK, agent, problem
from vero.errors import VeroError
from wfm.scheduler.check import check_roster
from wfm.scheduler.inputs import Pin, Rules
from wfm.scheduler.roster import make_roster

CONTRACTS = ("5x8", "6x7", "full-time", "part-time:12", "part-time:20")
GROUPS = (("voice-id",), ("digital",), ("digital", "voice-id"))


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(CONTRACTS), st.sampled_from(GROUPS),
                          st.integers(0, 6), st.booleans()), min_size=1, max_size=3),
       st.integers(1, 2), st.integers(5, 6))
def test_every_roster_obeys_every_hard_rule(people, days_off, consecutive):
    agents = tuple(
        agent(f"a{i}", contract, groups, preferred_days_off=frozenset({wish}),
              unavailable=((dt.datetime(2026, 12, 2, 12, tzinfo=dt.UTC),
                            dt.datetime(2026, 12, 2, 13, tzinfo=dt.UTC)),) if busy else ())
        for i, (contract, groups, wish, busy) in enumerate(people))
    rules = Rules(days_off_per_week=days_off, max_consecutive_days=consecutive)
    pins = (Pin("a0", WEEK + dt.timedelta(days=6), None),)
    week = problem(agents, rules, pins)
    try:
        roster = make_roster(week, "highs", time_limit=30)  # generous: CI machines get busy
    except VeroError as exc:  # only a named contradiction may stop it
        assert "agent a" in str(exc)
        return
    assert check_roster(week, roster.shifts) == []
    assert not any(s.agent_id == "a0" and s.day == WEEK + dt.timedelta(days=6)
                   for s in roster.shifts)


def test_checker_catches_a_broken_roster():
    week = problem((agent("ani", "part-time:8"),))
    roster = make_roster(week, "highs", time_limit=5)
    first = roster.shifts[0]
    moved = dataclasses.replace(first, start=first.start - dt.timedelta(hours=3))
    assert check_roster(week, (moved, *roster.shifts[1:]))


def test_pins_are_kept_and_coverage_reported():
    pins = (Pin("budi", WEEK, 12 * 60), Pin("budi", WEEK + dt.timedelta(days=1), None))
    week = problem((agent("budi", "part-time:12"),), pins=pins)
    roster = make_roster(week, "cbc", time_limit=5)
    monday = [s for s in roster.shifts if s.day == WEEK]
    assert [s.start.hour for s in monday] == [12]
    assert not [s for s in roster.shifts if s.day == WEEK + dt.timedelta(days=1)]
    assert roster.unmet()  # one part-timer cannot cover the week: the gaps are listed


def test_availability_below_contract_names_agent_and_rule():
    away = tuple((dt.datetime.combine(WEEK + dt.timedelta(days=d), dt.time(0), dt.UTC),
                  dt.datetime.combine(WEEK + dt.timedelta(days=d + 1), dt.time(0), dt.UTC))
                 for d in range(3))
    week = problem((agent("citra", "5x8", unavailable=away),))
    with pytest.raises(VeroError, match="agent citra: contract 5x8 cannot be met"):
        make_roster(week, "highs", time_limit=5)


def test_more_days_off_than_the_week_allows_names_agent():
    week = problem((agent("dewi", "6x7"),), Rules(days_off_per_week=2))
    with pytest.raises(VeroError, match="agent dewi: contract 6x7 needs 6 working days.*2 days"):
        make_roster(week, "highs", time_limit=5)


def test_part_time_hours_beyond_availability_name_the_hours():
    week = problem((agent("eka", "part-time:39"),), Rules(days_off_per_week=3))
    with pytest.raises(VeroError, match="agent eka: contract part-time:39 needs 39 h"):
        make_roster(week, "highs", time_limit=5)


def test_solver_infeasibility_names_the_rule_family():
    # 5 days needed, but 6 days already worked before the week and at most 6 in a row:
    # only the combination is contradictory, so the solver finds it and diagnosis names it.
    week = problem((agent("fajar", "6x7", worked_days_before=6),),
                   Rules(max_consecutive_days=6), pins=(Pin("fajar", WEEK, 8 * 60),))
    with pytest.raises(VeroError, match="'days-off'|'pins'"):
        make_roster(week, "highs", time_limit=5)
