from pathlib import Path

import pytest

from vero.kernel.settings import Settings, SettingsError

GOOD = {"TWILIO_AUTH_TOKEN": "secret", "VERO_SUPERVISOR_TOKEN": "s" * 16}


def test_defaults_are_valid_with_the_two_secrets():
    settings = Settings.from_env(GOOD)
    assert settings.redis_url is None
    assert settings.public_base_url == "http://127.0.0.1:8000"
    assert settings.data_dir == Path("var")


def test_every_problem_is_reported_on_its_own_line(tmp_path):
    env = {
        "REDIS_URL": "http://nope",
        "PUBLIC_BASE_URL": "ftp://x",
        "TWILIO_ACCOUNT_SID": "XX",
        "VERO_CENTRE": str(tmp_path / "missing.yaml"),
        "VERO_SUPERVISOR_TOKEN": "short",
        "VERO_MESSAGING_NUMBER": "0812",
    }
    with pytest.raises(SettingsError) as info:
        Settings.from_env(env)
    problems = info.value.problems
    assert [p.split(":")[0] for p in problems] == [
        "REDIS_URL",
        "PUBLIC_BASE_URL",
        "TWILIO_ACCOUNT_SID",
        "TWILIO_AUTH_TOKEN",
        "VERO_CENTRE",
        "VERO_SUPERVISOR_TOKEN",
        "VERO_MESSAGING_NUMBER",
    ]
    assert "\n" not in info.value.one_line()


def test_twilio_timeout_and_tries_are_positive_numbers():
    settings = Settings.from_env({**GOOD, "VERO_TWILIO_TIMEOUT": "2.5", "VERO_TWILIO_TRIES": "3"})
    assert (settings.twilio_timeout, settings.twilio_tries) == (2.5, 3)
    with pytest.raises(SettingsError) as info:
        Settings.from_env({**GOOD, "VERO_TWILIO_TIMEOUT": "0", "VERO_TWILIO_TRIES": "many"})
    assert [p.split(":")[0] for p in info.value.problems] == [
        "VERO_TWILIO_TIMEOUT",
        "VERO_TWILIO_TRIES",
    ]


def test_closed_retention_is_hours_and_checked():
    assert Settings.from_env(GOOD).closed_retention_hours == 48
    assert (
        Settings.from_env({**GOOD, "VERO_CLOSED_RETENTION_HOURS": "1.5"}).closed_retention_hours
        == 1.5
    )
    for bad in ("two days", "-1", "nan"):
        with pytest.raises(SettingsError, match="VERO_CLOSED_RETENTION_HOURS"):
            Settings.from_env({**GOOD, "VERO_CLOSED_RETENTION_HOURS": bad})
