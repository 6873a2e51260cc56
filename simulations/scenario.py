"""What-if scenario files: a base (forecast, roster or staffing table, centre, run settings)
and scenarios that change it. Resolving a file gives one `ScenarioCase` per scenario, base first:
the plain, picklable inputs of a replication.

```yaml
base:
  forecast: forecast.csv          # paths are relative to this file
  roster: roster.csv              # or  staffing: staffing.csv  (a `vero staff` table)
  agents: agents.csv              # optional, with a roster: skills and languages per agent
  centre: centre.yaml             # optional: the reference centre
  replications: 10
  seed: 1
  warmup_minutes: 0
  behaviour:
    patience_seconds: {chat: 600}   # overrides the centre's channels.<ch>.patience_seconds
    accept_delay_seconds: {voice: 2}
    handle: {kind: lognormal, cv: 1.0}
    callbacks: false
    redial_probability: 0.3         # of abandoners, after an exponential delay of mean
    redial_seconds: 300
    classes:                        # optional; shares add up to 1
      retail:  {share: 0.6, patience_seconds: 215}
      premier: {share: 0.3, patience_seconds: 357, priority: 5}
      private: {share: 0.1, patience_seconds: {voice: 649}, priority: vip}
    closing: {policy: serve}        # or abandon
scenarios:
  - name: Ramadan peak
    changes:
      - {volume: 1.2, days: [fri, 2026-12-02], intervals: ["10:00-14:00"], channels: [voice]}
      - {aht: 1.1, queues: [complaints]}
      - {remove_agents: {ids: [a01, a02]}}
      - {remove_agents: {group: voice-id, count: 3}}
      - {add_agents: {group: digital, count: 2, from: "09:00", to: "17:00", days: [sat]}}
      - {routing: {queue: complaints, steps: [{min_level: 1}]}}
      - {callbacks: true}
```

Behaviour, field by field:
- `patience_seconds`: mean patience (exponential) per channel. A channel not named takes what
  staffing assumes (`wfm.staffing_plan.PlanOptions.patience_for`: the centre's
  `channels.<ch>.patience_seconds`, else the staffing default), so `vero staff` and the twin
  model the same abandonment on every channel, chat and WhatsApp included; `.inf` never
  abandons.
- `handle`: the shape of handle times around each interval's forecast AHT: `lognormal` (with
  `cv`), `exponential`, or `empirical`: observed seconds, `seconds: [95, 140, ...]` or a CSV
  column (`file: calls.csv`, `column: handle_seconds`, blank cells skipped), resampled and
  rescaled so that each interval keeps its AHT. The handle time includes the queue's wrap-up,
  as in Vero's contact records and in staffing.
- `classes`: customer classes, each with its `share` of every series' contacts, a `priority`
  (a number or a name of `vero.kernel.priorities`: normal, vip, urgent; a queue step that sets
  a priority still overrides it) and its own `patience_seconds` (one value, per channel, or
  left out: the channel's).
- re-dials: an abandoner calls again with `redial_probability` after `redial_seconds` on
  average, as the same class with a fresh patience; not while the centre is closed.
- `closing.policy`: what happens to contacts still queued when the centre closes (its opening
  hours and closed days): `serve` (the default, what most centres do: the agents on shift
  answer them before logging off) or `abandon` (the centre ends them; counted abandoned). An
  agent whose shift ends at any other time finishes the contacts in hand, then logs off.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from simulations.arrivals import CustomerClass, HandleTimes, Series
from simulations.loading import Forecast, Staff, demand, load_forecast, load_roster, load_staffing
from simulations.model import Behaviour, Closing, ClosingPolicy
from simulations.staff import Profile, Shift, group_profile
from vero.kernel.calendar import WEEKDAYS
from vero.kernel.centre import Centre, load_centre, parse_centre
from vero.kernel.errors import VeroError
from vero.kernel.files import csv_rows, read_yaml
from vero.kernel.priorities import NAMED
from wfm.staffing_plan import PlanOptions

Seconds = Annotated[float, Field(gt=0, allow_inf_nan=False)]
Patience = Annotated[float, Field(gt=0)]  # .inf: never abandons


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HandleSpec(_Strict):
    """Handle-time shape; `empirical` takes its sample from `seconds` or a `file`'s `column`."""

    kind: Literal["lognormal", "exponential", "empirical"] = "lognormal"
    cv: float = Field(default=1.0, gt=0)
    seconds: tuple[Seconds, ...] | None = Field(default=None, min_length=1)
    file: Path | None = None
    column: str = "handle_seconds"

    @model_validator(mode="after")
    def _one_sample(self) -> HandleSpec:
        given = (self.seconds is not None) + (self.file is not None)
        if self.kind == "empirical" and given != 1:
            raise ValueError("kind: empirical needs exactly one of 'seconds' or 'file'")
        if self.kind != "empirical" and given:
            raise ValueError("'seconds' and 'file' go with kind: empirical")
        return self


