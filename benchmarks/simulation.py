"""Speed of the SimPy twin: customers simulated per second on M/M/400 (2 arrivals/s, mean
service 180 s, 8 hours), beside the ciw library on the same model in the same run.

The twin does more per customer than ciw (every decision goes through the routing state machine
the live router mirrors), so this measures what the policy-faithful twin costs.
"""

from __future__ import annotations

import time

import ciw
import numpy as np

from simulations.arrivals import HandleTimes, Series
from simulations.model import Behaviour, Twin
from simulations.staff import Profile, Shift
from simulations.textbook import single_skill_centre

RATE, SERVICE, SERVERS, HOURS = 2.0, 180.0, 400, 8.0


def twin_rate(seed: int) -> tuple[int, float]:
    horizon = HOURS * 3600
    centre = single_skill_centre(20)
    demand = [Series(0.0, horizon, "voice", "q", "id", RATE * horizon, SERVICE)]
    shifts = [Shift(f"a{k}", "g", 0.0, horizon) for k in range(SERVERS)]
    profiles = {s.agent: Profile({"s": 1}, ("id",), {"voice": 1}) for s in shifts}
    behaviour = Behaviour(handle=HandleTimes("exponential"), accept_delay={})
    start = time.perf_counter()
    outcome = Twin(centre, demand, shifts, profiles, behaviour,
                   np.random.SeedSequence(seed)).run(horizon)
    return len(outcome.arrival), time.perf_counter() - start


def ciw_rate(seed: int) -> tuple[int, float]:
    network = ciw.create_network(arrival_distributions=[ciw.dists.Exponential(rate=RATE)],
                                 service_distributions=[ciw.dists.Exponential(rate=1 / SERVICE)],
                                 number_of_servers=[SERVERS])
    ciw.seed(seed)  # ciw's own API: it draws from global random state
    start = time.perf_counter()
    sim = ciw.Simulation(network)
    sim.simulate_until_max_time(HOURS * 3600)
    arrived = len(sim.get_all_records()) + sum(len(n.all_individuals) for n in sim.transitive_nodes)
    return arrived, time.perf_counter() - start


def main() -> None:
    rows = [("vero twin (SimPy + MemoryRouter)", *twin_rate(1)), ("ciw", *ciw_rate(1))]
    print(f"M/M/{SERVERS}: {RATE:g} arrivals/s, mean service {SERVICE:g} s, {HOURS:g} h")
    print(f"{'engine':<34} {'customers':>10} {'seconds':>8} {'customers/s':>12}")
    for name, customers, seconds in rows:
        print(f"{name:<34} {customers:>10} {seconds:>8.2f} {customers / seconds:>12.0f}")
    twin, peer = (customers / seconds for _, customers, seconds in rows)
    print(f"twin/ciw speed ratio: {twin / peer:.2f}x (goal 2x)")


if __name__ == "__main__":
    main()
