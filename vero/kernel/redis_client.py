"""The one way Vero connects to Redis from a URL: one server (`redis://`, `rediss://`,
`unix://`) or a Redis Cluster (`redis+cluster://host:port`, any one node; the client discovers
the rest). Both clients ride out a restart or a failover: a command that meets a dropped
connection reconnects and is retried with exponential backoff for about RETRY_BUDGET_SECONDS, so
a Redis back within that time costs the callers latency, not errors."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import redis
from redis.backoff import ExponentialBackoff
from redis.cluster import RedisCluster
from redis.exceptions import BusyLoadingError, ConnectionError, TimeoutError
from redis.retry import Retry

# `redis+cluster://` is the scheme Flask-Limiter (limits) uses for a cluster too.
CLUSTER_SCHEMES = {"redis+cluster": "redis", "rediss+cluster": "rediss"}
SCHEMES = ("redis", "rediss", "unix", *CLUSTER_SCHEMES)

RETRIES = 12  # 0.05, 0.1, 0.2, 0.4 s, then 0.5 s: about 4.75 s of retrying per command
BACKOFF_BASE_SECONDS, BACKOFF_CAP_SECONDS = 0.05, 0.5
RETRY_BUDGET_SECONDS = 5
CONNECT_TIMEOUT_SECONDS = 2  # a dead host fails fast and is retried
SOCKET_TIMEOUT_SECONDS = 30  # a stalled server is given up on; above every blocking read's wait
HEALTH_CHECK_SECONDS = 15  # an idle connection is PINGed before reuse (half-open after failover)

Client = redis.Redis | RedisCluster


def text(reply: bytes | str) -> str:
    """A string reply as text: the clients `connect` builds do not decode replies (bytes)."""
    return reply.decode() if isinstance(reply, bytes) else reply


def is_cluster(url: str) -> bool:
    return urlsplit(url).scheme in CLUSTER_SCHEMES


def retry_policy() -> Retry:
    return Retry(
        ExponentialBackoff(cap=BACKOFF_CAP_SECONDS, base=BACKOFF_BASE_SECONDS),
        RETRIES,
        supported_errors=(ConnectionError, TimeoutError, BusyLoadingError),
    )


def connect(url: str) -> Client:
    """A client for `url` with Vero's reconnect policy (see the module docstring)."""
    options = {
        "retry": retry_policy(),
        "socket_connect_timeout": CONNECT_TIMEOUT_SECONDS,
        "socket_timeout": SOCKET_TIMEOUT_SECONDS,
        "socket_keepalive": True,
        "health_check_interval": HEALTH_CHECK_SECONDS,
    }
    parts = urlsplit(url)
    if parts.scheme in CLUSTER_SCHEMES:
        plain = urlunsplit(parts._replace(scheme=CLUSTER_SCHEMES[parts.scheme]))
        return RedisCluster.from_url(plain, **options)
    return redis.Redis.from_url(
        url, retry_on_error=[ConnectionError, TimeoutError, BusyLoadingError], **options
    )


def slot_client(client: Client, key: str) -> redis.Redis:
    """A one-server client for the keys that share `key`'s hash tag. On a Redis Cluster it is
    a connection to the master that serves that slot, for libraries that need a plain client
    (RQ's worker reads a connection pool); any other client is returned as it is."""
    if not isinstance(client, RedisCluster):
        return client
    node = client.get_node_from_key(key)
    options = dict(client.get_connection_kwargs())
    for cluster_only in ("host", "port", "retry_on_error", "retry"):
        options.pop(cluster_only, None)
    return redis.Redis(
        host=node.host,
        port=node.port,
        retry=retry_policy(),
        retry_on_error=[ConnectionError, TimeoutError, BusyLoadingError],
        **options,
    )
