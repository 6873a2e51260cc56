"""Complaint cases in Redis, their timeline in daily CSVs, their work in the router.

A case is one JSON string (`keys.complaint(ref)`), changed under WATCH so that two people acting on
one case never overwrite each other; its timeline is a Redis list written in the same
transaction. Every committed entry is then appended to `VERO_DATA_DIR/cases/YYYY-MM-DD.csv`
(local day of the entry): the documentation of the case and the input of `vero report`. One
`write` per step in append mode, so several processes may append to one file.

Side effects come after the commit: back-office tasks (deterministic ids, so a retried step finds
its task there) and messages to the customer (recorded as entries too).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
from collections.abc import Callable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import redis
import yaml
from flask import current_app

from telephony.complaints import model
from telephony.complaints.keywords import suggest
from telephony.complaints.model import Case, Entry, Policy
from telephony.customers import normalise_phone
from telephony.gateway import Gateway, mask
from telephony.ivr.menu import load_menu
from telephony.routing.errors import RoutingError
from telephony.routing.keys import Keys
from telephony.routing.router import RedisRouter
from vero.kernel.errors import VeroError

log = logging.getLogger(__name__)
TEAM_QUEUES = {team: team for team in model.TEAMS}  # the centre's investigation queue per team
ESCALATION_QUEUE = "complaints"  # the customer-experience team
BACKOFFICE_CHANNEL = "email"
CASE_COLUMNS = ("at", "ref", "event", "state", "actor", "origin", "category", "severity",
                "due_at", "team", "task_id", "channel", "solved", "nps", "text")
_RETRIES = 20


def next_reference(client: redis.Redis, keys: Keys, year: int) -> str:
    """The next complaint reference CMP-<year>-<6 digits>, whatever channel the complaint came
    on (the IVR and the case store share this one sequence)."""
    number = client.incr(keys.sequence(f"complaints-{year}"))
    return f"CMP-{year}-{number:06d}"


def send_message(gateway: Gateway, to: str, body: str, first: str, sender: str) -> str | None:
    """Send on `first` (WhatsApp), falling back to SMS; the channel used, None when both
    failed. A failure is logged, never raised: the caller records it."""
    for channel in dict.fromkeys((first, "sms")):
        try:
            gateway.send_message(to, body, channel, sender)
            return channel
        except Exception:  # the Messages API is outside our control
            log.warning("could not send %s message to %s", channel, mask(to))
    return None


@cache
def _texts() -> dict[str, dict[str, str]]:
    path = resources.files("telephony.complaints") / "messages.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def case_store() -> CaseStore:
    """The app's case store (set up when the complaints blueprint is registered)."""
    return current_app.extensions["vero-complaints"]


def customer_key(customer: dict[str, str]) -> str:
    """Who a case belongs to: the phone (E.164) when known, else the e-mail address."""
    return customer.get("phone") or customer.get("email", "")


