"""The roster MILP: every roster obeys every hard rule; contradictions name agent and rule."""

import dataclasses
import datetime as dt
import math
import random
import re

import pulp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.wfm.roster_helpers import WEEK, agent, problem
from vero.kernel.errors import VeroError
from wfm.scheduler import roster as roster_module
from wfm.scheduler.check import check_roster
from wfm.scheduler.diagnose import pre_solve
from wfm.scheduler.inputs import Pin, Rules, Weights
from wfm.scheduler.model import RosterModel, allowed_options, coverage_cost, shifts_from_plan
from wfm.scheduler.roster import make_roster
from wfm.scheduler.start import greedy_plan

CONTRACTS = ("5x8", "6x7", "full-time", "part-time:12", "part-time:20")
GROUPS = (("voice-id",), ("digital",), ("digital", "voice-id"))


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(CONTRACTS), st.sampled_from(GROUPS), st.integers(0, 6), st.booleans()
        ),
        min_size=1,
        max_size=3,
    ),
    st.integers(1, 2),
    st.integers(5, 6),
)
def test_every_roster_obeys_every_hard_rule(people, days_off, consecutive):
    agents = tuple(
        agent(
            f"a{i}",
            contract,
            groups,
            preferred_days_off=frozenset({wish}),
            unavailable=(
                (
                    dt.datetime(2026, 12, 2, 12, tzinfo=dt.UTC),
                    dt.datetime(2026, 12, 2, 13, tzinfo=dt.UTC),
                ),
            )
            if busy
            else (),
        )
        for i, (contract, groups, wish, busy) in enumerate(people)
    )
    rules = Rules(days_off_per_week=days_off, max_consecutive_days=consecutive)
    pins = (Pin("a0", WEEK + dt.timedelta(days=6), None),)
    week = problem(agents, rules, pins)
    try:
        roster = make_roster(week, "highs", time_limit=30)  # generous: CI machines get busy
    except VeroError as exc:  # only an explained contradiction may stop it
        assert re.search(r"agents? a|dropping the", str(exc))
        return
    assert check_roster(week, roster.shifts) == []
    assert not any(
        s.agent_id == "a0" and s.day == WEEK + dt.timedelta(days=6) for s in roster.shifts
    )


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
    away = tuple(
        (
            dt.datetime.combine(WEEK + dt.timedelta(days=d), dt.time(0), dt.UTC),
            dt.datetime.combine(WEEK + dt.timedelta(days=d + 1), dt.time(0), dt.UTC),
        )
        for d in range(3)
    )
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


def test_consecutive_days_across_the_week_start_are_named_before_solving():
    # 6 days worked before the week, at most 6 in a row, and a pin on Monday: only the
    # combination is contradictory; the agent's own week search finds it and names both ways out
    week = problem(
        (agent("fajar", "6x7", worked_days_before=6),),
        Rules(max_consecutive_days=6),
        pins=(Pin("fajar", WEEK, 8 * 60),),
    )
    with pytest.raises(VeroError) as caught:
        make_roster(week, "highs", time_limit=5)
    assert str(caught.value) == (
        "roster rules: agent fajar: contract 6x7 has no rule-abiding week: it would work at "
        "least 7 consecutive days, counting the 6 worked before the week, against the limit of "
        "6 (max_consecutive_days); or its pins leave no room (2026-11-30 08:00)"
    )


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(CONTRACTS), st.sampled_from(GROUPS), st.integers(0, 6)),
        min_size=1,
        max_size=6,
    ),
    st.integers(1, 2),
    st.integers(5, 6),
)
def test_constructive_start_alone_obeys_every_hard_rule(people, days_off, consecutive):
    agents = tuple(
        agent(f"a{i}", contract, groups, worked_days_before=before)
        for i, (contract, groups, before) in enumerate(people)
    )
    pins = (Pin("a0", WEEK + dt.timedelta(days=2), 12 * 60),)
    week = problem(
        agents, Rules(days_off_per_week=days_off, max_consecutive_days=consecutive), pins
    )
    greedy = greedy_plan(week, [allowed_options(week, a) for a in week.agents])
    if greedy is None:  # only when some agent has no rule-abiding week at all
        assert pre_solve(week) or RosterModel(week).solve("highs", 10, 1.0).status == "infeasible"
        return
    shifts = shifts_from_plan(week, *greedy)
    assert check_roster(week, shifts) == []
    assert any(
        s.agent_id == "a0" and s.day == WEEK + dt.timedelta(days=2) and s.start.hour == 12
        for s in shifts
    )


