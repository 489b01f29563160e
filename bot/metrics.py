"""What `/metrics` reports, in Prometheus' terms: request latency, deliveries, the outbox's backlog.

Each running app has a registry of its own rather than prometheus_client's global one, so two
apps in one process (tests, the console) count separately. Labels stay few and bounded: the
kind of request (`command:/action`, `action:item_done`, `view:capture_form`, `event:user_change`)
and the kind of message (`nudge`, `agenda`); never a user, channel or item.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bot.clock import Clock
from storage.store import Store

log = logging.getLogger(__name__)

# Slack wants an answer within 3 s; the buckets are finest where answers normally fall.
REQUEST_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.request_seconds = Histogram(
            "tanto_request_seconds",
            "Time from receiving a request from the chat platform to answering it, by kind of request.",
            ["kind"],
            buckets=REQUEST_BUCKETS,
            registry=self.registry,
        )
        self.sent = Counter(
            "tanto_messages_sent",
            "Messages the platform accepted, by kind of message.",
            ["kind"],
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "tanto_messages_rate_limited",
            "Deliveries refused with a rate limit (HTTP 429); each is retried after the pause the platform asked for.",
            ["kind"],
            registry=self.registry,
        )
        self.failed = Counter(
            "tanto_delivery_errors",
            "Deliveries that failed for another reason that may pass (an outage, a network fault); retried later.",
            ["kind"],
            registry=self.registry,
        )
        self.given_up = Counter(
            "tanto_messages_given_up",
            "Messages given up on: the platform can never take them (channel gone, token revoked) or a day passed.",
            ["kind"],
            registry=self.registry,
        )
        self.sending = Gauge(
            "tanto_deliveries_in_flight", "Messages this process is sending right now.", registry=self.registry
        )

    def watch_outbox(self, store: Store, clock: Clock) -> None:
        """Report the outbox's backlog, read from the database at each scrape."""
        self.registry.register(OutboxBacklog(store, clock))

    def exposition(self) -> bytes:
        """The metrics in Prometheus' text format; reads the database (call it off the event loop)."""
        return generate_latest(self.registry)


class OutboxBacklog(Collector):
    """Due rows and how late the oldest is: one indexed query per scrape, shared by every replica."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def collect(self) -> Iterator[Metric]:
        now = self.clock.now()
        try:
            with self.store.transaction() as tx:
                due, oldest = tx.outbox.due_summary(now)
        except Exception as error:  # the rest of the page is still worth serving
            log.warning("metrics: could not read the outbox: %s", type(error).__name__)
            return
        yield GaugeMetricFamily(
            "tanto_outbox_due", "Messages due and not yet sent (including those being sent).", value=due
        )
        lag = max((now - oldest).total_seconds(), 0.0) if oldest is not None else 0.0
        yield GaugeMetricFamily(
            "tanto_outbox_lag_seconds", "How long the oldest due message has been waiting; 0 when none is.", value=lag
        )
