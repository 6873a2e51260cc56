"""`vero demo`: the real service under a compressed hour of bilingual traffic, then a
service-level summary that accounts for every contact, then the console until Ctrl-C.

Vero starts exactly as `vero serve` does (embedded Redis, app, dispatcher with the voice connector,
a real HTTP port). Callers are driven by the Twilio emulator over HTTP, signed with the demo's auth
token; the gateway talks to a local Twilio REST recorder, whose call updates make the emulated
call fetch `/twilio/voice/connect`, so every answered call goes whisper → accept → talk → survey.
Simulated agents use the agent API with their own tokens.

Time compression: arrivals, talk and handle times and wrap-up run `speed` times faster (agents end
wrap-up early through the API). The router's clock is real, so what it measures stays real:
offer timeouts, routing-step timeouts, answer targets, waits and service levels are real seconds,
and so are the agents' reactions (1-3 s to pick up) and the callers' patience.
"""

from __future__ import annotations

import contextlib
import csv
import json
import logging
import random
import secrets
import socket
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import click
import yaml
from rich import box
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from telephony.customers import Customer, CustomerDirectory
from telephony.routing.policy.records import OPEN_TASK_STATES
from telephony.services import services
from telephony.twilio_emulator import Call, Emulator, HttpClient, RestRecorder, new_sid
from vero.cli.serve import running, wait_for_interrupt
from vero.kernel.centre import Centre, reference_centre_path
from vero.kernel.settings import Settings

AUTH_TOKEN = "demo-twilio-auth-token"  # the demo's Twilio account: its emulator signs with it
NUMBER = "+622150001234"  # the centre's number
HOLD_LOOP = 5.0  # real seconds between the emulated caller's /hold requests
CLOSED = ("completed", "abandoned", "callback", "voicemail", "canceled")

log = logging.getLogger(__name__)


# --- who is there -----------------------------------------------------------------------------

@dataclass(frozen=True)
class AgentProfile:
    id: str
    name: str
    skills: dict[str, int]
    languages: tuple[str, ...]


AGENTS = (
    AgentProfile("ayu", "Ayu Lestari", {"general": 3, "product": 4, "complaints": 3}, ("id", "en")),
    AgentProfile("budi", "Budi Santoso", {"general": 2, "orders": 4}, ("id",)),
    AgentProfile("citra", "Citra Dewi", {"product": 3, "orders": 2, "general": 2}, ("id", "en")),
    AgentProfile("dewi", "Dewi Kartika", {"complaints": 5, "general": 2}, ("id",)),
    AgentProfile("eko", "Eko Prasetyo", {"b2b": 4, "general": 1}, ("id", "en")),
    AgentProfile("fitri", "Fitri Handayani", {"vip": 4, "general": 3, "product": 2}, ("id", "en")),
    AgentProfile("gilang", "Gilang Ramadhan", {"orders": 3, "partners": 3, "general": 2}, ("id",)),
    AgentProfile("hana", "Hana Wijaya", {"general": 3, "product": 2, "orders": 2}, ("en", "id")),
    AgentProfile("indra", "Indra Gunawan", {"partners": 2, "b2b": 2, "general": 2}, ("id",)),
    AgentProfile("joko", "Joko Susilo", {"general": 2, "complaints": 3, "orders": 1}, ("id",)),
)

DIRECTORY = (  # the demo's customer directory: known callers skip the language question
    Customer("+628111000001", "Sari", "B2C", False, "id"),
    Customer("+628111000002", "Emily", "B2C", False, "en"),
    Customer("+628111000003", "Dewi Anggraini", "B2C", True, "id"),
    Customer("+628111000004", "Olivia", "B2C", True, "en"),
    Customer("+628111000005", "PT Cantik Alami", "B2B", False, "id"),
    Customer("+628111000006", "Glow Labs Pte Ltd", "B2B", False, "en"),
)

