"""The scenario YAML's realism fields (empirical handle times, customer classes, patience from
the centre, closing policy): what they resolve to, their one-line errors, and a run with all."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from simulations.arrivals import CustomerClass
from simulations.model import Closing
from simulations.replications import run_all, study_jobs
from simulations.scenario import Study, channel_patience, load_study
from tests.simulations.helpers import write_morning
from vero.kernel.errors import VeroError

HOUR = 3600.0
SERIES = (
    ("voice", "general", "id", 60, 180, "voice-id", 8),
    ("chat", "product", "id", 30, 400, "digital", 2),
)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Voice and chat from 08:00 to 12:00 on Tuesday 1 December 2026 (open 08:00-21:00)."""
    here = tmp_path_factory.mktemp("realism")
    write_morning(here, SERIES, end_hour=12)
    (here / "calls.csv").write_text(
        "call;handle_seconds\n1;95,5\n2;\n3;240\n4;130\n", encoding="utf-8"
    )  # Excel in a decimal-comma locale; call 2 was abandoned
    return here


def study(folder: Path, behaviour: str, name: str = "s.yaml") -> Study:
    path = folder / name
    path.write_text(
        "base:\n  forecast: forecast.csv\n  staffing: staffing.csv\n  replications: 2\n"
        f"  behaviour: {behaviour}\n",
        encoding="utf-8",
    )
    return load_study(path)


def test_defaults_take_patience_from_the_centre_and_close_on_its_hours(folder: Path) -> None:
    plan = study(folder, "{}")
    behaviour = plan.cases[0].behaviour
    assert behaviour.patience == channel_patience(plan.centre)
    assert "chat" in behaviour.patience  # the staffing default: the centre states none
    assert "whatsapp" not in behaviour.patience  # .inf in the centre: a message waits
    assert behaviour.classes == ()
    assert behaviour.closing == Closing("serve", ((0.0, 8 * HOUR), (21 * HOUR, math.inf)))
    assert behaviour.handle.kind == "lognormal"


def test_realism_fields_resolve_to_the_engines_inputs(folder: Path) -> None:
    plan = study(
        folder,
        """
    patience_seconds: {chat: 600, email: .inf}
    handle: {kind: empirical, file: calls.csv}
    closing: {policy: abandon}
    classes:
      retail: {share: 0.5, patience_seconds: 215}
      premier: {share: 0.3, patience_seconds: {voice: 357}, priority: 5}
      private: {share: 0.2, priority: vip}
""",
    )
    behaviour = plan.cases[0].behaviour
    assert behaviour.patience["chat"] == 600 and "email" not in behaviour.patience
    assert behaviour.handle.kind == "empirical"
    assert behaviour.handle.sample == (95.5, 240.0, 130.0)  # blank cell skipped
    assert behaviour.closing.policy == "abandon"
    retail, premier, private = behaviour.classes
    assert retail == CustomerClass("retail", 0.5, 0, dict.fromkeys(plan.centre.channels, 215.0))
    assert premier == CustomerClass("premier", 0.3, 5, {"voice": 357.0})
    assert private == CustomerClass("private", 0.2, 10, {})


def test_a_study_with_every_realism_field_runs(folder: Path) -> None:
    plan = study(
        folder,
        "{handle: {kind: empirical, seconds: [60, 120, 400]}, redial_probability: 0.3, "
        "classes: {a: {share: 0.7}, b: {share: 0.3, priority: vip, patience_seconds: 600}}}",
    )
    counts, work = run_all(study_jobs(plan), workers=1)
    chat = counts[counts.channel == "chat"]
    assert chat.abandoned.sum() > 0  # chat abandons in the twin, as staffing assumes
    assert counts.offered.sum() > 0 and (work.staffed > 0).all()


@pytest.mark.parametrize(
    "behaviour, field, message",
    [
        (
            "{classes: {a: {share: 0.5}, b: {share: 0.4}}}",
            "base.behaviour.classes",
            "add up to 0.9",
        ),
        (
            "{classes: {a: {share: 1, priority: royal}}}",
            "base.behaviour.classes.a.priority",
            "unknown priority 'royal'",
        ),
        (
            "{classes: {a: {share: 1, patience_seconds: {fax: 30}}}}",
            "base.behaviour.classes.a.patience_seconds",
            "unknown channel 'fax'",
        ),
        ("{handle: {kind: empirical}}", "base.behaviour.handle", "exactly one of"),
        ("{handle: {seconds: [60]}}", "base.behaviour.handle", "go with kind: empirical"),
        (
            "{handle: {kind: empirical, seconds: [60, -1]}}",
            "base.behaviour.handle.seconds[1]",
            "greater than 0",
        ),
        ("{closing: {policy: voicemail}}", "base.behaviour.closing.policy", "'serve'"),
        ("{patience_seconds: {chat: 0}}", "base.behaviour.patience_seconds.chat", "than 0"),
    ],
)
def test_bad_realism_fields_name_the_field(
    folder: Path, behaviour: str, field: str, message: str
) -> None:
    with pytest.raises(VeroError, match=message) as info:
        study(folder, behaviour)
    assert info.value.field == field
    assert info.value.source == str(folder / "s.yaml")


def test_a_bad_handle_time_file_names_file_line_and_column(folder: Path) -> None:
    (folder / "bad.csv").write_text("handle_seconds\n120\nsoon\n", encoding="utf-8")
    with pytest.raises(VeroError, match="'soon' is not a handle time") as info:
        study(folder, "{handle: {kind: empirical, file: bad.csv}}")
    assert (info.value.source, info.value.line, info.value.field) == (
        str(folder / "bad.csv"),
        3,
        "handle_seconds",
    )
