"""Redis servers the tests start themselves (Debian's redis-server on free loopback ports, data in
a temporary folder) and stop by PID: a 3-master Redis Cluster, and one server with AOF that a
test may restart under traffic."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
import redis

REDIS_SERVER = "/usr/bin/redis-server"
REDIS_CLI = "/usr/bin/redis-cli"


def require_debian_redis() -> None:
    """Skip without Debian's redis-server; under CI=true that is a failure (.ci/run installs
    it)."""
    if os.access(REDIS_SERVER, os.X_OK) and os.access(REDIS_CLI, os.X_OK):
        return
    message = f"{REDIS_SERVER} missing (apt-get install -y redis-server)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def _bindable(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port(*, bus: bool = False) -> int:
    """A free loopback port (and, for a cluster node, its bus port + 10000)."""
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port < 55_000 and (not bus or _bindable(port + 10_000)):
            return port


def _wait(predicate, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except (redis.ConnectionError, redis.TimeoutError, redis.ResponseError):
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{what} within {seconds} s")


class RedisServer:
    """One redis-server process on its own port and folder; restartable on the same port and
    data (append-only file, fsync every second, as production runs it)."""

    def __init__(self, folder: Path, *extra: str, port: int | None = None) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port(bus="yes" in extra)
        self.extra = extra
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self) -> RedisServer:
        args = [
            REDIS_SERVER,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.folder),
            "--save",
            "",
            "--daemonize",
            "no",
            "--protected-mode",
            "no",
            "--logfile",
            str(self.folder / "redis.log"),
            *self.extra,
        ]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        probe = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        try:
            _wait(
                lambda: self.process.poll() is None and probe.ping(),
                10,
                f"redis-server on port {self.port} did not answer",
            )
        finally:
            probe.close()
        return self

    def stop(self) -> None:
        """SIGTERM by PID (redis-server then writes its AOF out and exits), SIGKILL if it
        lingers."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        self.process = None


class Cluster:
    """A Redis Cluster of `masters` nodes without replicas: `with Cluster(folder) as c:` and
    connect to `c.url` (redis+cluster://)."""

    def __init__(self, folder: Path, masters: int = 3) -> None:
        self.nodes = [
            RedisServer(
                folder / f"node{i}",
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                "nodes.conf",
                "--cluster-node-timeout",
                "5000",
                "--appendonly",
                "no",
            )
            for i in range(masters)
        ]

    @property
    def url(self) -> str:
        return f"redis+cluster://127.0.0.1:{self.nodes[0].port}"

    def __enter__(self) -> Cluster:
        try:
            for node in self.nodes:
                node.start()
            subprocess.run(
                [
                    REDIS_CLI,
                    "--cluster",
                    "create",
                    *(f"127.0.0.1:{n.port}" for n in self.nodes),
                    "--cluster-replicas",
                    "0",
                    "--cluster-yes",
                ],
                check=True,
                capture_output=True,
                timeout=60,
            )
            for node in self.nodes:
                client = redis.Redis(port=node.port)
                try:
                    _wait(
                        lambda c=client: c.cluster("INFO")["cluster_state"] == "ok",
                        30,
                        f"cluster node {node.port} did not reach cluster_state:ok",
                    )
                finally:
                    client.close()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        for node in self.nodes:
            node.stop()
        for node in self.nodes:
            shutil.rmtree(node.folder, ignore_errors=True)
