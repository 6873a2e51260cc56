"""Callbacks are dialled: once the agent of a callback is in its conference, the customer's leg
is created from the centre's number; a customer who does not answer is tried again by the
centre's policy (count, spacing), each try on the record, until the contact ends as
'callback_failed'.

The agent leg and the conference are helper A's (the connector rings the agent, the
conference's join event calls `dial_customer`); here the test stands in for them: it accepts
the offer, sets `agent_leg` with `router.annotate`, and calls `dial_customer` itself.
"""

from __future__ import annotations

import csv
import threading
from urllib.parse import urlsplit

from telephony.gateway import TwilioGateway
from telephony.ivr.outbound import attempt_of, dial_customer, enqueue_due_callbacks
from telephony.routing.contact_log import ContactLog
from telephony.twilio_emulator import RestRecorder
from tests.ivr.conftest import CLOSED_AT, PUBLIC, settings
from tests.ivr.dialling import CENTRE_NUMBER, agent, callback_task, drain

CALLER = "+628999000111"
AGENT_LEG = "CA" + "a" * 32


def accepted(svc, task_id: str, agent_id: str = "ayu") -> dict:
    """The callback offered to a newly available agent and accepted on the desk; the agent's
    leg (helper A's) is in the conference."""
    agent(svc, agent_id)
    task = svc.router.task(task_id)
    assert task["state"] == "reserved" and task["agent"] == agent_id
    svc.router.accept(task["offer"])
    svc.router.annotate(task_id, {"agent_leg": AGENT_LEG})
    return svc.router.task(task_id)


def unanswered(twilio, task_id: str, attempt: int, status: str = "no-answer"):
    return twilio.post(
        f"/twilio/voice/customer-status?task={task_id}&attempt={attempt}",
        {"CallSid": "CA" + "c" * 32, "CallStatus": status, "To": CALLER},
    )


def test_accepting_a_callback_dials_the_customer_from_the_centre_number(twilio, svc, tmp_path):
    """The defect 'accepting a callback task places no call'. What it asserts: for an accepted
    callback, `dial_customer` (the call helper A's conference step makes) sends the real twilio
    client's Calls create for the customer: to the number that asked for the callback, from the
    number it had called, TwiML /join of the task's conference, the status callback of try 1,
    the centre's ring time. On the base code there is no such call to make."""
    task_id = callback_task(twilio, svc, CALLER)
    task = accepted(svc, task_id)
    dial_customer(svc, task)
    dial_customer(svc, task)  # a retried webhook asks again: still one call
    with RestRecorder() as recorder:
        assert drain(svc, TwilioGateway(settings(tmp_path, twilio_api_base=recorder.url))) == 1
        (create,) = recorder.requests
    assert create.path.endswith("/Calls.json")
    form = {k: v[0] for k, v in create.form.items()}
    assert (form["To"], form["From"], form["Timeout"]) == (CALLER, CENTRE_NUMBER, "25")
    assert form["Url"] == f"{PUBLIC}/twilio/voice/join?task={task_id}&lang=id"
    assert form["StatusCallback"] == (
        f"{PUBLIC}/twilio/voice/customer-status?task={task_id}&attempt=1"
    )
    leg = svc.router.task(task_id)["attributes"]["customer_leg"]
    assert leg.startswith("CA") and len(leg) == 34


def test_an_answered_customer_changes_nothing(twilio, svc, gateway):
    task_id = callback_task(twilio, svc)
    accepted(svc, task_id)
    for status in ("initiated", "ringing", "in-progress"):
        assert unanswered(twilio, task_id, 1, status).status_code == 200
    unanswered(twilio, task_id, 1, "completed")  # the talk ended: the conference's business
    task = svc.router.task(task_id)
    assert task["state"] == "assigned" and task["attributes"]["attempt_1"].startswith("answered@")
    assert "attempts" not in task["attributes"]
    assert svc.redis.zcard(svc.router.keys.due_callbacks()) == 0


