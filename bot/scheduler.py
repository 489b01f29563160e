"""The clockwork: APScheduler ticks that drive the session and nudge planners and the outbox sweep.

APScheduler holds no state that matters here: what must be sent lives in the outbox table and
what should be queued follows from the session schedules in the database, so a tick that is
missed while the process is down is simply caught up by the next one, on any replica.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.nudges import Nudges
from bot.outbox import Dispatcher
from bot.sessions import Sessions

log = logging.getLogger(__name__)

SWEEP_SECONDS = 5
# Agendas, check-ins and nudges are planned to the minute; a tick twice a minute sends each within
# a minute of its time.
PLAN_SECONDS = 30


class Planner:
    """Asks the session schedules and the nudge ladders what is due, then lets the outbox deliver it."""

    def __init__(self, sessions: Sessions, nudges: Nudges, dispatcher: Dispatcher) -> None:
        self.sessions = sessions
        self.nudges = nudges
        self.dispatcher = dispatcher

    async def tick(self) -> None:
        queued = 0
        for what, plan in (("session messages", self.sessions.plan), ("nudges", self.nudges.plan)):
            try:
                count = await asyncio.to_thread(plan)
            except Exception:  # a bad tick must not stop the next one; the database is the truth
                log.exception("planning %s failed", what)
                continue
            if count:
                log.info("queued %d %s", count, what)
            queued += count
        if queued:
            self.dispatcher.kick()


def start_ticks(
    dispatcher: Dispatcher, planner: Planner, work_inbox: Callable[[], Awaitable[object]] | None = None
) -> AsyncIOScheduler:
    """Start planning and sweeping in the running event loop; `work_inbox` also sweeps the capture
    inbox, for requests a replica acknowledged and then died before working."""
    scheduler = AsyncIOScheduler(timezone="UTC")
    # The first run is right away: plan and deliver what came due while we were down. A late tick
    # is still worth running, as each only looks at what is due now.
    common = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None, "next_run_time": datetime.now(UTC)}

    # A coroutine, so APScheduler runs it on the event loop: a plain function would run in its
    # thread pool, where kick() finds no running loop and the periodic sweep never happens (retries
    # and rows whose lease ran out would then wait for a tick that queues something new).
    async def sweep() -> None:
        dispatcher.kick()

    scheduler.add_job(sweep, "interval", seconds=SWEEP_SECONDS, id="outbox-sweep", **common)
    scheduler.add_job(planner.tick, "interval", seconds=PLAN_SECONDS, id="plan", **common)
    if work_inbox is not None:

        async def inbox_sweep() -> None:
            await work_inbox()

        scheduler.add_job(inbox_sweep, "interval", seconds=SWEEP_SECONDS, id="inbox-sweep", **common)
    scheduler.start()
    return scheduler


def stop_ticks(scheduler: AsyncIOScheduler) -> None:
    """Stop planning and sweeping (shutdown). A planning tick under way is cancelled: what it
    queued is in the outbox already, and what it did not queue the next tick on any replica will."""
    scheduler.shutdown(wait=False)
