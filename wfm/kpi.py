"""Service KPIs of the division from contact records and complaint cases. No I/O here: the
loaders (`wfm/kpi_commands.py`) turn files into these records.

Definitions:
- CSAT: post-contact survey score 1-5; the mean and the share of 4-5 among the answers.
- First-contact resolution: an answered contact with a known customer is resolved at first
  contact when the same customer does not come back on the same queue within 7 days. Contacts
  without a customer key are left out (neither resolved nor not).
- Response: the wait of answered contacts against the channel's target (three rings on voice);
  its in-target share is the "answered" service level.
- Service level: each channel's formula over its answered and abandoned contacts
  (vero/kernel/service_level.py); the 'all' row pools the channels.
- Complaints within target: cases closed in the period, closed by their deadline.
- NPS: answers 0-10 after a case closed; % promoters (9-10) − % detractors (0-6).
Contacts belong to the period of their local creation day; cases to that of their closure.
Each period has rows per channel and queue, and one 'all'/'all' row.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from statistics import fmean
from zoneinfo import ZoneInfo

from vero.kernel import service_level as sl

FCR_WINDOW = dt.timedelta(days=7)
ALL = "all"
COMPLAINT_QUEUE = "complaints"
COLUMNS = (
    "period",
    "start",
    "channel",
    "queue",
    "contacts",
    "answered",
    "csat_responses",
    "csat_mean",
    "csat_satisfied_share",
    "fcr_contacts",
    "fcr_rate",
    "response_mean_seconds",
    "response_target_seconds",
    "response_in_target_share",
    "abandoned",
    "service_level",
    "service_level_goal",
    "cases_closed",
    "cases_closed_in_target",
    "cases_in_target_share",
    "nps_responses",
    "nps",
)


@dataclass(frozen=True)
class Contact:
    created: dt.datetime  # aware
    channel: str
    queue: str
    customer: str  # phone or e-mail; "" when the record has none
    answered: bool
    wait_seconds: float  # answered: until answered; otherwise until the contact ended
    csat: int | None
    abandoned: bool = False  # hung up while queued (never answered)


@dataclass(frozen=True)
class CaseEntry:
    """One line of a case timeline, as far as the KPIs need it."""

    at: dt.datetime
    ref: str
    event: str
    origin: str
    due: dt.datetime
    nps: int | None


@dataclass(frozen=True)
class CaseOutcome:
    ref: str
    origin: str
    due: dt.datetime
    closed: dt.datetime | None
    nps: int | None


def fold_cases(entries: Iterable[CaseEntry]) -> list[CaseOutcome]:
    """Cases from their timeline entries: the last deadline, the closure, the NPS answer."""
    by_ref: dict[str, list[CaseEntry]] = defaultdict(list)
    for entry in entries:
        by_ref[entry.ref].append(entry)
    cases = []
    for ref, found in sorted(by_ref.items()):
        found.sort(key=lambda e: e.at)
        closed = next((e.at for e in found if e.event == "closed"), None)
        nps = next((e.nps for e in found if e.nps is not None), None)
        cases.append(CaseOutcome(ref, found[0].origin, found[-1].due, closed, nps))
    return cases


def period_start(moment: dt.datetime, tz: ZoneInfo, period: str) -> dt.date:
    day = moment.astimezone(tz).date()
    return day - dt.timedelta(days=day.weekday()) if period == "week" else day


def first_contact_resolved(contacts: list[Contact]) -> dict[int, bool]:
    """Index → resolved at first contact, for answered contacts with a customer key. A later
    contact (answered or not) of the same customer on the same queue within 7 days is a repeat."""
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, c in enumerate(contacts):
        if c.customer:
            groups[(c.customer, c.queue)].append(i)
    resolved: dict[int, bool] = {}
    for members in groups.values():
        members.sort(key=lambda i: contacts[i].created)
        for pos, i in enumerate(members):
            if not contacts[i].answered:
                continue
            later = members[pos + 1] if pos + 1 < len(members) else None
            resolved[i] = (
                later is None or contacts[later].created - contacts[i].created > FCR_WINDOW
            )
    return resolved


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _mean(values: Sequence[float], digits: int) -> float | None:
    return round(fmean(values), digits) if values else None


def nps_score(scores: list[int]) -> float | None:
    if not scores:
        return None
    promoters = sum(s >= 9 for s in scores)
    detractors = sum(s <= 6 for s in scores)
    return round(100 * (promoters - detractors) / len(scores), 1)


def service_counts(contacts: Iterable[Contact], rule: sl.Definition) -> sl.Counts:
    """One channel's contacts as its service level counts them: answered and abandoned ones
    are offered."""
    counts = sl.Counts()
    for c in contacts:
        counts += sl.Counts(
            offered=int(c.answered or c.abandoned),
            answered=int(c.answered),
            in_target=int(c.answered and rule.in_target(c.wait_seconds)),
            abandoned=int(c.abandoned),
            short_abandoned=int(c.abandoned and rule.short_abandon(c.wait_seconds)),
        )
    return counts


def _service_level(
    members: list[Contact], rules: Mapping[str, sl.Definition], formula: sl.Formula | None = None
) -> float | None:
    """The service level of contacts of one or more channels (pooled: each by its own
    formula, or all by `formula`)."""
    by_channel: dict[str, list[Contact]] = defaultdict(list)
    for c in members:
        if c.channel in rules:
            by_channel[c.channel].append(c)
    level = sl.pooled(
        (service_counts(found, rules[ch]), formula or rules[ch].formula)
        for ch, found in by_channel.items()
    )
    return None if level is None else round(level, 4)


def kpi_rows(
    contacts: list[Contact],
    cases: list[CaseOutcome],
    rules: Mapping[str, sl.Definition],
    tz: ZoneInfo,
    period: str,
    first: dt.date,
    last: dt.date,
) -> list[dict]:
    """The KPI table for the periods from `first` to `last` (local days, inclusive).
    `rules`: each channel's service-level definition (its answer target among them).
    `contacts` may reach beyond `last`: they still count as repeats for first-contact
    resolution."""
    fcr = first_contact_resolved(contacts)
    picked: dict[tuple[dt.date, str, str], list[int]] = defaultdict(list)
    for i, c in enumerate(contacts):
        if first <= c.created.astimezone(tz).date() <= last:
            start = period_start(c.created, tz, period)
            picked[(start, c.channel, c.queue)].append(i)
            picked[(start, ALL, ALL)].append(i)
    closed: dict[tuple[dt.date, str, str], list[CaseOutcome]] = defaultdict(list)
    for case in cases:
        if case.closed is not None and first <= case.closed.astimezone(tz).date() <= last:
            start = period_start(case.closed, tz, period)
            closed[(start, case.origin, COMPLAINT_QUEUE)].append(case)
            closed[(start, ALL, ALL)].append(case)
    rows = []
    for key in sorted(set(picked) | set(closed), key=lambda k: (k[0], k[1] == ALL, k[1], k[2])):
        start, channel, queue = key
        members = [contacts[i] for i in picked.get(key, [])]
        answered = [c for c in members if c.answered]
        scores = [c.csat for c in members if c.csat is not None]
        fcr_seen = [fcr[i] for i in picked.get(key, []) if i in fcr]
        waits = [c.wait_seconds for c in answered]
        done = closed.get(key, [])
        on_time = sum(c.closed is not None and c.closed <= c.due for c in done)
        nps = [c.nps for c in done if c.nps is not None]
        rows.append(
            {
                "period": period,
                "start": start.isoformat(),
                "channel": channel,
                "queue": queue,
                "contacts": len(members),
                "answered": len(answered),
                "csat_responses": len(scores),
                "csat_mean": _mean(scores, 2),
                "csat_satisfied_share": _share(sum(s >= 4 for s in scores), len(scores)),
                "fcr_contacts": len(fcr_seen),
                "fcr_rate": _share(sum(fcr_seen), len(fcr_seen)),
                "response_mean_seconds": _mean(waits, 1),
                "response_target_seconds": rules[channel].target_seconds
                if channel in rules
                else None,
                "response_in_target_share": _service_level(members, rules, "answered"),
                "abandoned": sum(c.abandoned for c in members),
                "service_level": _service_level(members, rules),
                "service_level_goal": rules[channel].goal if channel in rules else None,
                "cases_closed": len(done),
                "cases_closed_in_target": on_time,
                "cases_in_target_share": _share(on_time, len(done)),
                "nps_responses": len(nps),
                "nps": nps_score(nps),
            }
        )
    return rows
