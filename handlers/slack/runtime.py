"""What every Slack listener needs: the core, the outbox, the directory, and a way to do work
after the acknowledgement without holding up Slack's 3-second answer."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.errors import SlackTokenRotationError
from slack_sdk.web.async_client import AsyncWebClient

from bot.inbox import InboxWorker, Journal, Received
from bot.model import Person, Scope
from bot.nudges import Nudges
from bot.outbox import Dispatcher
from bot.sessions import Sessions
from bot.tracker import ListKind, ListQuery, Tracker
from handlers.slack import blocks
from handlers.slack.people import Directory
from handlers.slack.workspace_clients import NotInstalled, WorkspaceClients

log = logging.getLogger(__name__)

PLATFORM = "slack"


@dataclass
class Runtime:
    tracker: Tracker
    sessions: Sessions
    nudges: Nudges
    dispatcher: Dispatcher | None = None
    # Each workspace's client, for work outside a request (first-time profiles of inbox authors).
    clients: WorkspaceClients | None = None
    directory: Directory = field(init=False)
    journal: Journal = field(init=False)
    inbox: InboxWorker = field(init=False)
    _tasks: set[asyncio.Task[Any]] = field(default_factory=set, init=False)

    def __post_init__(self) -> None:
        self.directory = Directory(self.tracker, self.spawn)
        self.journal = Journal(self.tracker.store, self.tracker.clock)
        self.inbox = InboxWorker(
            self.tracker.store, self.tracker, self.tracker.clock, self._inbox_authors, journal=self.journal
        )

    async def receive(self, received: Received) -> None:
        """Write a capture to the inbox (durably, before the acknowledgement) and have it worked."""
        await self.journal.write(received)
        if self.inbox.busy:  # one pass at a time: under load, no task per request
            self.inbox.again()
        else:
            self.spawn(self.work_inbox())

    async def work_inbox(self) -> None:
        """Work waiting captures, then send their answers and refresh their owners' App Homes."""
        worked = await self.inbox.drain()
        self.deliver_soon()
        # Rendering Homes is work on the event loop: under a burst of requests it waits its turn.
        await self.journal.lull()
        for scope, owner_id in dict.fromkeys((w.scope, w.owner_id) for w in worked if w.owner_id):
            client = await self._client_for(scope)
            if client is not None:
                self.refresh_home(scope, client, owner_id or "")

    async def _inbox_authors(self, scope: Scope, user_ids: list[str]) -> dict[str, Person]:
        return await self.directory.people(scope, user_ids, await self._client_for(scope))

    async def _client_for(self, scope: Scope) -> AsyncWebClient | None:
        """The workspace's client; None without one (no token here, Tanto uninstalled there since,
        or its token could not be refreshed just now), so the capture is stored all the same."""
        if self.clients is None:
            return None
        try:
            return await self.clients.client_for(scope)
        except (NotInstalled, SlackTokenRotationError, aiohttp.ClientError, TimeoutError) as error:
            log.warning("no Slack client for %s/%s: %s", scope.enterprise_id, scope.team_id, error)
            return None

    def spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        """Run `work` after the answer; failures are logged. Never the only copy of durable work:
        what must not be lost is in the outbox before this is called."""
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background work failed", exc_info=task.exception())

    async def settle(self) -> None:
        """Wait for background work and deliveries in flight (tests, shutdown)."""
        # Only unfinished work is waited for: a finished task can linger in the set until its
        # done-callback runs, and waiting on it again would spin instead of yielding.
        while pending := [task for task in self._tasks if not task.done()]:
            await asyncio.gather(*pending, return_exceptions=True)
        if self.dispatcher is not None:
            await self.dispatcher.idle()

    def deliver_soon(self) -> None:
        if self.dispatcher is not None:
            self.dispatcher.kick()

    async def person(self, context: AsyncBoltContext, client: AsyncWebClient, user_id: str | None = None) -> Person:
        return await self.directory.person(scope_of(context), user_id or context.user_id or "", client)

    def refresh_home(self, scope: Scope, client: AsyncWebClient, *user_ids: str) -> None:
        for user_id in dict.fromkeys(u for u in user_ids if u):
            self.spawn(self.publish_home(scope, client, user_id))

    async def publish_home(
        self, scope: Scope, client: AsyncWebClient, user_id: str, *, note: str | None = None
    ) -> None:
        viewer = await self.directory.person(scope, user_id, client)
        result = await asyncio.to_thread(
            self.tracker.list_items, scope, ListQuery(ListKind.MINE, item_kind=None), viewer, limit=100
        )
        await client.views_publish(user_id=user_id, view=blocks.home(result, user_id, note=note))


def scope_of(context: AsyncBoltContext) -> Scope:
    return Scope(PLATFORM, context.team_id or "", context.enterprise_id or "")


def metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        loaded = json.loads(view.get("private_metadata") or "{}")
    except json.JSONDecodeError:
        return {}
    return loaded if isinstance(loaded, dict) else {}