# Menu paths (keypad digits) with what a caller says instead, per language.
TOPICS: dict[str, tuple[tuple[str, ...], dict[str, tuple[str, ...]]]] = {
    "product": (("1",), {"id": ("konsultasi produk",), "en": ("product ingredients",)}),
    "orders": (("2",), {"id": ("status pesanan",), "en": ("order status",)}),
    "skin_reaction": (("3", "1"), {"id": ("keluhan", "reaksi kulit"),
                                   "en": ("complaint", "allergic reaction")}),
    "damaged_package": (("3", "2"), {"id": ("keluhan", "kemasan bocor"),
                                     "en": ("complaint", "leaking package")}),
    "b2b": (("4",), {"id": ("maklon",), "en": ("business",)}),
    "partners": (("5",), {"id": ("program mitra",), "en": ("partner",)}),
    "general": (("0",), {"id": ("petugas",), "en": ("agent",)}),
}
TOPIC_WEIGHTS = {"product": 30, "orders": 30, "skin_reaction": 5, "damaged_package": 8, "b2b": 4,
                 "partners": 8, "general": 15}
LANGUAGE_WORDS = {"id": ("1", "bahasa indonesia"), "en": ("2", "english")}
MESSAGES = {"id": ("Halo, pesanan saya belum sampai.", "Apakah serum ini cocok untuk kulit "
                   "berminyak?", "Kapan promo berikutnya?"),
            "en": ("Hi, where is my order?", "Is this serum fine for oily skin?",
                   "Do you ship to Singapore?")}


# --- the traffic plan (deterministic for a seed) ----------------------------------------------

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
        arrivals.append(Arrival(
            index=len(arrivals), minute=round(minute, 3), channel=channel, caller=caller,
            language=language, known=known, speech=rng.random() < 0.35,
            topic=rng.choices(list(TOPIC_WEIGHTS), list(TOPIC_WEIGHTS.values()))[0],
            patience=rng.uniform(3, 10) if impatient else rng.uniform(40, 90),
            leaving=rng.choices(("hangup", "callback", "voicemail"), (60, 25, 15))[0],
            declined=rng.random() < 0.08, ring=rng.uniform(1, 3),
            handle_sim=rng.gammavariate(4, 45 if channel == "voice" else 60),
            survey=rng.choices((5, 4, 3, 2, 1), (45, 30, 12, 8, 5))[0]
            if rng.random() < 0.8 else None,
            token=f"{rng.getrandbits(128):032x}", text=rng.choice(MESSAGES[language])))
        minute += rng.expovariate(rate)
    return arrivals


# --- talking to Vero over HTTP ----------------------------------------------------------------

class ApiError(Exception):
    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"HTTP {status}: {body[:200]}")
        self.status = status


class Api:
    """JSON over HTTP with a bearer token: how agents, the website and supervisors reach Vero."""

    def __init__(self, base_url: str, token: str = "") -> None:
        self.base_url = base_url
        self.token = token

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.base_url + path, method=method, headers=headers,
                                         data=None if body is None else json.dumps(body).encode())
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise ApiError(exc.code, exc.read().decode(errors="replace")) from None


# --- the simulated agents ---------------------------------------------------------------------

