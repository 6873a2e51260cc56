"""The simulated agents: each one works the agent API from its own thread, as a person at the
desk would."""

from __future__ import annotations

import contextlib
import random
import threading
import time

from vero.cli.demo.api import Api, ApiError
from vero.cli.demo.cast import AgentProfile
from vero.kernel.centre import Centre


class SimAgent:
    """An agent at the desk: polls offers, accepts most after a short delay and rejects a few,
    answers messages, handles, completes and ends wrap-up (compressed). Voice offers of live
    calls ring the agent's softphone instead, whose answer accepts them; a callback accepted
    here rings it too (the emulated legs answer, talk and hang up: see `Traffic`)."""

    POLL = 0.3

    def __init__(
        self,
        profile: AgentProfile,
        token: str,
        base_url: str,
        centre: Centre,
        speed: float,
        seed: int,
    ) -> None:
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
            if offer["offer_id"] in self._seen or (
                task["channel"] == "voice" and task["attributes"].get("call_sid")
            ):
                continue  # a live call rings the phone; callbacks are taken at the desk
            self._seen.add(offer["offer_id"])
            self._later(self.rng.uniform(0.5, 2.5), "decide", offer["offer_id"])
        for task_id in self.api.call("GET", f"/api/agents/{agent_id}")["tasks"]:
            if (
                task_id not in self._seen
                and self.api.call("GET", f"/api/tasks/{task_id}")["state"] == "wrapping"
            ):
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
            if task["channel"] == "voice":
                return  # a call ends when a leg hangs up (see `Traffic`), then wrap-up
            self._seen.add(task["id"])
            if task["channel"] in ("chat", "whatsapp", "sms"):
                self._later(self.rng.uniform(0.5, 1.5), "reply", task["id"])
            handle = self.rng.gammavariate(4, 60)
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
