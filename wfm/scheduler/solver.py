"""The one place that runs a MILP: HiGHS (highspy) first, CBC as the fallback, deterministic
(one thread, fixed seed), with a time limit and relative gap, reporting bound and gap."""

from __future__ import annotations

import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pulp

SOLVERS = ("highs", "cbc")
SEED = 20261130


@dataclass(frozen=True)
class SolveInfo:
    solver: str
    status: str  # optimal | feasible | infeasible | no solution
    objective: float | None
    bound: float | None
    gap: float | None  # relative: |objective - bound| / max(|objective|, 1e-9)
    seconds: float


def available(name: str) -> bool:
    return (pulp.HiGHS() if name == "highs" else pulp.PULP_CBC_CMD()).available()


def gap_between(objective: float | None, bound: float | None) -> float | None:
    if objective is None or bound is None:
        return None
    return abs(objective - bound) / max(abs(objective), 1e-9)


class _HiGHSWithStart(pulp.HiGHS):
    """PuLP's HiGHS interface plus a (possibly partial) MIP start, which HiGHS completes."""

    def __init__(self, start: dict[pulp.LpVariable, float], **options) -> None:
        super().__init__(**options)
        self.start = start

    def callSolver(self, lp: pulp.LpProblem) -> None:
        if self.start:
            items = sorted((var.index, value) for var, value in self.start.items())
            lp.solverModel.setSolution(
                len(items),
                np.array([i for i, _ in items], np.int32),
                np.array([v for _, v in items], np.float64),
            )
        super().callSolver(lp)


def solve(
    problem: pulp.LpProblem,
    solver: str = "highs",
    time_limit: float = 60,
    gap: float = 0.01,
    start: dict[pulp.LpVariable, float] | None = None,
) -> SolveInfo:
    """Solve in place; HiGHS falls back to CBC when highspy is missing. `start`: known values
    of some variables (a feasible assignment of the integers) to begin the search from."""
    if solver not in SOLVERS:
        raise ValueError(f"unknown solver {solver!r}; use {', '.join(SOLVERS)}")
    if solver == "highs" and not available("highs"):
        solver = "cbc"
    started = time.perf_counter()
    if solver == "highs":
        engine = _HiGHSWithStart(
            start or {},
            msg=False,
            timeLimit=time_limit,
            gapRel=gap,
            threads=1,
            random_seed=SEED % 2**31,
            mip_heuristic_effort=0.5,
        )
        problem.solve(engine)
        bound = problem.solverModel.getInfo().mip_dual_bound if problem.sol_status > 0 else None
    else:
        with tempfile.TemporaryDirectory() as folder:
            log = Path(folder) / "cbc.log"
            for var, value in (start or {}).items():
                var.setInitialValue(value)
            engine = pulp.PULP_CBC_CMD(
                msg=False,
                timeLimit=time_limit,
                gapRel=gap,
                threads=1,
                options=[f"randomCbcSeed {SEED}"],
                logPath=str(log),
                warmStart=bool(start),
            )
            problem.solve(engine)
            bound = _cbc_bound(log.read_text(errors="replace"))
    seconds = time.perf_counter() - started
    if bound is not None:  # solvers never see the objective's constant, nor count it in bounds
        bound += problem.objective.constant
    objective = pulp.value(problem.objective) if problem.sol_status > 0 else None
    if objective is not None and problem.sol_status == pulp.LpSolutionOptimal and bound is None:
        bound = objective
    status = {
        pulp.LpSolutionOptimal: "optimal",
        pulp.LpSolutionIntegerFeasible: "feasible",
        pulp.LpSolutionInfeasible: "infeasible",
    }.get(problem.sol_status, "no solution")
    if problem.status == pulp.LpStatusInfeasible:
        status = "infeasible"
    if status == "optimal" and gap > 0 and (gap_between(objective, bound) or 0) > 1e-6:
        status = "feasible"  # stopped at the gap tolerance: good, not proven optimal
    return SolveInfo(solver, status, objective, bound, gap_between(objective, bound), seconds)


def _cbc_bound(log: str) -> float | None:
    """CBC prints 'Lower bound:' when it stops early; an optimal stop has none."""
    found = re.findall(r"^Lower bound:\s+(-?[0-9.eE+-]+)", log, flags=re.MULTILINE)
    return float(found[-1]) if found else None
