"""Every `vero` command fed a corpus of broken files (other encodings, binary, deep YAML, an
oversized CSV field, empty and header-only files, wrong columns) and an unreachable Redis: no
traceback, a non-zero exit, and one line on stderr that names the file."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from vero.cli import cli

CSV_HEADERS = {
    "history": "start,calls",
    "events": "name,date,factor",
    "forecast": "interval_start,interval_minutes,channel,queue,language,contacts,aht_seconds",
    "agents": "id,name,groups,contract",
    "requirements": "interval_start,interval_minutes,group,required_agents",
    "contacts": "contact_id,created_at,channel,queue",
    "customers": "phone,name,segment,vip,language",
}
VALID_HISTORY = "start,calls\n" + "".join(
    f"2026-11-02T{h:02d}:00:00+07:00,5\n" for h in range(8, 12)
)
VALID_AGENTS = "id,name,groups,contract\na1,Ani,voice-id,5x8\n"
VALID_CUSTOMERS = "phone,name,segment,vip,language\n+6281234567890,Ani,B2C,no,id\n"


def csv_corpus(header: str) -> dict[str, bytes]:
    """Broken variants of a CSV whose good header is `header`."""
    good = f"{header}\n" + ",".join("1" for _ in header.split(",")) + "\n"
    return {
        "latin-1": (good + "Café," * header.count(",") + "Café\n").encode("latin-1"),
        "utf-16": good.encode("utf-16"),
        "binary": bytes(range(256)) * 8,
        "huge-field": f"{header}\n{'x' * 200_000}\n".encode(),
        "empty": b"",
        "header-only": f"{header}\n".encode(),
        "wrong-columns": b"foo,bar\n1,2\n",
    }


# History files that read but cannot be used: dates that could be read either way, dates in
# both orders, a `;` file whose header fits no format, dates that exist in neither order.
HISTORY_DATES = {
    "ambiguous dates": b"start;calls\n02/11/2026 08:00;5\n02/11/2026 08:30;7\n",
    "mixed date orders": b"start,calls\n13/11/2026 08:00,5\n11/14/2026 08:30,7\n",
    "semicolons, unknown header": b"waktu;jumlah\n02/11/2026 08:00;5\n",
    "impossible dates": b"start,calls\n31/02/2026 08:00,1\n30/02/2026 08:30,2\n",
}


def yaml_corpus() -> dict[str, bytes]:
    return {
        "latin-1": "id: café\n".encode("latin-1"),
        "utf-16": "id: cosmetics\n".encode("utf-16"),
        "binary": bytes(range(256)) * 8,
        "nested": ("[" * 5_000 + "]" * 5_000).encode(),
        "empty": b"",
        "comment-only": b"# nothing here\n",
        "broken": b"id: [unclosed\n",
        "wrong-shape": b"- a\n- list\n",
        "wrong-fields": b"unknown: 1\n",
    }


def _unreachable_redis() -> str:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        return f"redis://127.0.0.1:{probe.getsockname()[1]}/0"


# (command, suffix, corpus, argv(broken file, folder), env(broken file, folder))
Case = tuple[
    str,
    str,
    dict[str, bytes],
    Callable[[Path, Path], list[str]],
    Callable[[Path, Path], dict[str, str]],
]


def _write(folder: Path, name: str, text: str) -> str:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _no_env(path: Path, folder: Path) -> dict[str, str]:
    return {}


def _service_env(broken_centre: bool) -> Callable[[Path, Path], dict[str, str]]:
    """The service's settings, Redis unreachable (nothing broken may get as far as Redis), and
    the broken file as VERO_CENTRE when that is what is tried."""

    def env(path: Path, folder: Path) -> dict[str, str]:
        values = {
            "TWILIO_AUTH_TOKEN": "test-token",
            "VERO_SUPERVISOR_TOKEN": "s" * 20,
            "VERO_DATA_DIR": str(folder / "var"),
            "REDIS_URL": _unreachable_redis(),
        }
        return values | ({"VERO_CENTRE": str(path)} if broken_centre else {})

    return env


def _forecast(*extra: str) -> Callable[[Path, Path], list[str]]:
    def argv(path: Path, folder: Path) -> list[str]:
        args = [a.replace("{file}", str(path)) for a in extra]
        if "--history" not in args:
            args += ["--history", _write(folder, "history.csv", VALID_HISTORY)]
        return ["forecast", *args, "--out", str(folder / "f.csv"), "--chart", str(folder / "f.png")]

    return argv


CASES: list[Case] = [
    (
        "forecast --history",
        ".csv",
        csv_corpus(CSV_HEADERS["history"]) | HISTORY_DATES,
        _forecast("--history", "{file}"),
        _no_env,
    ),
    ("forecast --centre", ".yaml", yaml_corpus(), _forecast("--centre", "{file}"), _no_env),
    (
        "forecast --events (CSV)",
        ".csv",
        csv_corpus(CSV_HEADERS["events"]),
        _forecast("--events", "{file}"),
        _no_env,
    ),
    ("forecast --events (YAML)", ".yaml", yaml_corpus(), _forecast("--events", "{file}"), _no_env),
    (
        "staff --forecast",
        ".csv",
        csv_corpus(CSV_HEADERS["forecast"]),
        lambda p, d: ["staff", "--forecast", str(p)],
        _no_env,
    ),
    (
        "staff --centre",
        ".yaml",
        yaml_corpus(),
        lambda p, d: ["staff", "--forecast", _write(d, "f.csv", "x\n"), "--centre", str(p)],
        _no_env,
    ),
    (
        "roster --agents",
        ".csv",
        csv_corpus(CSV_HEADERS["agents"]),
        lambda p, d: [
            "roster",
            "--requirements",
            _write(d, "r.csv", "x\n"),
            "--agents",
            str(p),
            "--out-dir",
            str(d / "out"),
        ],
        _no_env,
    ),
    (
        "roster --requirements",
        ".csv",
        csv_corpus(CSV_HEADERS["requirements"]),
        lambda p, d: [
            "roster",
            "--requirements",
            str(p),
            "--agents",
            _write(d, "agents.csv", VALID_AGENTS),
            "--out-dir",
            str(d / "out"),
        ],
        _no_env,
    ),
    (
        "simulate",
        ".yaml",
        yaml_corpus(),
        lambda p, d: ["simulate", str(p), "--out-dir", str(d / "out")],
        _no_env,
    ),
    (
        "plan --history",
        ".csv",
        csv_corpus(CSV_HEADERS["history"]) | HISTORY_DATES,
        lambda p, d: [
            "plan",
            "--history",
            str(p),
            "--agents",
            _write(d, "agents.csv", VALID_AGENTS),
            "--out-dir",
            str(d / "out"),
        ],
        _no_env,
    ),
    (
        "plan --centre",
        ".yaml",
        yaml_corpus(),
        lambda p, d: [
            "plan",
            "--history",
            _write(d, "h.csv", VALID_HISTORY),
            "--agents",
            _write(d, "agents.csv", VALID_AGENTS),
            "--centre",
            str(p),
            "--out-dir",
            str(d / "out"),
        ],
        _no_env,
    ),
    (
        "report --contacts",
        ".csv",
        csv_corpus(CSV_HEADERS["contacts"]),
        lambda p, d: [
            "report",
            "--contacts",
            str(p),
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-07",
            "--out",
            str(d / "k.csv"),
        ],
        _no_env,
    ),
    (
        "customers import",
        ".csv",
        csv_corpus(CSV_HEADERS["customers"]),
        lambda p, d: ["customers", "import", str(p)],
        _service_env(broken_centre=False),
    ),
    (
        "customers import, VERO_CENTRE",
        ".yaml",
        yaml_corpus(),
        lambda p, d: ["customers", "import", _write(d, "c.csv", VALID_CUSTOMERS)],
        _service_env(broken_centre=True),
    ),
    (
        "serve, VERO_CENTRE",
        ".yaml",
        yaml_corpus(),
        lambda p, d: ["serve", "--port", "0"],
        _service_env(broken_centre=True),
    ),
]


def _params():
    for command, suffix, corpus, argv, env in CASES:
        for variant, content in corpus.items():
            yield pytest.param(suffix, content, argv, env, id=f"{command}: {variant}")


def _run(args: list[str], env: dict[str, str]):
    return CliRunner().invoke(cli, args, env=env, prog_name="vero")


@pytest.mark.parametrize(("suffix", "content", "argv", "env"), list(_params()))
def test_a_broken_file_is_one_line_naming_it(tmp_path, suffix, content, argv, env) -> None:
    broken = tmp_path / f"broken{suffix}"
    broken.write_bytes(content)
    result = _run(argv(broken, tmp_path), env(broken, tmp_path))

    assert isinstance(result.exception, SystemExit), result.exception  # no traceback
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    [line] = [x for x in result.stderr.splitlines() if x.startswith("vero: error:")]
    assert broken.name in line, line


def test_customers_import_with_redis_down_is_one_line(tmp_path) -> None:
    good = _write(tmp_path, "customers.csv", VALID_CUSTOMERS)
    result = _run(
        ["customers", "import", good],
        _service_env(broken_centre=False)(tmp_path / "unused", tmp_path),
    )
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code != 0
    [line] = result.stderr.splitlines()
    assert line.startswith("vero: error: REDIS_URL: Redis unreachable"), line
