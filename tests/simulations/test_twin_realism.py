"""Twin realism, each against a closed form or a hand-computed case: empirical handle times
(Pollaczek-Khinchine), customer classes (shares, patience, Cobham's priority queue), re-dials,
agents finishing at shift end and the closing policy; and a chat queue where `vero staff`'s
Erlang A (k chats per agent as k servers) and the twin agree.

Figures are computed here from the twin's `Outcome`, not through the KPI module, so that each
test states the convention it checks. Fixed seeds: every test is deterministic.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from simulations.arrivals import CustomerClass, HandleTimes, Series, draw_arrivals, streams
from simulations.model import Behaviour, Closing, Outcome, Twin
from simulations.scenario import channel_patience
from simulations.staff import Profile, Shift
from simulations.textbook import single_skill_centre
from vero.kernel.centre import Centre, parse_centre
from wfm.erlang import erlang_c_metrics
from wfm.staffing import QueueModel, Target, performance, requirement
from wfm.staffing_plan import PlanOptions

SEED = np.random.SeedSequence
VOICE = Profile({"s": 1}, ("id",), {"voice": 1})


def run(
    centre: Centre,
    demand: list[Series],
    shifts: list[Shift],
    behaviour: Behaviour,
    seed: int,
    until: float,
    profile: Profile = VOICE,
) -> tuple[Outcome, Twin]:
    profiles = {s.agent: profile for s in shifts}
    twin = Twin(centre, demand, shifts, profiles, behaviour, np.random.SeedSequence(seed))
    return twin.run(until), twin


def agents(count: int, end: float) -> list[Shift]:
    return [Shift(f"a{k}", "g", 0.0, end) for k in range(count)]


def mean_and_half_width(values: list[float], level: float = 0.99) -> tuple[float, float]:
    sample = np.asarray(values)
    half = stats.t.ppf(0.5 + level / 2, len(sample) - 1) * sample.std(ddof=1)
    return float(sample.mean()), float(half / math.sqrt(len(sample)))


def within(values: list[float], exact: float) -> bool:
    mean, half = mean_and_half_width(values)
    return abs(mean - exact) <= half


# --- empirical handle times ---------------------------------------------------------------


def test_empirical_handle_times_resample_the_observed_shape_at_each_intervals_aht() -> None:
    shape = HandleTimes("empirical", sample=(60.0, 300.0))  # mean 180
    demand = [Series(0.0, 3600.0, "voice", "q", "id", 4000, 240.0)]
    drawn = draw_arrivals(demand, shape, {}, streams(np.random.SeedSequence(3)))
    assert set(np.round(drawn.handle, 9)) == {80.0, 400.0}  # x 240/180
    assert drawn.handle.mean() == pytest.approx(240.0, rel=0.02)


def test_empirical_handle_times_give_the_pollaczek_khinchine_wait() -> None:
    """M/G/1: Wq = lambda E[S^2] / (2 (1 - rho)); two-point sample 60/300 s, rho = 0.6."""
    sample, rho, hours = (60.0, 300.0), 0.6, 300.0
    mean = float(np.mean(sample))
    rate = rho / mean
    exact = rate * float(np.mean(np.square(sample))) / (2 * (1 - rho))  # 195 s
    centre = single_skill_centre(20)
    horizon = hours * 3600
    demand = [Series(0.0, horizon, "voice", "q", "id", rate * horizon, mean)]
    behaviour = Behaviour(handle=HandleTimes("empirical", sample=sample), accept_delay={})
    waits = []
    for seed in range(8):
        outcome, _ = run(centre, demand, agents(1, 2 * horizon), behaviour, seed, 2 * horizon)
        kept = outcome.arrival >= 3600
        waits.append(float(np.mean(outcome.answered[kept] - outcome.arrival[kept])))
    assert within(waits, exact), (mean_and_half_width(waits), exact)


# --- customer classes ---------------------------------------------------------------------

BANK = (  # a bank centre's classes: mean patience differed 215 / 357 / 649 s
    CustomerClass("retail", 0.5, 0, {"voice": 215.0}),
    CustomerClass("premier", 0.3, 5, {"voice": 357.0}),
    CustomerClass("private", 0.2, 10, {"voice": 649.0}),
)


def test_classes_take_their_share_and_wait_their_own_patience_when_nobody_answers() -> None:
    """No agent: every caller hangs up after exactly their patience, so each class's mean wait
    is its mean patience (exponential: standard error mean / sqrt(n))."""
    demand = [Series(0.0, 3600.0, "voice", "q", "id", 6000, 180.0)]
    behaviour = Behaviour(patience={"voice": 120.0}, classes=BANK)
    outcome, _ = run(single_skill_centre(20), demand, [], behaviour, 7, 4 * 3600.0)
    assert outcome.classes == ("retail", "premier", "private")
    n = len(outcome.arrival)
    for index, kind in enumerate(BANK):
        mine = outcome.customer_class == index
        share_error = math.sqrt(kind.share * (1 - kind.share) / n)
        assert abs(mine.mean() - kind.share) < 4 * share_error
        waited = outcome.abandoned[mine] - outcome.arrival[mine]
        patience = kind.patience["voice"]
        assert abs(waited.mean() - patience) < 4 * patience / math.sqrt(mine.sum())


def test_priority_classes_wait_as_cobhams_non_preemptive_m_m_c() -> None:
    """Non-preemptive priorities, M/M/c, one service rate: class k waits
    W_k = W (1 - rho) / ((1 - sigma_{k-1}) (1 - sigma_k)), W the Erlang C wait of all calls
    and sigma_k the load share of classes 1..k."""
    servers, aht, rho, hours = 3, 180.0, 0.7, 120.0
    rate = rho * servers / aht
    high_share = 0.3
    wait = float(erlang_c_metrics(servers, rate * aht, aht, 20).asa_seconds)
    sigma = high_share * rho
    exact = {
        "vip": wait * (1 - rho) / (1 - sigma),
        "normal": wait * (1 - rho) / ((1 - sigma) * (1 - rho)),
    }
    classes = (CustomerClass("vip", high_share, 10), CustomerClass("normal", 1 - high_share))
    horizon = hours * 3600
    demand = [Series(0.0, horizon, "voice", "q", "id", rate * horizon, aht)]
    behaviour = Behaviour(handle=HandleTimes("exponential"), accept_delay={}, classes=classes)
    waits: dict[str, list[float]] = {"vip": [], "normal": []}
    for seed in range(8):
        shifts = agents(servers, 2 * horizon)
        outcome, _ = run(single_skill_centre(20), demand, shifts, behaviour, seed, 2 * horizon)
        kept = outcome.arrival >= 3600
        for index, kind in enumerate(classes):
            mine = kept & (outcome.customer_class == index)
            waits[kind.name].append(float(np.mean(outcome.answered[mine] - outcome.arrival[mine])))
    for name, value in exact.items():
        assert within(waits[name], value), (name, mean_and_half_width(waits[name]), value)


# --- re-dials -----------------------------------------------------------------------------


def test_redials_multiply_the_callers_by_one_over_one_minus_the_redial_probability() -> None:
    """Nobody answers: every caller abandons and re-dials with probability r, so each first
    call brings 1 / (1 - r) contacts (a geometric number of tries), all of its class."""
    r = 0.4
    demand = [Series(0.0, 3600.0, "voice", "q", "id", 3000, 180.0)]
    behaviour = Behaviour(
        patience={"voice": 60.0}, redial_probability=r, redial_seconds=300.0, classes=BANK
    )
    outcome, _ = run(single_skill_centre(20), demand, [], behaviour, 11, 40 * 3600.0)
    drawn = draw_arrivals(demand, behaviour.handle, {"voice": 60.0}, streams(SEED(11)), BANK)
    first = len(drawn.time)  # the twin draws the same first calls, then appends re-dials
    ratio = len(outcome.arrival) / first
    spread = math.sqrt(r / (1 - r) ** 2 / first)  # sd of the tries per caller, over sqrt(n)
    assert abs(ratio - 1 / (1 - r)) < 4 * spread
    assert np.all(~np.isnan(outcome.abandoned))  # everyone gave up in the end
    redials = outcome.customer_class[first:]
    assert set(redials) == {0, 1, 2}  # classes carried over


def test_redials_come_back_after_their_mean_delay() -> None:
    """Nobody answers and every caller re-dials: each caller's tries form a renewal process of
    mean cycle patience + delay (60 + 300 s), so in T seconds a caller makes T / 360 of them,
    give or take sqrt(T var / mean^3)."""
    patience, delay, until = 60.0, 300.0, 200 * HOUR
    demand = [Series(0.0, 60.0, "voice", "q", "id", 8, 180.0)]
    behaviour = Behaviour(
        patience={"voice": patience}, redial_probability=1.0, redial_seconds=delay
    )
    outcome, _ = run(single_skill_centre(20), demand, [], behaviour, 13, until)
    callers = len(
        draw_arrivals(demand, behaviour.handle, behaviour.patience, streams(SEED(13))).time
    )
    cycle, variance = patience + delay, patience**2 + delay**2
    spread = math.sqrt(callers * until * variance / cycle**3)
    assert abs(len(outcome.arrival) - callers * until / cycle) < 4 * spread + 2 * callers


def test_redials_are_turned_away_while_the_centre_is_closed() -> None:
    demand = [Series(0.0, 3600.0, "voice", "q", "id", 500, 180.0)]
    behaviour = Behaviour(
        patience={"voice": 60.0},
        redial_probability=1.0,
        closing=Closing("serve", ((3600.0, math.inf),)),
    )
    outcome, _ = run(single_skill_centre(20), demand, [], behaviour, 5, 10 * 3600.0)
    assert outcome.arrival.max() < 3600.0
    assert len(outcome.arrival) > 500  # re-dials inside opening hours did come in


# --- shift end and closing ------------------------------------------------------------------

HOUR = 3600.0
BUSY = [Series(0.0, HOUR, "voice", "q", "id", 30, 600.0)]  # 5 Erlangs for one agent


def finished(outcome: Outcome, twin: Twin) -> np.ndarray:
    """When each answered contact ended (no wrap-up in the textbook centre)."""
    return outcome.answered + np.asarray(twin.handle)


def test_an_agent_finishes_the_contact_in_hand_at_shift_end_and_takes_no_other() -> None:
    behaviour = Behaviour(handle=HandleTimes("exponential"), accept_delay={})
    outcome, twin = run(single_skill_centre(20), BUSY, agents(1, HOUR), behaviour, 2, 4 * HOUR)
    answered = outcome.answered[~np.isnan(outcome.answered)]
    assert answered.max() <= HOUR  # nothing taken after the shift
    last = np.nanmax(finished(outcome, twin))
    assert last > HOUR  # the call in hand at 1:00 ran on ...
    assert outcome.staffed.sum() == pytest.approx(last)  # ... and its overrun was logged in
    assert np.isnan(outcome.abandoned).all() and np.isnan(outcome.answered).any()  # left queued


def test_closing_serve_keeps_the_agents_on_until_the_queue_is_served() -> None:
    behaviour = Behaviour(
        handle=HandleTimes("exponential"),
        accept_delay={},
        closing=Closing("serve", ((HOUR, math.inf),)),
    )
    outcome, twin = run(single_skill_centre(20), BUSY, agents(1, HOUR), behaviour, 2, 40 * HOUR)
    assert not np.isnan(outcome.answered).any()  # everyone queued at closing was answered
    assert np.nanmax(outcome.answered) > HOUR
    assert outcome.staffed.sum() == pytest.approx(np.nanmax(finished(outcome, twin)))


def test_closing_abandon_ends_the_waiting_contacts_at_closing_time() -> None:
    behaviour = Behaviour(
        handle=HandleTimes("exponential"),
        accept_delay={},
        closing=Closing("abandon", ((HOUR, math.inf),)),
    )
    outcome, twin = run(single_skill_centre(20), BUSY, agents(1, HOUR), behaviour, 2, 40 * HOUR)
    ended = ~np.isnan(outcome.abandoned)
    assert ended.any() and np.all(outcome.abandoned[ended] == HOUR)
    assert np.all(np.isnan(outcome.answered) == ended)  # the rest were answered before 1:00
    assert np.nanmax(outcome.answered) <= HOUR
    assert outcome.staffed.sum() == pytest.approx(np.nanmax(finished(outcome, twin)))


def test_closing_abandon_keeps_the_callbacks_callers_took() -> None:
    """After 10 s the queue offers a callback; callers who took one are called back later, so
    closing does not end them."""
    raw = single_skill_centre(20).model_dump()
    raw["queues"]["q"] |= {
        "steps": [{"min_level": 1, "timeout": 10}],
        "fallback": {"offer": "callback"},
    }
    centre = parse_centre(raw)
    demand = [Series(0.0, HOUR, "voice", "q", "id", 30, 600.0)]
    late = [Series(HOUR - 5, 5, "voice", "q", "id", 20, 600.0)]  # no time to be offered one
    behaviour = Behaviour(
        accept_delay={}, callbacks=True, closing=Closing("abandon", ((HOUR, math.inf),))
    )
    outcome, _ = run(centre, demand + late, [], behaviour, 4, 2 * HOUR)
    took_callback = outcome.arrival < HOUR - 10
    assert took_callback.any() and (~took_callback).any()
    assert np.isnan(outcome.abandoned[took_callback]).all()
    assert np.all(outcome.abandoned[~took_callback] == HOUR)


def test_the_handle_time_includes_the_wrap_up_as_in_the_contact_records() -> None:
    """Vero's contact records (and so the forecast's AHT, and staffing) count wrap-up in the
    handle time: each answered contact occupies its agent for max(handle, wrap-up) seconds."""
    raw = single_skill_centre(20).model_dump()
    raw["queues"]["q"]["wrap_up_seconds"] = 60
    centre = parse_centre(raw)
    demand = [Series(0.0, HOUR, "voice", "q", "id", 40, 180.0)]
    behaviour = Behaviour(handle=HandleTimes("exponential"), accept_delay={})
    outcome, twin = run(centre, demand, agents(3, 10 * HOUR), behaviour, 8, 10 * HOUR)
    answered = ~np.isnan(outcome.answered)
    assert answered.all()
    busy = np.maximum(np.asarray(twin.handle), 60.0)
    assert outcome.workload.sum() == pytest.approx(busy.sum(), abs=0.01 * answered.sum())


# --- chat: staffing and twin agree ------------------------------------------------------------


def chat_centre(patience: float) -> Centre:
    """One chat queue: three chats per agent, 60 s first-response target, the centre's patience."""
    return parse_centre(
        {
            "id": "chat",
            "name": "chat",
            "opening_hours": {},
            "languages": ["id"],
            "default_language": "id",
            "channels": {
                "voice": {"target_seconds": 15},
                "chat": {"target_seconds": 60, "capacity": 3, "patience_seconds": patience},
            },
            "skills": {"s": {"id": "s"}},
            "queues": {
                "q": {"skill": "s", "channels": ["chat"], "wrap_up_seconds": 0, "steps": [{}]}
            },
            "staffing_groups": {"g": {"channels": ["chat"]}},
        }
    )