class SimAgent:
    """An agent at the desk: polls offers, accepts most after a short delay and rejects a few,
    answers messages, handles, completes and ends wrap-up (compressed). Voice offers of live
    calls ring the agent's phone instead (the emulated call answers them, see `Traffic`)."""

    POLL = 0.3

    def __init__(self, profile: AgentProfile, token: str, base_url: str, centre: Centre,
                 speed: float, seed: int) -> None:
        self.profile = profile
        self.api = Api(base_url, token)
        self.centre = centre
        self.speed = speed
        self.rng = random.Random(f"{seed}:{profile.id}")
        self.stop = threading.Event()
        self.errors: list[str] = []
        self._due: list[tuple[float, str, str]] = []  # (real time, action, offer or task id)
        self._seen: set[str] = set()  # offers and tasks this agent has scheduled work for
        self._thread = threading.Thread(target=self._run, name=f"agent-{profile.id}", daemon=True)

    def start(self) -> SimAgent:
        self.api.call("POST", f"/api/agents/{self.profile.id}/state", {"state": "available"})
        self._thread.start()
        return self

    def join(self) -> None:
        self.stop.set()
        self._thread.join(timeout=10)

    def _later(self, seconds: float, action: str, ref: str) -> None:
        self._due.append((time.monotonic() + seconds, action, ref))

    def _run(self) -> None:
        while not self.stop.wait(self.POLL):
            try:
                self._round()
            except (ApiError, OSError) as exc:
                self.errors.append(f"agent {self.profile.id}: {exc}")

    def _round(self) -> None:
        agent_id = self.profile.id
        for offer in self.api.call("GET", f"/api/agents/{agent_id}/offers")["offers"]:
            task = offer["task"]
            if offer["offer_id"] in self._seen or (task["channel"] == "voice"
                                                   and task["attributes"].get("call_sid")):
                continue  # a live call rings the phone; callbacks are taken at the desk
            self._seen.add(offer["offer_id"])
            self._later(self.rng.uniform(0.5, 2.5), "decide", offer["offer_id"])
        for task_id in self.api.call("GET", f"/api/agents/{agent_id}")["tasks"]:
            if task_id not in self._seen and \
                    self.api.call("GET", f"/api/tasks/{task_id}")["state"] == "wrapping":
                self._seen.add(task_id)  # a call ended by the caller's side: wrap-up started
                self._later(self._wrap(task_id), "end-wrap", task_id)
        now = time.monotonic()
        due = [item for item in self._due if item[0] <= now]
        self._due = [item for item in self._due if item[0] > now]
        for _, action, ref in due:
            with contextlib.suppress(ApiError):  # 409: expired, or the router got there first
                self._act(action, ref)

    def _wrap(self, task_id: str) -> float:
        queue = self.api.call("GET", f"/api/tasks/{task_id}")["queue"]
        return self.centre.queues[queue].wrap_up_seconds / self.speed

    def _act(self, action: str, ref: str) -> None:
        if action == "decide" and self.rng.random() < 0.08:
            self.api.call("POST", f"/api/offers/{ref}/reject")
        elif action == "decide":
            task = self.api.call("POST", f"/api/offers/{ref}/accept")["task"]
            self._seen.add(task["id"])
            if task["channel"] in ("chat", "whatsapp", "sms"):
                self._later(self.rng.uniform(0.5, 1.5), "reply", task["id"])
            handle = self.rng.gammavariate(4, 60 if task["channel"] != "voice" else 45)
            self._later(handle / self.speed, "complete", task["id"])
        elif action == "reply":
            text = {"id": "Terima kasih, kami bantu cek ya.", "en": "Thanks, let me check."}
            language = self.api.call("GET", f"/api/tasks/{ref}")["language"]
            self.api.call("POST", f"/api/tasks/{ref}/messages", {"body": text[language]})
        elif action == "complete":
            self.api.call("POST", f"/api/tasks/{ref}/complete")
            self._later(self._wrap(ref), "end-wrap", ref)
        elif action == "end-wrap":
            self.api.call("POST", f"/api/tasks/{ref}/complete")


# --- the customers ----------------------------------------------------------------------------

@dataclass
class Ledger:
    """Every contact the demo started (task id → channel label), and what went wrong."""

    tasks: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, task_id: str, label: str) -> None:
        with self.lock:
            self.tasks[task_id] = label


