"""Serving the app: Slack's requests over HTTP or Socket Mode, probes and metrics, the outbox.

`start` wires everything and returns a handle; `tanto run` and the tests both use it, so the
tests exercise the very server users run. `Running.stop` is the graceful shutdown.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from prometheus_client import CONTENT_TYPE_LATEST
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.metrics import Metrics
from bot.nudges import Nudges
from bot.outbox import Courier, Dispatcher, PlatformCouriers
from bot.scheduler import Planner, start_ticks, stop_ticks
from bot.sessions import Sessions
from bot.tracker import Tracker
from handlers.slack import observe
from handlers.slack.app import build_app, make_client
from handlers.slack.courier import SlackCourier
from handlers.slack.install import install_routes, oauth_mode
from handlers.slack.nudge_courier import NudgeCourier
from handlers.slack.posting import Poster
from handlers.slack.runtime import PLATFORM, Runtime
from handlers.slack.session_courier import SessionCourier
from handlers.slack.workspace_clients import workspace_clients
from storage.migrate import current_revision, head_revision
from storage.store import Store

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
# On SIGTERM a send in flight gets this long to finish; Slack's requests keep being answered
# meanwhile (with /readyz saying 503, so the load balancer moves on).
SHUTDOWN_GRACE = 5.0
# Then the listener closes, and a request still running after this is cancelled: Slack stopped
# waiting for it after 3 s anyway.
HTTP_DRAIN = 1.5
# Whatever is still stuck after this, `tanto run` exits anyway: orchestrators send SIGKILL 10 s
# after SIGTERM, and an exit of our own can at least say what it left behind.
STOP_DEADLINE = 9.5
# Probes get a thread of their own: under a delivery burst the shared pool is busy with the sends'
# bookkeeping, and a liveness probe that waits its turn there looks like a dead process.
PROBES = ThreadPoolExecutor(max_workers=1, thread_name_prefix="probes")
# A readiness probe gives the database this long to answer.
READY_TIMEOUT = 2.0


@dataclass
class Running:
    url: str
    port: int
    runtime: Runtime
    store: Store
    bolt: AsyncApp
    metrics: Metrics
    readiness: Readiness
    _runner: web.AppRunner
    _scheduler: AsyncIOScheduler | None
    _socket: AsyncSocketModeHandler | None

    async def stop(self, grace: float = SHUTDOWN_GRACE) -> None:
        """Shut down gracefully, in well under STOP_DEADLINE.

        /readyz answers 503 at once and no more work is claimed. The send in flight gets `grace`
        seconds; one stuck past that is abandoned and, like every row claimed and not yet sent,
        handed back to the outbox for another replica or the next start. Requests in flight are
        answered; then the listener closes and background work gets what is left of the time.
        """
        loop = asyncio.get_running_loop()
        started = loop.time()
        self.readiness.stopping = True
        self.runtime.inbox.stop()
        if self._scheduler is not None:
            stop_ticks(self._scheduler)
        if self._socket is not None:
            await self._socket.close_async()
        if self.runtime.dispatcher is not None:
            await self.runtime.dispatcher.close(grace)
        await self._runner.cleanup()
        # Background work (App Home refreshes, profile lookups) is never the only copy of
        # anything durable, so what has not finished by then is dropped.
        left = max(started + grace + HTTP_DRAIN - loop.time(), 0.5)
        try:
            await asyncio.wait_for(self.runtime.settle(), left)
        except TimeoutError:
            log.warning("background work still running after %.1f s; dropped", loop.time() - started)
        await asyncio.to_thread(self.store.close)
        log.info("stopped in %.1f s", loop.time() - started)


class Readiness:
    """Whether this replica should be sent requests (GET /readyz): the database answers, its
    schema is the one this release expects, and the process is not shutting down."""

    def __init__(self, store: Store) -> None:
        self.store = store
        # Reading the migration scripts is not cheap, and cannot change under a running process.
        self.expected = head_revision()
        self.stopping = False

    async def check(self) -> tuple[bool, dict[str, object]]:
        if self.stopping:
            return False, {"ok": False, "failed": "shutdown", "reason": "shutting down"}
        try:
            asked = asyncio.get_running_loop().run_in_executor(PROBES, current_revision, self.store.engine)
            current = await asyncio.wait_for(asked, READY_TIMEOUT)
        except TimeoutError:
            return False, {"ok": False, "failed": "database", "reason": f"no answer within {READY_TIMEOUT:.0f} s"}
        except Exception as error:
            log.warning("readiness check: database unreachable: %s", error)
            return False, {"ok": False, "failed": "database", "reason": "unreachable"}
        if current != self.expected:
            reason = (
                f"the database schema is at revision {current or 'none'}, this release expects {self.expected}; "
                "`tanto migrate` upgrades an older one"
            )
            return False, {"ok": False, "failed": "migrations", "reason": reason}
        return True, {"ok": True, "schema": current}


def web_app(
    bolt: AsyncApp, store: Store, *, metrics: Metrics | None = None, readiness: Readiness | None = None
) -> web.Application:
    """Slack's endpoint, the liveness and readiness probes, and the metrics page."""
    metrics = metrics or Metrics()
    readiness = readiness or Readiness(store)

    async def slack_events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await observe.dispatch(bolt, await to_bolt_request(request), metrics))

    async def healthz(_: web.Request) -> web.Response:
        try:
            await asyncio.get_running_loop().run_in_executor(PROBES, store.ping)
        except Exception as error:
            log.warning("health check: database unreachable: %s", error)
            return web.json_response({"ok": False, "database": "unreachable"}, status=503)
        return web.json_response({"ok": True})

    async def readyz(_: web.Request) -> web.Response:
        ready, answer = await readiness.check()
        return web.json_response(answer, status=200 if ready else 503)

    async def metrics_page(_: web.Request) -> web.Response:
        exposition = await asyncio.to_thread(metrics.exposition)  # reads the outbox's backlog
        return web.Response(body=exposition, headers={"Content-Type": CONTENT_TYPE_LATEST})

    app = web.Application()
    app.router.add_post(EVENTS_PATH, slack_events)
    app.router.add_routes(install_routes(bolt))  # OAuth mode: /slack/install and /slack/oauth_redirect
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics_page)
    return app


