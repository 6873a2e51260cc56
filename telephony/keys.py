"""Every Redis key name Vero uses, in one place. Nothing else builds a key by hand.

All keys of one centre share the hash tag `{centre}` so that every Lua script runs unchanged on a
Redis Cluster (all keys of a script call live in one slot).

Every docstring says who owns the key (writes it and deletes it) and how long it lives: nothing
may grow with the number of contacts ever handled.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Keys:
    centre: str
    namespace: str = "vero"

    @property
    def prefix(self) -> str:
        return f"{self.namespace}:{{{self.centre}}}:"

    def agents(self) -> str:
        """HASH agent id → profile JSON (name, skills, languages, capacity, contact).

        Owner: the router (upsert_agent.lua). Lifetime: one field per agent, for as long as the
        agent exists; grows with the staff, not with contacts."""
        return self.prefix + "agents"

    def agent_status(self) -> str:
        """HASH agent id → live status JSON (state, load, idle since, tasks, missed offers).

        Owner: the router scripts. Lifetime: as `agents`; `tasks` lists only open work."""
        return self.prefix + "agent_status"

    def agent_tokens(self) -> str:
        """HASH sha256(token) → agent id.

        Owner: upsert_agent.lua, which deletes the old hash when a token is rotated. Lifetime:
        one field per agent."""
        return self.prefix + "agent_tokens"

    def tasks(self) -> str:
        """HASH task id → task JSON of every open task (queued, reserved, assigned, wrapping), and
        of a closed one until its contact record is in the CSV.

        Owner: the router scripts create and change tasks; the contact log (settle.lua) moves a
        closed task to `closed_tasks` once its CSV row is fsynced. Lifetime: the contact's life,
        plus the dispatcher's next round."""
        return self.prefix + "tasks"

    def timers(self) -> str:
        """ZSET of due work (offer expiry, step timeout, end of wrap-up), scored by due time.

        Owner: the router scripts add and remove members; `RedisRouter.tick` drops stale ones.
        Lifetime: a member lives until due (at most a step timeout)."""
        return self.prefix + "timers"

    def waiting(self, queue: str, channel: str, step: int, language: str) -> str:
        """ZSET of queued task ids on one step of a queue, scored by priority then age.

        Owner: the router scripts. Lifetime: a member leaves when its task is offered, moves
        or ends; one key per queue step, channel and language."""
        return f"{self.prefix}wait:{queue}:{channel}:{step}:{language}"

    def pool(self, family: str, channel: str, skill: str, level: int, language: str) -> str:
        """ZSET of agent ids who may take `channel` work (lazily cleaned; see the Lua header).

        family: 'idle' (scored by idle since) or 'load' (scored by task count, then idle since).
        Owner: the router scripts. Lifetime: members are agents; one key per skill level.
        """
        return f"{self.prefix}pool:{family}:{channel}:{skill}:{level}:{language}"

    def stats(self, day: str) -> str:
        """HASH of today's counters: field 'queue|channel|bucket|metric' (bucket = HH:MM start).

        Owner: the router scripts (lib.lua `stat`). Lifetime: expires 8 days after its last
        change (STATS_TTL in lib.lua); the history is the contact CSVs."""
        return f"{self.prefix}stats:{day}"

    def agent_day(self, day: str) -> str:
        """HASH of one local day's counters per agent: field 'agent|metric' (handled, handle_sum
        seconds of talk + wrap-up) and 'agent|time|shown state' (seconds spent in it).

        Owner: the router scripts (lib.lua `put_status`, complete.lua). Lifetime: expires 8 days
        after its last change (STATS_TTL in lib.lua), as `stats`."""
        return f"{self.prefix}agent_day:{day}"

    def published_forecast(self, day: str) -> str:
        """STRING (JSON) of one local day's published forecast: interval minutes and, per
        'queue|channel', the volume of each interval ('HH:MM' start).

        Owner: the console's intraday panel (vero/web/console/intraday.py), which writes it
        when a supervisor publishes a forecast run. Lifetime: expires two days after its day
        ends; one key per day, at most a month ahead."""
        return f"{self.prefix}forecast:{day}"

    def published_roster(self, day: str) -> str:
        """STRING (JSON) of one local day's published roster: interval minutes, each agent's
        scheduled activities (shift, break as epoch seconds, or the day off) and each group's
        required agents per interval ('HH:MM' start).

        Owner: the console's roster publishing (vero/web/console/roster_publish.py), which writes
        it when a supervisor publishes a roster run. Lifetime: expires two days after its day
        ends; one key per day of the roster's week."""
        return f"{self.prefix}roster:{day}"

    def agent_timeline(self) -> str:
        """HASH of the agent-state timeline's progress: 'cursor' → the last events-stream id
        recorded, 'day' → the local day of the last row, and 'agent:<id>' → that agent's state
        replayed so far (chosen state, open tasks, shown state) as JSON.

        Owner: telephony/routing/agent_states.py (a dispatcher's periodic work). Lifetime: kept
        while the centre exists; one field per agent, so it grows with the staff only."""
        return self.prefix + "agent_timeline"

    def events(self) -> str:
        """STREAM of every lifecycle change, for live readers (connector, wallboard, desk).

        Owner: the router scripts (lib.lua `event`), which cap it at about 100,000 entries
        (XADD MAXLEN ~, about 12 MB). Lifetime: hours of traffic."""
        return self.prefix + "events"

    def contacts(self) -> str:
        """STREAM of closed contacts waiting to be appended to the daily contact-record CSV.

        Owner: written by the router scripts at close; the contact log reads it through a
        consumer group and deletes each entry (settle.lua) after its row is fsynced. Lifetime:
        until the next dispatcher round (it buffers while no dispatcher runs)."""
        return self.prefix + "contacts"

    def closed_tasks(self) -> str:
        """HASH task id → task JSON of a closed task whose contact record is in the CSV, for the
        desk's and the API's look back (annotations such as a survey still land on it).

        Owner: the contact log: settle.lua moves tasks here from `tasks`; purge_closed.lua
        deletes them after VERO_CLOSED_RETENTION_HOURS (48 h by default)."""
        return self.prefix + "closed_tasks"

    def closed_index(self) -> str:
        """ZSET of the ids in `closed_tasks`, scored by when they were settled.

        Owner and lifetime: as `closed_tasks` (the purge reads the oldest first)."""
        return self.prefix + "closed_index"

    def messages(self, task_id: str) -> str:
        """LIST of a task's conversation (JSON per message).

        Owner: telephony/messaging.py appends; purge_closed.lua deletes it with its closed task.
        Lifetime: the task's, plus the closed retention; an expiry refreshed by every message
        (messaging.MESSAGES_TTL) removes lists whose task never closes."""
        return f"{self.prefix}messages:{task_id}"

    def customers(self) -> str:
        """HASH phone (E.164) → customer JSON (name, segment, vip, language).

        Owner: `vero customers import` (the CRM export). Lifetime: the customer directory's; it
        is replaced by the next import, not by contacts."""
        return self.prefix + "customers"

    def conversation(self, channel: str, address: str) -> str:
        """STRING: the open message task of one customer address on a channel (WhatsApp/SMS).

        Owner: telephony/messaging.py. Lifetime: expires CONVERSATION_TTL (7 days) after the
        customer's last message; a closed task is never continued anyway."""
        return f"{self.prefix}conversation:{channel}:{address}"

    def sequence(self, name: str) -> str:
        """STRING counter for human reference numbers (e.g. complaint references per year).

        Owner: telephony/complaints. Lifetime: kept (one key per name and year)."""
        return f"{self.prefix}seq:{name}"

    def idempotency(self, scope: str, ref: str) -> str:
        """STRING marking that a webhook step was already applied (Twilio retries).

        Owner: whoever sets it (telephony/ivr/call.py, telephony/messaging.py), always with an
        expiry: a day for webhook retries, 30 days for a complaint reference."""
        return f"{self.prefix}done:{scope}:{ref}"

    def complaint(self, ref: str) -> str:
        """STRING: one complaint case as JSON (state, classification, teams, deadlines).

        Owner: telephony/complaints/repository.py. Lifetime: kept: Redis is the case file today
        (grows per complaint, not per contact; an archive to disk is still to be built)."""
        return f"{self.prefix}complaint:{ref}"

    def complaint_timeline(self, ref: str) -> str:
        """LIST of a complaint case's timeline entries (JSON, oldest first).

        Owner and lifetime: as `complaint`."""
        return f"{self.prefix}complaint_timeline:{ref}"

    def complaints(self) -> str:
        """ZSET of every complaint reference, scored by creation time.

        Owner and lifetime: as `complaint`."""
        return self.prefix + "complaints"

    def complaints_open(self) -> str:
        """ZSET of the references of open complaint cases, scored by their resolution deadline.

        Owner: telephony/complaints/repository.py; a member leaves when its case closes."""
        return self.prefix + "complaints_open"

    def customer_complaints(self, customer: str) -> str:
        """SET of the complaint references of one customer (phone E.164 or e-mail address).

        Owner and lifetime: as `complaint`."""
        return f"{self.prefix}customer_complaints:{customer}"

    def complaint_batch(self, batch: str) -> str:
        """ZSET of the complaint references naming one product batch, scored by creation time.

        Owner and lifetime: as `complaint`."""
        return f"{self.prefix}complaint_batch:{batch}"

    def batch_alerts(self) -> str:
        """HASH alert id → batch alert JSON (batch, product, references, raised at).

        Owner: telephony/complaints/alerts.py. Lifetime: kept (one per alert raised)."""
        return self.prefix + "batch_alerts"

    def batch_alert_lock(self, batch: str) -> str:
        """STRING (with expiry): a batch already has an alert in the current window.

        Owner: telephony/complaints/alerts.py. Lifetime: the alert window (its expiry)."""
        return f"{self.prefix}batch_alert_lock:{batch}"

    def breaches(self) -> str:
        """HASH 'queue|channel' → epoch the line's breach began (telephony/routing/breaches.py).

        Owner: `BreachLog` (the wallboard's snapshots and the dispatcher's alerts) sets a field
        when a breach begins and deletes it when it is over. Lifetime: one field per line in
        breach; the hash expires two days after its last breach."""
        return self.prefix + "breaches"

    def breach_alert(self, queue: str) -> str:
        """STRING (with expiry): the duty supervisor was told of this queue's breach.

        Owner: telephony/breach_alerts.py (SET NX EX). Lifetime: the alert window (its expiry)."""
        return f"{self.prefix}breach_alert:{queue}"

    def customer_contacts(self, customer: str) -> str:
        """LIST of one customer's last closed contacts (JSON, newest first, capped at 10).

        Owner: the contact log (settle.lua), after the contact's CSV row. Lifetime: expires
        `customers.RECENT_CONTACTS_TTL` (90 days) after the customer's last contact."""
        return f"{self.prefix}customer_contacts:{customer}"

    def outbox(self) -> str:
        """STREAM of outbound Twilio REST requests (call redirects, messages) for the sender
        threads of the dispatchers (consumer group); each entry is deleted once sent or buried."""
        return self.prefix + "outbox"

    def outbox_dead(self) -> str:
        """STREAM of REST requests that failed their last try (dead letters, for the
        supervisor); each add trims the entries older than 7 days."""
        return self.prefix + "outbox_dead"

    def due_callbacks(self) -> str:
        """ZSET of the next tries of callbacks whose customer did not answer: member the JSON of
        the task to enqueue (its id names the try), scored by when it is due.

        Owner: telephony/ivr/outbound.py adds a try and, once due, enqueues it (a dispatcher's
        periodic work) and removes it. Lifetime: until due (the centre's callback spacing)."""
        return self.prefix + "due_callbacks"

    def dispatchers(self) -> str:
        """HASH dispatcher id → heartbeat JSON {"at": epoch, ...}, written every loop round;
        dispatchers prune entries older than a minute, the hash expires a minute after the last."""
        return self.prefix + "dispatchers"

    def event_tally(self) -> str:
        """HASH router event type → count since the first /metrics scrape, and 'cursor' → the
        last event id counted. Written by the /metrics collector (vero.web.metrics) at each scrape;
        bounded (one field per event type), kept while the centre exists."""
        return self.prefix + "event_tally"

    def jobs_queue(self) -> str:
        """Name of this centre's RQ queue of console jobs (forecast, roster, what-if). RQ owns its
        keys (`job_key_prefix()`:queue:<name>, :job:<id>, its registries): a job hash expires
        with its result (the run retention, VERO_JOB_RETENTION_DAYS); RQ's workers clean the
        registries."""
        return f"{self.namespace}-{self.centre}-console"

    def console_job(self, kind: str, run_id: str) -> str:
        """RQ job id of one console run: unique across centres and namespaces on one Redis."""
        return f"{self.namespace}-{self.centre}-{kind}-{run_id}"

    def web_session(self, id_hash: str) -> str:
        """STRING: one console or desk login (JSON role, agent, token hash, created, seen), under
        the sha256 of the cookie's session id. TTL = the idle lifetime, renewed while used; deleted
        at logout, past the absolute lifetime, and by the router when the agent's token changes."""
        return f"{self.prefix}web_session:{id_hash}"

    def agent_web_sessions(self, agent_id: str) -> str:
        """SET of the web_session id hashes of one agent's logins; TTL = the absolute session
        lifetime from the agent's last login; deleted with those sessions by the router when the
        agent's token is rotated."""
        return f"{self.prefix}agent_web_sessions:{agent_id}"

    def rate_limits(self) -> str:
        """Prefix of Flask-Limiter's counters (the `limits` library adds `:<limit key>`); each
        counter expires with its window (vero/web/limits.py)."""
        return self.prefix + "ratelimit"

    def customer_accounts(self) -> str:
        """HASH username → customer account JSON (B2B clients, partners; managed by supervisors,
        kept until deleted: disabling keeps the record)."""
        return self.prefix + "customer_accounts"

    def customer_account_phones(self) -> str:
        """HASH phone (E.164) → username of the account holding it (kept with the account)."""
        return self.prefix + "customer_account_phones"

    def login_failures(self, username: str) -> str:
        """STRING count of failed logins of one customer account; expires with the lockout
        window, deleted by a successful login or a password reset."""
        return f"{self.prefix}login_failures:{username}"

    def customer_session(self, token_sha256: str) -> str:
        """STRING JSON of a logged-in or phone-verified website customer; expires (TTL), deleted
        at logout."""
        return f"{self.prefix}customer_session:{token_sha256}"

    def one_time_code(self, phone: str) -> str:
        """HASH of the pending one-time code of a phone (its HMAC, attempts); expires with the
        code (TTL), deleted when used or when its attempts run out."""
        return f"{self.prefix}otp:{phone}"

    def verified_phone(self, phone: str) -> str:
        """STRING: the phone passed a one-time code (outbound allow-list); expires (TTL)."""
        return f"{self.prefix}verified_phone:{phone}"

    def outbound_count(self, day: str, phone: str) -> str:
        """STRING count of messages sent to one phone on one local day; expires after that day."""
        return f"{self.prefix}outbound:{day}:{phone}"

    def chat_activity(self) -> str:
        """ZSET open web-chat task id → the visitor's last request (epoch); a member leaves when
        its chat ends (visitor, idle sweep) or is found closed by the sweep."""
        return self.prefix + "chat_activity"

    def open_chats(self, visitor: str) -> str:
        """SET of the open web-chat task ids of one visitor (IP); closed members are pruned when
        read; expires a day after the visitor's last chat."""
        return f"{self.prefix}open_chats:{visitor}"

    def all_keys_pattern(self) -> str:
        """SCAN pattern for every key of this centre (used by tests to clean up their own keys)."""
        return self.prefix.replace("{", "\\{").replace("}", "\\}") + "*"


def job_key_prefix() -> str:
    """Prefix of every key RQ writes (RQ_KEY_PREFIX, read by rq once, at import). RQ names its keys
    itself, so they cannot carry a centre's hash tag; all of them share the one tag `{jobs}`, so
    RQ's multi-key scripts and transactions stay in one Redis Cluster slot."""
    return "vero:{jobs}"
