"""Serving the app: Slack's requests over HTTP or Socket Mode, health checks, the outbox.

`start` wires everything and returns a handle; `tanto run` and the tests both use it, so the
tests exercise the very server users run.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.nudges import Nudges
from bot.outbox import Dispatcher
from bot.scheduler import Planner, start_ticks
from bot.sessions import Sessions
from bot.tracker import Tracker
from handlers.slack.app import build_app, make_client
from handlers.slack.courier import SlackCourier
from handlers.slack.nudge_courier import NudgeCourier
from handlers.slack.posting import Poster
from handlers.slack.runtime import Runtime
from handlers.slack.session_courier import SessionCourier
from storage.store import Store

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"


@dataclass
class Running:
    url: str
    port: int
    runtime: Runtime
    store: Store
    bolt: AsyncApp
    _runner: web.AppRunner
    _scheduler: AsyncIOScheduler | None
    _socket: AsyncSocketModeHandler | None

    async def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
        if self._socket is not None:
            await self._socket.close_async()
        await self._runner.cleanup()
        await self.runtime.settle()
        await asyncio.to_thread(self.store.close)


def web_app(bolt: AsyncApp, store: Store) -> web.Application:
    async def slack_events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    async def healthz(_: web.Request) -> web.Response:
        try:
            await asyncio.to_thread(store.ping)
        except Exception as error:
            log.warning("health check: database unreachable: %s", error)
            return web.json_response({"ok": False, "database": "unreachable"}, status=503)
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post(EVENTS_PATH, slack_events)
    app.router.add_get("/healthz", healthz)
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
    poster = Poster(make_client(settings, retries=False))
    courier = SlackCourier(tracker, SessionCourier(sessions, poster, clock), NudgeCourier(nudges, poster), poster)
    dispatcher = Dispatcher(store, courier, clock)
    runtime = Runtime(tracker, sessions, nudges, dispatcher)
    bolt = await build_app(settings, runtime, client)
    runner = web.AppRunner(web_app(bolt, store), access_log=None)
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
    scheduler = start_ticks(dispatcher, Planner(sessions, nudges, dispatcher)) if ticks else None
    return Running(f"http://127.0.0.1:{port}", port, runtime, store, bolt, runner, scheduler, socket)
