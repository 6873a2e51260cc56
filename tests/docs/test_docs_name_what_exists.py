"""Docs name only what exists: every file or folder a README.md or docs/*.md cites is in the
repository, so a doc cannot go on pointing at a module that was moved or split.

A cited name is a word that ends in a file suffix (`keys.py`, `lib.lua`, `compose.yaml`) or a path
whose first part is a top-level folder of the repository (`tests/cluster/`, `deploy/`). It exists
when it resolves from the repository root or from the doc's own folder. URLs and routes
(`/twilio/voice`) are not files and are not checked; `NOT_FILES` lists the few cited names that
are patterns of files Vero writes, not files of the repository.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.docs.test_walkthrough import written_names

ROOT = Path(__file__).resolve().parents[2]
SUFFIXES = (
    "py",
    "lua",
    "yaml",
    "yml",
    "md",
    "toml",
    "html",
    "js",
    "css",
    "cfg",
    "ini",
    "txt",
    "json",
    "csv",
    "sh",
    "service",
    "example",
)
SKIPPED = {"var", "build", "dist", "node_modules", "__pycache__"}  # data and build output
# Top-level folders of the repository (`.ci` is one); tools' caches and the venv are not.
TOP_FOLDERS = frozenset(
    p.name
    for p in ROOT.iterdir()
    if p.is_dir() and p.name not in SKIPPED and (p.name == ".ci" or not p.name.startswith("."))
)
# A run of path characters; what precedes it must not make it part of a URL, a route or a
# pattern (`lua/<name>.lua`, `*.csv`).
WORD = re.compile(r"(?<![\w/.:~$*<>-])[\w.][\w./-]*")
URL = re.compile(r"\w+://\S+")
FILE_NAME = re.compile(r"\.(" + "|".join(SUFFIXES) + r")$")

NOT_FILES = {  # name → why it is no file of the repository
    "contacts/YYYY-MM-DD.csv": "README's settings table: the daily contact records Vero writes "
    "under VERO_DATA_DIR",
}
NOT_FILES.update(
    dict.fromkeys(written_names(), "README's walkthrough: written by Vero in its folder")
)


def _docs() -> list[Path]:
    """Every README.md of the repository and every docs/*.md, not walking the tools' folders
    (a .venv holds thousands of files, none of them ours)."""
    found = set((ROOT / "docs").glob("*.md"))
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = [
            d
            for d in subfolders
            if not d.startswith(".") and d not in SKIPPED and not d.endswith(".egg-info")
        ]
        if "README.md" in files:
            found.add(Path(folder) / "README.md")
    return sorted(found)


def cited(text: str) -> set[str]:
    """The file and folder names a Markdown text cites (see the module docstring)."""
    names = set()
    for word in WORD.findall(URL.sub(" ", text)):
        word = word.rstrip(".")
        has_suffix = FILE_NAME.search(word) is not None
        in_tree = "/" in word and word.split("/", 1)[0] in TOP_FOLDERS
        if has_suffix or in_tree:
            names.add(word)
    return names


def test_cited_finds_files_and_folders_not_routes() -> None:
    text = (
        "See `telephony/keys.py`, lib.lua and tests/cluster/; POST "
        "/twilio/voice, http://127.0.0.1:8000/x.py, `/api/chat/<id>/end`, `lua/<name>.lua`"
        " and *.csv."
    )
    assert cited(text) == {"telephony/keys.py", "lib.lua", "tests/cluster/"}


@pytest.mark.parametrize("doc", _docs(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_cited_name_exists(doc: Path) -> None:
    missing = sorted(
        name
        for name in cited(doc.read_text(encoding="utf-8"))
        if name not in NOT_FILES and not (ROOT / name).exists() and not (doc.parent / name).exists()
    )
    assert not missing, f"{doc.relative_to(ROOT)} cites what does not exist: {missing}"
