"""Delivering queued messages: claim due rows, hand them to the platform's courier, record.

The outbox table holds the truth about what must be sent; this dispatcher only moves it along.
A row is claimed with a lease, so a worker that dies mid-send leaves it to be claimed again
once the lease runs out; a row is marked sent only after the platform accepted it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from bot.clock import Clock
from bot.model import OutboxEntry
from storage.store import Store

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
BATCH = 20
# A message that keeps failing for a reason that may pass (an outage, a network fault) is retried
# with growing pauses, up to this one, for up to a day; rate limits never count against it.
LONGEST_PAUSE = 300.0
GIVE_UP_AFTER = timedelta(days=1)


class DeliveryFailed(Exception):
    """The platform did not take the message.

    `retry_after` (seconds) when trying again may work — rate limits, outages;
    None when it never will (the channel is gone, the reply URL expired). `rate_limited`: the
    platform asked us to slow down, so the message is late, never dropped.
    """

    def __init__(self, reason: str, *, retry_after: float | None = None, rate_limited: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.rate_limited = rate_limited


class Courier(Protocol):
    async def deliver(self, entry: OutboxEntry) -> str | None:
        """Send the entry; return the platform's id of the message, if it has one."""
        ...


@dataclass
class SweepReport:
    sent: int = 0
    retried: int = 0
    given_up: int = 0


class Dispatcher:
    def __init__(self, store: Store, courier: Courier, clock: Clock, *, worker: str | None = None) -> None:
        self.store = store
        self.courier = courier
        self.clock = clock
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}"
        self._running: asyncio.Task[SweepReport] | None = None
        self._again = False

    def kick(self) -> None:
        """Sweep now (from the event loop); if a sweep is running, sweep once more after it."""
        if self._running is not None and not self._running.done():
            self._again = True
            return
        self._running = asyncio.get_running_loop().create_task(self._sweep_until_quiet())

    async def _sweep_until_quiet(self) -> SweepReport:
        total = SweepReport()
        while True:
            self._again = False
            report = await self.sweep()
            total.sent += report.sent
            total.retried += report.retried
            total.given_up += report.given_up
            if not self._again and report.sent + report.retried + report.given_up < BATCH:
                return total

    async def idle(self) -> None:
        """Wait for the sweep in progress, if any (tests and shutdown)."""
        if self._running is not None:
            await asyncio.shield(self._running)

    async def sweep(self) -> SweepReport:
        """Deliver every due message this worker can claim, one batch."""
        report = SweepReport()
        entries = await asyncio.to_thread(self._claim)
        for entry in entries:
            try:
                message_id = await self.courier.deliver(entry)
            except DeliveryFailed as failure:
                await asyncio.to_thread(self._failed, entry, failure, report)
            except Exception as error:  # a bug or an unexpected answer: retry, but say so loudly
                log.exception("delivery of outbox row %s failed", entry.id)
                await asyncio.to_thread(self._failed, entry, DeliveryFailed(repr(error), retry_after=30), report)
            else:
                await asyncio.to_thread(self._sent, entry, message_id)
                report.sent += 1
        return report

    def _claim(self) -> list[OutboxEntry]:
        with self.store.transaction() as tx:
            return tx.outbox.claim_due(self.clock.now(), worker=self.worker, lease=LEASE, limit=BATCH)

    def _sent(self, entry: OutboxEntry, message_id: str | None) -> None:
        with self.store.transaction() as tx:
            tx.outbox.mark_sent(entry.id, message_id=message_id, now=self.clock.now())

    def _failed(self, entry: OutboxEntry, failure: DeliveryFailed, report: SweepReport) -> None:
        now = self.clock.now()
        with self.store.transaction() as tx:
            too_old = now - entry.first_due_at > GIVE_UP_AFTER and not failure.rate_limited
            if failure.retry_after is None or too_old:
                log.warning("giving up on outbox row %s (%s): %s", entry.id, entry.message.kind, failure.reason)
                tx.outbox.give_up(entry.id, error=failure.reason, now=now)
                report.given_up += 1
            else:
                delay = failure.retry_after
                if not failure.rate_limited:
                    delay = min(max(delay, 2.0 ** min(entry.attempts, 16)), LONGEST_PAUSE)
                tx.outbox.retry_later(entry.id, error=failure.reason, at=now + timedelta(seconds=delay))
                report.retried += 1
