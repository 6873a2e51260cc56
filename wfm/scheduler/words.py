"""How the roster files and the roster page name things: groups by their readable name, the
group a shift is coloured by, paid leave, times of day."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from vero.kernel.language import Language
from wfm.scheduler.model import Shift

# one fill per staffing group, in the order of the centre's groups (light, so text stays legible)
GROUP_COLOURS = ("BFDBFE", "BBF7D0", "FDE68A", "FBCFE8", "DDD6FE", "A5F3FC", "FED7AA", "E5E7EB")


def group_label(words: Language, group: str) -> str:
    """A staffing group as a person reads it (`Telepon (Bahasa Indonesia)` for `voice-id`); a
    group the catalogue does not name keeps its id."""
    key = f"files.group.{group}"
    return words.text(key) if words.knows(key) else group


def main_group(shift: Shift) -> str:
    """The group a shift works longest in: its colour in the grid and on the roster page."""
    minutes: dict[str, float] = defaultdict(float)
    for start, end, group in shift.segments:
        minutes[group] += (end - start).total_seconds()
    return max(sorted(minutes), key=lambda g: minutes[g])


def leave_text(words: Language, paid: int | None) -> str:
    """'Paid leave (8 h)', or without hours when the contract's pattern decides them."""
    if paid is None:
        return words.text("files.leave")
    return words.text("files.leave_hours", hours=hours(words, paid))


def hours(words: Language, minutes: int) -> str:
    """Work minutes as hours in local form: `8`, `7,5`."""
    return words.number(minutes / 60, 0 if minutes % 60 == 0 else 1)


def hhmm(moment: dt.datetime | None) -> str:
    return "" if moment is None else moment.strftime("%H:%M")


def group_colours(groups: tuple[str, ...]) -> dict[str, str]:
    """Each group's fill (RGB hex), by its place among the centre's groups."""
    return {g: GROUP_COLOURS[k % len(GROUP_COLOURS)] for k, g in enumerate(groups)}
