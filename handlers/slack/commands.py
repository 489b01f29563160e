"""`/action` and `/decision`: capture an item, or work the list with a subcommand.

Everything here runs before the acknowledgement (the app runs with process_before_response),
so it is kept to parsing, validation and one database transaction; the answer travels in the
acknowledgement itself. Posting elsewhere and refreshing the App Home happen afterwards.
"""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.async_app import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot import messages as say
from bot.dates import DueDateError
from bot.intake import read_reschedule
from bot.model import ItemKind, Person, Ref, Scope, UserError, parse_ref
from bot.tracker import Captured, ChangeResult, ListKind, ListQuery
from handlers.slack import blocks
from handlers.slack.answers import change_answer
from handlers.slack.mentions import find_mentions, first_person, normalise
from handlers.slack.prefs_command import PrefsCommand
from handlers.slack.runtime import Runtime, scope_of

HELP_WORDS = ("", "help", "?", "ヘルプ", "hjälp", "yardım")
# The verb that closes an item of each kind; the other verbs are shared.
CLOSING_VERB = {ItemKind.ACTION: "done", ItemKind.DECISION: "decide"}
SHARED_VERBS = ("cancel", "reschedule", "reassign")


class ItemCommand:
    """One slash command for one kind of item: `/action` for actions, `/decision` for decisions."""

    def __init__(self, runtime: Runtime, kind: ItemKind) -> None:
        self.runtime = runtime
        self.tracker = runtime.tracker
        self.kind = kind
        self.verbs = (CLOSING_VERB[kind], *SHARED_VERBS)
        self.prefs = PrefsCommand(runtime.tracker, runtime.nudges)

    async def __call__(
        self, ack: AsyncAck, command: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        text = normalise(command.get("text") or "")
        verb, _, rest = text.partition(" ")
        verb = verb.lower()
        if verb in HELP_WORDS:
            message, fallback = blocks.help_message(self.kind)
            await ack(response_type="ephemeral", blocks=message, text=fallback)
            return
        scope = scope_of(context)
        author = await self.runtime.person(context, client)
        if verb == "list":
            await self._list(ack, scope, author, rest.strip(), command)
            return
        if verb in ("prefs", "away") and self.kind is ItemKind.ACTION:
            try:
                handle = self.prefs.prefs if verb == "prefs" else self.prefs.away
                answer = await handle(scope, author, rest.strip())
            except UserError as error:
                answer = error.message
            await ack(response_type="ephemeral", text=answer)
            return
        if verb in self.verbs:
            ref = parse_ref(rest.split()[0], default=self.kind) if rest.split() else None
            if ref is not None:
                await self._change(ack, scope, author, verb, ref, rest.split(maxsplit=1)[1:], client)
                return
            # "done with X by Friday" may well be an item; the other verbs need an id.
            if verb != "done":
                await ack(response_type="ephemeral", text=say.usage_ref(self.kind, verb))
                return
        await self._capture(ack, scope, author, text, command, client)

    async def _capture(
        self, ack: AsyncAck, scope: Scope, author: Person, text: str, command: dict[str, Any],
        client: AsyncWebClient,
    ) -> None:  # fmt: skip
        result = await asyncio.to_thread(
            self.tracker.capture,
            scope,
            author=author,
            channel_id=command["channel_id"],
            text=text,
            mentions=find_mentions(text),
            # A retried request carries the same trigger id: it finds the item stored the first time.
            source_key=f"command:{command.get('trigger_id') or command.get('response_url')}",
            kind=self.kind,
        )
        today = self.tracker.today_for(author)
        if isinstance(result, Captured):
            card, fallback = blocks.item_card(result.item, today)
            if result.duplicate:
                note = say.DUPLICATE.format(ref=result.item.ref)
                await ack(response_type="ephemeral", blocks=[blocks.section(note), *card], text=note)
                return
            await ack(response_type="in_channel", blocks=card, text=fallback)
            self.runtime.refresh_home(scope, client, result.item.owner_id)
            return
        message, fallback = blocks.refusal(result.understood, result.draft_id, today, self.kind)
        await ack(response_type="ephemeral", blocks=message, text=fallback)

    async def _list(self, ack: AsyncAck, scope: Scope, viewer: Person, what: str, command: dict[str, Any]) -> None:
        query = read_list_query(what, command["channel_id"], self.kind)
        if query is None:
            await ack(response_type="ephemeral", text=say.USAGE_LIST.format(command=say.COMMAND[self.kind], what=what))
            return
        result = await asyncio.to_thread(self.tracker.list_items, scope, query, viewer)
        message, fallback = blocks.listing(result, say.list_title(query))
        await ack(response_type="ephemeral", blocks=message, text=fallback)

    async def _change(
        self, ack: AsyncAck, scope: Scope, actor: Person, verb: str, ref: Ref, args: list[str],
        client: AsyncWebClient,
    ) -> None:  # fmt: skip
        rest = args[0] if args else ""
        today = self.tracker.today_for(actor)
        if ref.kind is not self.kind:
            await ack(response_type="ephemeral", text=say.wrong_command(ref))
            return
        result: ChangeResult
        if verb == "done":
            result = await asyncio.to_thread(self.tracker.mark_done, scope, ref, actor)
        elif verb == "decide":
            if not rest.strip():
                await ack(response_type="ephemeral", text=say.USAGE_DECIDE)
                return
            result = await asyncio.to_thread(self.tracker.decide, scope, ref, actor, rest)
        elif verb == "cancel":
            result = await asyncio.to_thread(self.tracker.cancel, scope, ref, actor, reason=rest)
        elif verb == "reschedule":
            try:
                new_due, reason = read_reschedule(rest, today=today, locale=actor.locale)
            except DueDateError as error:
                await ack(response_type="ephemeral", text=f"{error.message} {say.usage_reschedule(self.kind)}")
                return
            result = await asyncio.to_thread(self.tracker.reschedule, scope, ref, actor, new_due, reason=reason)
        else:
            new_owner = first_person(rest)
            if new_owner is None:
                await ack(response_type="ephemeral", text=say.usage_reassign(self.kind))
                return
            result = await asyncio.to_thread(self.tracker.reassign, scope, ref, actor, new_owner)
        answer = change_answer(result, ref, actor, today)
        if not result.ok:
            await ack(response_type="ephemeral", text=answer)
            return
        assert result.item is not None and result.change is not None
        message, fallback = blocks.change_message(answer, result.item, today)
        await ack(response_type="in_channel", blocks=message, text=fallback)
        old_owner = result.change.old_value if verb == "reassign" else None
        self.runtime.refresh_home(scope, client, result.item.owner_id, old_owner or "")


def read_list_query(what: str, channel_id: str, kind: ItemKind) -> ListQuery | None:
    word = what.split()[0].lower() if what.split() else "mine"
    if word in ("mine", "my", "me"):
        return ListQuery(ListKind.MINE, item_kind=kind)
    if word in ("all", "everything"):
        return ListQuery(ListKind.ALL, item_kind=kind)
    if word in ("overdue", "late"):
        return ListQuery(ListKind.OVERDUE, item_kind=kind)
    if word in ("here", "channel"):
        return ListQuery(ListKind.CHANNEL, channel_id=channel_id, item_kind=kind)
    if (user := first_person(what)) is not None:
        return ListQuery(ListKind.PERSON, user_id=user, item_kind=kind)
    if word.startswith("#") and len(word) > 1:
        return ListQuery(ListKind.TAG, tag=word[1:], item_kind=kind)
    return None
