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
from contextvars import Context
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from bot import logs
from bot.clock import Clock
from bot.metrics import Metrics
from bot.model import OutboxEntry, Scope
from storage.store import Store

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
BATCH = 20
# Sends in flight at once, each to a different conversation: a conversation's own messages go one
# after the other, in order, and the courier paces each conversation as its platform asks.
PARALLEL_SENDS = 8
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


class PlatformCouriers:
    """One courier per chat platform; each row goes to the courier of its workspace's platform."""

    def __init__(self, couriers: dict[str, Courier]) -> None:
        self.couriers = couriers

    async def deliver(self, entry: OutboxEntry) -> str | None:
        courier = self.couriers.get(entry.scope.platform)
        if courier is None:  # a replica without this platform configured: leave it to one with it
            raise DeliveryFailed(f"{entry.scope.platform} is not configured on this replica", retry_after=300)
        return await courier.deliver(entry)


@dataclass
class SweepReport:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    given_up: int = 0


class Dispatcher:
    def __init__(
        self, store: Store, courier: Courier, clock: Clock, *, worker: str | None = None, metrics: Metrics | None = None
    ) -> None:
        self.store = store
        self.courier = courier
        self.clock = clock
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}"
        self.metrics = metrics or Metrics()
        self._running: asyncio.Task[SweepReport] | None = None
        self._again = False
        self._closing = False
        self._sends: set[asyncio.Future[str | None]] = set()

    def kick(self) -> None:
        """Sweep now (from the event loop); if a sweep is running, sweep once more after it."""
        if self._closing:
            return
        if self._running is not None and not self._running.done():
            self._again = True
            return
        # A sweep delivers for every workspace: its log lines must not carry the context of
        # whatever request happened to kick it.
        self._running = asyncio.get_running_loop().create_task(self.drain(), context=Context())

    async def drain(self) -> SweepReport:
        """Sweep until a claim finds nothing due (or closing): everything due now is settled."""
        total = SweepReport()
        while True:
            self._again = False
            report = await self.sweep()
            total.claimed += report.claimed
            total.sent += report.sent
            total.retried += report.retried
            total.given_up += report.given_up
            # A claim takes one row per conversation: a short batch does not mean nothing is left.
            if self._closing or (not self._again and report.claimed == 0):
                return total

    async def idle(self) -> None:
        """Wait for the sweep in progress, if any (tests and shutdown)."""
        if self._running is not None:
            await asyncio.shield(self._running)

    async def close(self, grace: float) -> None:
        """Stop claiming, and give the send in flight up to `grace` seconds to finish.

        A send still running then is abandoned: its row, and any claimed after it, go back to
        the outbox at once instead of after their lease, so another replica or the next start
        takes them without waiting. The abandoned one may have reached the platform; its retry
        looks for it before sending again.
        """
        self._closing = True
        running = self._running
        if running is None or running.done():
            return
        done, _ = await asyncio.wait({running}, timeout=grace)
        if not done:
            if self._sends:
                log.warning(
                    "%d deliveries still in flight after %.0f s; handing them back to be retried",
                    len(self._sends),
                    grace,
                )
                for send in list(self._sends):
                    send.cancel()
            await asyncio.wait({running})

    async def sweep(self) -> SweepReport:
        """Deliver every due message this worker can claim, one batch; when closing, hand back what is left.

        The batch is split into lanes, one per conversation, in the order claimed; lanes run side
        by side (up to PARALLEL_SENDS sends at once), each one message at a time.
        """
        report = SweepReport()
        if self._closing:
            return report
        claimed = await asyncio.to_thread(self._claim)
        report.claimed = len(claimed)
        lanes: dict[tuple[Scope, str], list[OutboxEntry]] = {}
        for entry in claimed:
            lanes.setdefault((entry.scope, entry.message.target), []).append(entry)
        left: list[OutboxEntry] = []  # claimed, not settled: handed back
        abandoned: set[int] = set()  # their send had started and may have arrived
        turns = asyncio.Semaphore(PARALLEL_SENDS)

        async def work(lane: list[OutboxEntry]) -> None:
            for position, entry in enumerate(lane):
                async with turns:
                    if self._closing:
                        left.extend(lane[position:])
                        return
                    try:
                        delivered = await self._deliver(entry, report)
                    except BaseException:
                        abandoned.add(entry.id)  # whether it reached the platform is unknown
                        left.extend(lane[position:])
                        raise
                    if not delivered:  # abandoned mid-send: shutting down
                        abandoned.add(entry.id)
                        left.extend(lane[position:])
                        return

        try:
            # Every lane runs to its end before the batch is settled, even when one fails.
            outcomes = await asyncio.gather(*(work(lane) for lane in lanes.values()), return_exceptions=True)
        finally:
            if left:
                await asyncio.to_thread(self._release, left, abandoned)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        return report

    async def _deliver(self, entry: OutboxEntry, report: SweepReport) -> bool:
        """Send one entry and record the outcome; False when the send was abandoned by `close`."""
        kind = entry.message.kind
        fields = {
            "team_id": entry.scope.team_id,
            "enterprise_id": entry.scope.enterprise_id,
            "outbox_key": entry.message.key,
            "item": entry.message.data.get("item"),
        }
        with logs.context(**fields):
            # The send alone runs as a task of its own, so that `close` can abandon it without
            # interrupting the bookkeeping around it.
            send = asyncio.ensure_future(self.courier.deliver(entry))
            self._sends.add(send)
            self.metrics.sending.inc()
            try:
                message_id = await send
            except asyncio.CancelledError:
                current = asyncio.current_task()
                if send.cancelled() and current is not None and not current.cancelling():
                    return False
                raise
            except DeliveryFailed as failure:
                await asyncio.to_thread(self._failed, entry, failure, report)
            except Exception as error:  # a bug or an unexpected answer: retry, but say so loudly
                log.exception("delivery of outbox row %s failed", entry.id)
                await asyncio.to_thread(self._failed, entry, DeliveryFailed(repr(error), retry_after=30), report)
            else:
                await asyncio.to_thread(self._sent, entry, message_id)
                self.metrics.sent.labels(kind).inc()
                report.sent += 1
                log.info("sent %s (attempt %d)", kind, entry.attempts)
            finally:
                self._sends.discard(send)
                self.metrics.sending.dec()
        return True

    def _claim(self) -> list[OutboxEntry]:
        with self.store.transaction() as tx:
            return tx.outbox.claim_due(self.clock.now(), worker=self.worker, lease=LEASE, limit=BATCH)

    def _release(self, entries: list[OutboxEntry], tried: set[int]) -> None:
        with self.store.transaction() as tx:
            tx.outbox.release([entry.id for entry in entries if entry.id in tried], worker=self.worker, tried=True)
            tx.outbox.release([entry.id for entry in entries if entry.id not in tried], worker=self.worker, tried=False)
        log.info("handed back %d claimed outbox row(s) for another worker", len(entries))

    def _sent(self, entry: OutboxEntry, message_id: str | None) -> None:
        with self.store.transaction() as tx:
            tx.outbox.mark_sent(entry.id, message_id=message_id, now=self.clock.now())

    def _failed(self, entry: OutboxEntry, failure: DeliveryFailed, report: SweepReport) -> None:
        now = self.clock.now()
        kind = entry.message.kind
        with self.store.transaction() as tx:
            too_old = now - entry.first_due_at > GIVE_UP_AFTER and not failure.rate_limited
            if failure.retry_after is None or too_old:
                log.warning("giving up on outbox row %s (%s): %s", entry.id, kind, failure.reason)
                tx.outbox.give_up(entry.id, error=failure.reason, now=now)
                self.metrics.given_up.labels(kind).inc()
                report.given_up += 1
            else:
                delay = failure.retry_after
                if failure.rate_limited:
                    self.metrics.rate_limited.labels(kind).inc()
                else:
                    delay = min(max(delay, 2.0 ** min(entry.attempts, 16)), LONGEST_PAUSE)
                    self.metrics.failed.labels(kind).inc()
                log.info("will retry %s in %.0f s: %s", kind, delay, failure.reason)
                tx.outbox.retry_later(entry.id, error=failure.reason, at=now + timedelta(seconds=delay))
                report.retried += 1
