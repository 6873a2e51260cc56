"""The `vero demo` command: start Vero as `vero serve` does, put the cast in place, drive the
arrivals, let the agents finish, then account for every contact and print the summary."""

from __future__ import annotations

import logging
import secrets
import socket
import tempfile
import threading
import time
from pathlib import Path

import click
import yaml
from rich.console import Console
from rich.progress import Progress

from telephony.customers import CustomerDirectory
from telephony.services import services
from telephony.twilio_emulator import Emulator, HttpClient, RestRecorder
from vero.cli.demo.agents import SimAgent
from vero.cli.demo.api import Api, ApiError
from vero.cli.demo.arrivals import Arrival, plan
from vero.cli.demo.callers import Ledger, Traffic
from vero.cli.demo.cast import AGENTS, DIRECTORY, AgentProfile
from vero.cli.demo.span import Span, Status
from vero.cli.demo.summary import (
    CLOSED,
    account,
    contact_records,
    print_report,
    summary_table,
    voice_flows,
)
from vero.cli.serve import running, wait_for_interrupt
from vero.kernel.calendar import WEEKDAYS
from vero.kernel.centre import reference_centre_path
from vero.kernel.language import Language, language, language_option
from vero.kernel.settings import Settings

AUTH_TOKEN = "demo-twilio-auth-token"  # the demo's Twilio account: its emulator signs with it


def demo_centre(folder: Path) -> Path:
    """The reference centre, open around the clock, so the demo runs at any hour."""
    raw = yaml.safe_load(reference_centre_path().read_text(encoding="utf-8"))
    raw["opening_hours"] = {day: ["00:00", "24:00"] for day in WEEKDAYS}
    raw["closed_on_holidays"] = False
    raw["closed_days"] = []
    path = folder / "centre.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@click.command("demo")