def test_channel_patience_is_the_staffing_figure_unless_the_scenario_overrides_it() -> None:
    centre = chat_centre(200.0)
    options = PlanOptions()
    assert channel_patience(centre) == {
        "voice": options.patience_for(centre, "voice"),
        "chat": 200.0,
    }
    assert channel_patience(centre, {"chat": 90.0, "voice": math.inf}) == {"chat": 90.0}


def test_staffing_and_twin_agree_on_a_chat_queue() -> None:
    """`vero staff` staffs chat as k servers per agent with Erlang A and the channel's
    patience; the twin, given that patience by `channel_patience`, must land on the same
    service level (answered within 60 s over offered) and abandonment."""
    centre = chat_centre(200.0)
    patience = channel_patience(centre)["chat"]
    hours, aht, per_hour = 40.0, 600.0, 60.0
    target = Target(60.0, 0.8)
    model = QueueModel("erlang-a", patience, concurrency=3)
    staff = int(requirement([per_hour / 2], [aht], [1800.0], target, model).required_net[0])
    exact = performance(per_hour, aht, 3600.0, staff, 60.0, model)
    assert staff == 4 and exact.abandon_rate is not None
    horizon = hours * 3600
    demand = [Series(0.0, horizon, "chat", "q", "id", per_hour * hours, aht)]
    behaviour = Behaviour(
        handle=HandleTimes("exponential"), patience=channel_patience(centre), accept_delay={}
    )
    profile = Profile({"s": 1}, ("id",), {"chat": 3})
    levels, abandons = [], []
    for seed in range(8):
        shifts = agents(staff, horizon + HOUR)
        outcome, _ = run(centre, demand, shifts, behaviour, seed, horizon + HOUR, profile)
        kept = (outcome.arrival >= HOUR) & (outcome.arrival < horizon)
        waited = outcome.answered[kept] - outcome.arrival[kept]
        levels.append(float(np.mean(waited <= 60.0)))  # nan (abandoned) counts as a miss
        abandons.append(float(np.mean(~np.isnan(outcome.abandoned[kept]))))
    assert within(levels, float(exact.service_level)), (mean_and_half_width(levels), exact)
    assert within(abandons, float(exact.abandon_rate)), (mean_and_half_width(abandons), exact)


