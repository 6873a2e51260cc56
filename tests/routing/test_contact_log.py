"""Closed contacts reach the daily CSV the forecast reads, once each, with the right figures."""

import csv
import json
import multiprocessing

import pytest
import redis

from telephony.routing import contact_log
from telephony.routing.contact_files import ContactFiles
from telephony.routing.contact_log import COLUMNS, ContactLog
from telephony.routing.errors import RoutingError
from telephony.routing.router import RedisRouter
from vero.cli.embedded_redis import EmbeddedRedis

T0 = 1_790_000_000.0  # 2026-09-21 21:53:20 in Jakarta


def test_completed_and_abandoned_contacts_are_written_once(
    redis_client, namespace, centre, tmp_path
):
    router = RedisRouter(redis_client, centre, namespace=namespace)
    log = ContactLog(redis_client, router.keys, centre, tmp_path)
    router.upsert_agent("ayu", {"orders": 2}, ("id",), {"voice": 1}, now=T0)
    router.set_agent_state("ayu", "available", now=T0)
    [offer] = router.enqueue(
        "call-1", "voice", "orders", "id", now=T0 + 1, attributes={"from": "0812-3456-7890"}
    )
    router.accept(offer.offer, now=T0 + 4)
    router.bridge("call-1", now=T0 + 5)
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


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _close_calls(router, ids, at):
    """Enqueue and abandon each call at `at`: closed contacts waiting in the stream."""
    for task_id in ids:
        router.enqueue(task_id, "voice", "orders", "id", now=at)
        router.cancel(task_id, "abandoned", now=at + 10)


def _rows(path):
    return list(csv.DictReader(path.open(newline="")))


def test_a_talked_to_callers_row_waits_for_the_survey(redis_client, namespace, centre, tmp_path):
    """The agent ends wrap-up before the caller rates the call: the row waits for the rating
    (or the call's end, or SURVEY_WAIT_SECONDS) and has it."""
    router = RedisRouter(redis_client, centre, namespace=namespace)
    clock = Clock(T0 + 80)
    log = ContactLog(redis_client, router.keys, centre, tmp_path, clock=clock)
    router.upsert_agent("ayu", {"orders": 2}, ("id",), {"voice": 3}, now=T0)
    router.set_agent_state("ayu", "available", now=T0)
    for n, attributes in enumerate(({"call_sid": "CA1"}, {"call_sid": "CA2"}, {})):
        [offer] = router.enqueue(
            f"call-{n}", "voice", "orders", "id", now=T0, attributes=attributes
        )
        router.accept(offer.offer, now=T0 + 2)
        router.bridge(f"call-{n}", now=T0 + 3)
        router.complete(f"call-{n}", now=T0 + 60)
        router.complete(f"call-{n}", now=T0 + 61)  # wrap-up ended early
    assert log.flush() == 1  # no caller on the line (call-2): written at once
    router.annotate("call-0", {"csat": "2"})
    router.annotate("call-1", {"call_ended": "yes"})  # hung up without rating
    assert log.flush() == 2
    rows = {r["task_id"]: r["csat"] for r in _rows(next((tmp_path / "contacts").iterdir()))}
    assert rows == {"call-0": "2", "call-1": "", "call-2": ""}
    assert log.flush() == 0


def test_a_recorded_calls_row_waits_for_its_recording_and_carries_it(
    redis_client, namespace, centre, tmp_path
):
    """Twilio posts the recording after the call: the row waits for it, then has the URL, the
    length and the call's other voice facts (a transfer, a callback's earlier tries)."""
    router = RedisRouter(redis_client, centre, namespace=namespace)
    log = ContactLog(redis_client, router.keys, centre, tmp_path, clock=Clock(T0 + 80))
    router.upsert_agent("ayu", {"orders": 2}, ("id",), {"voice": 1}, now=T0)
    router.set_agent_state("ayu", "available", now=T0)
    attributes = {
        "call_sid": "CA1",
        "recording_state": "in-progress",
        "transfer": "yes",
        "kind": "callback",
        "attempt_2": "busy@2026-12-01T03:10:00+00:00",
        "attempt_1": "no-answer@2026-12-01T03:00:00+00:00",
    }
    [offer] = router.enqueue("cb-1", "voice", "orders", "id", now=T0, attributes=attributes)
    router.accept(offer.offer, now=T0 + 2)
    router.bridge("cb-1", now=T0 + 3)
    router.complete("cb-1", now=T0 + 60)
    router.complete("cb-1", now=T0 + 61)
    router.annotate("cb-1", {"call_ended": "yes"})
    assert log.flush() == 0  # the caller is gone, the recording is not in yet
    router.annotate(
        "cb-1", {"recording_url": "https://api.twilio.com/rec/RE1", "recording_duration": "57"}
    )
    assert log.flush() == 1
    [row] = _rows(next((tmp_path / "contacts").iterdir()))
    assert (row["kind"], row["transferred"], row["recording_url"], row["recording_seconds"]) == (
        "callback",
        "yes",
        "https://api.twilio.com/rec/RE1",
        "57",
    )
    assert row["attempts"] == (
        "no-answer@2026-12-01T03:00:00+00:00; busy@2026-12-01T03:10:00+00:00"
    )


