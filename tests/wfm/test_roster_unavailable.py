"""Weekly unavailability per agent ("not before 10:00 on Tuesdays") beside dated days and
ranges: read from the agents file, dated on the week, honoured by the solve and the check."""

import datetime as dt

import pytest

from tests.wfm.roster_helpers import CENTRE, WEEK, agent, problem
from vero.kernel.errors import VeroError
from wfm.scheduler.check import check_roster
from wfm.scheduler.inputs import load_agents
from wfm.scheduler.model import Shift, allowed_options
from wfm.scheduler.problem import with_weekly
from wfm.scheduler.roster import make_roster

GROUPS = tuple(CENTRE.staffing_groups)
TUESDAY = WEEK + dt.timedelta(days=1)


def _agents(tmp_path, unavailable: str):
    path = tmp_path / "agents.csv"
    path.write_text(f'id,name,groups,contract,unavailable\na1,Ani,voice-id,5x8,"{unavailable}"\n')
    return load_agents(path, GROUPS, CENTRE.tz)


def test_weekly_times_are_read_beside_dates_and_ranges(tmp_path):
    (ani,) = _agents(
        tmp_path, "tue before 10:00; 2026-12-03; Fri after 18:00; wed 12:00-14:00; sun"
    )
    assert ani.weekly_unavailable == (
        (1, 0, 600),
        (2, 720, 840),
        (4, 1080, 1440),
        (6, 0, 1440),
    )
    thursday = dt.datetime.combine(dt.date(2026, 12, 3), dt.time(0), CENTRE.tz)
    assert ani.unavailable == ((thursday, thursday + dt.timedelta(days=1)),)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tue at 10:00", "use 'tue', 'tue 00:00-10:00'"),
        ("tue 14:00-10:00", "ends before it starts"),
        ("tue before 25:00", "not a time of day"),
    ],
)
def test_a_bad_weekly_time_names_the_line_and_field(tmp_path, text, message):
    with pytest.raises(VeroError, match=f"agents.csv:2 field 'unavailable': .*{message}"):
        _agents(tmp_path, text)


def test_weekly_times_are_dated_on_every_day_of_the_week_once():
    ani = agent("ani", "5x8", weekly_unavailable=((1, 0, 600),))
    dated = with_weekly(ani, WEEK, CENTRE.tz)
    ten = dt.datetime.combine(TUESDAY, dt.time(10), CENTRE.tz)
    assert dated.unavailable == ((ten - dt.timedelta(hours=10), ten),)
    assert with_weekly(dated, WEEK, CENTRE.tz) == dated


def test_the_roster_keeps_tuesday_mornings_free_and_the_check_catches_a_breach():
    week = problem((agent("ani", "5x8", weekly_unavailable=((1, 0, 600),)),))
    (ani,) = week.agents
    tuesday = [o for o in allowed_options(week, ani) if o.day == 1]
    assert tuesday and all(o.start % week.slots_per_day >= 20 for o in tuesday)  # 10:00 on
    roster = make_roster(week, "highs", time_limit=10)
    assert all(
        s.start >= dt.datetime.combine(TUESDAY, dt.time(10), CENTRE.tz)
        for s in roster.shifts
        if s.day == TUESDAY
    )
    eight = dt.datetime.combine(TUESDAY, dt.time(8), CENTRE.tz)
    early = Shift("ani", TUESDAY, eight, eight + dt.timedelta(hours=4), None, None, 240, ())
    assert any("Tue 01 08:00: agent unavailable" in v for v in check_roster(week, (early,)))