def test_no_answer_is_recorded_told_to_the_agent_and_tried_again_later(twilio, svc, gateway, clock):
    task_id = callback_task(twilio, svc)
    first = accepted(svc, task_id)
    reply = unanswered(twilio, task_id, 1)
    assert reply.status_code == 200 and reply.mimetype == "text/xml"
    task = svc.router.task(task_id)
    assert task["attributes"]["attempts"] == "1"
    assert task["attributes"]["attempt_1"] == "no-answer@2025-07-15T03:00:00+00:00"
    assert task["state"] == "wrapping"  # this try is over; the agent wraps up
    drain(svc, gateway)
    ((leg, notice),) = gateway.redirects
    assert leg == AGENT_LEG and urlsplit(notice).path == "/twilio/voice/customer-unreached"
    told = twilio.post(notice, {"CallSid": AGENT_LEG, "CallStatus": "in-progress"})
    assert b"Panggilan balik dijadwalkan ulang." in told.data  # in the callback's language
    assert told.data.rstrip().endswith(b"<Hangup /></Response>")

    unanswered(twilio, task_id, 1)  # Twilio retries the status callback: nothing twice
    assert svc.redis.zcard(svc.router.keys.due_callbacks()) == 1

    clock.now += 599  # the centre's spacing is 600 s
    assert enqueue_due_callbacks(svc.router) == 0
    clock.now += 2
    assert enqueue_due_callbacks(svc.router) == 1
    second = svc.router.task(f"{task_id}-2")
    assert (second["created"], second["queue"], second["language"]) == (
        first["created"],
        "general",
        "id",
    )
    attrs = second["attributes"]
    assert (attrs["kind"], attrs["callback_to"], attrs["retry_of"]) == ("callback", CALLER, task_id)
    assert attrs["attempt_1"].startswith("no-answer@") and "agent_leg" not in attrs
    assert attempt_of(second) == 2


def test_a_report_of_an_older_try_is_ignored(twilio, svc):
    task_id = callback_task(twilio, svc)
    accepted(svc, task_id)
    unanswered(twilio, task_id, 2)  # no try 2 of this task
    unanswered(twilio, "cb-nonsense", 1)
    assert svc.router.task(task_id)["state"] == "assigned"


def test_three_tries_then_callback_failed_each_try_on_the_record(
    twilio, svc, gateway, clock, tmp_path
):
    task_id = callback_task(twilio, svc)
    ids = [task_id, f"{task_id}-2", f"{task_id}-3"]
    for n, (tid, status) in enumerate(zip(ids, ("no-answer", "busy", "failed"), strict=True)):
        if n == 0:
            accepted(svc, tid)
        else:
            _accept_again(svc, tid)
        dial_customer(svc, svc.router.task(tid))
        unanswered(twilio, tid, n + 1, status)
        clock.now += 31  # the general queue's wrap-up ends; the agent is free again
        svc.router.tick()
        clock.now += 600
        enqueue_due_callbacks(svc.router)
    drain(svc, gateway)
    dialled = [args["status_callback"] for op, args in gateway.rest if op == "create_call"]
    assert [urlsplit(callback).query for callback in dialled] == [
        f"task={tid}&attempt={n + 1}" for n, tid in enumerate(ids)
    ]
    assert svc.redis.zcard(svc.router.keys.due_callbacks()) == 0  # no fourth try
    last = svc.router.task(ids[-1])["attributes"]
    tries = [last[f"attempt_{n}"].split("@")[0] for n in (1, 2, 3)]
    assert tries == ["no-answer", "busy", "failed"]
    assert last["attempts"] == "3"

    ContactLog(svc.redis, svc.router.keys, svc.centre, tmp_path).flush()
    rows = list(csv.DictReader(next((tmp_path / "contacts").glob("*.csv")).open()))
    outcomes = {r["task_id"]: r["outcome"] for r in rows}
    assert [outcomes[t] for t in ids] == ["callback", "callback", "callback_failed"]
    assert {r["customer"] for r in rows if r["task_id"] in ids} == {CALLER}


def _accept_again(svc, task_id: str) -> None:
    task = svc.router.task(task_id)
    assert task["state"] == "reserved" and task["agent"] == "ayu"
    svc.router.accept(task["offer"])
    svc.router.annotate(task_id, {"agent_leg": AGENT_LEG})


def test_a_due_try_is_enqueued_once_by_two_dispatchers(twilio, svc, clock):
    task_id = callback_task(twilio, svc)
    accepted(svc, task_id)
    unanswered(twilio, task_id, 1)
    key = svc.router.keys.due_callbacks()
    (member,) = svc.redis.zrange(key, 0, -1)
    clock.now += 601
    barrier, counts = threading.Barrier(2), []

    def dispatcher() -> None:
        barrier.wait()
        counts.append(enqueue_due_callbacks(svc.router))

    threads = [threading.Thread(target=dispatcher) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    svc.redis.zadd(key, {member: clock.now})  # one read it before the other removed it
    counts.append(enqueue_due_callbacks(svc.router))
    assert sum(counts) == 1 and svc.redis.zcard(key) == 0
    assert svc.router.task(f"{task_id}-2")["state"] == "queued"


def test_a_callback_of_an_after_hours_call_comes_from_the_number_called(
    twilio, svc, gateway, clock
):
    clock.now = CLOSED_AT
    call = twilio.call(CALLER, number="+622150009999").start().press("1")
    call.press("1")
    task_id = f"cb-{call.sid}"
    dial_customer(svc, accepted(svc, task_id))
    drain(svc, gateway)
    ((op, args),) = gateway.rest
    assert (op, args["to"], args["from_"]) == ("create_call", CALLER, "+622150009999")
