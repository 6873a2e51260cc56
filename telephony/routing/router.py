"""The live router: the policy of `telephony/routing/policy`, applied atomically in Redis.

Each decision (find the match and reserve it) is one Lua script call, so any number of processes
may route at once. The operations and their results mirror `MemoryRouter` one for one (both are a
`policy.protocol.Router`); the reads (`task`, `agent`, `agents`, `offers_for`) answer the JSON
the HTTP API shows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
import time
from collections.abc import Callable
from typing import cast

from telephony.keys import Keys
from telephony.routing import scripts
from telephony.routing.agent_states import shown_state
from telephony.routing.errors import RoutingError
from telephony.routing.layout import AgentKeys, Layout
from telephony.routing.policy.records import AgentUpdate, Reservation, Task
from vero.kernel.centre import Centre
from vero.kernel.redis_client import Client, text
from vero.kernel.service_level import definition
from vero.kernel.targets import answer_target

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:@+-]{0,79}$")
_RETRIES = 20
TICK_BATCH = 64  # due timers a dispatcher takes per pass when it shares the work


def check_id(kind: str, value: str) -> str:
    if not isinstance(value, str) or not ID_PATTERN.match(value):
        raise RoutingError(
            "invalid",
            f"{kind} id must be 1-80 letters, digits or _.:@+- "
            f"(starting with a letter or digit), not {value!r}",
        )
    return value


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class RedisRouter:
    def __init__(
        self,
        client: Client,
        centre: Centre,
        *,
        namespace: str = "vero",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.redis = client
        self.centre = centre
        self.keys = Keys(centre.id, namespace)
        self.layout = Layout(centre, self.keys)
        self.clock = clock
        self._scripts = scripts.register(client)
        self._agent_keys: dict[str, AgentKeys] = {}
        self._config_base = {
            "ch": {
                name: {
                    "t": ch.offer_timeout,
                    "x": int(ch.exclusive),
                    "g": answer_target(centre, name),
                    "s": definition(centre, name).short_seconds,
                }
                for name, ch in centre.channels.items()
            },
            "wrap": {name: q.wrap_up_seconds for name, q in centre.queues.items()},
            "missed": centre.max_missed_offers,
        }
        self._config_cache: dict[str, str] = {}

    # --- plumbing -------------------------------------------------------------------------

    def timestamp(self, now: float | None = None) -> float:
        """`now` (or the clock) at the millisecond precision every stored time has."""
        return round(self.clock() if now is None else now, 3)

    def local_bucket(self, now: float) -> tuple[str, str]:
        """(local day, 15-minute bucket 'HH:MM') of a moment in the centre's timezone."""
        local = dt.datetime.fromtimestamp(now, self.centre.tz)
        return local.date().isoformat(), f"{local.hour:02d}:{local.minute // 15 * 15:02d}"

    def day_start(self, day: str) -> float:
        """The epoch time of a local day's midnight in the centre's timezone."""
        midnight = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(), self.centre.tz)
        return midnight.timestamp()

    def _call(self, name: str, now: float, keys: list[str], args: list) -> list[str]:
        day, bucket = self.local_bucket(now)
        config = self._config_cache.get(day + bucket)
        if config is None:
            config = json.dumps(
                {**self._config_base, "bucket": bucket, "day0": self.day_start(day)}
            )
            self._config_cache = {day + bucket: config}
        common = [
            self.keys.agent_status(),
            self.keys.tasks(),
            self.keys.timers(),
            self.keys.events(),
            self.keys.stats(day),
            self.keys.contacts(),
            self.keys.agent_day(day),
        ]
        reply = self._scripts[name](keys=common + keys, args=[repr(now), config] + args)
        return [r.decode() if isinstance(r, bytes) else str(r) for r in reply]

    @staticmethod
    def _offers(flat: list[str]) -> list[Reservation]:
        return [
            Reservation(flat[i], flat[i + 1], flat[i + 2], float(flat[i + 3]))
            for i in range(0, len(flat), 4)
        ]

    def _task_json(self, task_id: str) -> dict:
        """An open task, or a closed one still kept for the look back (see `Keys.closed_tasks`)."""
        raw = self.redis.hget(self.keys.tasks(), task_id)
        if raw is None:
            raw = self.redis.hget(self.keys.closed_tasks(), task_id)
        if raw is None:
            raise RoutingError("unknown", f"no task {task_id}")
        return json.loads(raw)

    def _closed_state(self, task_id: str) -> str | None:
        raw = self.redis.hget(self.keys.closed_tasks(), task_id)
        return json.loads(raw)["state"] if raw is not None else None

    def _profile(self, agent_id: str) -> dict | None:
        raw = self.redis.hget(self.keys.agents(), agent_id)
        return None if raw is None else json.loads(raw)

    # --- agents ---------------------------------------------------------------------------

    def upsert_agent(
        self,
        agent_id: str,
        skills: dict[str, int],
        languages: tuple[str, ...],
        capacity: dict[str, int],
        now: float | None = None,
        *,
        name: str = "",
        contact: dict | None = None,
        new_token: bool = False,
    ) -> AgentUpdate:
        """Create or update an agent. Returns the offers made and the token (new agents and
        `new_token=True` only: Vero keeps just its hash)."""
        check_id("agent", agent_id)
        now = self.timestamp(now)
        profile = {
            "id": agent_id,
            "name": name,
            "skills": dict(skills),
            "languages": list(languages),
            "capacity": dict(capacity),
            "contact": contact or {},
        }
        for _ in range(_RETRIES):
            old = self._profile(agent_id)
            token = secrets.token_urlsafe(24) if (old is None or new_token) else None
            old_keys = self.layout.agent_keys(old).pool_keys if old else []
            reply = self._call(
                "upsert_agent",
                now,
                [self.keys.agents(), self.keys.agent_tokens(), *old_keys],
                [
                    agent_id,
                    json.dumps(profile),
                    old["v"] if old else 0,
                    json.dumps(capacity),
                    token_hash(token) if token else "",
                ],
            )
            if reply[0] == "ok":
                self._agent_keys.pop(agent_id, None)
                if token and old is not None:
                    self._end_web_sessions(agent_id)
                ready = reply[2] == "available"
                offers = self._committed(self._agent_ready, agent_id, now) if ready else []
                return AgentUpdate(offers, token)
        raise RoutingError("busy", f"agent {agent_id} kept changing; try again")

    def _end_web_sessions(self, agent_id: str) -> None:
        """A new token ends the agent's desk logins. They are believed only while the token they
        were opened with is still the agent's, so this is the cleanup, not the lock."""
        owned = self.keys.agent_web_sessions(agent_id)
        sessions = [self.keys.web_session(text(h)) for h in self.redis.smembers(owned)]
        self.redis.delete(owned, *sessions)

    def set_agent_state(
        self, agent_id: str, state: str, reason: str = "", now: float | None = None
    ) -> list[Reservation]:
        """All or nothing: the new state is one script call; what follows (withdrawing the
        agent's pending offers, or offering work to an available agent) can no longer fail
        the change. An offer that expired or was answered meanwhile needs no withdrawing, and
        one that keeps moving is returned by its own expiry timer."""
        if state not in ("available", "break", "offline"):
            raise RoutingError("invalid", "state must be available, break or offline")
        now = self.timestamp(now)
        reply = self._call("set_state", now, [], [agent_id, state, reason])
        if reply[0] == "unknown":
            raise RoutingError("unknown", f"no agent {agent_id}")
        if state == "available":
            return self._committed(self._agent_ready, agent_id, now)
        offers: list[Reservation] = []
        for offer_id, task_id in zip(reply[2::2], reply[3::2], strict=True):
            try:  # as its expiry timer would: an offer no longer pending is no error
                offers += self._return_offer(
                    offer_id, task_id, now, "withdrawn", missed=False, timer=True
                )
            except RoutingError:  # "busy": still moving; its expiry timer returns it
                continue
        return offers

    @staticmethod
    def _committed(
        match: Callable[[str, float], list[Reservation]], ref: str, now: float
    ) -> list[Reservation]:
        """The matching that follows a committed change: if it keeps losing races ("busy"),
        the change still stands and reports success; the next event or timer matches again."""
        try:
            return match(ref, now)
        except RoutingError:
            return []

    def _keys_for_agent(self, agent_id: str, refresh: bool) -> AgentKeys | None:
        cached = self._agent_keys.get(agent_id)
        if cached is None or refresh:
            profile = self._profile(agent_id)
            if profile is None:
                return None
            cached = self.layout.agent_keys(profile)
            self._agent_keys[agent_id] = cached
        return cached

    def _agent_ready(self, agent_id: str, now: float) -> list[Reservation]:
        refresh = False
        for _ in range(_RETRIES):
            ak = self._keys_for_agent(agent_id, refresh)
            if ak is None:
                return []
            reply = self._call(
                "agent_ready",
                now,
                ak.pool_keys + ak.wait_keys,
                [agent_id, ak.version, len(ak.pool_keys), ak.pool_desc, ak.wait_desc],
            )
            if reply[0] != "stale":
                return self._offers(reply[1:]) if reply[0] == "ok" else []
            refresh = True
        raise RoutingError("busy", f"agent {agent_id} kept changing; try again")

    # --- tasks ----------------------------------------------------------------------------

    def enqueue(
        self,
        task_id: str,
        channel: str,
        queue: str,
        language: str,
        priority: int = 0,
        now: float | None = None,
        created: float | None = None,
        attributes: dict[str, str] | None = None,
    ) -> list[Reservation]:
        check_id("task", task_id)
        if channel not in self.centre.channels:
            raise RoutingError("invalid", f"unknown channel {channel!r}")
        if queue not in self.centre.queues:
            raise RoutingError("invalid", f"unknown queue {queue!r}")
        if channel not in self.centre.queue_channels(queue):
            raise RoutingError("invalid", f"queue {queue!r} takes no {channel} contacts")
        if language not in self.centre.languages:
            raise RoutingError("invalid", f"unknown language {language!r}")
        now = self.timestamp(now)
        first = self.centre.queues[queue].steps[0]
        task = {
            "id": task_id,
            "channel": channel,
            "queue": queue,
            "language": language,
            "priority": first.priority if first.priority is not None else int(priority),
            "created": self.timestamp(created) if created is not None else now,
            "entered": now,
            "step": 0,
            "state": "queued",
            "origin_queue": queue,
            "agent": "",
            "offer": "",
            "offer_expires": 0,
            "attempts": 0,
            "fallback": "",
            "attributes": {str(k): str(v) for k, v in (attributes or {}).items()},
        }
        pools = self.layout.step_pools(queue, 0, channel, language)
        due = now + first.timeout if first.timeout is not None else ""
        reply = self._call(
            "enqueue",
            now,
            [
                self.layout.wait_key(queue, channel, 0, language),
                self.keys.closed_tasks(),
                *pools.keys,
            ],
            [json.dumps(task), due, pools.family, pools.mode],
        )
        if reply[0] == "exists":
            raise RoutingError("exists", f"task {task_id} exists")
        return self._offers(reply[1:]) if reply[0] == "reserved" else []

    def _match_task(self, task_id: str, now: float) -> list[Reservation]:
        for _ in range(_RETRIES):
            task = self._task_json(task_id)
            if task["state"] != "queued":
                return []
            pools = self.layout.step_pools(
                task["queue"], task["step"], task["channel"], task["language"]
            )
            wait = self.layout.wait_key(
                task["queue"], task["channel"], task["step"], task["language"]
            )
            reply = self._call(
                "match_task",
                now,
                [wait, *pools.keys],
                [task_id, task["queue"], task["step"], pools.family, pools.mode],
            )
            if reply[0] != "stale":
                return self._offers(reply[1:]) if reply[0] == "reserved" else []
        raise RoutingError("busy", f"task {task_id} kept changing; try again")

    def accept(self, offer_id: str, now: float | None = None) -> Task:
        """The task as the accept stored it, as the `Router` protocol's record."""
        return Task.from_stored(self.accept_view(offer_id, now))

    def accept_view(self, offer_id: str, now: float | None = None) -> dict:
        """Accept, and the task's JSON as `task` shows it, from the script's own reply (no
        second read on the agent's accept path)."""
        now = self.timestamp(now)
        task_id = offer_id.rsplit(".", 1)[0]
        reply = self._call("accept", now, [], [offer_id, task_id])
        if reply[0] == "expired":
            raise RoutingError("expired", f"offer {offer_id} has expired")
        if reply[0] != "ok":
            raise RoutingError("expired", f"offer {offer_id} is no longer pending")
        return json.loads(reply[2])

    def reject(self, offer_id: str, now: float | None = None) -> list[Reservation]:
        now = self.timestamp(now)
        return self._return_offer(
            offer_id, offer_id.rsplit(".", 1)[0], now, "rejected", missed=True
        )

    def bridge(self, task_id: str, now: float | None = None) -> bool:
        """A voice call's caller and agent are both in its conference: it is answered now
        (answer time, wait and in-target counters), once. True when this call bridged it;
        False when it was bridged already."""
        reply = self._call("bridge", self.timestamp(now), [], [task_id])
        if reply[0] == "unknown":
            raise RoutingError("unknown", f"no task {task_id}")
        if reply[0] == "state":
            raise RoutingError("state", f"task {task_id} is {reply[1]}, not an assigned call")
        return reply[0] == "bridged"

    def unassign(self, task_id: str, now: float | None = None) -> list[Reservation]:
        """An accepted voice task whose call never reached the agent (their leg unanswered,
        declined or failed) goes back to its queue with its age, as a returned offer does; the
        agent counts a missed offer."""
        now = self.timestamp(now)
        return self._return_offer("", task_id, now, "unassigned", missed=True, unassign=True)

    def _return_offer(
        self,
        offer_id: str,
        task_id: str,
        now: float,
        reason: str,
        *,
        missed: bool,
        timer: bool = False,
        unassign: bool = False,
    ) -> list[Reservation]:
        """`timer`: the offer's expiry timer must still be set, and an offer no longer pending
        is no error (the expiry itself, and an agent leaving withdraws its offers so).
        `unassign`: the task is an accepted voice task never bridged (`offer_id` is unused)."""
        refresh = False
        for _ in range(_RETRIES):
            try:
                task = self._task_json(task_id)
            except RoutingError:
                task = None
            wanted = _unbridged_call(task) if unassign else _offered(task, offer_id)
            if task is None or not wanted:
                if unassign:
                    raise RoutingError("state", f"task {task_id} is no accepted, unbridged call")
                if timer:
                    return []
                raise RoutingError("expired", f"offer {offer_id} is no longer pending")
            wait = self.layout.wait_key(
                task["queue"], task["channel"], task["step"], task["language"]
            )
            # the agent's pools are refreshed in the same call, so that the task's re-match
            # below sees the agent's freed room (as MemoryRouter does)
            ak = self._keys_for_agent(task["agent"], refresh)
            pools, version, desc = (
                (ak.pool_keys, ak.version, ak.pool_desc) if ak else ([], -1, "[]")
            )
            reply = self._call(
                "return_offer",
                now,
                [wait, *pools],
                [
                    offer_id,
                    task_id,
                    task["queue"],
                    task["step"],
                    reason,
                    "1" if missed else "0",
                    "1" if timer else "0",
                    task["agent"],
                    version,
                    desc,
                    "1" if unassign else "0",
                ],
            )
            refresh = True
            if reply[0] == "ok":
                return self._committed(self._match_task, task_id, now) + self._committed(
                    self._agent_ready, reply[1], now
                )
            if reply[0] == "gone":
                if timer:
                    return []
                if unassign:
                    raise RoutingError("state", f"task {task_id} is no accepted, unbridged call")
                raise RoutingError("expired", f"offer {offer_id} is no longer pending")
        raise RoutingError("busy", f"task {task_id} kept changing; try again")

    def complete(
        self, task_id: str, now: float | None = None, *, outcome: str = ""
    ) -> list[Reservation]:
        """End an assigned task (wrap-up) or a wrapping one; `outcome` names the contact record's
        outcome when it is not 'completed' (a callback whose customer was never reached)."""
        return self._complete(task_id, self.timestamp(now), timer=False, outcome=outcome)

    def _complete(
        self, task_id: str, now: float, timer: bool, outcome: str = ""
    ) -> list[Reservation]:
        reply = self._call("complete", now, [], [task_id, "1" if timer else "0", outcome])
        if reply[0] == "unknown" and not timer:
            closed = self._closed_state(task_id)
            if closed is None:
                raise RoutingError("unknown", f"no task {task_id}")
            reply = ["state", closed]
        if reply[0] == "state":
            raise RoutingError("state", f"task {task_id} is {reply[1]}, not assigned")
        if reply[0] == "completed":
            return self._committed(self._agent_ready, reply[1], now)
        return []

    def cancel(
        self, task_id: str, outcome: str = "canceled", now: float | None = None
    ) -> list[Reservation]:
        if outcome not in ("canceled", "abandoned", "callback", "voicemail"):
            raise RoutingError(
                "invalid", "outcome must be canceled, abandoned, callback or voicemail"
            )
        now = self.timestamp(now)
        for _ in range(_RETRIES):
            task = self._task_json(task_id)
            wait = self.layout.wait_key(
                task["queue"], task["channel"], task["step"], task["language"]
            )
            reply = self._call(
                "cancel", now, [wait], [task_id, outcome, task["queue"], task["step"]]
            )
            if reply[0] == "state":
                raise RoutingError(
                    "state", f"task {task_id} is {reply[1]}; only waiting tasks can be canceled"
                )
            if reply[0] == "unknown":
                closed = self._closed_state(task_id)
                if closed is None:
                    raise RoutingError("unknown", f"no task {task_id}")
                raise RoutingError(
                    "state", f"task {task_id} is {closed}; only waiting tasks can be canceled"
                )
            if reply[0] == "ok":
                return self._committed(self._agent_ready, reply[1], now) if reply[1] else []
        raise RoutingError("busy", f"task {task_id} kept changing; try again")

    def annotate(self, task_id: str, attributes: dict[str, str], now: float | None = None) -> None:
        """Set task attributes (e.g. 'csat', 'voicemail_url', 'complaint_ref') atomically."""
        reply = self._call(
            "annotate",
            self.timestamp(now),
            [self.keys.closed_tasks()],
            [task_id, json.dumps({str(k): str(v) for k, v in attributes.items()})],
        )
        if reply[0] == "unknown":
            raise RoutingError("unknown", f"no task {task_id}")

    # --- work an agent starts (click-to-call) ----------------------------------------------

    def assign(
        self,
        task_id: str,
        agent_id: str,
        channel: str,
        queue: str,
        language: str,
        attributes: dict[str, str],
        now: float | None = None,
    ) -> dict:
        """Create a task assigned at once to `agent_id`, who starts it (a click-to-call): no
        queue wait and no offer, but on the agent's load like any accepted task. Returns the
        task's JSON; RoutingError 'state' when the agent is not available or has no room."""
        check_id("task", task_id)
        if queue not in self.centre.queues or channel not in self.centre.queue_channels(queue):
            raise RoutingError("invalid", f"queue {queue!r} takes no {channel} contacts")
        if language not in self.centre.languages:
            raise RoutingError("invalid", f"unknown language {language!r}")
        now = self.timestamp(now)
        task = {
            "id": task_id,
            "channel": channel,
            "queue": queue,
            "language": language,
            "priority": 0,
            "created": now,
            "entered": now,
            "step": 0,
            "state": "assigned",
            "origin_queue": queue,
            "agent": agent_id,
            "offer": "",
            "offer_expires": 0,
            "attempts": 0,
            "fallback": "",
            "attributes": {str(k): str(v) for k, v in attributes.items()},
        }
        reply = self._call("assign", now, [self.keys.closed_tasks()], [json.dumps(task), agent_id])
        if reply[0] == "exists":
            raise RoutingError("exists", f"task {task_id} exists")
        if reply[0] == "unknown":
            raise RoutingError("unknown", f"no agent {agent_id}")
        if reply[0] == "busy":
            raise RoutingError("state", _not_free(agent_id, reply[1]))
        return task

    # --- time -----------------------------------------------------------------------------

    def next_timer(self) -> float | None:
        head = self.redis.zrange(self.keys.timers(), 0, 0, withscores=True)
        return float(head[0][1]) if head else None

    def tick(
        self, now: float | None = None, lateness: list[float] | None = None, share: float = 0.0
    ) -> list[Reservation]:
        """Fire every timer due by `now`, one at a time in (due, name) order; with `lateness`,
        append each handled timer's lateness (clock after it ran − its due time).

        With `share` (0 < share < 1) each pass takes up to TICK_BATCH due timers and begins at
        that fraction of them: dispatchers running at once pass different shares, so that they
        apply different timers instead of racing for the same head (the scripts still apply
        each one once). A pass ends at the first timer of its batch that is no longer due as
        read (another dispatcher applied it): walking on would only repeat that dispatcher's
        work, so the next pass reads the due timers afresh. Nothing is held between passes,
        so a dispatcher that dies (even by `kill -9`) leaves its timers to the others' next
        pass.

        A timer fired in this call and read again with the same due had nothing left to apply
        (its task had moved on, and no script removed it): it is dropped, not fired again."""
        now = self.timestamp(now)
        offers: list[Reservation] = []
        fired: dict[str, float] = {}  # member -> due, of the timers this call fired
        while True:
            due = cast(
                list[tuple[bytes, float]],
                self.redis.zrangebyscore(  # (member, due)
                    self.keys.timers(),
                    "-inf",
                    now,
                    start=0,
                    num=TICK_BATCH if share else 1,
                    withscores=True,
                ),
            )
            if not due:
                return offers
            first = int(share * len(due))
            for n, (raw, score) in enumerate(due[first:] + due[:first]):
                member = text(raw)
                if n and self.redis.zscore(self.keys.timers(), member) != score:
                    break  # taken by another dispatcher since the read: read afresh
                if fired.get(member) == score:
                    self.redis.zrem(self.keys.timers(), member)
                    continue
                fired[member] = score
                offers += self._fire(member, score)
                if lateness is not None:
                    lateness.append(self.clock() - score)

    def _fire(self, member: str, score: float) -> list[Reservation]:
        at = round(score, 3)
        kind, ref, *rest = member.split("|")
        offers: list[Reservation] = []
        if kind == "offer":
            offers = self._return_offer(
                ref, ref.rsplit(".", 1)[0], at, "timeout", missed=True, timer=True
            )
        elif kind == "step":
            offers = self._advance(ref, int(rest[0]), at)
        elif kind == "wrap":
            offers = self._complete(ref, at, timer=True)
        return offers

    def _advance(self, task_id: str, step: int, now: float) -> list[Reservation]:
        for _ in range(_RETRIES):
            try:
                task = self._task_json(task_id)
            except RoutingError:
                return []
            queue = self.centre.queues[task["queue"]]
            new_queue, new_step, fallback = task["queue"], step + 1, ""
            entered: float | None = None  # a new entered time (overflow), or None to keep it
            if step + 1 == len(queue.steps):
                if queue.fallback is not None and queue.fallback.overflow:
                    new_queue, new_step, entered = queue.fallback.overflow, 0, now
                else:  # signal the fallback offer, or keep the last step: nothing moves
                    new_step = step
                    offer = queue.fallback.offer if queue.fallback else None
                    fallback = offer or "stay"
            rule = self.centre.queues[new_queue].steps[new_step]
            start = task["entered"] if entered is None else entered
            due = start + rule.timeout if rule.timeout is not None and not fallback else ""
            priority = rule.priority if rule.priority is not None and not fallback else ""
            channel, language = task["channel"], task["language"]
            pools = self.layout.step_pools(new_queue, new_step, channel, language)
            reply = self._call(
                "advance",
                now,
                [
                    self.layout.wait_key(task["queue"], channel, step, language),
                    self.layout.wait_key(new_queue, channel, new_step, language),
                    *pools.keys,
                ],
                [
                    task_id,
                    step,
                    task["queue"],
                    new_queue,
                    new_step,
                    priority,
                    due,
                    fallback,
                    "" if entered is None else entered,
                    pools.family,
                    pools.mode,
                ],
            )
            if reply[0] != "stale":
                return self._offers(reply[1:]) if reply[0] == "reserved" else []
        raise RoutingError("busy", f"task {task_id} kept changing; try again")

    # --- reads ----------------------------------------------------------------------------

    def task(self, task_id: str) -> dict:
        return self._task_json(task_id)

    def agent(self, agent_id: str) -> dict:
        profile, status, tasks = self._agent_records(agent_id)
        return _agent_view(profile, status, {t["id"]: t["state"] for t in tasks})

    def _agent_records(self, agent_id: str) -> tuple[dict, dict, list[dict]]:
        """An agent's profile, status and current tasks, in two round trips."""
        with self.redis.pipeline(transaction=False) as pipe:
            pipe.hget(self.keys.agents(), agent_id)
            pipe.hget(self.keys.agent_status(), agent_id)
            raw_profile, raw_status = pipe.execute()
        if raw_profile is None or raw_status is None:
            raise RoutingError("unknown", f"no agent {agent_id}")
        status = json.loads(raw_status)
        task_ids = status.get("tasks") or []
        raws = self.redis.hmget(self.keys.tasks(), task_ids) if task_ids else []
        return json.loads(raw_profile), status, [json.loads(r) for r in raws if r is not None]

    def agents(self) -> list[dict]:
        profiles = self.redis.hgetall(self.keys.agents())
        raw_statuses = self.redis.hgetall(self.keys.agent_status())
        statuses = {k: json.loads(v) for k, v in raw_statuses.items()}
        states = self._task_states([t for s in statuses.values() for t in s.get("tasks") or []])
        return [
            _agent_view(json.loads(profiles[k]), statuses[k], states)
            for k in sorted(profiles)
            if k in statuses
        ]

    def _task_states(self, task_ids: list[str]) -> dict[str, str]:
        if not task_ids:
            return {}
        raws = self.redis.hmget(self.keys.tasks(), task_ids)
        return {t: json.loads(r)["state"] for t, r in zip(task_ids, raws, strict=True) if r}

    def agent_for_token(self, token: str) -> str | None:
        agent_id = self.redis.hget(self.keys.agent_tokens(), token_hash(token))
        return text(agent_id) if agent_id else None

    def offers_for(self, agent_id: str) -> list[dict]:
        _, _, tasks = self._agent_records(agent_id)
        return [
            {"offer_id": t["offer"], "task": t, "expires": t["offer_expires"]}
            for t in tasks
            if t["state"] == "reserved"
        ]

    # --- transfers --------------------------------------------------------------------------
    # A live call moves to a queue (cold) or to a named agent (ring, then move or drop):
    # lua/transfer_queue.lua, lua/transfer_agent.lua.

    def transfer_to_queue(
        self,
        task_id: str,
        queue: str,
        attributes: dict[str, str],
        now: float | None = None,
    ) -> list[Reservation]:
        """A cold transfer: the assigned call re-enters routing in `queue` (step 0, its age
        kept), with `attributes` set; its agent (and an agent a named transfer was ringing) is
        released at once, without wrap-up. Only calls (exclusive channels) move so."""
        if queue not in self.centre.queues:
            raise RoutingError("invalid", f"unknown queue {queue!r}")
        now = self.timestamp(now)
        task = self._task_json(task_id)
        channel, language = task["channel"], task["language"]
        if not self.centre.channels[channel].exclusive:
            raise RoutingError("invalid", f"a {channel} task is not transferred")
        if channel not in self.centre.queue_channels(queue):
            raise RoutingError("invalid", f"queue {queue!r} takes no {channel} contacts")
        first = self.centre.queues[queue].steps[0]
        pools = self.layout.step_pools(queue, 0, channel, language)
        reply = self._call(
            "transfer_queue",
            now,
            [self.layout.wait_key(queue, channel, 0, language), *pools.keys],
            [
                task_id,
                queue,
                first.priority if first.priority is not None else "",
                now + first.timeout if first.timeout is not None else "",
                len(self.centre.queues[task["queue"]].steps),
                json.dumps({str(k): str(v) for k, v in attributes.items()}),
                pools.family,
                pools.mode,
            ],
        )
        if reply[0] == "unknown":
            raise RoutingError("unknown", f"no task {task_id}")
        if reply[0] == "state":
            raise RoutingError("state", f"task {task_id} is {reply[1]}, not assigned")
        offers = self._offers(reply[4:]) if reply[3] == "reserved" else []
        for agent_id in filter(None, reply[1:3]):
            offers += self._committed(self._agent_ready, agent_id, now)
        return offers

    def transfer_ring(
        self, task_id: str, agent_id: str, mode: str, now: float | None = None
    ) -> None:
        """A named transfer begins: `agent_id` (available, with room) is held for the task
        while it rings; the task's attributes say so (transfer_to, transfer_mode,
        transfer_state 'ringing')."""
        if mode not in ("cold", "warm"):
            raise RoutingError("invalid", "mode must be cold or warm")
        reply = self._transfer_step(task_id, "ring", agent_id, mode, now)
        if reply[0] == "same":
            raise RoutingError("invalid", f"task {task_id} is already {agent_id}'s")
        if reply[0] == "no_agent":
            raise RoutingError("invalid", f"no agent {agent_id}")
        if reply[0] == "unavailable":
            raise RoutingError("state", _not_free(agent_id, reply[1]))

    def transfer_move(
        self, task_id: str, agent_leg: str, now: float | None = None
    ) -> list[Reservation]:
        """The named transfer goes through: the task is the target's (its leg `agent_leg` the
        agent leg now), the first agent is released and offered its next work."""
        return self._transfer_end(task_id, "move", agent_leg, now)

    def transfer_drop(self, task_id: str, now: float | None = None) -> list[Reservation]:
        """The named transfer did not happen: the target is released; the task stays as it
        is (nothing to drop is no error: a retried callback)."""
        return self._transfer_end(task_id, "drop", "", now)

    def _transfer_end(
        self, task_id: str, step: str, ref: str, now: float | None
    ) -> list[Reservation]:
        now = self.timestamp(now)
        reply = self._transfer_step(task_id, step, ref, "", now)
        if reply[0] == "idle" and step == "move":
            raise RoutingError("state", f"task {task_id} has no transfer under way")
        return self._committed(self._agent_ready, reply[1], now) if reply[0] == "ok" else []

    def _transfer_step(
        self, task_id: str, step: str, ref: str, mode: str, now: float | None
    ) -> list[str]:
        reply = self._call(
            "transfer_agent",
            self.timestamp(now),
            [self.keys.closed_tasks()],
            [task_id, step, ref, mode],
        )
        if reply[0] == "unknown":
            raise RoutingError("unknown", f"no task {task_id}")
        if reply[0] == "state":
            raise RoutingError("state", f"task {task_id} is {reply[1]}, not a live call")
        return reply


