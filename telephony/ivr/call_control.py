"""Call control of a live call in its conference (hold, mute, hang up, transfers, a third party,
a supervisor listening, coaching or barging in), from the desk's and the console's requests and
from the status callbacks of the legs dialled here.

Every REST request goes through the outbox (`Outbox.rest`), never from the web request itself;
the router's part of a transfer (who holds the task, whose load it is) is decided first, so the
requests follow what the router already says. The attributes a live call carries are VOICE.md's:
`conference_sid`, `customer_leg`, `agent_leg`; a named transfer adds `transfer_to`,
`transfer_mode` ('cold' | 'warm'), `transfer_state` ('ringing' | 'talking'), `transfer_leg`; the
legs dialled in as `third` and `supervisor` are kept as `third_leg` and `supervisor_leg`.
"""

from __future__ import annotations

import logging

from flask import Response, request
from twilio.twiml.voice_response import VoiceResponse

from telephony.call_state import LEG_STATE
from telephony.ivr import call
from telephony.ivr.call import Place
from telephony.ivr.twiml import hold_url, reply, url
from telephony.routing.errors import RoutingError
from telephony.services import Services, services
from telephony.signature import twilio_signed

log = logging.getLogger(__name__)
# the Participants API's call status events Vero listens to on the legs it dials in
PARTICIPANT_EVENTS = ["answered", "completed"]
NOT_ANSWERED = ("busy", "no-answer", "failed", "canceled")
MONITOR_MODES: dict[str, dict[str, bool]] = {  # the supervisor leg's mute and coaching
    "listen": {"muted": True, "coaching": False},
    "whisper": {"muted": False, "coaching": True},
    "barge": {"muted": False, "coaching": False},
}
# the attributes a transfer to a queue clears: the conference ends as the caller leaves it, and
# the next agent's is a new one


def is_live(task: dict) -> bool:
    """A bridged voice call: assigned, its conference and its customer and agent legs known."""
    attrs = task.get("attributes") or {}
    return (
        task.get("channel") == "voice"
        and task.get("state") == "assigned"
        and all(attrs.get(name) for name in ("conference_sid", "customer_leg", "agent_leg"))
    )


def live_call(task: dict) -> dict[str, str]:
    """The attributes of a live call (`is_live`), or RoutingError('state'), a 409: nothing to
    control on anything else."""
    if not is_live(task):
        raise RoutingError("state", f"task {task.get('id')} is not a live call")
    return task["attributes"]


def _music(task: dict) -> str:
    return url("hold-music", lang=task["language"])


def _participant(svc: Services, task: dict, leg: str, changes: dict[str, object]) -> None:
    attrs = task["attributes"]
    svc.outbox.rest(
        "update_participant",
        {"conference_sid": attrs["conference_sid"], "call_sid": leg, "changes": changes},
        task=task["id"],
    )


def hold(svc: Services, task: dict, on: bool) -> None:
    """The customer on hold (hearing the hold music in their language), or back."""
    attrs = live_call(task)
    changes: dict[str, object] = {"hold": on}
    if on:
        changes.update(hold_url=_music(task), hold_method="POST")
    _participant(svc, task, attrs["customer_leg"], changes)


def mute(svc: Services, task: dict, on: bool) -> None:
    """The agent's microphone off, or on."""
    attrs = live_call(task)
    _participant(svc, task, attrs["agent_leg"], {"muted": on})


def hang_up(svc: Services, task: dict) -> None:
    """End the customer's leg; the conference callback completes the task (wrap-up)."""
    attrs = live_call(task)
    svc.outbox.rest("end_call", {"call_sid": attrs["customer_leg"]}, task=task["id"])


def _caller_id(svc: Services, task: dict) -> str:
    """The number the legs Vero dials in show: the one the customer called."""
    return task["attributes"].get("to") or svc.settings.messaging_number


def _dial_in(svc: Services, task: dict, to: str, label: str, options: dict[str, object]) -> None:
    """Dial `to` into the call's conference as `label`; its call sid lands on `<label>_leg`."""
    attrs = task["attributes"]
    status_callback = url("participant-status", task=task["id"], label=label)
    svc.outbox.rest(
        "add_participant",
        {
            "conference_sid": attrs["conference_sid"],
            "to": to,
            "from_": _caller_id(svc, task),
            "options": {
                "label": label,
                "status_callback": status_callback,
                "status_callback_method": "POST",
                "status_callback_event": PARTICIPANT_EVENTS,
                "timeout": int(svc.centre.channels["voice"].offer_timeout),
                **options,
            },
        },
        task=task["id"],
        store=f"{label}_leg",
    )


