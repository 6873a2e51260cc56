import datetime as dt

import pytest
import yaml

from vero.kernel.centre import load_centre, reference_centre_path
from vero.kernel.errors import VeroError

JAKARTA = dt.timezone(dt.timedelta(hours=7))


def test_reference_centre_has_the_division_targets(centre):
    assert centre.languages == ("id", "en")
    targets = {name: ch.target_seconds for name, ch in centre.channels.items()}
    assert targets["voice"] == 15 and targets["chat"] == 300
    assert targets["whatsapp"] == 3600 and targets["email"] == 86400
    assert centre.answer_target_seconds == 15
    assert {"product", "orders", "complaints", "b2b", "partners", "vip"} <= set(centre.skills)


def test_opening_hours_and_holidays(centre):
    assert centre.is_open(dt.datetime(2026, 11, 23, 10, 0, tzinfo=JAKARTA))  # a Monday
    assert not centre.is_open(dt.datetime(2026, 11, 23, 22, 0, tzinfo=JAKARTA))
    assert not centre.is_open(dt.datetime(2026, 8, 17, 10, 0, tzinfo=JAKARTA))  # Independence Day


def _write(tmp_path, mutate):
    raw = yaml.safe_load(reference_centre_path().read_text())
    mutate(raw)
    path = tmp_path / "centre.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda r: r["queues"]["orders"].update(skill="astrology"), "unknown skill 'astrology'"),
        (
            lambda r: r["channels"]["voice"].update(target_seconds=-1),
            "channels.voice.target_seconds",
        ),
        (lambda r: r["queues"]["vip"]["steps"][1].update(timeout=5), "timeout must grow"),
        (lambda r: r.update(timezone="Mars/Olympus"), "unknown timezone"),
        (
            lambda r: r["queues"]["product"].update(fallback={"overflow": "nowhere"}),
            "unknown queue",
        ),
        (  # a call overflowing into an email-only queue would wait where no agent may take it
            lambda r: r["queues"]["product"].update(fallback={"overflow": "backoffice"}),
            "queue 'backoffice' takes no chat, sms, voice, whatsapp contacts",
        ),
    ],
)
def test_bad_definitions_name_the_field(tmp_path, mutate, expected):
    with pytest.raises(VeroError) as info:
        load_centre(_write(tmp_path, mutate))
    assert expected in info.value.one_line()
    assert "centre.yaml" in info.value.one_line()


def test_broken_yaml_names_the_line(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("id: x\nname: [unclosed\n")
    with pytest.raises(VeroError) as info:
        load_centre(path)
    assert "c.yaml:" in info.value.one_line()