class Traffic:
    """Plays each arrival: a caller through the IVR (and, when the call is put through, the
    agent's phone), or a WhatsApp message, or a website chat."""

    def __init__(self, emulator: Emulator, api: Api, tokens: dict[str, str], speed: float,
                 ledger: Ledger) -> None:
        self.emulator = emulator
        self.api = api  # anonymous: the website's chat widget
        self.tokens = tokens  # agent id → token (the agent's phone declines through the desk)
        self.speed = speed
        self.ledger = ledger

    def play(self, arrival: Arrival) -> None:
        try:
            {"voice": self._call, "whatsapp": self._whatsapp, "chat": self._chat}[
                arrival.channel](arrival)
        except Exception as exc:  # noqa: BLE001 (the summary fails the run with it)
            self.ledger.errors.append(f"contact {arrival.index} ({arrival.channel}): {exc!r}")

    def _whatsapp(self, arrival: Arrival) -> None:
        sid = new_sid("SM", arrival.token)
        reply = self.emulator.post("/twilio/messaging", {
            "MessageSid": sid, "AccountSid": "AC" + "0" * 32, "From": f"whatsapp:{arrival.caller}",
            "To": f"whatsapp:{NUMBER}", "Body": arrival.text})
        if reply.status_code != 200:
            raise ApiError(reply.status_code, reply.data.decode(errors="replace"))
        self.ledger.add(f"whatsapp-{sid}"[:80], "whatsapp")  # the messaging webhook's task id

    def _chat(self, arrival: Arrival) -> None:
        queue = {"product": "product", "orders": "orders"}.get(arrival.topic, "general")
        opened = self.api.call("POST", "/api/chat", {"language": arrival.language, "queue": queue,
                                                     "message": arrival.text})
        self.ledger.add(opened["task_id"], "chat")

    def _call(self, arrival: Arrival) -> None:
        call = self.emulator.call(arrival.caller, NUMBER, sid=new_sid("CA", arrival.token))
        self.ledger.add(f"call-{call.sid}", "voice")  # the IVR's task id of the call
        call.start()
        digits, words = TOPICS[arrival.topic]
        if not arrival.known:
            key, word = LANGUAGE_WORDS[arrival.language]
            call.speak(word) if arrival.speech else call.press(key)
        for key, word in zip(digits, words[arrival.language], strict=True):
            call.speak(word) if arrival.speech else call.press(key)
        give_up, declined = time.monotonic() + arrival.patience, arrival.declined
        while not call.ended:
            left = give_up - time.monotonic()
            url = call.wait_for_update(min(left, HOLD_LOOP))
            if url is not None:
                call.fetch(url)  # the connector redirected the call: dial the agent
                if call.waits_on("Dial"):
                    self._ring(call, arrival, url, declined)
                    declined = False
            elif left <= HOLD_LOOP:
                self._leave(call, arrival)
            else:
                call.silence()  # the hold loop: Twilio asks /hold again
        call.hang_up()  # Twilio's status callback at the end of every call

    def _ring(self, call: Call, arrival: Arrival, url: str, declined: bool) -> None:
        """The agent's phone rings; they decline (through the desk) or answer: the whisper
        accepts the offer; after the talk the caller hears the survey."""
        _, agent_id, _ = call.dial_target()
        time.sleep(arrival.ring)
        if declined:
            offer = parse_qs(urlsplit(url).query)["offer"][0]
            with contextlib.suppress(ApiError):
                Api(self.api.base_url, self.tokens[agent_id]).call(
                    "POST", f"/api/offers/{offer}/reject")
            call.dial_ends("no-answer", "0")
            return
        if "Hangup" in call.agent_answers():  # the offer went stale meanwhile
            call.dial_ends("no-answer", "0")
            return
        time.sleep(arrival.handle_sim / self.speed)
        call.dial_ends("completed", str(round(arrival.handle_sim)))
        while not call.ended and call.waits_on("Gather"):  # the survey
            call.press(str(arrival.survey)) if arrival.survey else call.silence()

    def _leave(self, call: Call, arrival: Arrival) -> None:
        """Patience ran out on hold: hang up, or ask for a callback or a voicemail."""
        if arrival.leaving == "callback" and call.waits_on("Gather"):
            call.press("1")
            self.ledger.add(f"cb-{call.sid}", "callback")  # the IVR's callback task
        elif arrival.leaving == "voicemail" and call.waits_on("Gather"):
            call.press("2").record(f"https://api.twilio.com/demo/Recordings/RE{arrival.token}")
        else:
            call.hang_up()


# --- the summary ------------------------------------------------------------------------------

@dataclass
class Row:
    """Contacts of one queue and channel by how they ended; `accepted` is the router's
    'answered' (counted at accept, so it includes answered contacts still open)."""

    offered: int = 0
    answered: int = 0
    in_target: int = 0
    abandoned: int = 0
    callback_voicemail: int = 0
    canceled: int = 0
    open: int = 0
    wait_sum: float = 0.0
    accepted: int = 0

    def add(self, task: dict, target: float) -> None:
        self.offered += 1
        state = task["state"]
        if state == "completed":
            self.answered += 1
            wait = task["answered_at"] - task["created"]
            self.wait_sum += wait
            self.in_target += wait <= target
        elif state in ("callback", "voicemail"):
            self.callback_voicemail += 1
        elif state == "abandoned":
            self.abandoned += 1
        elif state == "canceled":
            self.canceled += 1
        elif state in OPEN_TASK_STATES:
            self.open += 1
        self.accepted += bool(task.get("answered_at"))

    def accounted(self) -> int:
        return self.answered + self.abandoned + self.callback_voicemail + self.canceled + self.open

    def __add__(self, other: Row) -> Row:
        return Row(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(Row)))


def target_of(centre: Centre, channel: str) -> float:
    return centre.answer_target_seconds if channel == "voice" \
        else centre.channels[channel].target_seconds


