"""Vero on a 3-master Redis Cluster: each centre's keys share one hash tag, so a centre lives in
one slot (one node) and every script, pipeline and stream of it runs there; several centres
spread over the nodes and route side by side."""

from __future__ import annotations

import csv
import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from redis.cluster import RedisCluster
from redis.exceptions import RedisClusterException

from telephony.keys import Keys, job_key_prefix
from telephony.routing.contact_log import ContactLog
from telephony.routing.router import RedisRouter
from tests.cluster.servers import Cluster, require_debian_redis
from tests.console.slow_work import count_slowly
from vero.kernel.centre import Centre
from vero.kernel.redis_client import connect
from vero.kernel.settings import Settings
from vero.web.jobs import JobQueue, new_run

T0 = 1_790_000_000.0
OTHER_CENTRES = ("haircare", "fragrance", "skincare", "oem-maklon", "retail")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    require_debian_redis()
    with Cluster(tmp_path_factory.mktemp("cluster")) as started:
        yield started


@pytest.fixture
def client(cluster: Cluster, namespace: str) -> Iterator[RedisCluster]:
    client = connect(cluster.url)
    yield client
    doomed = list(client.scan_iter(match=f"{namespace}:*", count=1000))
    if doomed:
        client.delete(*doomed)
    client.close()


def _node_port(client: RedisCluster, key: str) -> int:
    return client.get_node_from_key(key).port


def _route_one_contact(router: RedisRouter, data_dir: Path) -> list[dict[str, str]]:
    """An agent takes a chat, completes it; the contact log (a stream read by a consumer
    group, then a pipeline) writes its record."""
    log = ContactLog(router.redis, router.keys, router.centre, data_dir)
    router.upsert_agent("ayu", {"general": 2}, ("id",), {"chat": 3}, now=T0)
    router.set_agent_state("ayu", "available", now=T0)
    [offer] = router.enqueue("chat-1", "chat", "general", "id", now=T0 + 1)
    router.accept(offer.offer, now=T0 + 3)
    router.complete("chat-1", now=T0 + 60)
    router.complete("chat-1", now=T0 + 61)  # wrap-up ends: the contact closes
    assert log.flush() == 1
    [path] = (data_dir / "contacts").iterdir()
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_cluster_url_builds_a_cluster_client(cluster: Cluster) -> None:
    env = {"REDIS_URL": cluster.url, "TWILIO_AUTH_TOKEN": "t", "VERO_SUPERVISOR_TOKEN": "s" * 16}
    settings = Settings.from_env(env)
    client = connect(settings.redis_url)
    try:
        assert isinstance(client, RedisCluster)
        assert {n.port for n in client.get_primaries()} == {n.port for n in cluster.nodes}
    finally:
        client.close()


def test_two_centres_live_on_different_nodes_and_both_route(
    client, centre: Centre, namespace, tmp_path
) -> None:
    first = RedisRouter(client, centre, namespace=namespace)
    home = _node_port(client, first.keys.tasks())
    other_id = next(
        name
        for name in OTHER_CENTRES
        if _node_port(client, f"{namespace}:{{{name}}}:tasks") != home
    )
    second = RedisRouter(client, centre.model_copy(update={"id": other_id}), namespace=namespace)
    assert client.keyslot(first.keys.tasks()) != client.keyslot(second.keys.tasks())
    assert _node_port(client, second.keys.tasks()) != home

    for router in (first, second):
        rows = _route_one_contact(router, tmp_path / router.keys.centre)
        assert [(r["task_id"], r["outcome"], r["agent_id"]) for r in rows] == [
            ("chat-1", "completed", "ayu")
        ]
        assert router.task("chat-1")["state"] == "completed"

    for router in (first, second):  # each centre's keys are all on its own node, none elsewhere
        port = _node_port(client, router.keys.tasks())
        for node in client.get_primaries():
            direct = redis.Redis(port=node.port)
            try:
                keys = list(direct.scan_iter(match=f"{router.keys.prefix}*", count=1000))
            finally:
                direct.close()
            assert bool(keys) == (node.port == port), (router.keys.centre, node.port)


def test_a_script_call_is_refused_across_slots_so_one_tag_per_centre_matters(
    client, namespace
) -> None:
    """The guard the hash tag avoids: keys of two centres in one script call are refused."""
    script = client.register_script("return redis.call('EXISTS', KEYS[1], KEYS[2])")
    same = [f"{namespace}:{{{name}}}:x" for name in ("cosmetics", "cosmetics")]
    assert script(keys=same) == 0
    with pytest.raises(RedisClusterException, match="same key slot"):
        script(keys=[f"{namespace}:{{cosmetics}}:x", f"{namespace}:{{haircare}}:x"])


def test_a_console_job_runs_through_vero_worker_on_the_cluster(
    cluster, client, namespace, tmp_path
):
    """RQ's keys share the `{jobs}` hash tag, so the queue, the job and its registries live on the
    one master of that slot; the web enqueues through the cluster client and `vero worker`, given
    the cluster's URL, works the job there."""
    queue = JobQueue(client, Keys("cosmetics", namespace), dt.timedelta(days=1))
    folder = new_run(tmp_path, "whatif")
    queue.enqueue("whatif", folder, count_slowly, 2, 0.05)
    worker = subprocess.run(
        [sys.executable, "-m", "vero.cli", "worker", "--queue", queue.keys.jobs_queue(), "--burst"],
        env={
            **os.environ,
            "REDIS_URL": cluster.url,
            "VERO_DATA_DIR": str(tmp_path),
            "TWILIO_AUTH_TOKEN": "secret",
            "VERO_SUPERVISOR_TOKEN": "supervisor-token-for-tests",
        },
        capture_output=True,
        timeout=120,
    )
    assert worker.returncode == 0, worker.stderr.decode()[-2000:]
    assert queue.status("whatif", folder)["state"] == "done"
    job_key = f"{job_key_prefix()}:job:{queue.keys.console_job('whatif', folder.name)}"
    assert client.exists(job_key) and _node_port(client, job_key) == _node_port(
        client, job_key_prefix()
    )
