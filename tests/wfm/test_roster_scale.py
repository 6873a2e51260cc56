"""The column generation's dive on a busy machine: its care (LP solves a step) is spread over
the time left rather than cut off at the deadline."""

import time

from tests.wfm.roster_helpers import agent, problem
from wfm.scheduler.columns import Master, PricedLP, pattern_classes


def test_the_dive_spreads_its_care_over_the_time_left():
    week = problem(tuple(agent(f"a{i}", "5x8") for i in range(8)))
    lp = PricedLP(Master(week, pattern_classes(week)))
    lp.seconds, lp.rounds = 10.0, 10  # one second a round so far
    # 8 open agents, the last 2 one a step: 5 steps of 2 solves and 2 of 8 need 26 s
    now = time.perf_counter()
    assert lp._affordable(8, now + 1000, endgame=2) == 8  # time enough: full care
    assert lp._affordable(8, now + 13.5, endgame=2) == 4  # half the time: half the solves
    assert lp._affordable(2, now + 1, endgame=2) == 1  # never none
