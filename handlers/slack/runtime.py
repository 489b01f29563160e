"""What every Slack listener needs: the core, the outbox, the directory, and a way to do work
after the acknowledgement without holding up Slack's 3-second answer."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.model import Person, Scope
from bot.nudges import Nudges
from bot.outbox import Dispatcher
from bot.sessions import Sessions
from bot.tracker import ListKind, ListQuery, Tracker
from handlers.slack import blocks
from handlers.slack.people import Directory

log = logging.getLogger(__name__)

PLATFORM = "slack"


@dataclass
class Runtime:
    tracker: Tracker
    sessions: Sessions
    nudges: Nudges
    dispatcher: Dispatcher | None = None
    directory: Directory = field(init=False)
    _tasks: set[asyncio.Task[Any]] = field(default_factory=set, init=False)

    def __post_init__(self) -> None:
        self.directory = Directory(self.tracker, self.spawn)

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
