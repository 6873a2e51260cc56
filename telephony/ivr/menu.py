"""The IVR menu as data (`menu.yaml`): prompts in every centre language, options by keypad digit
or spoken keyword. Validated once at load so a missing translation fails at start, not on a call.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from vero.kernel import priorities
from vero.kernel.centre import Centre
from vero.kernel.errors import VeroError
from vero.kernel.files import read_yaml


@dataclass(frozen=True)
class Option:
    digit: str
    speech: dict[str, tuple[str, ...]]  # language → keywords (also the <Gather> hints)
    topic: str = ""
    queue: str = ""
    menu: str = ""  # a sub-menu instead of a queue
    priority: int = priorities.NORMAL
    complaint: bool = False


@dataclass(frozen=True)
class Menu:
    voices: dict[str, dict[str, str]]
    prompts: dict[str, dict[str, str]]
    menus: dict[str, tuple[str, dict[str, Option]]]  # name → (prompt key, digit → option)
    language_options: dict[str, tuple[str, tuple[str, ...]]]  # digit → (language, keywords)
    hold_music: str | None
    announce_every: int
    max_failures: int

    def text(self, key: str, language: str, **fields: object) -> str:
        return self.prompts[key][language].format(**fields)

    def match(self, menu: str, language: str, digits: str, speech: str) -> Option | None:
        """The option chosen by a digit or by a spoken keyword (first keyword found wins)."""
        options = self.menus[menu][1]
        if digits:
            return options.get(digits.strip()[:1])
        said = speech.lower()
        for option in options.values():
            if any(word in said for word in option.speech.get(language, ())):
                return option
        return None

    def match_language(self, digits: str, speech: str) -> str | None:
        if digits:
            choice = self.language_options.get(digits.strip()[:1])
            return choice[0] if choice else None
        said = speech.lower()
        for language, words in self.language_options.values():
            if any(word in said for word in words):
                return language
        return None


def default_menu_path() -> Path:
    return Path(str(resources.files("telephony.ivr").joinpath("menu.yaml")))


def load_menu(centre: Centre, path: Path | None = None) -> Menu:
    source = path or default_menu_path()
    raw = read_yaml(source)
    if not isinstance(raw, dict):
        raise VeroError("the IVR menu must be a mapping", source=str(source))

    def fail(field: str, why: str) -> VeroError:
        return VeroError(why, source=str(source), field=field)

    languages = centre.languages
    prompts = raw.get("prompts") or {}
    for key, texts in prompts.items():
        missing = [lang for lang in languages if not (texts or {}).get(lang)]
        if missing:
            raise fail(f"prompts.{key}", f"no text in {', '.join(missing)}")
    voices = raw.get("voices") or {}
    for lang in languages:
        if not {"voice", "language"} <= set(voices.get(lang) or {}):
            raise fail(f"voices.{lang}", "give a voice and a speech language")
    menus: dict[str, tuple[str, dict[str, Option]]] = {}
    for name, spec in (raw.get("menus") or {}).items():
        if spec.get("prompt") not in prompts:
            raise fail(f"menus.{name}.prompt", f"unknown prompt {spec.get('prompt')!r}")
        options = {}
        for digit, opt in (spec.get("options") or {}).items():
            where = f"menus.{name}.options.{digit}"
            speech = {lang: tuple(words) for lang, words in (opt.get("speech") or {}).items()}
            if set(speech) != set(languages):
                raise fail(f"{where}.speech", f"give keywords in {', '.join(languages)}")
            level = opt.get("priority", "normal")
            if not isinstance(level, str) or level not in priorities.NAMED:
                # by name only: a number would restate the scale, and an old 50 would silently
                # stop being urgent
                raise fail(
                    f"{where}.priority",
                    f"give a level of vero/kernel/priorities.py, one "
                    f"of {', '.join(priorities.NAMED)}, not {level!r}",
                )
            option = Option(
                digit=str(digit),
                speech=speech,
                topic=opt.get("topic", ""),
                queue=opt.get("queue", ""),
                menu=opt.get("menu", ""),
                priority=priorities.NAMED[level],
                complaint=bool(opt.get("complaint", False)),
            )
            if bool(option.queue) == bool(option.menu):
                raise fail(where, "give exactly one of 'queue' or 'menu'")
            if option.queue and option.queue not in centre.queues:
                raise fail(f"{where}.queue", f"unknown queue {option.queue!r}")
            if option.topic and f"topic_{option.topic}" not in prompts:
                raise fail(f"{where}.topic", f"no prompt topic_{option.topic}")
            options[str(digit)] = option
        menus[name] = (spec["prompt"], options)
    for name, (_, options) in menus.items():
        for option in options.values():
            if option.menu and option.menu not in menus:
                raise fail(f"menus.{name}", f"unknown sub-menu {option.menu!r}")
    if "main" not in menus:
        raise fail("menus.main", "the main menu is missing")
    language_options = {
        str(digit): (opt["language"], tuple(opt.get("speech") or ()))
        for digit, opt in ((raw.get("language_choice") or {}).get("options") or {}).items()
    }
    if {lang for lang, _ in language_options.values()} != set(languages):
        raise fail("language_choice", f"offer every language: {', '.join(languages)}")
    return Menu(
        voices=voices,
        prompts=prompts,
        menus=menus,
        language_options=language_options,
        hold_music=raw.get("hold_music") or None,
        announce_every=int(raw.get("announce_every", 30)),
        max_failures=int(raw.get("max_failures", 3)),
    )