def test_pattern_solve_is_valid_and_its_bound_never_exceeds_the_named_optimum(monkeypatch):
    # pricing is exact, so the column generation bound is valid for the whole problem, and the
    # MIP over the patterns prices a roster exactly as the named model does
    week = problem(
        (
            agent("gita", "6x7", ("digital", "voice-id")),
            agent("hadi", "part-time:20"),
            agent("ika", "full-time", preferred_days_off=frozenset({5})),
        )
    )
    exact = RosterModel(week).solve("highs", 20, 0.0)
    assert exact.status == "optimal"
    assert exact.info.gap <= 1e-6  # the solver's bound plus the coverage cost's constant part
    monkeypatch.setattr(roster_module, "NAMED_MODEL_LIMIT", 0)  # force column generation
    patterns = roster_module.solve_roster(week, "highs", 20, 0.0)
    assert check_roster(week, patterns.shifts) == []
    assert patterns.size["pricing_proven"] == 1
    assert patterns.info.bound <= exact.info.objective + 1e-6 <= patterns.info.objective + 2e-6


def test_column_generation_dives_to_a_roster_within_one_percent_of_its_bound(monkeypatch):
    rng = random.Random(40)
    agents = tuple(
        agent(
            f"a{i:02d}",
            rng.choice(CONTRACTS),
            rng.choice(GROUPS),
            preferred_days_off=frozenset({rng.randrange(7)}),
        )
        for i in range(40)
    )
    week = problem(agents, level=2.7)
    monkeypatch.setattr(roster_module, "NAMED_MODEL_LIMIT", 0)  # force column generation
    roster = roster_module.solve_roster(week, "highs", 30, 0.01)
    assert check_roster(week, roster.shifts) == []
    assert roster.size["pricing_proven"] == 1
    assert roster.info.bound <= roster.info.objective
    assert roster.info.gap <= 0.01


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 1200).map(lambda n: n / 100),
    st.floats(1, 200),
    st.floats(0.1, 5),
    st.integers(0, 15),
)
def test_coverage_cost_is_exact_at_whole_supplies_and_never_cheaper_between(
    required, under, over, supply
):
    def real(n: int) -> float:
        return under * max(required - n, 0) + over * max(n - required, 0)

    # a whole supply costs what the roster really costs; a fractional one (the LP's) no less
    # than the cheapest whole supply, which keeps the bound tight
    assert _cheapest_cover(required, under, over, supply) == pytest.approx(real(supply), abs=1e-6)
    assert _cheapest_cover(required, under, over, None) == pytest.approx(
        min(real(n) for n in range(16)), abs=1e-6
    )


def _cheapest_cover(required: float, under: float, over: float, supply: int | None) -> float:
    """Least cost of a cell's coverage pieces at this supply (None: any supply up to 15)."""
    base, offset, slacks = coverage_cost(required, Weights(under=under, over=over), True)
    lp = pulp.LpProblem("cell", pulp.LpMinimize)
    staffed = pulp.LpVariable(
        "supply", supply if supply is not None else 0, supply if supply is not None else 15
    )
    pieces = [
        pulp.LpVariable(f"s{i}", 0, None if math.isinf(s.upper) else s.upper)
        for i, s in enumerate(slacks)
    ]
    lp += pulp.lpSum(s.cost * v for s, v in zip(slacks, pieces, strict=True)) + 0 * staffed
    lp += staffed + pulp.lpSum(s.sign * v for s, v in zip(slacks, pieces, strict=True)) == base
    lp.solve(pulp.HiGHS(msg=False))
    return pulp.value(lp.objective) + offset
