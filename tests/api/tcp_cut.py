"""A loopback TCP proxy in front of the real Redis that the test can cut: armed with a byte
pattern, it forwards the client's chunk that holds it (so Redis runs the command) and then
closes that connection before the reply comes back, once. Later connections pass untouched.
This is what a dropped connection looks like to the app: a command whose outcome it never
hears of."""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading


class CuttableProxy:
    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.pattern: bytes | None = None
        self.cuts = 0
        self._lock = threading.Lock()
        self._open: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def cut_after(self, pattern: bytes) -> None:
        """Drop the connection right after the next chunk containing `pattern` is forwarded."""
        with self._lock:
            self.pattern = pattern

    def _take_cut(self, chunk: bytes) -> bool:
        with self._lock:
            if self.pattern is not None and self.pattern in chunk:
                self.pattern, self.cuts = None, self.cuts + 1
                return True
            return False

    def _accept(self) -> None:
        self.listener.settimeout(0.2)
        while not self._stop.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            self._open += [client, server]
            threading.Thread(target=self._pipe, args=(client, server), daemon=True).start()

    def _pipe(self, client: socket.socket, server: socket.socket) -> None:
        selector = selectors.DefaultSelector()
        selector.register(client, selectors.EVENT_READ, server)
        selector.register(server, selectors.EVENT_READ, client)
        try:
            while not self._stop.is_set():
                for key, _ in selector.select(timeout=0.2):
                    chunk = key.fileobj.recv(65536)
                    if not chunk:
                        return
                    key.data.sendall(chunk)
                    if key.fileobj is client and self._take_cut(chunk):
                        # let Redis run it, then lose the reply with the connection
                        with contextlib.suppress(OSError):
                            server.recv(65536)
                        return
        except OSError:
            return
        finally:
            selector.close()
            for sock in (client, server):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def close(self) -> None:
        self._stop.set()
        self.listener.close()
        self._thread.join(timeout=2)
        for sock in self._open:
            with contextlib.suppress(OSError):
                sock.close()