def _offered(task: dict | None, offer_id: str) -> bool:
    """The task is reserved by that offer."""
    return task is not None and task["state"] == "reserved" and task["offer"] == offer_id


def _unbridged_call(task: dict | None) -> bool:
    """An accepted voice task whose caller and agent were never bridged."""
    return (
        task is not None
        and task["state"] == "assigned"
        and task["channel"] == "voice"
        and not task.get("answered_at")
    )


def _not_free(agent_id: str, state: str) -> str:
    """Why an agent cannot take a call now: their state, or a full voice line."""
    if state == "available":
        return f"agent {agent_id} is on another call (no room on the voice channel)"
    return f"agent {agent_id} is {state}"


def _agent_view(profile: dict, status: dict, task_states: dict[str, str]) -> dict:
    """An agent as the API shows it. `shown_state` derives busy (handling or offered work) and
    wrap-up (only wrapping tasks left) from its tasks; `state` is what the agent chose."""
    tasks = status.get("tasks") or []
    load = status.get("load") or {}
    state = status["state"]
    shown = shown_state(state, [task_states.get(t, "") for t in tasks])
    return {
        "id": profile["id"],
        "name": profile.get("name", ""),
        "skills": profile["skills"],
        "languages": profile["languages"],
        "capacity": profile["capacity"],
        "contact": profile.get("contact", {}),
        "state": state,
        "shown_state": shown,
        "reason": status.get("reason", ""),
        "since": status["since"],
        # when the shown state began (a call, a wrap-up, back to available); older statuses
        # written before it was kept fall back to the agent's own state change
        "shown_since": status.get("shown_since", status["since"]),
        "idle_since": status["idle"],
        "load": load,
        "tasks": list(tasks),
        "missed": status.get("missed", 0),
    }