class ClassSpec(_Strict):
    """A customer class: share of the contacts, priority (number or name), mean patience."""

    share: float = Field(gt=0, le=1)
    priority: int | str = 0
    patience_seconds: Patience | dict[str, Patience] | None = None

    @field_validator("priority")
    @classmethod
    def _named(cls, value: int | str) -> int:
        if isinstance(value, str):
            if value not in NAMED:
                raise ValueError(
                    f"unknown priority {value!r}; give a number or one of {', '.join(NAMED)}"
                )
            return NAMED[value]
        return value


class ClosingSpec(_Strict):
    policy: ClosingPolicy = "serve"


class BehaviourSpec(_Strict):
    """Callers and agents (see the module docstring)."""

    patience_seconds: dict[str, Patience] = {}
    accept_delay_seconds: dict[str, float] = {"voice": 2.0}
    handle: HandleSpec = HandleSpec()
    callbacks: bool = False
    redial_probability: float = Field(default=0.0, ge=0, le=1)
    redial_seconds: float = Field(default=300.0, gt=0)
    classes: dict[str, ClassSpec] = {}
    closing: ClosingSpec = ClosingSpec()

    @field_validator("classes")
    @classmethod
    def _shares(cls, value: dict[str, ClassSpec]) -> dict[str, ClassSpec]:
        total = sum(c.share for c in value.values())
        if value and abs(total - 1.0) > 1e-6:
            raise ValueError(f"the classes' shares add up to {total:g}, not 1")
        return value


class Base(_Strict):
    forecast: Path
    roster: Path | None = None
    agents: Path | None = None
    staffing: Path | None = None
    centre: Path | None = None
    replications: int = Field(default=10, ge=2)
    seed: int = Field(default=1, ge=0)
    warmup_minutes: float = Field(default=0.0, ge=0)
    behaviour: BehaviourSpec = BehaviourSpec()

    @model_validator(mode="after")
    def _one_staffing(self) -> Base:
        if (self.roster is None) == (self.staffing is None):
            raise ValueError("give exactly one of 'roster' or 'staffing'")
        if self.agents is not None and self.roster is None:
            raise ValueError("'agents' goes with a 'roster'")
        return self


class RemoveAgents(_Strict):
    """By id, or `count` agents of a group: those working the most hours (ties: by id), so that
    with a staffing table it means `count` fewer agents in every interval."""

    ids: tuple[str, ...] = ()
    group: str | None = None
    count: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _one_way(self) -> RemoveAgents:
        if bool(self.ids) == (self.group is not None or self.count is not None):
            raise ValueError("give either 'ids' or 'group' and 'count'")
        if (self.group is None) != (self.count is None):
            raise ValueError("'group' and 'count' go together")
        return self


class AddAgents(_Strict):
    """`count` extra agents of a group working `from`-`to` (default: opening hours) on `days`
    (default: every forecast day)."""

    group: str
    count: int = Field(ge=1)
    start: str | None = Field(default=None, alias="from")
    end: str | None = Field(default=None, alias="to")
    days: tuple[dt.date | str, ...] | None = None


class Routing(_Strict):
    """New routing steps for a queue (the centre's step fields); `fallback` replaced when given,
    removed when null."""

    queue: str
    steps: tuple[dict[str, Any], ...] = Field(min_length=1)
    fallback: dict[str, Any] | None = None


ACTIONS = ("volume", "aht", "remove_agents", "add_agents", "routing", "callbacks")


