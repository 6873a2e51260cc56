"""Appends to the daily contact-record CSVs that are all-or-nothing and idempotent.

The CSVs are the system of record, so a crash must not tear a row and a retried batch must not
write a row twice:
- each batch is encoded first and written with one `write` on an O_APPEND descriptor, then
  fsynced; a failed write is cut back off the file;
- a trailing partial line (a crash during the write) is cut off before the next append;
- rows whose key (the task id) is already in the file are skipped, so a batch whose stream
  entries could not be acknowledged (Redis briefly down) is simply written again next round;
- an exclusive `flock` on the file covers repair, check and write, so several dispatchers may
  append to one file. Each process remembers the keys it has read and the size it read them up to,
  and reads only what others appended since;
- a day's file written by an older Vero with other columns is left as it is: the rest of that
  day goes to a sibling file named after the new header (`<day>-<digest>.csv`), so every file
  reads by its own header.
"""

from __future__ import annotations

import csv
import fcntl
import hashlib
import io
import logging
import os
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

log = logging.getLogger(__name__)
_TAIL = 64 * 1024
_FILES_REMEMBERED = 4  # today's, yesterday's and late ones


class ContactFiles:
    def __init__(self, columns: Sequence[str], key: str) -> None:
        self.columns = tuple(columns)
        self.key = key
        self._key_index = self.columns.index(key)
        self._seen: OrderedDict[Path, tuple[int, set[str]]] = OrderedDict()

    def header(self) -> bytes:
        return self._encode([], header=True)

    def file_for(self, path: Path) -> Path:
        """`path`, or its sibling for these columns when `path` has another header."""
        try:
            with path.open("rb") as handle:
                first = handle.readline()
        except FileNotFoundError:
            return path
        if not first.endswith(b"\n") or first == self.header():
            return path  # new, torn (append repairs it) or ours
        digest = hashlib.sha256(self.header()).hexdigest()[:8]
        return path.with_name(f"{path.stem}-{digest}{path.suffix}")

    def append(self, path: Path, rows: list[dict[str, str]]) -> int:
        """Append the rows not yet in `path` (creating it with a header); returns how many."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path = self.file_for(path)
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # released when fd is closed
            size = repair(fd, path)
            seen = self._keys_in(fd, path, size)
            new: list[dict[str, str]] = []
            for row in rows:
                if row[self.key] not in seen:
                    seen.add(row[self.key])
                    new.append(row)
            if not new:
                return 0
            data = self._encode(new, header=size == 0)
            try:
                _write_all(fd, data)
                os.fsync(fd)
            except BaseException:
                os.ftruncate(fd, size)
                for row in new:
                    seen.discard(row[self.key])
                raise
            self._remember(path, size + len(data), seen)
            if size == 0:
                _fsync_folder(path.parent)  # the new file's name is durable too
            return len(new)
        finally:
            os.close(fd)

    def _encode(self, rows: list[dict[str, str]], header: bool) -> bytes:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=self.columns)
        if header:
            writer.writeheader()
        for row in rows:  # one row is one line, which is what `repair` relies on
            writer.writerow(
                {k: str(v).replace("\r", " ").replace("\n", " ") for k, v in row.items()}
            )
        return buffer.getvalue().encode("utf-8")

    def _keys_in(self, fd: int, path: Path, size: int) -> set[str]:
        """The keys of every row in the first `size` bytes, reading only what is new."""
        done, seen = self._seen.get(path, (0, set()))
        if done > size:  # cut back or replaced: read it all again
            done, seen = 0, set()
        if size > done:
            text = os.pread(fd, size - done, done).decode("utf-8", errors="replace")
            rows = csv.reader(io.StringIO(text))
            if done == 0:
                next(rows, None)  # the header
            seen |= {r[self._key_index] for r in rows if len(r) > self._key_index}
        self._remember(path, size, seen)
        return seen

    def _remember(self, path: Path, size: int, seen: set[str]) -> None:
        self._seen[path] = (size, seen)
        self._seen.move_to_end(path)
        while len(self._seen) > _FILES_REMEMBERED:
            self._seen.popitem(last=False)


def repair(fd: int, path: Path) -> int:
    """Cut a trailing partial line off the file; returns its size afterwards."""
    size = os.fstat(fd).st_size
    end = size
    while end > 0:
        start = max(0, end - _TAIL)
        chunk = os.pread(fd, end - start, start)
        newline = chunk.rfind(b"\n")
        if newline >= 0:
            end = start + newline + 1
            break
        end = start
    if end != size:
        log.warning(
            "%s: cut off a partial last line of %d bytes (written again from Redis)",
            path,
            size - end,
        )
        os.ftruncate(fd, end)
        os.fsync(fd)
    return end


def _write_all(fd: int, data: bytes) -> None:
    """One write call for the whole batch (a regular file takes it whole unless the disk is
    full, which the loop then reports as an error)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        if written == 0:
            raise OSError("no progress writing the contact file")
        view = view[written:]


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
