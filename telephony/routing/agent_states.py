"""Each agent's shown state over the day (available, busy, wrap-up, break, offline), replayed from
the router's events stream and recorded as one CSV per local day under
VERO_DATA_DIR/agent_states: the actual side of schedule adherence (wfm/adherence.py).

The events stream is capped (about 100,000 entries, hours of traffic), so a dispatcher's
periodic work (`AgentStates.record`) replays it as it comes: each agent's chosen state and open
tasks give the shown state the router's API shows (busy with offered or handled work, wrap-up
when only wrapping tasks are left); every change is a row (change id, agent, state, when). The
hand-over is at-least-once and idempotent as the contact log's: rows are appended and fsynced
(contact_files.py skips a change id already in the file), only then the cursor and the replayed
states move on in Redis (`Keys.agent_timeline`, compare-and-set, so a second dispatcher's late
save never pairs a state with the wrong cursor). A new local day starts with a row per agent
not offline, so each day's file reads alone.

`rows(days)` is the live view: that day's rows plus the events not recorded yet
(wfm/adherence.py `timeline` makes segments of them).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import time
from collections.abc import Callable, Iterable
from importlib import resources
from pathlib import Path
from typing import Any

from telephony.keys import Keys
from telephony.routing.contact_files import ContactFiles
from vero.kernel.centre import Centre
from vero.kernel.redis_client import Client, text

COLUMNS = ("change_id", "agent_id", "state", "reason", "started_at", "started_local")
FOLDER = "agent_states"
BATCH = 1000
BATCHES_PER_ROUND = 20  # a round catches up at most this many batches (the rest: next round)
TASK_STATES = {"reserved": "reserved", "transfer_ringing": "reserved", "assigned": "assigned"}
KEEPS_TASK = frozenset({"bridged", "annotated"})

Row = dict[str, str]


def shown_state(chosen: str, tasks: Iterable[str]) -> str:
    """The state an agent shows (the router's API and this timeline alike): busy while offered
    or handling work, wrap-up when only wrapping tasks are left, else the chosen state."""
    states = list(tasks)
    if not states:
        return chosen
    if all(s == "wrapping" for s in states):
        return "wrap-up"
    return "busy" if chosen == "available" else chosen


def new_agent() -> dict:
    """An agent the replay has not seen yet: offline, as the router creates agents."""
    return {"state": "offline", "tasks": {}, "shown": "offline"}


def apply(agents: dict[str, dict], fields: dict[str, str]) -> list[str]:
    """Replay one event onto the agents' states; returns the agents whose shown state changed."""
    kind, task, agent = fields.get("type", ""), fields.get("task", ""), fields.get("agent", "")
    touched: dict[str, dict] = {}

    def state_of(agent_id: str) -> dict:
        entry = agents.setdefault(agent_id, new_agent())
        touched.setdefault(agent_id, entry)
        return entry

    if kind == "agent_state" and agent:
        entry = state_of(agent)
        entry["state"], entry["reason"] = fields.get("state", "offline"), fields.get("reason", "")
    elif kind == "agent_created" and agent:
        state_of(agent)
    elif kind == "transferred" and task:
        source = fields.get("from_agent", "")
        if source and source in agents:
            state_of(source)["tasks"].pop(task, None)
        if agent and fields.get("queue"):  # to a queue: the agent named had it
            state_of(agent)["tasks"].pop(task, None)
        elif agent:
            state_of(agent)["tasks"][task] = "assigned"
    elif task and agent and kind not in KEEPS_TASK:
        tasks = state_of(agent)["tasks"]
        if kind in TASK_STATES:
            tasks[task] = TASK_STATES[kind]
        elif kind == "wrapping":
            tasks[task] = "wrapping"
        else:  # completed, or the offer went back (rejected, expired, withdrawn, ...)
            tasks.pop(task, None)
    changed = []
    for agent_id, entry in touched.items():
        shown = shown_state(entry["state"], entry["tasks"].values())
        if shown != entry["shown"]:
            entry["shown"] = shown
            changed.append(agent_id)
    return changed


class AgentStates:
    def __init__(
        self,
        client: Client,
        keys: Keys,
        centre: Centre,
        data_dir: Path,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.redis = client
        self.keys = keys
        self.centre = centre
        self.folder = Path(data_dir) / FOLDER
        self.clock = clock
        self.files = ContactFiles(COLUMNS, key="change_id")
        self._save = client.register_script(
            (resources.files("telephony.routing") / "agent_timeline.lua").read_text()
        )

    # --- recording (the dispatcher's periodic work) ----------------------------------------

    def record(self) -> int:
        """Append the changes since the last round to their days' CSVs, then move the cursor;
        returns how many rows were written."""
        written = 0
        for _ in range(BATCHES_PER_ROUND):
            start, day, agents = self._progress()
            entries = self._entries(start, BATCH)
            if not entries:
                return written
            rows, day = self._replay(agents, entries, day)
            for path, day_rows in self._by_file(rows).items():
                written += self.files.append(path, day_rows)
            saved = self._save(
                keys=[self.keys.agent_timeline()],
                args=[
                    start,
                    "cursor",
                    text(entries[-1][0]),
                    "day",
                    day,
                    *[v for a, e in agents.items() for v in (f"agent:{a}", json.dumps(e))],
                ],
            )
            if not saved or len(entries) < BATCH:  # another dispatcher is ahead, or done
                return written
        return written

    def reconcile(self) -> int:
        """Correct the replayed states that differ from the router's own (events trimmed off the
        capped stream before they were recorded, e.g. after hours without a dispatcher): a row
        at now per agent corrected. Runs only once the replay has caught up; returns the rows."""
        start, day, agents = self._progress()
        if self._entries(start, 1):
            return 0  # not caught up: the events come first
        statuses = {
            text(k): json.loads(v) for k, v in self.redis.hgetall(self.keys.agent_status()).items()
        }
        task_ids = [t for s in statuses.values() for t in s.get("tasks") or []]
        raws = self.redis.hmget(self.keys.tasks(), task_ids) if task_ids else []
        task_states = {t: json.loads(r)["state"] for t, r in zip(task_ids, raws, strict=True) if r}
        now = dt.datetime.fromtimestamp(self.clock(), self.centre.tz)
        rows: list[Row] = []
        if now.date().isoformat() != day:  # a quiet midnight: the new day opens all the same
            day = now.date().isoformat()
            rows += self._opening(agents, now.date())
        for agent_id, status in sorted(statuses.items()):
            tasks = {t: task_states[t] for t in status.get("tasks") or [] if t in task_states}
            entry = agents.setdefault(agent_id, new_agent())
            if entry["state"] == status["state"] and entry["tasks"] == tasks:
                continue
            entry.update(state=status["state"], tasks=tasks, reason=status.get("reason", ""))
            shown = shown_state(entry["state"], tasks.values())
            if shown != entry["shown"]:
                entry["shown"] = shown
                rows.append(self._row(f"sync:{start}:{agent_id}", agent_id, entry, now))
        if not rows:
            return 0
        written = sum(self.files.append(p, r) for p, r in self._by_file(rows).items())
        fields = [v for a, e in agents.items() for v in (f"agent:{a}", json.dumps(e))]
        self._save(
            keys=[self.keys.agent_timeline()], args=[start, "cursor", start, "day", day, *fields]
        )
        return written

    def _progress(self) -> tuple[str, str, dict[str, dict]]:
        raw = {text(k): text(v) for k, v in self.redis.hgetall(self.keys.agent_timeline()).items()}
        agents = {
            name.removeprefix("agent:"): json.loads(value)
            for name, value in raw.items()
            if name.startswith("agent:")
        }
        return raw.get("cursor", ""), raw.get("day", ""), agents

    def _entries(self, after: str, count: int | None) -> list:
        low = f"({after}" if after else "-"
        entries: Any = self.redis.xrange(self.keys.events(), min=low, count=count)
        return list(entries)

    def _replay(self, agents: dict[str, dict], entries: list, day: str) -> tuple[list[Row], str]:
        """Rows for the entries' changes (and each new day's opening rows); the local day of the
        last entry."""
        rows: list[Row] = []
        for entry_id, raw in entries:
            fields = {text(k): text(v) for k, v in raw.items()}
            at = float(fields.get("at") or 0)
            local = dt.datetime.fromtimestamp(at, self.centre.tz)
            if local.date().isoformat() != day:
                day = local.date().isoformat()
                rows += self._opening(agents, local.date())
            for agent_id in apply(agents, fields):
                rows.append(
                    self._row(f"{text(entry_id)}:{agent_id}", agent_id, agents[agent_id], local)
                )
        return rows, day

    def _opening(self, agents: dict[str, dict], day: dt.date) -> list[Row]:
        """A day's first rows: every agent not offline, in their state at midnight."""
        midnight = dt.datetime.combine(day, dt.time(), self.centre.tz)
        return [
            self._row(f"{day}:start:{agent_id}", agent_id, entry, midnight)
            for agent_id, entry in sorted(agents.items())
            if entry["shown"] != "offline"
        ]

    def _row(self, change_id: str, agent_id: str, entry: dict, moment: dt.datetime) -> Row:
        return {
            "change_id": change_id,
            "agent_id": agent_id,
            "state": entry["shown"],
            "reason": entry.get("reason", "") if entry["shown"] == "break" else "",
            "started_at": moment.astimezone(dt.UTC).isoformat(timespec="milliseconds"),
            "started_local": moment.strftime("%Y-%m-%d %H:%M:%S"),
        }

    def _by_file(self, rows: list[Row]) -> dict[Path, list[Row]]:
        files: dict[Path, list[Row]] = {}
        for row in rows:
            files.setdefault(self.folder / f"{row['started_local'][:10]}.csv", []).append(row)
        return files

    # --- reading (live and past days) ------------------------------------------------------

    def rows(self, days: Iterable[dt.date]) -> dict[dt.date, list[Row]]:
        """Each local day's change rows: those recorded and those not recorded yet (live)."""
        start, recorded_day, agents = self._progress()
        pending, _ = self._replay(agents, self._entries(start, None), recorded_day)
        found = {}
        for day in days:
            text_day = day.isoformat()
            found[day] = read_rows(self.folder, day) + [
                r for r in pending if r["started_local"][:10] == text_day
            ]
        return found


def read_rows(folder: Path, day: dt.date) -> list[Row]:
    """The rows of a day's files (`<day>.csv` and siblings written under another header)."""
    rows: list[Row] = []
    for path in sorted(folder.glob(f"{day.isoformat()}*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            rows += [r for r in csv.DictReader(handle) if r.get("agent_id") and r.get("state")]
    return rows