class Change(_Strict):
    """One action; `volume` and `aht` factors apply to the forecast rows the filters select
    (days: ISO dates or weekday names; intervals: local 'HH:MM-HH:MM' ranges of start times)."""

    volume: float | None = Field(default=None, gt=0)
    aht: float | None = Field(default=None, gt=0)
    days: tuple[dt.date | str, ...] | None = None
    intervals: tuple[str, ...] | None = None
    channels: tuple[str, ...] | None = None
    queues: tuple[str, ...] | None = None
    languages: tuple[str, ...] | None = None
    remove_agents: RemoveAgents | None = None
    add_agents: AddAgents | None = None
    routing: Routing | None = None
    callbacks: bool | None = None

    @model_validator(mode="after")
    def _one_action(self) -> Change:
        given = [a for a in ACTIONS if getattr(self, a) is not None]
        if len(given) != 1:
            raise ValueError(
                f"give exactly one of {', '.join(ACTIONS)} per change"
                + (f" (got {', '.join(given)})" if given else "")
            )
        filters = [
            f
            for f in ("days", "intervals", "channels", "queues", "languages")
            if getattr(self, f) is not None
        ]
        if filters and given[0] not in ("volume", "aht"):
            raise ValueError(f"{', '.join(filters)} only filter a volume or aht change")
        return self


class ScenarioSpec(_Strict):
    name: str = Field(min_length=1)
    changes: tuple[Change, ...] = ()


class ScenarioFile(_Strict):
    base: Base
    scenarios: tuple[ScenarioSpec, ...] = ()

    @field_validator("scenarios")
    @classmethod
    def _unique_names(cls, value: tuple[ScenarioSpec, ...]) -> tuple[ScenarioSpec, ...]:
        names = [s.name for s in value]
        for name in names:
            if name == "base" or names.count(name) > 1:
                raise ValueError(f"scenario name {name!r} is reserved or used twice")
        return value


@dataclass(frozen=True)
class ScenarioCase:
    """One scenario resolved to the twin's inputs; `centre` as a plain dict (picklable, and
    parsed again in the worker)."""

    name: str
    centre: dict[str, Any]
    demand: tuple[Series, ...]
    shifts: tuple[Shift, ...]
    profiles: dict[str, Profile]
    behaviour: Behaviour


@dataclass(frozen=True)
class Study:
    """A resolved scenario file: the cases (base first) and the run settings."""

    cases: tuple[ScenarioCase, ...]
    centre: Centre
    forecast: Forecast
    replications: int
    seed: int
    warmup: float
    until: float
    bin_seconds: float


def read_scenario_file(path: Path) -> ScenarioFile:
    """Parse and validate the YAML; errors name the scenario and field."""
    raw = read_yaml(path)
    if not isinstance(raw, dict):
        raise VeroError(
            "a scenario file must be a mapping with 'base' and 'scenarios'", source=str(path)
        )
    try:
        return ScenarioFile.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise VeroError(
            first["msg"].removeprefix("Value error, "),
            source=str(path),
            field=_field_path(first["loc"], raw),
        ) from exc


def _field_path(loc: tuple, raw: dict) -> str:
    """'scenarios[Ramadan].changes[0].volume' from pydantic's location."""
    parts: list[str] = []
    node: Any = raw
    for part in loc:
        if isinstance(part, int):
            name = (
                node[part].get("name")
                if isinstance(node, list)
                and isinstance(node[part], dict)
                and parts == ["scenarios"]
                else None
            )
            parts[-1] += f"[{name!r}]" if name else f"[{part}]"
        else:
            parts.append(str(part))
        node = node[part] if isinstance(node, (dict, list)) and _has(node, part) else None
    return ".".join(parts)


def _has(node: dict | list, key: Any) -> bool:
    return key in node if isinstance(node, dict) else isinstance(key, int) and key < len(node)


def channel_patience(centre: Centre, overrides: Mapping[str, float] = {}) -> dict[str, float]:
    """Mean patience per channel: `overrides`, else what staffing assumes for the channel
    (`PlanOptions.patience_for`), so that the twin and `vero staff` model the same abandonment.
    Channels that never abandon (inf) are left out, as `Behaviour.patience` wants them."""
    options = PlanOptions()
    patience = {
        channel: overrides.get(channel, options.patience_for(centre, channel))
        for channel in centre.channels
    }
    return {channel: value for channel, value in patience.items() if math.isfinite(value)}


