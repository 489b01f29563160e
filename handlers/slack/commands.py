"""`/action` and `/decision`: capture an item, or work the list with a subcommand.

Everything here runs before the acknowledgement (the app runs with process_before_response),
so it is kept to parsing, validation and one database transaction; the answer travels in the
acknowledgement itself. Posting elsewhere and refreshing the App Home happen afterwards.
"""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncRespond
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot import messages as say
from bot.change_answers import change_answer
from bot.inbox import Received
from bot.model import ItemKind, Person, Scope
from bot.prefs_desk import PrefsCommand
from bot.verbs import Intent, Reading, apply_change, read_command, read_list_query
from handlers.slack import blocks
from handlers.slack.courier import reply_target
from handlers.slack.export_command import ExportCommand
from handlers.slack.mentions import find_mentions, first_person, normalise
from handlers.slack.runtime import Runtime, scope_of


class ItemCommand:
    """One slash command for one kind of item: `/action` for actions, `/decision` for decisions."""

    def __init__(self, runtime: Runtime, kind: ItemKind) -> None:
        self.runtime = runtime
        self.tracker = runtime.tracker
        self.kind = kind
        self.prefs = PrefsCommand(runtime.tracker, runtime.nudges)
        self.export = ExportCommand(runtime)

    async def __call__(
        self, ack: AsyncAck, command: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient,
        respond: AsyncRespond,
    ) -> None:  # fmt: skip
        text = normalise(command.get("text") or "")
        reading = read_command(text, self.kind, export_wanted=ExportCommand.wants)
        if reading.intent is Intent.HELP:
            message, fallback = blocks.help_message(self.kind)
            await ack(response_type="ephemeral", blocks=message, text=fallback)
            return
        if reading.intent is Intent.USAGE:
            await ack(response_type="ephemeral", text=say.usage_ref(self.kind, reading.verb))
            return
        scope = scope_of(context)
        if reading.intent is Intent.CAPTURE:
            await self._receive(ack, scope, text, command, context)
            return
        author = await self.runtime.person(context, client)
        if reading.intent is Intent.LIST:
            await self._list(ack, scope, author, reading.rest, command)
        elif reading.intent in (Intent.PREFS, Intent.AWAY):
            await ack(
                response_type="ephemeral", text=await self.prefs.answer(reading.verb, scope, author, reading.rest)
            )
        elif reading.intent is Intent.EXPORT:
            await self.export(ack, scope, author, reading.rest, command, client, respond)
        else:
            await self._change(ack, scope, author, reading, client)

    async def _receive(
        self, ack: AsyncAck, scope: Scope, text: str, command: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        """Write the capture to the inbox, then acknowledge; the answer follows by the response URL."""
        await self.runtime.receive(
            Received(
                scope=scope,
                # A retried request carries the same trigger id: it is received once.
                key=f"command:{command.get('trigger_id') or command.get('response_url')}",
                kind=self.kind,
                user_id=context.user_id or "",
                channel_id=command["channel_id"],
                text=text,
                mentions=tuple(find_mentions(text)),
                answer_to=reply_target(command["response_url"]),
            )
        )
        await ack()

    async def _list(self, ack: AsyncAck, scope: Scope, viewer: Person, what: str, command: dict[str, Any]) -> None:
        query = read_list_query(what, command["channel_id"], self.kind, first_person=first_person(what))
        if query is None:
            await ack(response_type="ephemeral", text=say.USAGE_LIST.format(command=say.COMMAND[self.kind], what=what))
            return
        result = await asyncio.to_thread(self.tracker.list_items, scope, query, viewer)
        message, fallback = blocks.listing(result, say.list_title(query))
        await ack(response_type="ephemeral", blocks=message, text=fallback)

    async def _change(
        self, ack: AsyncAck, scope: Scope, actor: Person, reading: Reading, client: AsyncWebClient
    ) -> None:
        today = self.tracker.today_for(actor)
        result = await asyncio.to_thread(
            apply_change, self.tracker, scope, actor, self.kind, reading, new_owner=first_person(reading.rest),
            today=today,
        )  # fmt: skip
        if isinstance(result, str):
            await ack(response_type="ephemeral", text=result)
            return
        assert reading.ref is not None
        answer = change_answer(result, reading.ref, actor, today)
        if not result.ok:
            await ack(response_type="ephemeral", text=answer)
            return
        assert result.item is not None and result.change is not None
        message, fallback = blocks.change_message(answer, result.item, today)
        await ack(response_type="in_channel", blocks=message, text=fallback)
        old_owner = result.change.old_value if reading.verb == "reassign" else None
        self.runtime.refresh_home(scope, client, result.item.owner_id, old_owner or "")