def transfer_to_queue(svc: Services, task: dict, queue: str) -> None:
    """Cold transfer: the task re-enters routing in `queue` with its age (`transfer=yes`,
    `transferred_by`), its agent is free at once, and the caller leaves the conference for the
    hold loop (whose announcements tell their new place). Only a caller's own call can wait on
    hold: a callback or a click-to-call goes to a named agent instead."""
    live_call(task)
    if not task["attributes"].get("call_sid"):
        raise RoutingError("state", "a call Vero placed goes to a named agent, not to a queue")
    _requeue(svc, task, queue)


def _requeue(svc: Services, task: dict, queue: str) -> None:
    changes = {"transfer": "yes", "transferred_by": task["agent"]}
    changes.update(dict.fromkeys(LEG_STATE, ""))
    svc.router.transfer_to_queue(task["id"], queue, changes)
    place = Place(queue, 0, task["language"], task["origin_queue"])
    leg = task["attributes"]["customer_leg"]
    svc.outbox.redirect_call(leg, hold_url(task["language"], place), task["id"])


def agent_address(svc: Services, agent_id: str) -> str:
    """How an agent is dialled: its softphone (`client:<name>`) or its phone number."""
    contact = svc.router.agent(agent_id)["contact"]
    if contact.get("client"):
        return f"client:{contact['client']}"
    if contact.get("phone"):
        return str(contact["phone"])
    raise RoutingError("invalid", f"agent {agent_id} has no softphone or phone to ring")


def transfer_to_agent(svc: Services, task: dict, agent_id: str, mode: str) -> None:
    """A named transfer: the target is held for the task and dialled into the conference as
    `transfer` while the customer waits on hold. Cold: the first agent's leg ends at once, and
    the task is the target's when it answers; warm: the agents talk until `complete_transfer`
    or `cancel_transfer`."""
    attrs = live_call(task)
    to = agent_address(svc, agent_id)
    svc.router.transfer_ring(task["id"], agent_id, mode)
    hold(svc, task, True)
    _dial_in(svc, task, to, "transfer", {})
    if mode == "cold":
        svc.outbox.rest("end_call", {"call_sid": attrs["agent_leg"]}, task=task["id"])


def _warm_transfer(task: dict, *states: str) -> dict[str, str]:
    """The attributes of a live call with a warm transfer in one of `states` (409 else)."""
    attrs = live_call(task)
    if attrs.get("transfer_mode") != "warm" or attrs.get("transfer_state") not in states:
        raise RoutingError("state", f"task {task['id']} has no warm transfer {' or '.join(states)}")
    return attrs


def complete_transfer(svc: Services, task: dict) -> None:
    """Warm: the first agent hands over to the target it talked to, and leaves."""
    attrs = _warm_transfer(task, "talking")
    svc.router.transfer_move(task["id"], attrs["transfer_leg"])
    svc.outbox.rest("end_call", {"call_sid": attrs["agent_leg"]}, task=task["id"])
    _participant(svc, task, attrs["customer_leg"], {"hold": False})


def cancel_transfer(svc: Services, task: dict) -> None:
    """Warm: the transfer leg ends, the first agent stays with the customer."""
    attrs = _warm_transfer(task, "ringing", "talking")
    svc.router.transfer_drop(task["id"])
    if attrs.get("transfer_leg"):
        svc.outbox.rest("end_call", {"call_sid": attrs["transfer_leg"]}, task=task["id"])
    _participant(svc, task, attrs["customer_leg"], {"hold": False})


def agent_left(svc: Services, task: dict) -> bool:
    """For the conference callback, when the task's agent leg left: True when a named transfer
    takes the call on (then the task is not completed). Talking to the target, the agent's
    leaving hands over (as `complete_transfer`); while the target rings, the transfer goes on
    as a cold one."""
    attrs = task.get("attributes") or {}
    if not attrs.get("transfer_to"):
        return False
    if attrs.get("transfer_state") == "talking":
        svc.router.transfer_move(task["id"], attrs["transfer_leg"])
        _participant(svc, task, attrs["customer_leg"], {"hold": False})
    elif attrs.get("transfer_mode") != "cold":
        svc.router.annotate(task["id"], {"transfer_mode": "cold"})
    return True


