"""The clockwork: APScheduler ticks that drive the outbox sweep.

APScheduler holds no state that matters here: what must be sent lives in the outbox table,
so a tick that is missed while the process is down is simply caught up by the next one.
"""

from __future__ import annotations

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.outbox import Dispatcher

SWEEP_SECONDS = 5


def start_ticks(dispatcher: Dispatcher) -> AsyncIOScheduler:
    """Start sweeping the outbox every few seconds in the running event loop."""
    scheduler = AsyncIOScheduler(timezone="UTC")
    scheduler.add_job(
        dispatcher.kick,
        "interval",
        seconds=SWEEP_SECONDS,
        id="outbox-sweep",
        max_instances=1,
        coalesce=True,
        # A late tick is still worth running: it only looks at what is due now.
        misfire_grace_time=None,
    )
    scheduler.start()
    dispatcher.kick()  # deliver what came due while we were down, right away
    return scheduler
