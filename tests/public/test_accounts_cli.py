"""`vero accounts`: supervisors add, list, disable and reset customer accounts from the shell;
bad input is one line and a non-zero exit. And the limits' settings."""

from __future__ import annotations

import uuid

import pytest
import redis
import yaml
from click.testing import CliRunner

from telephony.accounts import AccountStore
from telephony.keys import Keys
from vero.cli import cli
from vero.kernel.centre import reference_centre_path
from vero.kernel.settings import Settings, SettingsError
from vero.web.limits import rates


@pytest.fixture
def centre_env(redis_url, tmp_path):
    """The reference centre under a fresh id, so the commands write only this test's keys."""
    centre_id = f"test-{uuid.uuid4().hex[:10]}"
    raw = yaml.safe_load(reference_centre_path().read_text(encoding="utf-8"))
    raw["id"] = centre_id
    path = tmp_path / "centre.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    env = {
        "REDIS_URL": redis_url,
        "VERO_CENTRE": str(path),
        "TWILIO_AUTH_TOKEN": "t",
        "VERO_SUPERVISOR_TOKEN": "supervisor-token-for-tests",
    }
    client = redis.Redis.from_url(redis_url)
    yield env, AccountStore(client, Keys(centre_id))
    doomed = list(client.scan_iter(match=Keys(centre_id).all_keys_pattern()))
    if doomed:
        client.delete(*doomed)


def run(env, *args: str, stdin: str | None = None):
    return CliRunner().invoke(cli, list(args), env=env, input=stdin)


def test_add_list_disable_and_reset(centre_env):
    env, store = centre_env
    added = run(
        env,
        "accounts",
        "add",
        "pt-maju",
        "--name",
        "PT Maju",
        "--phone",
        "0813 0000 1111",
        stdin="a long secret 1\na long secret 1\n",
    )
    assert added.exit_code == 0, added.output
    assert store.authenticate("pt-maju", "a long secret 1").phone == "+6281300001111"
    listed = run(env, "accounts", "list")
    assert "pt-maju\tB2B\tactive\tPT Maju\t+6281300001111" in listed.output
    assert run(env, "accounts", "disable", "pt-maju").exit_code == 0
    assert store.authenticate("pt-maju", "a long secret 1") is None
    assert run(env, "accounts", "enable", "pt-maju").exit_code == 0
    reset = run(env, "accounts", "reset-password", "pt-maju", "--password", "another secret")
    assert reset.exit_code == 0
    assert store.authenticate("pt-maju", "another secret") is not None


@pytest.mark.parametrize(
    "args",
    [
        ("accounts", "add", "x", "--password", "a long secret 1"),  # name too short
        ("accounts", "add", "someone", "--password", "short"),
        ("accounts", "add", "someone", "--phone", "12", "--password", "a long secret 1"),
        ("accounts", "disable", "nobody"),
    ],
)
def test_bad_input_is_one_line_and_non_zero(centre_env, args):
    env, _ = centre_env
    result = run(env, *args)
    assert result.exit_code == 2
    assert result.output.startswith("vero: error: ") and result.output.count("\n") == 1


def test_limits_come_from_the_environment():
    base = {"TWILIO_AUTH_TOKEN": "t", "VERO_SUPERVISOR_TOKEN": "supervisor-token-for-tests"}
    settings = Settings.from_env(
        {**base, "VERO_RATE_LIMIT_PUBLIC": "5/minute;50/hour", "VERO_OUTBOUND_DAILY_CAP": "7"}
    )
    assert rates(settings)["public"] == "5/minute;50/hour" and settings.outbound_daily_cap == 7
    with pytest.raises(SettingsError, match="VERO_RATE_LIMIT_PUBLIC"):
        Settings.from_env({**base, "VERO_RATE_LIMIT_PUBLIC": "lots"})
    with pytest.raises(SettingsError, match="VERO_OPEN_CHATS_PER_VISITOR"):
        Settings.from_env({**base, "VERO_OPEN_CHATS_PER_VISITOR": "0"})
    with pytest.raises(SettingsError, match="no such limit"):
        rates(Settings.from_env({**base, "VERO_RATE_LIMIT_EVERYTHING": "1/minute"}))
