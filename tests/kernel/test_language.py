"""The two gettext catalogues: complete, consistent, and covering every text the code asks for;
and the local formats of numbers and durations."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from vero.kernel.language import LANGUAGES, LOCALES, catalogue_path, language

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("vero", "wfm", "simulations", "planning")  # telephony speaks through the IVR prompts
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2.ext:babel_extract")]


def catalogue(code: str):
    with catalogue_path(code).open("rb") as po:
        return read_po(po, locale=LOCALES[code])


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_catalogues_hold_the_same_keys_all_translated():
    id_, en = catalogue("id"), catalogue("en")
    assert {m.id for m in id_ if m.id} == {m.id for m in en if m.id}
    for message in [*id_, *en]:
        if message.id:
            assert message.string and not message.fuzzy, message.id
            assert placeholders(message.string) == placeholders(en[message.id].string), message.id


@pytest.mark.parametrize("code", LANGUAGES)
def test_no_key_is_written_twice(code):
    """The catalogues merge with git's union driver (.gitattributes): two branches adding the
    same key would leave it twice, and the reader would silently keep one."""
    ids = re.findall(r'^msgid "(.+)"$', catalogue_path(code).read_text(encoding="utf-8"), re.M)
    assert sorted(key for key in set(ids) if ids.count(key) > 1) == []


def test_every_key_the_code_asks_for_is_in_the_catalogues():
    known = {m.id for m in catalogue("id") if m.id}
    asked: set[str] = set()
    for package in SOURCES:
        for _file, _line, key, _comments, _context in extract_from_dir(
            ROOT / package, METHODS, keywords={"t": None}, comment_tags=()
        ):
            if isinstance(key, str) and re.fullmatch(r"[a-z][a-z_]*\.[a-z0-9_.-]*[a-z0-9]", key):
                asked.add(key)
    assert len(asked) > 200
    assert sorted(asked - known) == []


@pytest.mark.parametrize(
    ("code", "number", "percent", "durations"),
    [
        ("id", "2,2", "97,5%", ["45 dtk", "4 mnt 10 dtk", "6 jam 53 mnt", "2 hari 3 jam"]),
        ("en", "2.2", "97.5%", ["45 s", "4 min 10 s", "6 h 53 min", "2 d 3 h"]),
    ],
)
def test_numbers_and_durations_read_the_local_way(code, number, percent, durations):
    lang = language(code)
    assert lang.number(2.2) == number
    assert lang.percent(0.975, 1) == percent
    assert [lang.duration(s) for s in (45, 250, 24784.9, 2 * 86400 + 3 * 3600 + 59)] == durations


def test_an_unknown_key_or_language_is_an_error():
    with pytest.raises(KeyError, match="nope"):
        language("id").text("nope")
    with pytest.raises(ValueError, match="fr"):
        language("fr")
    assert set(LANGUAGES) == {"id", "en"}