def test_a_day_file_of_older_columns_is_left_as_it_is(redis_client, namespace, centre, tmp_path):
    """After an upgrade that adds columns, the day's rows go on in a sibling file with the new
    header: both files read by their own header."""
    router = RedisRouter(redis_client, centre, namespace=namespace)
    log = ContactLog(redis_client, router.keys, centre, tmp_path, clock=Clock(T0 + 80))
    day_file = log.path_for(str(T0))
    day_file.parent.mkdir(parents=True)
    day_file.write_text("contact_id,task_id,outcome\nold-1,old-1,completed\n", encoding="utf-8")
    router.upsert_agent("ayu", {"orders": 2}, ("id",), {"chat": 1}, now=T0)
    router.set_agent_state("ayu", "available", now=T0)
    [offer] = router.enqueue("chat-1", "chat", "orders", "id", now=T0)
    router.accept(offer.offer, now=T0 + 2)
    router.complete("chat-1", now=T0 + 60)
    router.complete("chat-1", now=T0 + 61)
    assert log.flush() == 1
    assert _rows(day_file) == [{"contact_id": "old-1", "task_id": "old-1", "outcome": "completed"}]
    [sibling] = [p for p in day_file.parent.iterdir() if p != day_file]
    assert sibling.name.startswith(day_file.stem + "-")
    assert [r["task_id"] for r in _rows(sibling)] == ["chat-1"]


def test_a_silent_callers_row_is_written_after_the_survey_wait(
    redis_client, namespace, centre, tmp_path
):
    router = RedisRouter(redis_client, centre, namespace=namespace)
    clock = Clock(T0 + 80)
    log = ContactLog(redis_client, router.keys, centre, tmp_path, clock=clock)
    router.upsert_agent("ayu", {"orders": 2}, ("id",), {"voice": 1}, now=T0)
    router.set_agent_state("ayu", "available", now=T0)
    [offer] = router.enqueue(
        "call-0", "voice", "orders", "id", now=T0, attributes={"call_sid": "CA1"}
    )
    router.accept(offer.offer, now=T0 + 2)
    router.bridge("call-0", now=T0 + 3)
    router.complete("call-0", now=T0 + 60)
    router.complete("call-0", now=T0 + 61)
    assert log.flush() == 0 and log.flush() == 0
    clock.now = T0 + 61 + contact_log.SURVEY_WAIT_SECONDS
    assert log.flush() == 1


def test_a_closed_task_leaves_the_hot_hash_and_is_purged_after_retention(
    redis_client, namespace, centre, tmp_path
):
    router = RedisRouter(redis_client, centre, namespace=namespace)
    clock = Clock(T0)
    log = ContactLog(redis_client, router.keys, centre, tmp_path, retention_hours=48, clock=clock)
    router.upsert_agent("ayu", {"orders": 2}, ("id",), {"voice": 1}, now=T0)
    router.set_agent_state("ayu", "available", now=T0)
    [offer] = router.enqueue(
        "call-1", "voice", "orders", "id", now=T0 + 1, attributes={"from": "0812-3456-7890"}
    )
    router.enqueue("call-2", "voice", "orders", "id", now=T0 + 2)
    router.accept(offer.offer, now=T0 + 5)
    router.complete("call-1", now=T0 + 60)
    assert log.flush() == 0  # wrapping: not closed yet, stays in the hot hash
    assert redis_client.hexists(router.keys.tasks(), "call-1")
    router.complete("call-1", now=T0 + 70)  # the agent ends wrap-up
    assert log.flush() == 1

    keys = router.keys
    assert not redis_client.hexists(keys.tasks(), "call-1")
    assert redis_client.hexists(keys.tasks(), "call-2")  # still routing: untouched
    assert router.task("call-1")["state"] == "completed"  # the desk's look back
    router.annotate("call-1", {"csat": "5"})  # a survey answered after the close
    assert router.task("call-1")["attributes"]["csat"] == "5"
    with pytest.raises(RoutingError) as exists:
        router.enqueue("call-1", "voice", "orders", "id", now=T0 + 80)  # a retried webhook
    assert exists.value.code == "exists"
    with pytest.raises(RoutingError) as state:
        router.complete("call-1", now=T0 + 80)
    assert state.value.code == "state"
    assert redis_client.xlen(keys.contacts()) == 0
    assert redis_client.ttl(keys.customer_contacts("+6281234567890")) > 0
    assert redis_client.ttl(keys.stats(router.local_bucket(T0)[0])) > 0

    clock.now = T0 + 48 * 3600 - 10
    log.flush()
    assert router.task("call-1")["state"] == "completed"
    clock.now = T0 + 48 * 3600 + 100
    log.flush()
    with pytest.raises(RoutingError):
        router.task("call-1")
    assert not redis_client.exists(keys.closed_tasks(), keys.closed_index())
    assert [r["task_id"] for r in _rows(next((tmp_path / "contacts").iterdir()))] == ["call-1"]