@dataclass
class Summary:
    rows: dict[tuple[str, str], Row]
    problems: list[str]

    def total(self) -> Row:
        return sum(self.rows.values(), Row())


def account(centre: Centre, ledger: dict[str, str], tasks: dict[str, dict | None],
            router_ids: Iterable[str], records: list[dict[str, str]],
            counters: dict[str, dict] | None) -> Summary:
    """Tally every contact per (queue, channel) and check nothing is missing: each contact the
    demo started is a router task, the router has no others, each closed task has exactly one
    contact record with its outcome, and the router's counters (the console's figures) agree."""
    problems: list[str] = []
    rows: dict[tuple[str, str], Row] = defaultdict(Row)
    for task_id, label in sorted(ledger.items()):
        task = tasks.get(task_id)
        if task is None:
            problems.append(f"{label} contact {task_id} is unknown to the router")
            continue
        rows[(task["origin_queue"], label)].add(task, target_of(centre, task["channel"]))
    extra = set(router_ids) - set(ledger)
    problems += [f"router task {t} was not started by the demo" for t in sorted(extra)]
    per_task = Counter(r["task_id"] for r in records)
    for task_id, task in tasks.items():
        if task is None:
            continue
        written = per_task.pop(task_id, 0)
        if task["state"] in CLOSED and written != 1:
            problems.append(f"closed task {task_id} has {written} contact records, not 1")
        if task["state"] not in CLOSED and written:
            problems.append(f"open task {task_id} already has a contact record")
    problems += [f"contact record of unknown task {t}" for t in sorted(per_task)]
    outcomes = {r["task_id"]: r["outcome"] for r in records}
    problems += [f"task {t} is {task['state']} but its record says {outcomes[t]}"
                 for t, task in tasks.items() if task and t in outcomes
                 and outcomes[t] != task["state"]]
    for (queue, label), row in rows.items():
        if row.offered != row.accounted():
            problems.append(f"{queue}/{label}: {row.offered} offered but {row.accounted()} "
                            "accounted for")
    if counters is not None:
        for queue in {q for q, _ in rows}:
            mine = [r for (q, _), r in rows.items() if q == queue]
            today = counters[queue]["today"]
            total = sum(mine, Row())
            for metric, value in (("offered", total.offered), ("answered", total.accepted),
                                  ("abandoned", total.abandoned)):
                if today[metric] != value:
                    problems.append(f"{queue}: the router counts {today[metric]} {metric}, "
                                    f"the contacts {value}")
    return Summary(dict(rows), problems)


def summary_table(centre: Centre, summary: Summary, speed: float) -> Table:
    table = Table(title="Service level of the demo hour", title_justify="left",
                  box=box.SIMPLE_HEAD, padding=(0, 1), collapse_padding=True,
                  caption=f"Waits are real seconds on the router's clock (traffic ran ×{speed:g}); "
                          "SL = answered in target / (answered + abandoned).",
                  caption_justify="left")
    for name in ("queue", "channel", "offered", "answered", "≤target", "abandoned", "cb/vm",
                 "canceled", "open", "ASA s", "SL", "goal"):
        table.add_column(name, justify="left" if name in ("queue", "channel") else "right")
    for (queue, label), row in sorted(summary.rows.items()):
        channel = "voice" if label == "callback" else label
        table.add_row(queue, label, *_figures(row, centre.channels[channel].service_level,
                                              target_of(centre, channel)))
    table.add_section()
    table.add_row("all", "", *_figures(summary.total(), None, None), style="bold")
    return table


def _figures(row: Row, level: float | None, target: float | None) -> list[str]:
    handled = row.answered + row.abandoned
    sl = row.in_target / handled if handled else None
    sl_text = "–" if sl is None else f"{sl:.0%}"
    if sl is not None and level is not None:
        sl_text = f"[{'green' if sl >= level else 'red'}]{sl_text}[/]"
    goal = "" if level is None else f"{level:.0%}/{_duration(target)}"
    return [str(row.offered), str(row.answered), str(row.in_target), str(row.abandoned),
            str(row.callback_voicemail), str(row.canceled), str(row.open),
            f"{row.wait_sum / row.answered:.1f}" if row.answered else "–", sl_text, goal]


