"""Shift generation: every (day, start, work length) that fits the opening hours, with its break
positions. Times are slots of the requirement interval, counted from the week's local midnight."""

from __future__ import annotations

import math
from dataclasses import dataclass

from wfm.scheduler.inputs import ShiftTemplates


@dataclass(frozen=True, order=True)
class ShiftOption:
    """One possible shift. A shift belongs to the day it starts (`day`, 0 = week start)."""

    day: int
    start: int  # slot index from the week's first local midnight
    work: int  # paid work, in slots
    brk: int  # unpaid break length in slots (0: no break)
    break_offsets: tuple[int, ...]  # allowed break starts, in slots after `start`

    @property
    def end(self) -> int:
        return self.start + self.work + self.brk


def break_offsets(work: int, templates: ShiftTemplates, slot_minutes: int) -> tuple[int, ...]:
    """Break starts (slots after the shift start) that keep both work blocks within the rule."""
    longest = templates.max_work_before_break_minutes // slot_minutes
    if work <= longest:
        return ()
    shortest = math.ceil(templates.min_work_before_break_minutes / slot_minutes)
    return tuple(o for o in range(shortest, longest + 1) if work - o <= longest)


def shift_options(
    templates: ShiftTemplates, open_slots: frozenset[int], slot_minutes: int, days: int = 7
) -> tuple[ShiftOption, ...]:
    """All shifts of the week lying entirely inside opening hours (breaks included), sorted."""
    per_day = 24 * 60 // slot_minutes
    brk = templates.break_minutes // slot_minutes
    options = []
    for day in range(days):
        for minute in templates.start_minutes():
            for work_minutes in templates.work_minutes():
                work = work_minutes // slot_minutes
                offsets = break_offsets(work, templates, slot_minutes)
                option = ShiftOption(
                    day,
                    day * per_day + minute // slot_minutes,
                    work,
                    brk if offsets else 0,
                    offsets,
                )
                if all(s in open_slots for s in range(option.start, option.end)):
                    options.append(option)
    return tuple(sorted(options))
