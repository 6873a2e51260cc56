"""The centre definition: one YAML file read by the live router, the IVR, the planner and the twin.

Validation happens once, here; every error names the file and the field so a supervisor can fix it.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from vero.kernel import calendar, targets
from vero.kernel import placement as placing
from vero.kernel.calendar import WEEKDAYS, EventDay, event_day
from vero.kernel.errors import VeroError
from vero.kernel.files import read_yaml
from vero.kernel.service_level import Formula

__all__ = [
    "WEEKDAYS",
    "Centre",
    "Callbacks",
    "Channel",
    "Fallback",
    "Placement",
    "Queue",
    "StaffingGroup",
    "Step",
    "ClosedDay",
    "Voicemail",
    "load_centre",
    "parse_centre",
    "reference_centre_path",
]

Selection = Literal["longest_idle", "highest_level", "least_occupied"]
Recording = Literal["on", "off", "on_demand"]  # every call, none, or when the desk starts it


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Channel(_Strict):
    """A contact channel with its answer target, how its service level is counted
    (vero.kernel.service_level) and how many of its tasks one agent may hold.

    Voice may leave `target_seconds` out: the centre derives it from its rings (Centre)."""

    target_seconds: float = Field(gt=0)
    service_level: float = Field(default=0.8, gt=0, le=1)
    service_level_formula: Formula = "offered"
    # with "offered_minus_short_abandons": an abandon within this many seconds is left out
    # (None: the answer target)
    short_abandon_seconds: float | None = Field(default=None, ge=0)
    capacity: int = Field(default=1, ge=1)
    offer_timeout: float = Field(default=30, gt=0)
    exclusive: bool = False  # an agent holding such a task gets no other task, and vice versa
    # web chat: a chat whose visitor has been silent this long ends (queued: abandoned)
    idle_timeout_seconds: float | None = Field(default=None, gt=0)
    # how long a queued contact waits before abandoning, as staffing (Erlang A) models it: an
    # exponential distribution of mean `patience_seconds` (None: the staffing default, or
    # `vero staff --patience`; .inf: nobody abandons, as a message waits to be answered)
    patience_distribution: Literal["exponential"] = "exponential"
    patience_seconds: float | None = Field(default=None, gt=0)

    @field_validator("short_abandon_seconds")
    @classmethod
    def _short_abandons(cls, value: float | None, info: ValidationInfo) -> float | None:
        formula = info.data.get("service_level_formula")
        if value is not None and formula != "offered_minus_short_abandons":
            raise ValueError("applies only with service_level_formula offered_minus_short_abandons")
        return value


class Step(_Strict):
    """One routing step. `skill`: the queue's skill when omitted, None for any agent.

    The step applies while the task's age in the queue is below `timeout` (None: for ever).
    """

    skill: str | None = "__queue__"
    min_level: int = Field(default=1, ge=1, le=5)
    language: Literal["same", "any"] = "same"
    timeout: float | None = Field(default=None, gt=0)
    priority: int | None = None


class Fallback(_Strict):
    """What happens after the last step's timeout: overflow to another queue, or an offer to the
    caller (callback or voicemail) signalled to the channel while the task keeps its place."""

    overflow: str | None = None
    offer: Literal["callback", "voicemail"] | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Fallback:
        if (self.overflow is None) == (self.offer is None):
            raise ValueError("give exactly one of 'overflow' or 'offer'")
        return self


class Queue(_Strict):
    skill: str
    # the queue's name per language (the wallboard's title of its row); none: its skill's name
    names: dict[str, str] = Field(default_factory=dict)
    channels: tuple[str, ...] | None = None  # None: every channel of the centre
    wrap_up_seconds: float = Field(default=30, ge=0)
    selection: Selection = "longest_idle"
    steps: tuple[Step, ...] = Field(min_length=1)
    fallback: Fallback | None = None
    recording: Recording = "off"

    @field_validator("recording", mode="before")
    @classmethod
    def _yaml_switch(cls, value: object) -> object:
        """YAML reads a bare `on` / `off` as true / false."""
        return {True: "on", False: "off"}.get(value, value) if isinstance(value, bool) else value


class StaffingGroup(_Strict):
    """A pool of agents planned together (e.g. voice-Indonesian). A contact series belongs to the
    first group whose channels, queues and languages all match it (None matches all)."""

    channels: tuple[str, ...]
    queues: tuple[str, ...] | None = None
    languages: tuple[str, ...] | None = None

    def covers(self, channel: str, queue: str, language: str) -> bool:
        return (
            channel in self.channels
            and (self.queues is None or queue in self.queues)
            and (self.languages is None or language in self.languages)
        )


class Placement(_Strict):
    """Which queue a contact goes to by who the customer is (the customer directory): VIP
    members to `vip`, a directory segment to its queue, everyone else where the IVR menu sent
    them, or to `default` (messages, web chats, callers the menu did not route). A queue that
    is not named here is never chosen for a customer: a centre without a VIP queue places its
    VIP members like everyone else."""

    default: str
    vip: str | None = None
    segments: dict[str, str] = Field(default_factory=dict)


class ClosedDay(_Strict):
    """A day the centre closes beyond its weekly hours and public holidays (a company day, a
    stocktake): closed for the IVR, the forecast, the roster and the twin alike."""

    name: str = Field(min_length=1)
    date: EventDay  # written YYYY-MM-DD, or MM-DD for every year

    @field_validator("date", mode="before")
    @classmethod
    def _day(cls, value: object) -> EventDay:
        if isinstance(value, dt.date):
            return value
        return event_day(str(value))


class Callbacks(_Strict):
    """How a callback's customer is dialled: each attempt rings `ring_seconds`; an unanswered,
    busy or failed one is tried again `spacing_seconds` later, `attempts` times in all, then the
    contact ends as 'callback_failed'."""

    attempts: int = Field(default=3, ge=1, le=10)
    spacing_seconds: float = Field(default=600, gt=0)
    ring_seconds: int = Field(default=25, ge=5, le=600)


class Voicemail(_Strict):
    """A voicemail message: its longest recording, and whether Twilio transcribes it (a paid
    Twilio option; the text reaches the voicemail task when Twilio posts it)."""

    max_seconds: int = Field(default=120, ge=5, le=3600)
    transcribe: bool = False


def _positive(value: object) -> bool:
    """A number above zero (YAML's true / false are not numbers here)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0


E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")


class Centre(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: str
    timezone: str = "Asia/Jakarta"
    ring_seconds: float = Field(default=5, gt=0)
    answer_rings: float = Field(default=3, gt=0)  # voice is answered within this many rings
    max_missed_offers: int = Field(default=3, ge=1)  # missed in a row, then break "missed"
    holiday_country: str | None = "ID"
    closed_on_holidays: bool = True
    opening_hours: dict[str, tuple[str, str]]
    closed_days: tuple[ClosedDay, ...] = ()
    languages: tuple[str, ...] = Field(min_length=1)
    default_language: str
    channels: dict[str, Channel] = Field(min_length=1)
    skills: dict[str, dict[str, str]] = Field(min_length=1)
    queues: dict[str, Queue] = Field(min_length=1)
    staffing_groups: dict[str, StaffingGroup] = Field(min_length=1)
    placement: Placement | None = None  # required by the live service, not by the twin
    # the number callbacks and click-to-call come from (a Twilio number of the centre), E.164;
    # a callback of a call shows the number that call reached instead
    caller_id: str | None = None
    callbacks: Callbacks = Field(default_factory=Callbacks)
    voicemail: Voicemail = Field(default_factory=Voicemail)

    @model_validator(mode="before")
    @classmethod
    def _voice_target(cls, raw: object) -> object:
        """One voice answer target: `channels.voice.target_seconds` = `ring_seconds` x
        `answer_rings`. Either side may be left out and follows from the other; stated both
        ways, they must agree."""
        channels = raw.get("channels") if isinstance(raw, dict) else None
        voice = channels.get("voice") if isinstance(channels, dict) else None
        if (
            not isinstance(raw, dict)
            or not isinstance(channels, dict)
            or not isinstance(voice, dict)
        ):
            return raw
        ring = raw.get("ring_seconds", cls.model_fields["ring_seconds"].default)
        stated, rings = voice.get("target_seconds"), raw.get("answer_rings")
        if not all(_positive(v) for v in (ring, stated, rings) if v is not None):
            return raw  # each field's own check names its bad value
        if stated is None:
            seconds = ring * (cls.model_fields["answer_rings"].default if rings is None else rings)
            return {**raw, "channels": {**channels, "voice": {**voice, "target_seconds": seconds}}}
        if rings is None:
            return {**raw, "answer_rings": stated / ring}
        if not math.isclose(stated, ring * rings):
            raise ValueError(
                f"channels.voice.target_seconds: {stated:g} s disagrees with ring_seconds x "
                f"answer_rings = {ring:g} x {rings:g} = {ring * rings:g} s; state one of them"
            )
        return raw

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {value!r}") from exc
        return value

    @field_validator("caller_id")
    @classmethod
    def _e164(cls, value: str | None) -> str | None:
        if value is not None and not E164.match(value):
            raise ValueError(f"caller_id {value!r} is not an E.164 number such as +622150001234")
        return value

    @field_validator("opening_hours")
    @classmethod
    def _hours(cls, value: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
        return calendar.check_opening_hours(value)

    @model_validator(mode="after")
    def _cross_references(self) -> Centre:
        if self.default_language not in self.languages:
            raise ValueError(f"default_language {self.default_language!r} is not in languages")
        for name, skill_labels in self.skills.items():
            missing = [lang for lang in self.languages if lang not in skill_labels]
            if missing:
                raise ValueError(f"skills.{name}: no label in {', '.join(missing)}")
        for qname, queue in self.queues.items():
            where = f"queues.{qname}"
            if queue.skill not in self.skills:
                raise ValueError(f"{where}.skill: unknown skill {queue.skill!r}")
            if queue.names and (missing := [x for x in self.languages if x not in queue.names]):
                raise ValueError(f"{where}.names: no name in {', '.join(missing)}")
            for ch in queue.channels or ():
                if ch not in self.channels:
                    raise ValueError(f"{where}.channels: unknown channel {ch!r}")
            last_timeout = 0.0
            for i, step in enumerate(queue.steps):
                if step.skill not in (None, "__queue__") and step.skill not in self.skills:
                    raise ValueError(f"{where}.steps[{i}].skill: unknown skill {step.skill!r}")
                if step.timeout is not None:
                    if step.timeout <= last_timeout:
                        raise ValueError(f"{where}.steps[{i}].timeout must grow from step to step")
                    last_timeout = step.timeout
                elif i != len(queue.steps) - 1:
                    raise ValueError(f"{where}.steps[{i}]: only the last step may have no timeout")
            if queue.fallback is not None:
                if queue.steps[-1].timeout is None:
                    raise ValueError(f"{where}.fallback: the last step needs a timeout")
                target = queue.fallback.overflow
                if target is not None and (target not in self.queues or target == qname):
                    raise ValueError(f"{where}.fallback.overflow: unknown queue {target!r}")
                if target is not None:
                    untaken = set(self.queue_channels(qname)) - set(self.queue_channels(target))
                    if untaken:  # the contact would wait where no agent may take it
                        raise ValueError(
                            f"{where}.fallback.overflow: queue {target!r} takes no "
                            f"{', '.join(sorted(untaken))} contacts"
                        )
        placing.check_placement(self)
        for gname, group in self.staffing_groups.items():
            for ch in group.channels:
                if ch not in self.channels:
                    raise ValueError(f"staffing_groups.{gname}.channels: unknown channel {ch!r}")
            for q in group.queues or ():
                if q not in self.queues:
                    raise ValueError(f"staffing_groups.{gname}.queues: unknown queue {q!r}")
            for lang in group.languages or ():
                if lang not in self.languages:
                    raise ValueError(
                        f"staffing_groups.{gname}.languages: unknown language {lang!r}"
                    )
        return self

    # --- derived facts used across Vero -------------------------------------------------

    @property
    def live_placement(self) -> Placement:
        return placing.live_placement(self)

    @property
    def default_queue(self) -> str:
        return self.live_placement.default

    def customer_queue(self, segment: str, vip: bool) -> str | None:
        return placing.customer_queue(self, segment, vip)

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def answer_target_seconds(self) -> float:
        """The voice answer target (vero.kernel.targets states it)."""
        return targets.voice_answer_target(self)

    def step_skill(self, queue: str, step: Step) -> str | None:
        return self.queues[queue].skill if step.skill == "__queue__" else step.skill

    def queue_channels(self, queue: str) -> tuple[str, ...]:
        return self.queues[queue].channels or tuple(self.channels)

    def queue_name(self, queue: str, language: str) -> str:
        """A queue's name in `language`: its own (`names`), else its skill's, with the queue's
        id when another queue of that skill has no name of its own (no two read the same)."""
        spec = self.queues[queue]
        if language in spec.names:
            return spec.names[language]
        skill = self.skills[spec.skill].get(language, queue)
        twins = [
            q for q, other in self.queues.items() if other.skill == spec.skill and not other.names
        ]
        return skill if len(twins) == 1 else f"{skill} ({queue})"

    def staffing_group(self, channel: str, queue: str, language: str) -> str | None:
        """The staffing group a contact series is planned in, or None if no group covers it."""
        for name, group in self.staffing_groups.items():
            if group.covers(channel, queue, language):
                return name
        return None

    # when the centre is open: vero.kernel.calendar states it, these ask it

    def is_holiday(self, day: dt.date) -> bool:
        return calendar.is_holiday(self, day)

    def closed_on(self, day: dt.date) -> bool:
        return calendar.closed_on(self, day)

    def hours_on(self, day: dt.date) -> tuple[str, str] | None:
        return calendar.hours_on(self, day)

    def is_open(self, moment: dt.datetime) -> bool:
        return calendar.is_open(self, moment)


def reference_centre_path() -> Path:
    return Path(str(resources.files("vero.kernel.centres").joinpath("cosmetics.yaml")))


def load_centre(path: str | Path | None = None) -> Centre:
    """Read and validate a centre definition; the reference centre when no path is given."""
    source = Path(path) if path else reference_centre_path()
    raw = read_yaml(source)
    if not isinstance(raw, dict):
        raise VeroError("the centre definition must be a mapping", source=str(source))
    return parse_centre(raw, source=str(source))


def parse_centre(raw: dict, source: str = "<centre>") -> Centre:
    try:
        return Centre.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or None
        message = first["msg"].removeprefix("Value error, ")
        raise VeroError(message, source=source, field=field) from exc