class CaseStore:
    def __init__(self, client: redis.Redis, keys: Keys, router: RedisRouter, gateway: Gateway,
                 data_dir: Path, policy: Policy, *, menu_path: Path | None = None) -> None:
        self.redis = client
        self.keys = keys
        self.router = router  # its clock, centre, and the back-office tasks
        self.gateway = gateway
        self.folder = Path(data_dir) / "cases"
        self.policy = policy
        self.menu = load_menu(router.centre, menu_path)  # the IVR's, for its texts
        centre = router.centre
        missing = [q for q in (*TEAM_QUEUES.values(), ESCALATION_QUEUE)
                   if q not in centre.queues or BACKOFFICE_CHANNEL not in centre.queue_channels(q)]
        if missing:
            raise VeroError(f"the centre needs {BACKOFFICE_CHANNEL} queues for complaint "
                            f"investigation: {', '.join(missing)}", field="queues")

    # --- reads --------------------------------------------------------------------------------

    def get(self, ref: str) -> Case:
        raw = self.redis.get(self.keys.complaint(ref))
        if raw is None:
            raise RoutingError("unknown", f"no complaint {ref}")
        return json.loads(raw)

    def timeline(self, ref: str) -> list[Entry]:
        return [json.loads(e) for e in self.redis.lrange(self.keys.complaint_timeline(ref), 0, -1)]

    def cases(self, refs: list[str]) -> list[Case]:
        raws = self.redis.mget([self.keys.complaint(r) for r in refs]) if refs else []
        return [json.loads(r) for r in raws if r is not None]

    def listing(self, *, overdue: bool = False, open_only: bool = False) -> list[Case]:
        """Cases, most urgent first: overdue ones (for the wallboard), open ones, or all."""
        now = self.router.clock()
        if overdue:
            refs = self.redis.zrangebyscore(self.keys.complaints_open(), "-inf", f"({now}")
        elif open_only:
            refs = self.redis.zrange(self.keys.complaints_open(), 0, -1)
        else:
            refs = self.redis.zrange(self.keys.complaints(), 0, -1)
        found = self.cases([r.decode() for r in refs])
        return sorted(found, key=lambda c: (-c["priority"], c["due_at"], c["ref"]))

    def open_for_customer(self, customer: str) -> list[Case]:
        refs = sorted(r.decode() for r in self.redis.smembers(self.keys.customer_complaints(
            customer)))
        return [c for c in self.cases(refs) if c["state"] in model.OPEN_STATES]

    def alerts(self) -> list[dict]:
        raws = self.redis.hvals(self.keys.batch_alerts())
        return sorted((json.loads(r) for r in raws), key=lambda a: a["raised_at"], reverse=True)

    # --- writing ------------------------------------------------------------------------------

    def _commit(self, ref: str,
                step: Callable[[Case | None], tuple[Case, list[Entry]] | None]) -> Case:
        """Apply `step` to the current case atomically (retried when the case changed meanwhile)
        and log its entries; `step` returns None to change nothing."""
        key = self.keys.complaint(ref)
        for _ in range(_RETRIES):
            with self.redis.pipeline(transaction=True) as pipe:  # WATCH: also on a Cluster
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    result = step(json.loads(raw) if raw is not None else None)
                    if result is None:
                        return json.loads(raw)
                    case, entries = result
                    pipe.multi()
                    self._write(pipe, case, entries)
                    pipe.execute()
                except redis.WatchError:
                    continue
            self._log(case, entries)
            return case
        raise RoutingError("busy", f"complaint {ref} kept changing; try again")

    def _write(self, pipe: redis.client.Pipeline, case: Case, entries: list[Entry]) -> None:
        ref = case["ref"]
        pipe.set(self.keys.complaint(ref), json.dumps(case))
        pipe.rpush(self.keys.complaint_timeline(ref), *[json.dumps(e) for e in entries])
        pipe.zadd(self.keys.complaints(), {ref: case["created_at"]}, nx=True)
        if case["state"] in model.OPEN_STATES:
            pipe.zadd(self.keys.complaints_open(), {ref: case["due_at"]})
        else:
            pipe.zrem(self.keys.complaints_open(), ref)
        who = customer_key(case["customer"])
        if who:
            pipe.sadd(self.keys.customer_complaints(who), ref)

    def _log(self, case: Case, entries: list[Entry]) -> None:
        """Append the entries to their day's case CSV (the case's lasting documentation)."""
        by_day: dict[str, list[dict[str, Any]]] = {}
        for entry in entries:
            day = dt.datetime.fromtimestamp(entry["at"], self.router.centre.tz).date()
            by_day.setdefault(day.isoformat(), []).append({
                "at": model.iso(entry["at"]), "ref": case["ref"], "event": entry["event"],
                "state": entry["state"], "actor": entry["actor"], "origin": case["origin"],
                "category": case["category"] or "", "severity": case["severity"] or "",
                "due_at": model.iso(case["due_at"]), "team": entry.get("team", ""),
                "task_id": entry.get("task_id", ""), "channel": entry.get("channel", ""),
                "solved": {True: "yes", False: "no"}.get(entry.get("solved"), ""),
                "nps": "" if entry.get("nps") is None else entry["nps"], "text": entry["text"]})
        self.folder.mkdir(parents=True, exist_ok=True)
        for day, rows in by_day.items():
            path = self.folder / f"{day}.csv"
            buffer = io.StringIO()
            writer = csv.DictWriter(buffer, fieldnames=CASE_COLUMNS)
            if not path.exists():
                writer.writeheader()
            writer.writerows(rows)
            with path.open("a", newline="", encoding="utf-8") as handle:
                handle.write(buffer.getvalue())

    def _apply(self, ref: str, step: Callable[[Case], tuple[Case, list[Entry]]]) -> Case:
        def known(case: Case | None) -> tuple[Case, list[Entry]]:
            if case is None:
                raise RoutingError("unknown", f"no complaint {ref}")
            return step(case)
        return self._commit(ref, known)

    # --- the procedure ------------------------------------------------------------------------

    def create(self, fields: dict[str, Any], *, actor: str, ref: str | None = None,
               suggested: str | None = None, confirm: bool = True) -> Case:
        """A new case (or, for a `ref` already stored, that case: webhooks are retried).
        `fields`: origin, language, customer {phone, email, name} and what the customer told."""
        now = self.router.clock()
        if ref is None:
            ref = next_reference(self.redis, self.keys,
                                 dt.datetime.fromtimestamp(now, self.router.centre.tz).year)
        if suggested is None:
            suggested, _ = suggest(" ".join((fields.get("description", ""),
                                             fields.get("product", ""))))
        created = False

        def step(case: Case | None) -> tuple[Case, list[Entry]] | None:
            nonlocal created
            if case is not None:
                return None
            created = True
            return model.new_case(ref, fields, suggested, actor, now)

        case = self._commit(ref, step)
        if not created:
            return case
        if confirm:
            body = self.menu.text("complaint_message", case["language"], ref=ref)
            self._tell(case, body, "confirmation")
        if case["batch"]:
            self._check_batch(case, now)
        return self.get(ref)

    def open_from_task(self, task: dict, *, actor: str, description: str = "",
                       product: str = "", batch: str = "", confirm: bool = True) -> Case:
        """The case of a call or conversation (the IVR's complaint branch, a WhatsApp keyword,
        an agent marking the conversation): the task's reference when it has one, and the
        task is annotated with it."""
        attrs = task["attributes"]
        phone = normalise_phone(attrs.get("from") or attrs.get("callback_to") or "") or ""
        fields = {"origin": task["channel"], "language": task["language"],
                  "customer": {"phone": phone, "email": "",
                               "name": attrs.get("customer") or attrs.get("name", "")},
                  "reached": attrs.get("to", ""), "task_id": task["id"],
                  "description": description, "product": product, "batch": batch}
        case = self.create(fields, actor=actor, ref=attrs.get("complaint_ref") or None,
                           confirm=confirm)
        if attrs.get("complaint_ref") != case["ref"]:
            self.router.annotate(task["id"], {"complaint_ref": case["ref"]})
        return case

    def classify(self, ref: str, category: str, severity: str, actor: str) -> Case:
        now = self.router.clock()
        return self._apply(ref, lambda c: model.classify(c, category, severity, actor, now))

    def forward(self, ref: str, team: str, note: str, actor: str) -> Case:
        """Forward to a team: one back-office task on its queue, due by the case's deadline."""
        now = self.router.clock()
        task_id = ""

        def step(case: Case) -> tuple[Case, list[Entry]]:
            nonlocal task_id
            task_id = f"{ref}-{team}-{len(case['tasks']) + 1}"
            return model.forward(case, team, task_id, note, actor, now)

        case = self._apply(ref, step)
        self._task(case, task_id, TEAM_QUEUES[team], case["priority"],
                   {"topic": "complaint_investigation", "team": team})
        return case

    def note(self, ref: str, text: str, actor: str) -> Case:
        now = self.router.clock()
        return self._apply(ref, lambda c: model.note(c, text, actor, now))

    def corrective_action(self, ref: str, text: str, actor: str) -> Case:
        now = self.router.clock()
        return self._apply(ref, lambda c: model.corrective_action(c, text, actor, now))

    def notify(self, ref: str, message: str, actor: str) -> Case:
        """Tell the customer the result and ask whether it is solved (409 when the case is not
        resolved yet, 502 when no message could be sent: then nothing changes)."""
        case = self.get(ref)
        model.check_notify(case)
        body = _texts()["result"][case["language"]].format(message=message, ref=ref)
        channel = self._send(case, body)
        if channel is None:
            raise RoutingError("unsent", f"no message could be sent to the customer of {ref}")
        now = self.router.clock()
        return self._apply(ref, lambda c: model.notify(c, body, channel, actor, now))

    def answer(self, ref: str, solved: bool, text: str, actor: str) -> Case:
        """The customer's answer: closed with the recommendation question, or investigated
        again by every team the case was forwarded to."""
        now = self.router.clock()
        case = self._apply(ref, lambda c: model.answer(c, solved, text, actor, now))
        self._tell(case, _texts()["closed" if solved else "reopened"][case["language"]]
                   .format(ref=ref), "message")
        if not solved:
            for team in case["teams"]:
                case = self.forward(ref, team, "investigate again: the customer is not satisfied",
                                    "system")
        return case

    def record_nps(self, ref: str, score: int, actor: str) -> Case:
        now = self.router.clock()
        return self._apply(ref, lambda c: model.record_nps(c, score, actor, now))

    def escalate_overdue(self, now: float | None = None) -> list[str]:
        """The periodic check (run it from the dispatcher loop): every open case past its
        deadline is escalated once, with an urgent task for the customer-experience team."""
        now = self.router.clock() if now is None else now
        refs = [r.decode() for r in self.redis.zrangebyscore(self.keys.complaints_open(), "-inf",
                                                             f"({now}")]
        escalated = []
        for case in self.cases(refs):
            if case["escalated"]:
                continue
            task_id = f"{case['ref']}-escalation"
            done = False

            def step(current: Case | None, task_id: str = task_id) -> tuple | None:
                nonlocal done
                if current is None or current["escalated"] or not model.is_overdue(current, now):
                    return None
                done = True
                return model.escalate(current, task_id, now)

            case = self._commit(case["ref"], step)
            if done:
                self._task(case, task_id, ESCALATION_QUEUE, model.URGENT_PRIORITY,
                           {"topic": "complaint_escalation"})
                escalated.append(case["ref"])
        return escalated

    # --- helpers ------------------------------------------------------------------------------

    def _task(self, case: Case, task_id: str, queue: str, priority: int,
              attributes: dict[str, str]) -> None:
        """A back-office task; its deadline is the case's resolution target."""
        try:
            self.router.enqueue(task_id, BACKOFFICE_CHANNEL, queue, case["language"], priority,
                                attributes={"complaint_ref": case["ref"],
                                            "due_at": f"{case['due_at']:.0f}",
                                            "due": model.iso(case["due_at"]),
                                            "category": case["category"] or "",
                                            "severity": case["severity"] or "",
                                            "product": case["product"], "batch": case["batch"],
                                            **attributes})
        except RoutingError as exc:
            if exc.code != "exists":  # a retried step: the task is there already
                raise

    def _send(self, case: Case, body: str) -> str | None:
        phone = case["customer"].get("phone", "")
        sender = case["reached"] or self.policy.sender
        if not phone or not sender:
            log.warning("complaint %s: no phone or sender number to write to", case["ref"])
            return None
        return send_message(self.gateway, phone, body, self.menu.complaint_channel, sender)

    def _tell(self, case: Case, body: str, kind: str) -> None:
        """Send a message and record it (or its failure) on the timeline."""
        channel = self._send(case, body)
        event = f"{kind}_sent" if channel else f"{kind}_failed"
        now = self.router.clock()
        self._apply(case["ref"], lambda c: (c, [{"at": now, "event": event, "state": c["state"],
                                                 "actor": "system", "text": body,
                                                 "channel": channel or ""}]))

    def _check_batch(self, case: Case, now: float) -> None:
        """Several complaints on one batch within the window: one alert and a QC task."""
        key = self.keys.complaint_batch(case["batch"])
        window = self.policy.batch_window_seconds
        with self.redis.pipeline() as pipe:
            pipe.zadd(key, {case["ref"]: now})
            pipe.zremrangebyscore(key, "-inf", f"({now - window}")
            pipe.expire(key, int(window) + 60)
            pipe.zrange(key, 0, -1)
            refs = [r.decode() for r in pipe.execute()[-1]]
        if len(refs) < self.policy.batch_threshold:
            return
        if not self.redis.set(self.keys.batch_alert_lock(case["batch"]), case["ref"], nx=True,
                              ex=int(window)):
            return  # this batch has its alert for the window already
        alert_id = f"batch-{case['batch']}-{case['ref']}"
        alert = {"id": alert_id, "batch": case["batch"], "product": case["product"],
                 "refs": refs, "raised_at": now, "task_id": alert_id}
        self.redis.hset(self.keys.batch_alerts(), alert_id, json.dumps(alert))
        self._apply(case["ref"], lambda c: model.batch_alert(c, alert_id, now))
        self._task(case, alert_id, TEAM_QUEUES["qc"], model.PRIORITY["escalated"],
                   {"topic": "batch_alert", "team": "qc", "refs": " ".join(refs)})