def customer_classes(specs: Mapping[str, ClassSpec], centre: Centre) -> tuple[CustomerClass, ...]:
    """The engine's classes; one patience for a class applies to every channel."""
    classes = []
    for name, spec in specs.items():
        given = spec.patience_seconds
        patience = (
            {}
            if given is None
            else dict(given)
            if isinstance(given, dict)
            else dict.fromkeys(centre.channels, given)
        )
        assert isinstance(spec.priority, int)  # ClassSpec._named turns a name into its number
        classes.append(CustomerClass(name, spec.share, spec.priority, patience))
    return tuple(classes)


def closed_spans(centre: Centre, forecast: Forecast) -> tuple[tuple[float, float], ...]:
    """When the centre is closed over the forecast's days, in seconds from the origin: until
    the first opening, from each closing to the next opening, and after the last closing."""
    spans: list[tuple[float, float]] = []
    closed_from = 0.0
    day, last = forecast.days[0], forecast.days[-1]
    while day <= last:
        hours = centre.hours_on(day)
        if hours is not None:
            start, end = (
                (_local(day, hhmm, centre) - forecast.origin).total_seconds() for hhmm in hours
            )
            if start > closed_from:
                spans.append((closed_from, start))
            closed_from = end
        day += dt.timedelta(days=1)
    spans.append((closed_from, math.inf))
    return tuple(spans)


def handle_times(spec: HandleSpec, at: Callable[[Path], Path]) -> HandleTimes:
    """The engine's handle-time shape; an empirical file is read here (`at` resolves its path
    against the scenario file), each bad cell a VeroError with file, line and column."""
    if spec.kind != "empirical":
        return HandleTimes(spec.kind, spec.cv)
    if spec.seconds is not None:
        return HandleTimes("empirical", spec.cv, tuple(spec.seconds))
    assert spec.file is not None  # HandleSpec._one_sample: one of the two
    path = at(spec.file)
    sample = []
    for line, row in csv_rows(path, (spec.column,)):
        text = row[spec.column]
        if not text:
            continue
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and value > 0):
            raise VeroError(
                f"{text!r} is not a handle time in seconds > 0",
                source=str(path),
                line=line,
                field=spec.column,
            )
        sample.append(value)
    if not sample:
        raise VeroError(f"no handle times in column {spec.column!r}", source=str(path))
    return HandleTimes("empirical", spec.cv, tuple(sample))


def _behaviour(
    spec: BehaviourSpec,
    callbacks: bool,
    centre: Centre,
    handle: HandleTimes,
    closed: tuple[tuple[float, float], ...],
) -> Behaviour:
    return Behaviour(
        handle=handle,
        patience=channel_patience(centre, spec.patience_seconds),
        accept_delay=dict(spec.accept_delay_seconds),
        callbacks=callbacks,
        redial_probability=spec.redial_probability,
        redial_seconds=spec.redial_seconds,
        classes=customer_classes(spec.classes, centre),
        closing=Closing(spec.closing.policy, closed),
    )


def load_study(path: Path, *, replications: int | None = None, seed: int | None = None) -> Study:
    """Read a scenario file and everything it names; resolve each scenario against the base.
    `replications` and `seed` override the file's."""
    spec = read_scenario_file(path)
    base = spec.base
    here = path.parent

    def at(relative: Path) -> Path:
        return relative if relative.is_absolute() else here / relative

    centre = load_centre(at(base.centre) if base.centre else None)
    _check_channels(base.behaviour, centre, str(path))
    forecast = load_forecast(at(base.forecast), centre)
    handle = handle_times(base.behaviour.handle, at)
    closed = closed_spans(centre, forecast)

    def behaviour(callbacks: bool) -> Behaviour:
        return _behaviour(base.behaviour, callbacks, centre, handle, closed)

    if base.roster is not None:
        staff = load_roster(
            at(base.roster), centre, forecast, at(base.agents) if base.agents else None
        )
    else:
        assert base.staffing is not None  # Base._one_staffing: exactly one of the two
        staff = load_staffing(at(base.staffing), centre, forecast)
    cases = [
        ScenarioCase(
            "base",
            centre.model_dump(),
            tuple(demand(forecast)),
            staff.shifts,
            staff.profiles,
            behaviour(base.behaviour.callbacks),
        )
    ]
    for scenario in spec.scenarios:
        cases.append(
            _resolve(
                scenario, centre, forecast, staff, base.behaviour.callbacks, behaviour, str(path)
            )
        )
    interval = int(forecast.rows["interval_minutes"].iloc[0])
    return Study(
        tuple(cases),
        centre,
        forecast,
        replications if replications is not None else base.replications,
        seed if seed is not None else base.seed,
        base.warmup_minutes * 60.0,
        forecast.end_seconds,
        interval * 60.0,
    )


