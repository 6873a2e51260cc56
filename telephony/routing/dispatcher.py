"""The background loop of a Vero process: fire due timers (offer expiry, step timeouts, end of
wrap-up), hand closed contacts to the CSV log, and run the other areas' periodic work (ringing
agents for voice offers, escalating overdue complaints). Several processes may run it at once:
every timer is applied by exactly one of them (the scripts check and remove it atomically), and
the periodic work must be just as safe to run twice."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence

from telephony.routing.contact_log import ContactLog
from telephony.routing.router import RedisRouter

log = logging.getLogger(__name__)


class Dispatcher:
    def __init__(self, router: RedisRouter, contact_log: ContactLog,
                 interval: float = 0.2, periodic: Sequence[Callable[[], object]] = ()) -> None:
        self.router = router
        self.contact_log = contact_log
        self.periodic = periodic
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> None:
        self.router.tick()
        for work in self.periodic:
            work()
        self.contact_log.flush()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # keep routing alive; the next round retries
                log.exception("dispatcher round failed")
            self._stop.wait(self.interval)

    def start(self) -> Dispatcher:
        self._thread = threading.Thread(target=self._loop, name="vero-dispatcher", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