# --- invariants -------------------------------------------------------------------------------


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ends=st.lists(st.floats(600, 2 * HOUR), min_size=1, max_size=4),
    capacity=st.integers(1, 3),
    closes=st.one_of(st.none(), st.floats(HOUR / 2, 2 * HOUR)),
    policy=st.sampled_from(["serve", "abandon"]),
    patience=st.one_of(st.none(), st.floats(30, 600)),
    seed=st.integers(0, 2**16),
)
def test_work_happens_only_while_logged_in_and_each_contact_ends_once(
    ends: list[float],
    capacity: int,
    closes: float | None,
    policy: Literal["serve", "abandon"],
    patience: float | None,
    seed: int,
) -> None:
    """Whatever the shifts, closing and patience: every contact is answered or abandoned at
    most once, never before it arrives, and in every bin the work done fits in the logged-in
    time (agents finishing past their shift are logged in until they are done)."""
    centre = chat_centre(patience or 100.0)
    demand = [Series(0.0, HOUR / 2, "chat", "q", "id", 20 * capacity, 400.0)]  # before closing
    shifts = [Shift(f"a{k}", "g", 0.0, end) for k, end in enumerate(ends)]
    behaviour = Behaviour(
        patience={"chat": patience} if patience else {},
        accept_delay={"chat": 3.0},
        closing=Closing(policy, ((closes, math.inf),) if closes else ()),
    )
    profile = Profile({"s": 1}, ("id",), {"chat": capacity})
    outcome, _ = run(centre, demand, shifts, behaviour, seed, 6 * HOUR, profile)
    answered, abandoned = ~np.isnan(outcome.answered), ~np.isnan(outcome.abandoned)
    assert not (answered & abandoned).any()
    assert np.all(outcome.answered[answered] >= outcome.arrival[answered])
    assert np.all(outcome.abandoned[abandoned] >= outcome.arrival[abandoned])
    assert np.all(outcome.workload <= outcome.staffed + 0.01)  # the router's clock: ms
    if closes and policy == "abandon":
        assert np.all(outcome.answered[answered] <= closes + 3.0)  # offered before closing