def add_third_party(svc: Services, task: dict, number: str) -> None:
    """Dial a number into the call (label `third`): a colleague outside, a supplier."""
    live_call(task)
    _dial_in(svc, task, number, "third", {})


def monitor(svc: Services, task: dict, mode: str, to: str) -> None:
    """The supervisor on the call: listening (muted), whispering to the agent (coaching the
    agent leg) or barging in. A supervisor already on it changes mode; else `to` is dialled in,
    joining without a beep."""
    attrs = live_call(task)
    changes: dict[str, object] = dict(MONITOR_MODES[mode])
    if changes["coaching"]:
        changes["call_sid_to_coach"] = attrs["agent_leg"]
    if attrs.get("supervisor_leg"):
        _participant(svc, task, attrs["supervisor_leg"], changes)
        return
    if not to:
        raise RoutingError("invalid", "to: the supervisor's client:<name> or phone number")
    _dial_in(svc, task, to, "supervisor", {**changes, "beep": "false"})


# --- the status callbacks of the legs dialled in -----------------------------------------------


@twilio_signed
def participant_status() -> Response:
    """`/participant-status?task=T&label=L`: the status callback of a leg dialled in here."""
    svc = services()
    task = call.task(svc, request.args.get("task", ""))
    if task is not None:
        try:
            on_participant(
                svc,
                task,
                request.args.get("label", ""),
                request.form.get("CallSid", ""),
                request.form.get("CallStatus", ""),
            )
        except RoutingError as exc:  # a retried or late callback: the step is done or moot
            log.info("participant status of %s not applied: %s", task["id"], exc)
    return reply(VoiceResponse())


def on_participant(svc: Services, task: dict, label: str, call_sid: str, status: str) -> None:
    """A leg dialled in answered or ended. The transfer leg drives the transfer; a third party
    or a supervisor that left is forgotten (a new monitor dials again)."""
    attrs = task.get("attributes") or {}
    if label == "transfer":
        _transfer_leg(svc, task, call_sid, status)
    elif label in ("third", "supervisor") and status != "in-progress":
        leg = f"{label}_leg"
        if call_sid and attrs.get(leg) == call_sid:  # that leg has left
            svc.router.annotate(task["id"], {leg: ""})


def _transfer_leg(svc: Services, task: dict, call_sid: str, status: str) -> None:
    attrs = task.get("attributes") or {}
    ours = attrs.get("transfer_to") and attrs.get("transfer_leg", "") in ("", call_sid)
    if not ours:
        if status == "in-progress" and call_sid != attrs.get("agent_leg"):
            # answered after the transfer was cancelled or went elsewhere: not wanted any more
            svc.outbox.rest("end_call", {"call_sid": call_sid}, task=task["id"])
        return
    cold = attrs.get("transfer_mode") == "cold"
    if status == "in-progress" and attrs.get("transfer_state") == "ringing":
        if cold:
            svc.router.transfer_move(task["id"], call_sid)
            _participant(svc, task, attrs["customer_leg"], {"hold": False})
        else:
            svc.router.annotate(task["id"], {"transfer_state": "talking", "transfer_leg": call_sid})
    elif status in NOT_ANSWERED or status == "completed":
        _transfer_failed(svc, task, cold)


def _transfer_failed(svc: Services, task: dict, cold: bool) -> None:
    """The target did not answer, or left the consultation. Warm: the first agent still has
    the caller. Cold: nobody has, so the call goes back to its queue, first in line by age."""
    attrs = task["attributes"]
    if task["state"] != "assigned":  # the call ended meanwhile: only the target to release
        svc.router.transfer_drop(task["id"])
    elif cold:
        log.info("cold transfer of %s was not answered: back to %s", task["id"], task["queue"])
        _requeue(svc, task, task["queue"])
    else:
        svc.router.transfer_drop(task["id"])
        _participant(svc, task, attrs["customer_leg"], {"hold": False})
