"""Vero's two languages: gettext catalogues and the local formats of numbers, dates and durations.

Every text a person reads — console pages, charts, the HTML reports, the XLSX and ICS files —
comes from the gettext catalogues under `vero/kernel/locales/<lang>/LC_MESSAGES/messages.po`
(edited with any PO editor or `pybabel`), and every number, date and duration is formatted by
Babel in the language's locale (`id_ID` writes 2,2 where `en` writes 2.2). Messages are
symbolic ids (`wall.queue`) translated in both catalogues, so English is a translation like
Indonesian and a missing entry is a bug: `text` raises instead of showing the id.

The catalogues are read and compiled in memory once per process; no compiled `.mo` file is
kept in the repository or built at install time.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TypeVar

import click
from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import Translations

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"
LOCALES = {"id": "id_ID", "en": "en"}
CATALOGUE_DIR = Path(__file__).with_name("locales")
DOMAIN = "messages"
Command = TypeVar("Command", bound=Callable[..., object])


def catalogue_path(code: str) -> Path:
    """The `.po` file of one language."""
    return CATALOGUE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def _translations(code: str) -> tuple[Translations, frozenset[str]]:
    with catalogue_path(code).open("rb") as po:
        catalog = read_po(po, locale=LOCALES[code], domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    ids = frozenset(str(message.id) for message in catalog if message.id and message.string)
    return Translations(compiled, domain=DOMAIN), ids


@dataclass(frozen=True)
class Language:
    """One language's texts and formats; `language(code)` gives the shared instance."""

    code: str

    @property
    def locale(self) -> Locale:
        return Locale.parse(LOCALES[self.code])

    def knows(self, key: str) -> bool:
        """Whether the catalogue translates `key` (for texts chosen from data, e.g. outcomes)."""
        return key in _translations(self.code)[1]

    def keys(self, prefix: str) -> list[str]:
        """Every catalogue key starting with `prefix` (the texts a script on a page needs)."""
        return sorted(key for key in _translations(self.code)[1] if key.startswith(prefix))

    def text(self, key: str, **values: object) -> str:
        """The text of `key`, with `{name}` placeholders filled from `values`; an unknown key
        raises KeyError, as a page half in one language is a bug."""
        translations, ids = _translations(self.code)
        if key not in ids:
            raise KeyError(
                f"{key!r} is not in the {self.code} catalogue ({catalogue_path(self.code)})"
            )
        message = translations.gettext(key)
        return message.format(**values) if values else message

    def number(self, value: float, digits: int = 1) -> str:
        """A decimal in local form with exactly `digits` decimals (`2,2` / `2.2`)."""
        if not math.isfinite(value):
            return "∞" if value > 0 else "–"
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(value, format=pattern, locale=self.locale)

    def percent(self, share: float, digits: int = 0) -> str:
        """A share in [0, 1] as a local percentage (`97,5%`)."""
        pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
        return format_percent(share, format=pattern, locale=self.locale)

    def duration(self, seconds: float) -> str:
        """A duration in the largest fitting units: `45 dtk`, `4 mnt 10 dtk`, `6 jam 53 mnt`,
        `2 hari 3 jam` — never thousands of seconds."""
        if not math.isfinite(seconds):
            return "–"
        units = [self.text(f"unit.{u}") for u in ("d", "h", "min", "s")]
        whole = round(seconds)
        if whole < 60:
            return f"{self.number(seconds, 1 if seconds < 10 and seconds % 1 else 0)} {units[3]}"
        days, rest = divmod(whole, 86400)
        hours, rest = divmod(rest, 3600)
        minutes, secs = divmod(rest, 60)
        parts = [(days, units[0]), (hours, units[1]), (minutes, units[2]), (secs, units[3])]
        first = next(i for i, (amount, _) in enumerate(parts) if amount)
        shown = [f"{amount} {unit}" for amount, unit in parts[first : first + 2] if amount]
        return " ".join(shown)

    def date(self, day: dt.date, form: str = "medium") -> str:
        return format_date(day, format=form, locale=self.locale)

    def time(self, moment: dt.time | dt.datetime, form: str = "short") -> str:
        return format_time(moment, format=form, locale=self.locale)

    def datetime(self, moment: dt.datetime, form: str = "medium") -> str:
        return format_datetime(moment, format=form, locale=self.locale)


@cache
def language(code: str) -> Language:
    """The language `code` (one of LANGUAGES); anything else is a ValueError naming it."""
    if code not in LANGUAGES:
        raise ValueError(f"language {code!r} is not one of {', '.join(LANGUAGES)}")
    return Language(code)


def language_option(what: str) -> Callable[[Command], Command]:
    """The `--lang id|en` option of a command that writes `what` for people (Indonesian by
    default, as most of the centre reads it)."""
    return click.option(
        "--lang",
        type=click.Choice(LANGUAGES),
        default=DEFAULT_LANGUAGE,
        show_default=True,
        help=f"Language of {what} (id: Bahasa Indonesia, en: English).",
    )
