"""`vero demo` end to end in a short form, and the accounting that fails the run when a contact
goes missing."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from click.testing import CliRunner

from vero.cli import cli
from vero.cli.demo.arrivals import plan
from vero.cli.demo.span import Span, clock
from vero.cli.demo.summary import Row, account
from vero.kernel.language import language


def test_short_demo_accounts_for_every_contact():
    arrivals = plan(4, 3, seed=5)
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            "from vero.cli import main; main()",
            "demo",
            "--minutes",
            "4",
            "--rate",
            "3",
            "--speed",
            "60",
            "--seed",
            "5",
            "--port",
            "0",
            "--lang",
            "en",
            "--exit",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "120"},
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    lines = [" ".join(line.split()) for line in run.stdout.splitlines()]
    # the address and token come first, before the traffic and its status lines
    banner = next(i for i, line in enumerate(lines) if line.startswith("Console (live"))
    assert re.search(
        r"wallboard\): http://127.0.0.1:\d+/console/ supervisor token: \S{16,}", lines[banner]
    )
    assert lines[banner + 1].startswith(
        f"Vero demo: {len(arrivals)} contacts over 4 simulated minutes"
    )
    status = [line for line in lines[banner + 2 :] if line.startswith("simulated ")]
    clocks = [re.match(r"simulated (\d+:\d\d) of 4:00 · ", s) for s in status]
    assert [c and c.group(1) for c in clocks] == ["1:00", "2:00", "3:00", "4:00"], status
    contacts = [int(re.search(r"contacts so far: (\d+)", s).group(1)) for s in status]
    assert contacts[-1] > 0 and contacts == sorted(contacts)
    out = " ".join(run.stdout.split())
    assert "Service level of 4 simulated minutes at 60× = 4 s of real time" in out
    assert "Every contact accounted for." in out
    counts = re.search(
        r"Accounted: (\d+) contacts = (\d+) answered \+ (\d+) abandoned \+ (\d+) "
        r"callback/voicemail \+ (\d+) canceled \+ (\d+) open",
        out,
    )
    assert counts, out
    offered, *parts = map(int, counts.groups())
    callbacks = sum(1 for a in arrivals if a.channel == "voice" and a.leaving == "callback")
    assert len(arrivals) <= offered <= len(arrivals) + callbacks  # callbacks are contacts too
    assert contacts[-1] <= offered
    assert offered == sum(parts) and parts[0] > 0
    assert re.search(r"Twilio REST: [1-9]\d* calls dialled", out)  # agent legs really rang


def test_traffic_is_the_same_for_a_seed_and_mixes_channels_languages_and_inputs():
    traffic = plan(60, 2, seed=7)
    assert traffic == plan(60, 2, seed=7) and traffic != plan(60, 2, seed=8)
    assert {a.channel for a in traffic} == {"voice", "whatsapp", "chat"}
    assert {a.language for a in traffic} == {"id", "en"}
    assert {a.speech for a in traffic} == {True, False}
    assert {a.known for a in traffic} == {True, False}
    assert len({a.topic for a in traffic}) >= 5
    assert 90 <= len(traffic) <= 150  # about 2 a minute


def test_a_missing_or_unrecorded_contact_is_reported(centre):
    done = {
        "id": "call-1",
        "state": "completed",
        "channel": "voice",
        "origin_queue": "product",
        "created": 100.0,
        "answered_at": 104.0,
    }
    record = {"task_id": "call-1", "outcome": "completed"}
    ok = account(centre, {"call-1": "voice"}, {"call-1": done}, ["call-1"], [record], None)
    assert ok.problems == [] and ok.rows[("product", "voice")] == Row(
        offered=1, answered=1, in_target=1, wait_sum=4.0, accepted=1
    )

    missing = account(
        centre,
        {"call-1": "voice", "chat-2": "chat"},
        {"call-1": done, "chat-2": None},
        ["call-1", "x"],
        [],
        None,
    )
    assert missing.problems == [
        "chat contact chat-2 is unknown to the router",
        "router task x was not started by the demo",
        "closed task call-1 has 0 contact records, not 1",
    ]


def test_help_documents_the_knobs():
    text = CliRunner().invoke(cli, ["demo", "--help"]).output
    for option in (
        "--minutes",
        "--rate",
        "--speed",
        "--seed",
        "--port",
        "--lang",
        "--exit",
        "--no-wait",
    ):
        assert option in text


def test_the_span_is_told_in_either_language():
    assert Span(3, 60, language("en")).text() == ("3 simulated minutes at 60× = 3 s of real time")
    assert Span(60, 20, language("id")).text() == (
        "60 menit simulasi dengan kecepatan 20× = 3 mnt waktu nyata"
    )
    assert list(Span(3, 60, language("en")).ticks()) == [1, 2, 3]
    assert list(Span(60, 20, language("en")).ticks()) == [6 * k for k in range(1, 11)]
    assert clock(1.5) == "1:30" and clock(75) == "1:15:00"
