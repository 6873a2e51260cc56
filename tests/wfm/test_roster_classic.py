"""The classic days-off problem through the same solver wrapper the roster uses."""

import pulp

from wfm.scheduler.solver import solve


def test_days_off_problem_needs_23_staff():
    demand = [17, 13, 15, 19, 14, 16, 11]
    lp = pulp.LpProblem("days_off", pulp.LpMinimize)
    starts = [pulp.LpVariable(f"start_{d}", 0, cat=pulp.LpInteger) for d in range(7)]
    lp += pulp.lpSum(starts)
    for day, need in enumerate(demand):  # staff work five consecutive days, then two off
        lp += pulp.lpSum(starts[(day - k) % 7] for k in range(5)) >= need
    info = solve(lp, "highs", time_limit=10, gap=0.0)
    assert info.status == "optimal"
    assert round(info.objective) == 23
    cbc = solve(lp, "cbc", time_limit=10, gap=0.0)
    assert round(cbc.objective) == 23
