"""The one service-level formula (vero/kernel/service_level.py) and the centre fields that state
it: each formula on hand-counted contacts, pooling across channels, and the YAML checks."""

from __future__ import annotations

import copy

import pytest

from vero.kernel import service_level as sl
from vero.kernel.centre import parse_centre, reference_centre_path
from vero.kernel.errors import VeroError
from vero.kernel.files import read_yaml

# 10 offered: 6 answered (4 within the target), 4 abandoned (1 of them within the threshold)
COUNTS = sl.Counts(offered=10, answered=6, in_target=4, abandoned=4, short_abandoned=1)


@pytest.mark.parametrize(
    ("formula", "expected"),
    [("offered", 4 / 10), ("offered_minus_short_abandons", 4 / 9), ("answered", 4 / 6)],
)
def test_each_formula_divides_by_its_own_contacts(formula: sl.Formula, expected: float) -> None:
    assert sl.service_level(COUNTS, formula) == pytest.approx(expected)


def test_no_counted_contact_has_no_service_level() -> None:
    assert sl.service_level(sl.Counts(), "offered") is None
    only_abandons = sl.Counts(offered=2, abandoned=2, short_abandoned=2)
    assert sl.service_level(only_abandons, "answered") is None
    assert sl.service_level(only_abandons, "offered_minus_short_abandons") is None
    assert sl.service_level(only_abandons, "offered") == 0.0


def test_pooling_counts_each_channel_by_its_formula() -> None:
    chat = sl.Counts(offered=5, answered=2, in_target=2, abandoned=3, short_abandoned=3)
    # voice over offered: 4 / 10; chat over answered: 2 / 2 -> (4 + 2) / (10 + 2)
    assert sl.pooled([(COUNTS, "offered"), (chat, "answered")]) == pytest.approx(6 / 12)
    assert sl.pooled([]) is None
    assert COUNTS + chat == sl.Counts(15, 8, 6, 7, 4)


def test_an_unknown_formula_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown service level formula"):
        sl.counted(COUNTS, "abandoned")  # type: ignore[arg-type]


def test_thresholds_are_inclusive_and_default_to_the_target() -> None:
    rule = sl.Definition(15, 0.8)
    assert rule.in_target(15) and not rule.in_target(15.1)
    assert rule.short_abandon(15) and not rule.short_abandon(16)
    assert sl.Definition(15, 0.8, "offered_minus_short_abandons", 5).short_abandon(6) is False


def raw_centre() -> dict:
    return copy.deepcopy(read_yaml(reference_centre_path()))


def test_the_reference_centre_states_every_channel() -> None:
    rules = sl.definitions(parse_centre(raw_centre()))
    assert rules["voice"] == sl.Definition(15, 0.8, "offered", None)
    assert rules["chat"] == sl.Definition(300, 0.8, "offered", None)
    assert set(rules) == {"voice", "chat", "whatsapp", "sms", "email"}


@pytest.mark.parametrize(
    ("top", "voice", "seconds", "rings"),
    [
        ({"ring_seconds": 5, "answer_rings": 4}, {}, 20, 4),  # seconds from the rings
        ({"ring_seconds": 6}, {"target_seconds": 15}, 15, 2.5),  # rings from the seconds
        ({}, {"target_seconds": 20}, 20, 4),  # default 5 s rings
        ({}, {}, 15, 3),  # neither: 3 rings of 5 s
        ({"ring_seconds": 5, "answer_rings": 3}, {"target_seconds": 15}, 15, 3),  # agreeing
    ],
)
def test_the_voice_target_has_one_source(top: dict, voice: dict, seconds: float, rings: float):
    raw = raw_centre()
    raw.pop("answer_rings", None)
    raw.pop("ring_seconds", None)
    raw.update(top)
    raw["channels"]["voice"].pop("target_seconds", None)
    raw["channels"]["voice"].update(voice)
    centre = parse_centre(raw)
    assert centre.channels["voice"].target_seconds == seconds
    assert centre.answer_target_seconds == seconds
    assert centre.answer_rings == rings


def test_a_voice_target_disagreeing_with_the_rings_fails_in_one_line() -> None:
    raw = raw_centre()
    raw["channels"]["voice"]["target_seconds"] = 20  # the file states answer_rings: 3 of 5 s
    with pytest.raises(VeroError) as err:
        parse_centre(raw, source="centre.yaml")
    line = err.value.one_line()
    assert "\n" not in line
    assert line == (
        "centre.yaml: channels.voice.target_seconds: 20 s disagrees with ring_seconds x "
        "answer_rings = 5 x 3 = 15 s; state one of them"
    )


@pytest.mark.parametrize(
    ("channel", "change", "field", "message"),
    [
        (
            "voice",
            {"service_level_formula": "abandoned"},
            "channels.voice.service_level_formula",
            "Input should be 'offered', 'offered_minus_short_abandons' or 'answered'",
        ),
        (
            "chat",
            {"short_abandon_seconds": 5},
            "channels.chat.short_abandon_seconds",
            "applies only with service_level_formula offered_minus_short_abandons",
        ),
        (
            "chat",
            {"service_level_formula": "offered_minus_short_abandons", "short_abandon_seconds": -1},
            "channels.chat.short_abandon_seconds",
            "greater than or equal to 0",
        ),
        ("chat", {"target_seconds": None}, "channels.chat.target_seconds", "valid number"),
        (
            "voice",
            {"patience_distribution": "lognormal"},
            "channels.voice.patience_distribution",
            "'exponential'",
        ),
    ],
)
def test_bad_service_level_fields_name_the_field(
    channel: str, change: dict, field: str, message: str
) -> None:
    raw = raw_centre()
    raw["channels"][channel].update(change)
    with pytest.raises(VeroError) as err:
        parse_centre(raw, source="centre.yaml")
    assert err.value.field == field and message in err.value.message


def test_a_chat_target_is_still_required() -> None:
    raw = raw_centre()
    del raw["channels"]["chat"]["target_seconds"]
    with pytest.raises(VeroError) as err:
        parse_centre(raw)
    assert err.value.field == "channels.chat.target_seconds"


def test_a_centre_counts_short_abandons_with_its_own_threshold() -> None:
    raw = raw_centre()
    raw["channels"]["voice"].update(
        {"service_level_formula": "offered_minus_short_abandons", "short_abandon_seconds": 5}
    )
    rule = sl.definition(parse_centre(raw), "voice")
    assert rule == sl.Definition(15, 0.8, "offered_minus_short_abandons", 5)
    assert rule.short_abandon(5) and not rule.short_abandon(6)
