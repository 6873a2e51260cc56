"""Closed contacts reach the daily CSV the forecast reads, once each, with the right figures."""

import csv
import json

from telephony.routing.contact_log import COLUMNS, ContactLog
from telephony.routing.router import RedisRouter

T0 = 1_790_000_000.0  # 2026-09-21 21:53:20 in Jakarta


def test_completed_and_abandoned_contacts_are_written_once(redis_client, namespace, centre,
                                                           tmp_path):
    router = RedisRouter(redis_client, centre, namespace=namespace)
    log = ContactLog(redis_client, router.keys, centre, tmp_path)
    router.upsert_agent("ayu", {"orders": 2}, ("id",), {"voice": 1}, now=T0)
    router.set_agent_state("ayu", "available", now=T0)
    [offer] = router.enqueue("call-1", "voice", "orders", "id", now=T0 + 1,
                             attributes={"from": "0812-3456-7890"})
    router.accept(offer.offer, now=T0 + 5)
    router.complete("call-1", now=T0 + 125)
    router.enqueue("call-2", "voice", "orders", "id", now=T0 + 126)
    router.cancel("call-2", "abandoned", now=T0 + 150)
    router.tick(now=T0 + 200)  # wrap-up (20 s for orders) ends: the first contact closes

    assert log.flush() == 2
    assert log.flush() == 0
    [path] = (tmp_path / "contacts").iterdir()
    assert path.name == "2026-09-21.csv"
    rows = list(csv.DictReader(path.open()))
    assert tuple(rows[0]) == COLUMNS
    by_id = {r["task_id"]: r for r in rows}
    assert by_id["call-1"]["outcome"] == "completed"
    assert by_id["call-1"]["wait_seconds"] == "4.0"
    assert by_id["call-1"]["handle_seconds"] == "140.0"  # talk 120 s + wrap-up 20 s
    assert by_id["call-1"]["agent_id"] == "ayu"
    assert by_id["call-2"]["outcome"] == "abandoned"
    assert by_id["call-2"]["wait_seconds"] == "24.0"
    assert by_id["call-2"]["answered_at"] == ""
    assert by_id["call-1"]["customer"] == "+6281234567890"  # for first-contact resolution
    assert by_id["call-2"]["customer"] == ""
    recent = redis_client.lrange(router.keys.customer_contacts("+6281234567890"), 0, -1)
    assert [json.loads(r)["task_id"] for r in recent] == ["call-1"]  # the agent's screen pop
