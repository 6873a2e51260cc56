"""Batch alerts: several complaints naming one product batch within a window raise one alert,
kept for the supervisor's page, with a task for quality control (the procedure adds both to the
case that crossed the threshold).

A possible recall is a fact about a batch, not about any one case: it has its own Redis keys
(a window of references per batch, a lock per batch and window, the alerts) and its own rule,
the centre's `Policy`.
"""

from __future__ import annotations

import json
from typing import Any, cast

import redis

from telephony.complaints.model import ComplaintRecord, Policy
from telephony.keys import Keys

Alert = dict[str, Any]  # id, batch, product, refs, raised_at, task_id


class BatchAlerts:
    """The batch alerts of one namespace."""

    def __init__(self, client: redis.Redis, keys: Keys) -> None:
        self.redis = client
        self.keys = keys

    def listing(self) -> list[Alert]:
        """Every alert raised, the newest first."""
        raws = self.redis.hvals(self.keys.batch_alerts())
        return sorted((json.loads(r) for r in raws), key=lambda a: a["raised_at"], reverse=True)

    def record(self, case: ComplaintRecord, now: float, policy: Policy) -> Alert | None:
        """Count `case` on its batch; the new alert when the batch reached the threshold within
        the window and has no alert for the window yet, else None."""
        key = self.keys.complaint_batch(case["batch"])
        window = policy.batch_window_seconds
        with self.redis.pipeline() as pipe:
            pipe.zadd(key, {case["ref"]: now})
            pipe.zremrangebyscore(key, "-inf", f"({now - window}")
            pipe.expire(key, int(window) + 60)
            pipe.zrange(key, 0, -1)
            members = cast(list[bytes], pipe.execute()[-1])  # bytes: the client does not decode
        refs = [r.decode() for r in members]
        if len(refs) < policy.batch_threshold:
            return None
        if not self.redis.set(
            self.keys.batch_alert_lock(case["batch"]), case["ref"], nx=True, ex=int(window)
        ):
            return None  # this batch has its alert for the window already
        alert_id = f"batch-{case['batch']}-{case['ref']}"
        alert = {
            "id": alert_id,
            "batch": case["batch"],
            "product": case["product"],
            "refs": refs,
            "raised_at": now,
            "task_id": alert_id,
        }
        self.redis.hset(self.keys.batch_alerts(), alert_id, json.dumps(alert))
        return alert
