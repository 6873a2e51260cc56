"""Who is logged in when: shifts (from a roster or a staffing table) and agent profiles."""

from __future__ import annotations

from dataclasses import dataclass

from vero.kernel.centre import Centre


@dataclass(frozen=True)
class Profile:
    """What an agent can do: skill levels, languages, tasks at once per channel."""

    skills: dict[str, int]
    languages: tuple[str, ...]
    capacity: dict[str, int]


@dataclass(frozen=True)
class Shift:
    """One agent's shift in seconds from the start of the simulation; the break may be absent."""

    agent: str
    group: str
    start: float
    end: float
    break_start: float | None = None
    break_end: float | None = None

    @property
    def work_seconds(self) -> float:
        pause = 0.0
        if self.break_start is not None and self.break_end is not None:
            pause = self.break_end - self.break_start
        return self.end - self.start - pause


def group_profile(centre: Centre, group: str, level: int = 3) -> Profile:
    """The profile of an agent planned in a staffing group: every queue skill, language and
    channel of the contact series the centre assigns to that group (first match wins)."""
    skills: dict[str, int] = {}
    languages: list[str] = []
    capacity: dict[str, int] = {}
    for qname, queue in centre.queues.items():
        for channel in centre.queue_channels(qname):
            for language in centre.languages:
                if centre.staffing_group(channel, qname, language) != group:
                    continue
                skills[queue.skill] = level
                capacity[channel] = centre.channels[channel].capacity
                if language not in languages:
                    languages.append(language)
    return Profile(skills, tuple(languages), capacity)


def shifts_from_staffing(rows: list[tuple[float, float, str, int]]) -> list[Shift]:
    """Turn "N agents of a group in an interval" rows (start, length, group, N) into shifts:
    agent k of a group works every interval with at least k agents, in contiguous runs."""
    by_group: dict[str, list[tuple[float, float, int]]] = {}
    for start, length, group, count in rows:
        by_group.setdefault(group, []).append((start, start + length, int(count)))
    shifts: list[Shift] = []
    for group, spans in by_group.items():
        spans.sort()
        for k in range(1, max(n for _, _, n in spans) + 1):
            run: tuple[float, float] | None = None
            for start, end, n in spans:
                if n >= k and run is not None and run[1] == start:
                    run = (run[0], end)
                    continue
                if run is not None:
                    shifts.append(Shift(f"{group}-{k}", group, *run))
                run = (start, end) if n >= k else None
            if run is not None:
                shifts.append(Shift(f"{group}-{k}", group, *run))
    return shifts