def _duration(seconds: float) -> str:
    """15 → '15s', 300 → '5m', 3600 → '1h'."""
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size:g}{unit}"
    return f"{seconds:g}s"


# --- the command ------------------------------------------------------------------------------

def demo_centre(folder: Path) -> Path:
    """The reference centre, open around the clock, so the demo runs at any hour."""
    raw = yaml.safe_load(reference_centre_path().read_text(encoding="utf-8"))
    raw["opening_hours"] = {day: ["00:00", "24:00"]
                            for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    raw["closed_on_holidays"] = False
    path = folder / "centre.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@click.command()
@click.option("--minutes", default=60.0, show_default=True,
              help="Simulated minutes of traffic.")
@click.option("--rate", default=2.0, show_default=True,
              help="Contacts per simulated minute (all channels; about 3 in 4 are calls).")
@click.option("--speed", default=20.0, show_default=True,
              help="Simulated seconds per real second for arrivals, talk and wrap-up.")
@click.option("--seed", default=7, show_default=True, help="Seed of the traffic.")
@click.option("--port", default=8000, show_default=True,
              help="Port of the service on 127.0.0.1 (0: any free port).")
@click.option("--exit", "--no-wait", "exit_after", is_flag=True,
              help="End after the summary instead of keeping the console up (for CI).")
def demo(minutes: float, rate: float, speed: float, seed: int, port: int,
         exit_after: bool) -> None:
    """Start Vero for real and drive a compressed hour of bilingual traffic through it.

    Calls (Indonesian and English, keypad and speech, several menu branches, VIP and B2B
    callers, some hanging up or asking for a callback or voicemail), WhatsApp messages and web
    chats go through the real webhooks; ten simulated agents work through the agent API. Then a
    service-level summary accounts for every contact (the run fails if one is missing) and the
    console stays up at the printed address until Ctrl-C.
    """
    if minutes <= 0 or rate <= 0 or speed <= 0:
        raise click.BadParameter("--minutes, --rate and --speed must be positive")
    console = Console()
    console.width = max(console.width, 110)  # the summary table's width; CI logs default to 80
    data_dir = Path(tempfile.mkdtemp(prefix="vero-demo-"))
    logging.basicConfig(filename=data_dir / "vero.log", level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    for noisy in ("werkzeug", "twilio.http_client"):  # a line per request: too much to read
        logging.getLogger(noisy).setLevel(logging.WARNING)
    port = port or free_port()
    base = f"http://127.0.0.1:{port}"
    emulator = Emulator(HttpClient(base), AUTH_TOKEN, base)
    with RestRecorder(emulator) as recorder:
        settings = Settings(redis_url=None, public_base_url=base,
                            twilio_account_sid="AC" + "0" * 32, twilio_auth_token=AUTH_TOKEN,
                            centre_path=demo_centre(data_dir),
                            supervisor_token=secrets.token_urlsafe(18), data_dir=data_dir,
                            twilio_api_base=recorder.url,
                            # every simulated website visitor comes from 127.0.0.1
                            rate_limits={"public": "100000/minute"},
                            open_chats_per_visitor=100000)
        with running(settings, "127.0.0.1", port) as service:
            with service.app.app_context():
                svc = services()
                centre, router = svc.centre, svc.router
                directory = CustomerDirectory(svc.redis, router.keys)
                for customer in DIRECTORY:
                    directory.put(customer)
            supervisor = Api(base, settings.supervisor_token)
            agents = [SimAgent(p, _log_in(supervisor, p), base, centre, speed, seed).start()
                      for p in AGENTS]
            ledger = Ledger()
            traffic = Traffic(emulator, Api(base), {a.profile.id: a.api.token for a in agents},
                              speed, ledger)
            arrivals = plan(minutes, rate, seed)
            console.print(f"Vero demo: {len(arrivals)} contacts over {minutes:g} simulated "
                          f"minutes at ×{speed:g} (seed {seed}); {len(agents)} agents; "
                          f"data in {data_dir}")
            day = router.local_bucket(router.clock())[0]
            _drive(console, traffic, arrivals, minutes, speed)
            _drain(console, supervisor, ledger)
            for agent in agents:
                agent.join()
            with service.app.app_context():
                router_ids = [k.decode() for hash_key in (router.keys.tasks(),
                                                          router.keys.closed_tasks())
                              for k in svc.redis.hkeys(hash_key)]
            tasks = {t: _task(supervisor, t) for t in ledger.tasks}
            records = _records(data_dir, sum(1 for t in tasks.values()
                                             if t and t["state"] in CLOSED))
            counters = supervisor.call("GET", "/api/queues")["queues"] \
                if router.local_bucket(router.clock())[0] == day else None
            summary = account(centre, ledger.tasks, tasks, router_ids, records, counters)
            summary.problems += ledger.errors + [e for a in agents for e in a.errors]
            console.print(summary_table(centre, summary, speed))
            _report(console, summary, recorder, data_dir)
            if summary.problems:
                raise SystemExit(1)
            if not exit_after:
                console.print(f"\nConsole: [bold]{service.url}/console/[/]  supervisor token: "
                              f"[bold]{settings.supervisor_token}[/]  (Ctrl-C stops)")
                wait_for_interrupt()


def _log_in(supervisor: Api, profile: AgentProfile) -> str:
    """The supervisor creates the agent (whose phone is a Twilio Client of the same name)."""
    reply = supervisor.call("PUT", f"/api/agents/{profile.id}", {
        "name": profile.name, "skills": profile.skills, "languages": list(profile.languages),
        "contact": {"client": profile.id}, "rotate_token": True})
    return reply["token"]


def _drive(console: Console, traffic: Traffic, arrivals: list[Arrival], minutes: float,
           speed: float) -> None:
    """Start each arrival at its (compressed) time, each in its own thread; wait for them."""
    threads: list[threading.Thread] = []
    start = time.monotonic()
    with Progress(console=console, transient=True) as progress:
        bar = progress.add_task("simulated minutes", total=minutes)
        for arrival in arrivals:
            at = start + arrival.minute * 60 / speed
            while time.monotonic() < at:
                progress.update(bar, completed=(time.monotonic() - start) * speed / 60)
                time.sleep(min(0.2, max(at - time.monotonic(), 0)))
            thread = threading.Thread(target=traffic.play, args=(arrival,), daemon=True,
                                      name=f"contact-{arrival.index}")
            thread.start()
            threads.append(thread)
        time.sleep(max(start + minutes * 60 / speed - time.monotonic(), 0))
        progress.update(bar, completed=minutes, description="callers finishing")
        for thread in threads:
            thread.join(timeout=300)


def _drain(console: Console, supervisor: Api, ledger: Ledger, limit: float = 60) -> None:
    """Let the agents finish what is still open (up to `limit` real seconds)."""
    deadline = time.monotonic() + limit
    with console.status("agents finishing open contacts"):
        while time.monotonic() < deadline:
            states = [(_task(supervisor, t) or {}).get("state") for t in list(ledger.tasks)]
            if all(s in CLOSED for s in states):
                return
            time.sleep(0.5)


def _task(supervisor: Api, task_id: str) -> dict | None:
    try:
        return supervisor.call("GET", f"/api/tasks/{task_id}")
    except ApiError as exc:
        if exc.status == 404:
            return None
        raise


def _records(data_dir: Path, expected: int, limit: float = 10) -> list[dict[str, str]]:
    """The contact records the dispatcher wrote, once it has caught up (or after `limit` s)."""
    deadline = time.monotonic() + limit
    while True:
        rows = []
        for path in sorted((data_dir / "contacts").glob("*.csv")):
            with path.open(newline="", encoding="utf-8") as handle:
                rows += list(csv.DictReader(handle))
        if len(rows) >= expected or time.monotonic() > deadline:
            return rows
        time.sleep(0.2)


def _report(console: Console, summary: Summary, recorder: RestRecorder, data_dir: Path) -> None:
    total = summary.total()
    console.print(f"Accounted: {total.offered} contacts = {total.answered} answered + "
                  f"{total.abandoned} abandoned + {total.callback_voicemail} callback/voicemail + "
                  f"{total.canceled} canceled + {total.open} open")
    console.print(f"Twilio REST: {len(recorder.calls_updated())} call redirects, "
                  f"{len(recorder.messages_sent())} messages; contact records and service log "
                  f"in {data_dir}")
    if summary.problems:
        console.print("[bold red]Contacts not accounted for:[/]")
        for problem in summary.problems:
            console.print(f"  {problem}")
    else:
        console.print("[green]Every contact accounted for.[/]")
