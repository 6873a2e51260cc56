"""The traffic plan: Poisson arrivals with every caller's choices drawn up front, so the same
seed plays the same contacts. However short the run, its first three calls show the desk's voice
flows: the first is transferred to another queue, the second is accepted on the desk before the
softphone answers, the third asks for a callback at once."""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from typing import Any

from vero.cli.demo.cast import DIRECTORY, MESSAGES, TOPIC_WEIGHTS


@dataclass(frozen=True)
class Arrival:
    """One contact of the plan. Times marked sim are simulated seconds; the others are real."""

    index: int
    minute: float  # simulated minute of arrival
    channel: str  # voice, whatsapp or chat
    caller: str
    language: str
    known: bool  # in the directory (language from there; VIP/B2B routing)
    speech: bool  # says the choices instead of pressing keys
    topic: str
    patience: float  # how long the caller waits on hold before leaving
    leaving: str  # what an impatient caller does: hangup, callback or voicemail
    declined: bool  # the first agent rung declines the call
    desk_accept: bool  # the agent accepts on the desk, then the softphone answers
    transfer: bool  # the first agent moves the call to another queue mid-talk
    asks_callback: bool  # asks for a callback at the first hold prompt
    ring: float  # how long the agent's phone rings before they answer
    handle_sim: float  # talk (voice) or handling (messages) time
    survey: int | None  # the score given in the survey (None: no answer)
    token: str  # 32 hex digits for the CallSid / MessageSid
    text: str


def plan(minutes: float, rate: float, seed: int) -> list[Arrival]:
    """Poisson arrivals at `rate` contacts per simulated minute over `minutes`, with callers'
    choices drawn from a `random.Random(seed)`: the same seed gives the same traffic."""
    rng = random.Random(seed)
    arrivals: list[Arrival] = []
    minute = rng.expovariate(rate)
    while minute < minutes:
        channel = rng.choices(("voice", "whatsapp", "chat"), (76, 12, 12))[0]
        known = rng.random() < 0.3
        customer = rng.choice(DIRECTORY) if known else None
        caller = customer.phone if customer else f"+62812{rng.randrange(10**7, 10**8)}"
        language = customer.language if customer else rng.choices(("id", "en"), (70, 30))[0]
        impatient = rng.random() < 0.15
        arrivals.append(
            Arrival(
                index=len(arrivals),
                minute=round(minute, 3),
                channel=channel,
                caller=caller,
                language=language,
                known=known,
                speech=rng.random() < 0.35,
                topic=rng.choices(list(TOPIC_WEIGHTS), list(TOPIC_WEIGHTS.values()))[0],
                patience=rng.uniform(3, 10) if impatient else rng.uniform(40, 90),
                leaving=rng.choices(("hangup", "callback", "voicemail"), (60, 25, 15))[0],
                declined=rng.random() < 0.08,
                desk_accept=rng.random() < 0.4,
                transfer=rng.random() < 0.1,
                asks_callback=False,
                ring=rng.uniform(1, 3),
                handle_sim=rng.gammavariate(4, 45 if channel == "voice" else 60),
                survey=rng.choices((5, 4, 3, 2, 1), (45, 30, 12, 8, 5))[0]
                if rng.random() < 0.8
                else None,
                token=f"{rng.getrandbits(128):032x}",
                text=rng.choice(MESSAGES[language]),
            )
        )
        minute += rng.expovariate(rate)
    return _show_each_voice_flow(arrivals)


def _show_each_voice_flow(arrivals: list[Arrival]) -> list[Arrival]:
    """The first call transferred, the second accepted on the desk, the third a callback."""
    calls = [a.index for a in arrivals if a.channel == "voice"]
    flows: tuple[dict[str, Any], ...] = (
        {"transfer": True, "declined": False},
        {"desk_accept": True, "declined": False, "transfer": False},
        {"asks_callback": True, "leaving": "callback", "transfer": False},
    )
    shown = list(arrivals)
    for index, flow in zip(calls, flows, strict=False):
        shown[index] = dataclasses.replace(shown[index], **flow)
    return shown
