"""The traffic plan: Poisson arrivals with every caller's choices drawn up front, so the same
seed plays the same contacts."""

from __future__ import annotations

import random
from dataclasses import dataclass

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
    return arrivals