async def start(
    settings: Settings, *, clock: Clock | None = None, host: str = "0.0.0.0", ticks: bool = True
) -> Running:
    """Open the database (migrating it), connect to Slack, and start serving."""
    clock = clock or SystemClock()
    store = await asyncio.to_thread(Store.open, settings.database_url)
    tracker = Tracker(store, clock)
    client = make_client(settings)
    sessions = Sessions(store, clock)
    nudges = Nudges(store, clock)
    # Posts get a client that never retries on its own: a lost answer is retried by the outbox,
    # which first checks whether the message arrived after all.
    oauth = oauth_mode(settings, store)  # None with a single SLACK_BOT_TOKEN
    poster = Poster(workspace_clients(oauth, make_client(settings, retries=False)), clock)
    couriers: dict[str, Courier] = {
        PLATFORM: SlackCourier(tracker, SessionCourier(sessions, poster, clock), NudgeCourier(nudges, poster), poster)
    }
    metrics = Metrics()
    metrics.watch_outbox(store, clock)
    dispatcher = Dispatcher(store, PlatformCouriers(couriers), clock, metrics=metrics)
    runtime = Runtime(tracker, sessions, nudges, dispatcher, workspace_clients(oauth, client))
    # Captures acknowledged before a crash or a restart are still in the inbox: work them now.
    runtime.spawn(runtime.work_inbox())
    bolt = await build_app(settings, runtime, client, oauth=oauth)
    readiness = Readiness(store)
    app = web_app(bolt, store, metrics=metrics, readiness=readiness)
    if settings.teams_enabled:
        # Imported only when wanted: the Agents SDK adds 0.3 s to the start, some 33,000
        # objects and 25 MB that a Slack-only deployment has no use for.
        from handlers.teams.app import build_teams
        from handlers.teams.turns import PLATFORM as TEAMS

        teams = build_teams(
            settings.teams, tracker=tracker, sessions=sessions, nudges=nudges, clock=clock,
            deliver_soon=runtime.deliver_soon,
        )  # fmt: skip
        teams.mount(app)
        couriers[TEAMS] = teams.courier
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=HTTP_DRAIN)
    await runner.setup()
    site = web.TCPSite(runner, host, settings.port)
    await site.start()
    port = runner.addresses[0][1]
    socket = None
    if settings.socket_mode:
        socket = AsyncSocketModeHandler(bolt, settings.app_token)
        await socket.connect_async()
        log.info("connected to Slack in Socket Mode; health checks on port %s", port)
    else:
        log.info("listening for Slack on http://%s:%s%s", host, port, EVENTS_PATH)
    planner = Planner(sessions, nudges, dispatcher)
    scheduler = start_ticks(dispatcher, planner, runtime.work_inbox) if ticks else None
    return Running(
        f"http://127.0.0.1:{port}", port, runtime, store, bolt, metrics, readiness, runner, scheduler, socket
    )
