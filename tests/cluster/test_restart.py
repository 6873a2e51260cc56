"""Redis restarted under traffic (AOF, fsync every second, as production runs it): the same
client object reconnects by itself (vero/kernel/redis_client.py), service is back within 5 s, and
no task whose accept was answered is lost."""

from __future__ import annotations

import threading
import time
from collections import Counter

import redis

from telephony.routing.errors import RoutingError
from telephony.routing.router import RedisRouter
from tests.cluster.servers import RedisServer, require_debian_redis
from vero.kernel.redis_client import connect

AGENTS = 4
BACK_WITHIN_SECONDS = 5


class Traffic(threading.Thread):
    """Enqueue, accept and complete chats through the router until told to stop; record every
    accepted task and when each call succeeded or failed."""

    def __init__(self, router: RedisRouter) -> None:
        super().__init__(name="traffic", daemon=True)
        self.router = router
        self.stopping = threading.Event()
        self.accepted: list[str] = []
        self.successes: list[float] = []
        self.failures: Counter = Counter()

    def _call(self, action, *args):
        try:
            result = action(*args)
        except redis.RedisError as exc:  # what a webhook would answer 5xx to (Twilio retries)
            self.failures[type(exc).__name__] += 1
            time.sleep(0.05)
            return None
        self.successes.append(time.monotonic())
        return result

    def run(self) -> None:
        n = 0
        while not self.stopping.is_set():
            n += 1
            task_id = f"chat-{n}"
            try:
                offers = self._call(self.router.enqueue, task_id, "chat", "general", "id")
                for offer in offers or []:
                    if self._call(self.router.accept, offer.offer) is not None:
                        self.accepted.append(offer.task)
                        self._call(self.router.complete, offer.task)
                        self._call(self.router.complete, offer.task)  # wrap-up ends
            except RoutingError as exc:
                self.failures[f"routing-{exc.code}"] += 1


def test_redis_restart_under_traffic_loses_no_accepted_task(tmp_path, centre, namespace) -> None:
    require_debian_redis()
    server = RedisServer(
        tmp_path / "redis", "--appendonly", "yes", "--appendfsync", "everysec"
    ).start()
    client = connect(server.url)
    try:
        router = RedisRouter(client, centre, namespace=namespace)
        for i in range(AGENTS):
            router.upsert_agent(f"a{i}", {"general": 2}, ("id",), {"chat": 3})
            router.set_agent_state(f"a{i}", "available")
        traffic = Traffic(router)
        traffic.start()
        time.sleep(1.0)
        before = len(traffic.accepted)
        stopped_at = time.monotonic()
        server.stop()  # SIGTERM: the server writes its AOF out and exits
        server.start()  # same port, same data folder: it loads the AOF
        time.sleep(2.0)
        traffic.stopping.set()
        traffic.join(10)

        # the outage as the traffic saw it: the longest wait between two answered calls
        times = [t for t in traffic.successes if t > stopped_at - 0.5]
        outage = max(b - a for a, b in zip(times, times[1:], strict=False))
        assert outage < BACK_WITHIN_SECONDS
        assert len(traffic.accepted) > before > 0  # traffic before and after the restart
        assert router.redis is client  # nothing rebuilt: the same client reconnected
        # The retries hid the restart. A command whose reply the restart cut off is sent again;
        # if its first send had been applied, the script refuses the second (never twice).
        assert set(traffic.failures) <= {"routing-exists", "routing-expired", "routing-state"}, (
            traffic.failures
        )
        assert sum(traffic.failures.values()) <= 2
        lost = [t for t in traffic.accepted if router.task(t)["state"] != "completed"]
        assert lost == []
        print(
            f"restart: longest wait between two answered calls {outage:.2f} s, "
            f"{len(traffic.accepted)} accepted, none lost"
        )
    finally:
        client.close()
        server.stop()
