"""A WhatsApp message (SMS when WhatsApp fails) to the duty supervisor when a queue breaches, so
that someone away from the wallboard hears of it: at most one per queue and alert window.

A dispatcher's periodic work (vero/cli/dispatch.py), off when no duty supervisor's number is set.
It looks every `every` seconds (the dispatcher's loop turns five times a second), judges every
line as the wallboard does (telephony/routing/breaches.py) and writes through the outbox, never
to Twilio on the loop. The window is a Redis key per queue set with SET NX EX, so several
dispatchers together still send one message per queue and window. The number is the centre's
own staff, set by its operator: it is not a customer, and the customer allow-list
(telephony/outbound_policy.py) does not apply to it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from telephony.gateway import Messenger
from telephony.routing.breaches import BreachLog, describe, judge_all
from telephony.routing.router import RedisRouter
from telephony.routing.stats import queue_stats
from vero.kernel.language import language

EVERY = 10.0  # seconds between two looks


class BreachAlerts:
    """The duty supervisor's breach messages of one centre."""

    def __init__(
        self,
        router: RedisRouter,
        messenger: Messenger,
        to: str,
        sender: str,
        window_seconds: float,
        every: float = EVERY,
    ) -> None:
        self.router, self.messenger, self.to, self.sender = router, messenger, to, sender
        self.window, self.every = int(window_seconds), every
        self.log = BreachLog(router.redis, router.keys)
        self._next = 0.0

    def check(self) -> int:
        """Look (when due) and message each queue in breach that has no message in its window;
        returns how many were sent."""
        now = self.router.clock()
        if now < self._next:
            return 0
        self._next = now + self.every
        centre = self.router.centre
        stats = queue_stats(self.router, now)
        judged = {line: j for line, j in judge_all(centre, stats).items() if j.reasons}
        since = self.log.update(judged, now)
        lang = language(centre.default_language)
        by_queue: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for (queue, channel), judgement in judged.items():
            live = stats[queue]["by_channel"][channel]["live"]
            why = describe(
                centre, channel, judgement, stats[queue]["channels"][channel], live, lang
            )
            by_queue[queue].append((channel, why))
        sent = 0
        for queue, lines in by_queue.items():
            if not self.router.redis.set(
                self.router.keys.breach_alert(queue), str(now), nx=True, ex=self.window
            ):
                continue  # told already in this window
            began = min(since.get((queue, ch), now) for ch, _ in lines)
            body = lang.text(
                "alert.message",
                queue=centre.queue_name(queue, lang.code),
                channel=", ".join(lang.text("channel." + ch) for ch, _ in lines),
                time=lang.time(dt.datetime.fromtimestamp(began, centre.tz)),
                reasons="; ".join(why for _, why in lines),
            )
            self.messenger.send_message(self.to, body, "whatsapp", self.sender)
            sent += 1
        return sent
