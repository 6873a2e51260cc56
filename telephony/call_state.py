"""The attributes a voice task carries about its call's legs, in one place.

`LEG_STATE` describes the conference the call is in now (who is in, by which leg, with which
transfer or monitor under way): a transfer back to a queue clears it, and the next agent's
conference builds it anew. `CALL_STATE` adds what belongs to that one call (its recording, its
end, its rating, its transfer): a new contact made from the call (a callback, a voicemail, a
callback's next try) starts without it.
"""

from __future__ import annotations

LEG_STATE = (
    "customer_leg",
    "agent_leg",
    "agent_leg_offer",
    "agent_leg_status",
    "conference_sid",
    "customer_joined",
    "agent_joined",
    "bridged",
    "transfer_to",
    "transfer_mode",
    "transfer_state",
    "transfer_leg",
    "third_leg",
    "supervisor_leg",
)
CALL_STATE = (
    *LEG_STATE,
    "call_ended",
    "csat",
    "transfer",
    "transferred_by",
    "recording_state",
    "recording_sid",
    "recording_url",
    "recording_duration",
)


def is_bridged(task: dict) -> bool:
    """Caller and agent are in the call's conference together now (`answered_at` says only
    that they once were: a transferred call keeps its first answer)."""
    return (task.get("attributes") or {}).get("bridged") == "yes"


def leg_wanted(task: dict, offer: str) -> bool:
    """The agent's leg placed for `offer` is still wanted: the offer is pending, or it was
    accepted (on the desk, or by the leg) and caller and agent are not yet bridged."""
    if task["state"] == "reserved":
        return task["offer"] == offer
    return (
        task["state"] == "assigned"
        and (task.get("attributes") or {}).get("agent_leg_offer") == offer
        and not is_bridged(task)
    )


def without_call_state(attributes: dict[str, str]) -> dict[str, str]:
    """The attributes a new contact made from a call takes over."""
    return {k: v for k, v in attributes.items() if k not in CALL_STATE}