def test_a_torn_last_line_is_cut_off_and_its_row_written_again(
    redis_client, namespace, centre, tmp_path
):
    router = RedisRouter(redis_client, centre, namespace=namespace)
    log = ContactLog(redis_client, router.keys, centre, tmp_path, consumer="one")
    _close_calls(router, ["call-1"], T0)
    log.flush()
    _close_calls(router, ["call-2"], T0 + 100)
    path = log.path_for(str(T0))
    # a crash in the middle of the next batch: call-2's entry was read but never settled
    redis_client.xreadgroup("contact-csv", "one", {router.keys.contacts(): ">"})
    with path.open("ab") as handle:
        handle.write(b"call-2,call-2,voice,ord")
    log = ContactLog(redis_client, router.keys, centre, tmp_path, consumer="one")  # restart
    assert log.flush() == 1
    text = path.read_bytes()
    assert text.endswith(b"\r\n") and b"ord\r\n" not in text and b"ordcall" not in text
    assert [r["task_id"] for r in _rows(path)] == ["call-1", "call-2"]
    assert all(r["outcome"] == "abandoned" for r in _rows(path))


def test_redis_down_between_the_write_and_the_ack_loses_and_doubles_nothing(centre, tmp_path):
    """A real redis-server is stopped right after the rows are fsynced, before settle.lua."""
    data = tmp_path / "redis"
    with EmbeddedRedis(data) as server:
        client = redis.Redis.from_url(server.url)
        router = RedisRouter(client, centre)
        log = ContactLog(client, router.keys, centre, tmp_path, consumer="one")
        _close_calls(router, ["call-1", "call-2"], T0)
        append = log.files.append

        def append_then_lose_redis(path, rows):
            written = append(path, rows)
            server.stop()
            return written

        log.files.append = append_then_lose_redis
        with pytest.raises(redis.ConnectionError):
            log.flush()
    path = log.path_for(str(T0))
    assert [r["task_id"] for r in _rows(path)] == ["call-1", "call-2"]  # on disk already

    with EmbeddedRedis(data) as server:  # Redis is back (its append-only file kept the entries)
        client = redis.Redis.from_url(server.url)
        router = RedisRouter(client, centre)
        log = ContactLog(client, router.keys, centre, tmp_path, consumer="one")
        assert client.xlen(router.keys.contacts()) == 2
        assert log.flush() == 0  # both rows are there: nothing written twice
        assert [r["task_id"] for r in _rows(path)] == ["call-1", "call-2"]
        assert client.xlen(router.keys.contacts()) == 0
        assert client.xpending(router.keys.contacts(), "contact-csv")["pending"] == 0
        assert not client.hexists(router.keys.tasks(), "call-1")
        assert router.task("call-1")["state"] == "abandoned"


def test_entries_a_dead_process_read_are_claimed_by_another(
    redis_client, namespace, centre, tmp_path, monkeypatch
):
    router = RedisRouter(redis_client, centre, namespace=namespace)
    log = ContactLog(redis_client, router.keys, centre, tmp_path, consumer="alive")
    _close_calls(router, ["call-1"], T0)
    redis_client.xreadgroup("contact-csv", "dead", {router.keys.contacts(): ">"})
    assert log.flush() == 0  # not yet: the reader may only be slow
    monkeypatch.setattr(contact_log, "CLAIM_IDLE_MS", 0)
    assert log.flush() == 1
    assert redis_client.xpending(router.keys.contacts(), "contact-csv")["pending"] == 0


def _append_from_process(folder, rows, batches):
    files = ContactFiles(COLUMNS, key="task_id")
    for start in range(0, len(rows), batches):
        files.append(folder / "day.csv", rows[start : start + batches])


def test_two_processes_appending_the_same_rows_write_each_once(tmp_path):
    rows = [
        dict.fromkeys(COLUMNS, "x") | {"task_id": f"t{i}", "contact_id": f"t{i}"}
        for i in range(300)
    ]
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_append_from_process, args=(tmp_path, rows, size))
        for size in (7, 11)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    written = _rows(tmp_path / "day.csv")
    assert sorted(r["task_id"] for r in written) == sorted(r["task_id"] for r in rows)