@click.option("--minutes", default=60.0, show_default=True, help="Simulated minutes of traffic.")
@click.option(
    "--rate",
    default=2.0,
    show_default=True,
    help="Contacts per simulated minute (all channels; about 3 in 4 are calls).",
)
@click.option(
    "--speed",
    default=20.0,
    show_default=True,
    help="Simulated seconds per real second for arrivals, talk and wrap-up.",
)
@click.option("--seed", default=7, show_default=True, help="Seed of the traffic.")
@click.option(
    "--port",
    default=8000,
    show_default=True,
    help="Port of the service on 127.0.0.1 (0: any free port).",
)
@language_option("what the demo prints")
@click.option(
    "--exit",
    "--no-wait",
    "exit_after",
    is_flag=True,
    help="End after the summary instead of keeping the console up (for CI).",
)
def demo_command(
    minutes: float, rate: float, speed: float, seed: int, port: int, lang: str, exit_after: bool
) -> None:
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
    words = language(lang)
    console.width = max(console.width, 120)  # the summary table's width; CI logs default to 80
    data_dir = Path(tempfile.mkdtemp(prefix="vero-demo-"))
    logging.basicConfig(
        filename=data_dir / "vero.log",
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    for noisy in ("werkzeug", "twilio.http_client"):  # a line per request: too much to read
        logging.getLogger(noisy).setLevel(logging.WARNING)
    port = port or free_port()
    base = f"http://127.0.0.1:{port}"
    emulator = Emulator(HttpClient(base), AUTH_TOKEN, base)
    with RestRecorder(emulator) as recorder:
        settings = Settings(
            redis_url=None,
            public_base_url=base,
            twilio_account_sid="AC" + "0" * 32,
            twilio_auth_token=AUTH_TOKEN,
            centre_path=demo_centre(data_dir),
            supervisor_token=secrets.token_urlsafe(18),
            data_dir=data_dir,
            twilio_api_base=recorder.url,
            # every simulated website visitor and agent desk comes from 127.0.0.1
            rate_limits={"public": "100000/minute", "api": "100000/minute"},
            open_chats_per_visitor=100000,
        )
        with running(settings, "127.0.0.1", port) as service:
            # the address first, so the wallboard can be opened while the traffic runs
            console.print(
                words.text(
                    "demo.console",
                    url=f"{service.url}/console/",
                    token=settings.supervisor_token,
                ),
                highlight=False,
                soft_wrap=True,
            )
            with service.app.app_context():
                svc = services()
                centre, router = svc.centre, svc.router
                directory = CustomerDirectory(svc.redis, router.keys)
                for customer in DIRECTORY:
                    directory.put(customer)
            supervisor = Api(base, settings.supervisor_token)
            agents = [
                SimAgent(p, _log_in(supervisor, p), base, centre, speed, seed).start()
                for p in AGENTS
            ]
            ledger = Ledger()
            traffic = Traffic(
                emulator,
                Api(base),
                supervisor,
                {a.profile.id: a.api.token for a in agents},
                speed,
                ledger,
            )
            arrivals = plan(minutes, rate, seed)
            run = Span(minutes, speed, words)
            console.print(
                words.text(
                    "demo.starting",
                    contacts=len(arrivals),
                    span=run.text(),
                    seed=seed,
                    agents=len(agents),
                    folder=data_dir,
                ),
                highlight=False,
                soft_wrap=True,
            )
            day = router.local_bucket(router.clock())[0]
            _drive(console, traffic, arrivals, run, Status(supervisor, ledger, run))
            _drain(console, supervisor, ledger, words)
            for agent in agents:
                agent.join()
            with service.app.app_context():
                router_ids = [
                    k.decode() if isinstance(k, bytes) else k
                    for hash_key in (router.keys.tasks(), router.keys.closed_tasks())
                    for k in svc.redis.hkeys(hash_key)
                ]
            tasks = {t: _task(supervisor, t) for t in ledger.tasks}
            records = contact_records(
                data_dir, sum(1 for t in tasks.values() if t and t["state"] in CLOSED)
            )
            counters = (
                supervisor.call("GET", "/api/queues")["queues"]
                if router.local_bucket(router.clock())[0] == day
                else None
            )
            summary = account(centre, ledger.tasks, tasks, router_ids, records, counters)
            flows, flow_problems = voice_flows(
                tasks, ledger.desk_accepted, ledger.transferred, words
            )
            summary.problems += (
                ledger.errors + [e for a in agents for e in a.errors] + flow_problems
            )
            console.print(summary_table(centre, summary, run))
            console.print(flows)
            print_report(console, summary, recorder, data_dir, words)
            if summary.problems:
                raise SystemExit(1)
            if not exit_after:
                console.print(
                    "\n"
                    + words.text(
                        "demo.still_up",
                        url=f"{service.url}/console/",
                        token=settings.supervisor_token,
                    ),
                    highlight=False,
                    soft_wrap=True,
                )
                wait_for_interrupt()


def _log_in(supervisor: Api, profile: AgentProfile) -> str:
    """The supervisor creates the agent (whose phone is a Twilio Client of the same name)."""
    reply = supervisor.call(
        "PUT",
        f"/api/agents/{profile.id}",
        {
            "name": profile.name,
            "skills": profile.skills,
            "languages": list(profile.languages),
            "contact": {"client": profile.id},
            "rotate_token": True,
        },
    )
    return reply["token"]


def _drive(
    console: Console, traffic: Traffic, arrivals: list[Arrival], run: Span, status: Status
) -> None:
    """Start each arrival at its (compressed) time, each in its own thread, with a status line
    every tenth of the span (the bar's text on a terminal, a printed line in a log); wait for
    the callers to finish."""
    threads: list[threading.Thread] = []
    start = time.monotonic()
    pending = list(arrivals)
    with Progress(console=console, transient=True) as progress:
        bar = progress.add_task(status.line(0.0), total=run.minutes)
        for tick in run.ticks():
            at = start + tick * 60 / run.speed
            while pending and (tick >= run.minutes or pending[0].minute <= tick):
                arrival = pending.pop(0)
                _wait_until(start + arrival.minute * 60 / run.speed)
                thread = threading.Thread(
                    target=traffic.play,
                    args=(arrival,),
                    daemon=True,
                    name=f"contact-{arrival.index}",
                )
                thread.start()
                threads.append(thread)
            _wait_until(at)
            line = status.line(tick)
            progress.update(bar, completed=tick, description=line)
            progress.console.print(line, highlight=False, soft_wrap=True)
        progress.update(bar, description=run.words.text("demo.callers_finishing"))
        for thread in threads:
            thread.join(timeout=300)


def _wait_until(moment: float) -> None:
    time.sleep(max(moment - time.monotonic(), 0))


def _drain(
    console: Console, supervisor: Api, ledger: Ledger, words: Language, limit: float = 60
) -> None:
    """Let the agents finish what is still open (up to `limit` real seconds)."""
    deadline, open_ids = time.monotonic() + limit, list(ledger.tasks)
    with console.status(words.text("demo.agents_finishing")):
        while open_ids and time.monotonic() < deadline:
            open_ids = [
                t for t in open_ids if (_task(supervisor, t) or {}).get("state") not in CLOSED
            ]
            time.sleep(0.5)


def _task(supervisor: Api, task_id: str) -> dict | None:
    try:
        return supervisor.call("GET", f"/api/tasks/{task_id}")
    except ApiError as exc:
        if exc.status == 404:
            return None
        raise