def _resolve(
    scenario: ScenarioSpec,
    centre: Centre,
    forecast: Forecast,
    staff: Staff,
    callbacks: bool,
    behaviour: Callable[[bool], Behaviour],
    source: str,
) -> ScenarioCase:
    """Apply a scenario's changes in order to copies of the base inputs."""
    rows = forecast.rows.copy()
    shifts, profiles = list(staff.shifts), dict(staff.profiles)
    raw = centre.model_dump()
    for index, change in enumerate(scenario.changes):
        where = f"scenarios[{scenario.name!r}].changes[{index}]"
        try:
            if change.volume is not None or change.aht is not None:
                column, factor = (
                    ("volume", change.volume)
                    if change.volume is not None
                    else ("aht_seconds", change.aht)
                )
                mask = _select(change, rows, centre, forecast)
                rows.loc[mask, column] = rows.loc[mask, column] * factor
            elif change.remove_agents is not None:
                shifts = _remove(change.remove_agents, shifts, centre)
            elif change.add_agents is not None:
                added = _add(change.add_agents, centre, forecast, set(profiles))
                shifts += added
                profiles.update({s.agent: group_profile(centre, s.group) for s in added})
            elif change.routing is not None:
                raw = _reroute(change.routing, raw, centre)
            else:
                callbacks = bool(change.callbacks)
        except ValueError as exc:
            raise VeroError(
                f"scenario {scenario.name!r}: {exc}", source=source, field=where
            ) from exc
    return ScenarioCase(
        scenario.name,
        raw,
        tuple(demand(forecast, rows)),
        tuple(shifts),
        {s.agent: profiles[s.agent] for s in shifts},
        behaviour(callbacks),
    )


def _check_channels(spec: BehaviourSpec, centre: Centre, source: str) -> None:
    """Every channel the behaviour names exists in the centre."""
    named = [
        ("base.behaviour.patience_seconds", spec.patience_seconds),
        ("base.behaviour.accept_delay_seconds", spec.accept_delay_seconds),
        *(
            (f"base.behaviour.classes.{name}.patience_seconds", c.patience_seconds)
            for name, c in spec.classes.items()
            if isinstance(c.patience_seconds, dict)
        ),
    ]
    for field, channels in named:
        for channel in channels:
            if channel not in centre.channels:
                raise VeroError(
                    f"unknown channel {channel!r}; the centre has {', '.join(centre.channels)}",
                    source=source,
                    field=field,
                )


def _days(items: tuple[dt.date | str, ...], forecast: Forecast) -> set[dt.date]:
    """Forecast days named by date (YAML reads unquoted ISO dates as dates) or weekday; a date
    outside the forecast is an error."""
    chosen: set[dt.date] = set()
    days = forecast.days
    for item in items:
        if isinstance(item, str) and item.strip().lower()[:3] in WEEKDAYS:
            weekday = WEEKDAYS.index(item.strip().lower()[:3])
            chosen |= {d for d in days if d.weekday() == weekday}
            continue
        try:
            day = item if isinstance(item, dt.date) else dt.date.fromisoformat(item)
        except ValueError as exc:
            raise ValueError(f"day {item!r} is neither a date nor a weekday") from exc
        if day not in days:
            raise ValueError(f"day {day} is outside the forecast ({days[0]} to {days[-1]})")
        chosen.add(day)
    return chosen


def _span(text: str) -> tuple[dt.time, dt.time]:
    first, sep, last = text.partition("-")
    start: dt.time | None
    end: dt.time | None
    try:
        start, end = dt.time.fromisoformat(first.strip()), dt.time.fromisoformat(last.strip())
    except ValueError:
        start = end = None
    if not sep or start is None or end is None or end <= start:
        raise ValueError(f"interval {text!r} is not 'HH:MM-HH:MM' with the end after the start")
    return start, end


