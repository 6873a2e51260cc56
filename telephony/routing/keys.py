"""Every Redis key name Vero uses, in one place. Nothing else builds a key by hand.

All keys of one centre share the hash tag `{centre}` so that every Lua script runs unchanged on a
Redis Cluster (all keys of a script call live in one slot).
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
        """HASH agent id → profile JSON (name, skills, languages, capacity, contact)."""
        return self.prefix + "agents"

    def agent_status(self) -> str:
        """HASH agent id → live status JSON (state, load, idle since, tasks, missed offers)."""
        return self.prefix + "agent_status"

    def agent_tokens(self) -> str:
        """HASH sha256(token) → agent id."""
        return self.prefix + "agent_tokens"

    def tasks(self) -> str:
        """HASH task id → task JSON."""
        return self.prefix + "tasks"

    def timers(self) -> str:
        """ZSET of due work (offer expiry, step timeout, end of wrap-up), scored by due time."""
        return self.prefix + "timers"

    def waiting(self, queue: str, channel: str, step: int, language: str) -> str:
        """ZSET of queued task ids on one step of a queue, scored by priority then age."""
        return f"{self.prefix}wait:{queue}:{channel}:{step}:{language}"

    def pool(self, family: str, channel: str, skill: str, level: int, language: str) -> str:
        """ZSET of agent ids who may take `channel` work (lazily cleaned; see the Lua header).

        family: 'idle' (scored by idle since) or 'load' (scored by task count, then idle since).
        """
        return f"{self.prefix}pool:{family}:{channel}:{skill}:{level}:{language}"

    def stats(self, day: str) -> str:
        """HASH of today's counters: field 'queue|channel|bucket|metric' (bucket = HH:MM start)."""
        return f"{self.prefix}stats:{day}"

    def events(self) -> str:
        """STREAM of every lifecycle change."""
        return self.prefix + "events"

    def contacts(self) -> str:
        """STREAM of closed contacts waiting to be appended to the daily contact-record CSV."""
        return self.prefix + "contacts"

    def messages(self, task_id: str) -> str:
        """LIST of a task's conversation (JSON per message)."""
        return f"{self.prefix}messages:{task_id}"

    def customers(self) -> str:
        """HASH phone (E.164) → customer JSON (name, segment, vip, language)."""
        return self.prefix + "customers"

    def conversation(self, channel: str, address: str) -> str:
        """STRING: the open message task of one customer address on a channel (WhatsApp/SMS)."""
        return f"{self.prefix}conversation:{channel}:{address}"

    def sequence(self, name: str) -> str:
        """STRING counter for human reference numbers (e.g. complaint references per year)."""
        return f"{self.prefix}seq:{name}"

    def idempotency(self, scope: str, ref: str) -> str:
        """STRING marking that a webhook step was already applied (Twilio retries)."""
        return f"{self.prefix}done:{scope}:{ref}"

    def complaint(self, ref: str) -> str:
        """STRING: one complaint case as JSON (state, classification, teams, deadlines)."""
        return f"{self.prefix}complaint:{ref}"

    def complaint_timeline(self, ref: str) -> str:
        """LIST of a complaint case's timeline entries (JSON, oldest first)."""
        return f"{self.prefix}complaint_timeline:{ref}"

    def complaints(self) -> str:
        """ZSET of every complaint reference, scored by creation time."""
        return self.prefix + "complaints"

    def complaints_open(self) -> str:
        """ZSET of the references of open complaint cases, scored by their resolution deadline."""
        return self.prefix + "complaints_open"

    def customer_complaints(self, customer: str) -> str:
        """SET of the complaint references of one customer (phone E.164 or e-mail address)."""
        return f"{self.prefix}customer_complaints:{customer}"

    def complaint_batch(self, batch: str) -> str:
        """ZSET of the complaint references naming one product batch, scored by creation time."""
        return f"{self.prefix}complaint_batch:{batch}"

    def batch_alerts(self) -> str:
        """HASH alert id → batch alert JSON (batch, product, references, raised at)."""
        return self.prefix + "batch_alerts"

    def batch_alert_lock(self, batch: str) -> str:
        """STRING (with expiry): a batch already has an alert in the current window."""
        return f"{self.prefix}batch_alert_lock:{batch}"

    def customer_contacts(self, customer: str) -> str:
        """LIST of one customer's last closed contacts (JSON, newest first, capped)."""
        return f"{self.prefix}customer_contacts:{customer}"

    def rate_limits(self) -> str:
        """Prefix of Flask-Limiter's counters (the `limits` library adds `:<limit key>`); each
        counter expires with its window (vero/limits.py)."""
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
