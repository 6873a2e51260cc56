"""The complaint procedure: each step a person or the system takes on a case (create, classify,
forward, note, corrective action, notify, the customer's answer and score, escalation of overdue
cases, batch alerts), with what follows it.

`model` decides the new record; the repository commits it (and the journal writes it down);
here come the side effects after the commit: back-office tasks in the router (deterministic ids,
so a retried step finds its task there) and messages to the customer (recorded as entries too).
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import redis
import yaml

from telephony.complaints import model
from telephony.complaints.alerts import Alert, BatchAlerts
from telephony.complaints.journal import CaseJournal
from telephony.complaints.keywords import suggest
from telephony.complaints.model import Change, ComplaintRecord, Policy
from telephony.complaints.repository import CaseRepository, next_reference
from telephony.customers import normalise_phone
from telephony.gateway import Messenger, send_message
from telephony.keys import Keys
from telephony.routing.errors import RoutingError
from telephony.routing.router import RedisRouter
from vero.kernel.errors import VeroError

log = logging.getLogger(__name__)
TEAM_QUEUES = {team: team for team in model.TEAMS}  # the centre's investigation queue per team
ESCALATION_QUEUE = "complaints"  # the customer-experience team
MESSAGE_CHANNEL = "whatsapp"  # how the customer hears about their case (SMS if WhatsApp fails)
BACKOFFICE_CHANNEL = "email"


@cache
def _texts() -> dict[str, dict[str, str]]:
    """The messages to the customer (receipt, result, closed, reopened) per language."""
    path = resources.files("telephony.complaints") / "messages.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def receipt_text(language: str, ref: str) -> str:
    """The confirmation of a new case, the same from the IVR, the web form and the desk."""
    return _texts()["receipt"][language].format(ref=ref)


class CaseStore(CaseRepository):
    """The cases of one centre: the repository's reads, and the procedure's steps, each
    returning the case as it is after the step."""

    def __init__(
        self,
        client: redis.Redis,
        keys: Keys,
        router: RedisRouter,
        gateway: Messenger,
        data_dir: Path,
        policy: Policy,
    ) -> None:
        self.journal = CaseJournal(Path(data_dir) / "cases", router.centre.tz)
        # the router's clock, looked up at each call (a test may set another)
        super().__init__(client, keys, lambda: router.clock(), self.journal.append)
        self.batch_alerts = BatchAlerts(client, keys)
        self.router = router  # its clock, centre, and the back-office tasks
        self.gateway = gateway
        self.policy = policy
        centre = router.centre
        missing = [
            q
            for q in (*TEAM_QUEUES.values(), ESCALATION_QUEUE)
            if q not in centre.queues or BACKOFFICE_CHANNEL not in centre.queue_channels(q)
        ]
        if missing:
            raise VeroError(
                f"the centre needs {BACKOFFICE_CHANNEL} queues for complaint "
                f"investigation: {', '.join(missing)}",
                field="queues",
            )

    def alerts(self) -> list[Alert]:
        return self.batch_alerts.listing()

    # --- the procedure ------------------------------------------------------------------------

    def create(
        self,
        fields: dict[str, Any],
        *,
        actor: str,
        ref: str | None = None,
        suggested: str | None = None,
        confirm: bool = True,
    ) -> ComplaintRecord:
        """A new case (or, for a `ref` already stored, that case: webhooks are retried).
        `fields`: origin, language, customer {phone, email, name} and what the customer told."""
        now = self.router.clock()
        year = dt.datetime.fromtimestamp(now, self.router.centre.tz).year
        case_ref = next_reference(self.redis, self.keys, year) if ref is None else ref
        if suggested is None:
            suggested, _ = suggest(
                " ".join((fields.get("description", ""), fields.get("product", "")))
            )
        created = False

        def step(case: ComplaintRecord | None) -> Change | None:
            nonlocal created
            if case is not None:
                return None
            created = True
            return model.new_case(case_ref, fields, suggested, actor, now)

        case = self.commit(case_ref, step)
        if not created:
            return case
        if confirm:
            body = receipt_text(case["language"], case_ref)
            self._tell(case, body, "confirmation")
        if case["batch"]:
            self._check_batch(case, now)
        return self.get(case_ref)

    def open_from_task(
        self,
        task: dict,
        *,
        actor: str,
        description: str = "",
        product: str = "",
        batch: str = "",
        confirm: bool = True,
    ) -> ComplaintRecord:
        """The case of a call or conversation (the IVR's complaint branch, a WhatsApp keyword,
        an agent marking the conversation): the task's reference when it has one, and the
        task is annotated with it."""
        attrs = task["attributes"]
        phone = normalise_phone(attrs.get("from") or attrs.get("callback_to") or "") or ""
        fields = {
            "origin": task["channel"],
            "language": task["language"],
            "customer": {
                "phone": phone,
                "email": "",
                "name": attrs.get("customer") or attrs.get("name", ""),
            },
            "reached": attrs.get("to", ""),
            "task_id": task["id"],
            "description": description,
            "product": product,
            "batch": batch,
        }
        case = self.create(
            fields, actor=actor, ref=attrs.get("complaint_ref") or None, confirm=confirm
        )
        if attrs.get("complaint_ref") != case["ref"]:
            self.router.annotate(task["id"], {"complaint_ref": case["ref"]})
        return case

    def classify(self, ref: str, category: str, severity: str, actor: str) -> ComplaintRecord:
        now = self.router.clock()
        return self.apply(ref, lambda c: model.classify(c, category, severity, actor, now))

    def forward(self, ref: str, team: str, note: str, actor: str) -> ComplaintRecord:
        """Forward to a team: one back-office task on its queue, due by the case's deadline."""
        now = self.router.clock()
        task_id = ""

        def step(case: ComplaintRecord) -> Change:
            nonlocal task_id
            task_id = f"{ref}-{team}-{len(case['tasks']) + 1}"
            return model.forward(case, team, task_id, note, actor, now)

        case = self.apply(ref, step)
        self._task(
            case,
            task_id,
            TEAM_QUEUES[team],
            case["priority"],
            {"topic": "complaint_investigation", "team": team},
        )
        return case

    def note(self, ref: str, text: str, actor: str) -> ComplaintRecord:
        now = self.router.clock()
        return self.apply(ref, lambda c: model.note(c, text, actor, now))

    def corrective_action(self, ref: str, text: str, actor: str) -> ComplaintRecord:
        now = self.router.clock()
        return self.apply(ref, lambda c: model.corrective_action(c, text, actor, now))

    def notify(self, ref: str, message: str, actor: str) -> ComplaintRecord:
        """Tell the customer the result and ask whether it is solved (409 when the case is not
        resolved yet, 502 when no message could be sent: then nothing changes)."""
        case = self.get(ref)
        model.check_notify(case)
        body = _texts()["result"][case["language"]].format(message=message, ref=ref)
        channel = self._send(case, body)
        if channel is None:
            raise RoutingError("unsent", f"no message could be sent to the customer of {ref}")
        now = self.router.clock()
        return self.apply(ref, lambda c: model.notify(c, body, channel, actor, now))

    def answer(self, ref: str, solved: bool, text: str, actor: str) -> ComplaintRecord:
        """The customer's answer: closed with the recommendation question, or investigated
        again by every team the case was forwarded to."""
        now = self.router.clock()
        case = self.apply(ref, lambda c: model.answer(c, solved, text, actor, now))
        self._tell(
            case,
            _texts()["closed" if solved else "reopened"][case["language"]].format(ref=ref),
            "message",
        )
        if not solved:
            for team in case["teams"]:
                case = self.forward(
                    ref, team, "investigate again: the customer is not satisfied", "system"
                )
        return case

    def record_nps(self, ref: str, score: int, actor: str) -> ComplaintRecord:
        now = self.router.clock()
        return self.apply(ref, lambda c: model.record_nps(c, score, actor, now))

    def escalate_overdue(self, now: float | None = None) -> list[str]:
        """The periodic check (run it from the dispatcher loop): every open case past its
        deadline is escalated once, with an urgent task for the customer-experience team."""
        now = self.router.clock() if now is None else now
        escalated = []
        for case in self.cases(self.overdue_refs(now)):
            if case["escalated"]:
                continue
            task_id = f"{case['ref']}-escalation"
            done = False

            def step(
                current: ComplaintRecord | None, task_id: str = task_id, now: float = now
            ) -> Change | None:
                nonlocal done
                if current is None or current["escalated"] or not model.is_overdue(current, now):
                    return None
                done = True
                return model.escalate(current, task_id, now)

            case = self.commit(case["ref"], step)
            if done:
                self._task(
                    case,
                    task_id,
                    ESCALATION_QUEUE,
                    model.URGENT_PRIORITY,
                    {"topic": "complaint_escalation"},
                )
                escalated.append(case["ref"])
        return escalated

    # --- what follows a step ------------------------------------------------------------------

    def _task(
        self,
        case: ComplaintRecord,
        task_id: str,
        queue: str,
        priority: int,
        attributes: dict[str, str],
    ) -> None:
        """A back-office task; its deadline is the case's resolution target."""
        try:
            self.router.enqueue(
                task_id,
                BACKOFFICE_CHANNEL,
                queue,
                case["language"],
                priority,
                attributes={
                    "complaint_ref": case["ref"],
                    "due_at": f"{case['due_at']:.0f}",
                    "due": model.iso(case["due_at"]),
                    "category": case["category"] or "",
                    "severity": case["severity"] or "",
                    "product": case["product"],
                    "batch": case["batch"],
                    **attributes,
                },
            )
        except RoutingError as exc:
            if exc.code != "exists":  # a retried step: the task is there already
                raise

    def _send(self, case: ComplaintRecord, body: str) -> str | None:
        phone = case["customer"].get("phone", "")
        sender = case["reached"] or self.policy.sender
        if not phone or not sender:
            log.warning("complaint %s: no phone or sender number to write to", case["ref"])
            return None
        return send_message(self.gateway, phone, body, MESSAGE_CHANNEL, sender)

    def _tell(self, case: ComplaintRecord, body: str, kind: str) -> None:
        """Send a message and record it (or its failure) on the timeline."""
        channel = self._send(case, body)
        event = f"{kind}_sent" if channel else f"{kind}_failed"
        now = self.router.clock()
        self.apply(
            case["ref"],
            lambda c: (
                c,
                [
                    {
                        "at": now,
                        "event": event,
                        "state": c["state"],
                        "actor": "system",
                        "text": body,
                        "channel": channel or "",
                    }
                ],
            ),
        )

    def _check_batch(self, case: ComplaintRecord, now: float) -> None:
        """Several complaints on one batch within the window: one alert and a QC task."""
        alert = self.batch_alerts.record(case, now, self.policy)
        if alert is None:
            return
        alert_id = alert["id"]
        self.apply(case["ref"], lambda c: model.batch_alert(c, alert_id, now))
        self._task(
            case,
            alert_id,
            TEAM_QUEUES["qc"],
            model.PRIORITY["escalated"],
            {"topic": "batch_alert", "team": "qc", "refs": " ".join(alert["refs"])},
        )