def _select(change: Change, rows: pd.DataFrame, centre: Centre, forecast: Forecast) -> pd.Series:
    """The forecast rows a volume or aht change applies to; selecting none is an error."""
    mask = pd.Series(True, index=rows.index)
    for field, known in (
        ("channels", centre.channels),
        ("queues", centre.queues),
        ("languages", centre.languages),
    ):
        values = getattr(change, field)
        if values is None:
            continue
        unknown = [v for v in values if v not in known]
        if unknown:
            raise ValueError(
                f"unknown {field[:-1]} {unknown[0]!r}; the centre has {', '.join(known)}"
            )
        mask &= rows[field[:-1]].isin(values)
    starts = rows["interval_start"]
    if change.days is not None:
        mask &= starts.map(lambda t: t.date()).isin(_days(change.days, forecast))
    if change.intervals is not None:
        spans = [_span(text) for text in change.intervals]
        mask &= starts.map(lambda t: any(a <= t.time() < b for a, b in spans))
    if not mask.any():
        raise ValueError("the filters select no forecast rows")
    return mask


def _remove(spec: RemoveAgents, shifts: list[Shift], centre: Centre) -> list[Shift]:
    agents = {s.agent for s in shifts}
    if spec.ids:
        unknown = [a for a in spec.ids if a not in agents]
        if unknown:
            raise ValueError(f"unknown agent {unknown[0]!r}")
        gone = set(spec.ids)
    else:
        if spec.group not in centre.staffing_groups:
            raise ValueError(
                f"unknown group {spec.group!r}; the centre has {', '.join(centre.staffing_groups)}"
            )
        assert spec.count is not None  # RemoveAgents._one_way: 'group' comes with 'count'
        hours: dict[str, float] = {}
        for s in shifts:
            if s.group == spec.group:
                hours[s.agent] = hours.get(s.agent, 0.0) + s.work_seconds
        if spec.count > len(hours):
            raise ValueError(
                f"cannot remove {spec.count} agents: group {spec.group!r} has {len(hours)}"
            )
        gone = set(sorted(hours, key=lambda a: (-hours[a], a))[: spec.count])
    return [s for s in shifts if s.agent not in gone]


def _add(spec: AddAgents, centre: Centre, forecast: Forecast, taken: set[str]) -> list[Shift]:
    """Shifts of the added agents, ids '<group>+<n>' not yet `taken`; on days the centre is
    closed and no hours are given, nobody is added."""
    if spec.group not in centre.staffing_groups:
        raise ValueError(
            f"unknown group {spec.group!r}; the centre has {', '.join(centre.staffing_groups)}"
        )
    if (spec.start is None) != (spec.end is None):
        raise ValueError("'from' and 'to' go together")
    if spec.start is not None:
        _span(f"{spec.start}-{spec.end}")
    ids: list[str] = []
    k = 0
    while len(ids) < spec.count:
        k += 1
        if f"{spec.group}+{k}" not in taken:
            ids.append(f"{spec.group}+{k}")
    days = sorted(_days(spec.days, forecast)) if spec.days is not None else forecast.days
    shifts = []
    for day in days:
        hours = (
            (spec.start, spec.end)
            if spec.start is not None and spec.end is not None
            else centre.hours_on(day)
        )
        if hours is None:
            continue
        start, end = (_local(day, hhmm, centre) - forecast.origin for hhmm in hours)
        shifts += [
            Shift(agent, spec.group, start.total_seconds(), end.total_seconds()) for agent in ids
        ]
    return shifts


def _local(day: dt.date, hhmm: str, centre: Centre) -> dt.datetime:
    """A local wall-clock time of a day; 24:00 is the next midnight."""
    if hhmm == "24:00":
        return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), centre.tz)
    return dt.datetime.combine(day, dt.time.fromisoformat(hhmm), centre.tz)


def _reroute(spec: Routing, raw: dict[str, Any], centre: Centre) -> dict[str, Any]:
    if spec.queue not in centre.queues:
        raise ValueError(f"unknown queue {spec.queue!r}; the centre has {', '.join(centre.queues)}")
    changed = {**raw, "queues": {**raw["queues"]}}
    queue = {**changed["queues"][spec.queue], "steps": list(spec.steps)}
    if "fallback" in spec.model_fields_set:
        queue["fallback"] = spec.fallback
    changed["queues"][spec.queue] = queue
    try:
        parse_centre(changed, source="routing")
    except VeroError as exc:
        raise ValueError(f"the new routing is not valid: {exc.field}: {exc.message}") from exc
    return changed
