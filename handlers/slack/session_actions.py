"""Buttons on agendas and check-in DMs, and the check-in comment form."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncRespond
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot import session_messages as say
from bot.agenda import AgendaEntry, CheckinStatus
from bot.change_answers import change_answer
from bot.model import ItemKind, Person, Ref, Scope, parse_ref
from bot.sessions import Occasion
from handlers.slack import ids
from handlers.slack.actions import ItemActions
from handlers.slack.agenda_blocks import agenda_item_rows, checkin_message, checkin_status_of
from handlers.slack.blocks import checkin_comment_form
from handlers.slack.runtime import Runtime, scope_of

COMMENT_LIMIT = 300


class SessionActions:
    def __init__(self, runtime: Runtime, items: ItemActions) -> None:
        self.runtime = runtime
        self.tracker = runtime.tracker
        self.sessions = runtime.sessions
        self.items = items

    # The agenda

    async def agenda_done(
        self, ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient,
        respond: AsyncRespond,
    ) -> None:  # fmt: skip
        """Done (or Decide, for a decision) on an agenda row: change the item, redraw only its row."""
        await ack()
        ref = _ref(body["actions"][0]["value"])
        if ref.kind is ItemKind.DECISION:  # a decision needs its outcome: the form asks for it
            await self.items.open_form("decide", ref, body, context, client, respond, in_place=False)
            return
        scope = scope_of(context)
        actor = await self.runtime.person(context, client)
        result = await asyncio.to_thread(self.tracker.mark_done, scope, ref, actor)
        if not result.ok or result.item is None:
            answer = change_answer(result, ref, actor, self.tracker.today_for(actor))
            await respond(response_type="ephemeral", replace_original=False, text=answer)
            return
        message = body.get("message") or {}
        redrawn = redraw_row(message.get("blocks") or [], AgendaEntry(result.item), self.tracker.today_for(actor))
        await respond(replace_original=True, blocks=redrawn, text=message.get("text") or "")
        self.runtime.deliver_soon()
        self.runtime.refresh_home(scope, client, result.item.owner_id, actor.user_id)

    async def agenda_reschedule(
        self, ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient,
        respond: AsyncRespond,
    ) -> None:  # fmt: skip
        await ack()
        ref = _ref(body["actions"][0]["value"])
        # The agenda is not an item card: the form must not replace it with one.
        await self.items.open_form("reschedule", ref, body, context, client, respond, in_place=False)

    # Check-ins

    async def checkin_status(
        self, ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient,
        respond: AsyncRespond,
    ) -> None:  # fmt: skip
        await ack()
        action = body["actions"][0]
        status = checkin_status_of(action["action_id"])
        occasion, ref = _token(action["value"])
        if status is None:
            return
        scope = scope_of(context)
        owner = await self.runtime.person(context, client)
        stored = await asyncio.to_thread(self.sessions.answer_checkin, scope, occasion, ref, owner, status=status)
        if not stored:
            await respond(response_type="ephemeral", replace_original=False, text=say.CHECKIN_GONE)
            return
        if status is CheckinStatus.DONE:
            result = await asyncio.to_thread(self.tracker.mark_done, scope, ref, owner)
            if not result.ok:
                text = change_answer(result, ref, owner, self.tracker.today_for(owner))
                await respond(response_type="ephemeral", replace_original=False, text=text)
            else:
                self.runtime.deliver_soon()
                self.runtime.refresh_home(scope, client, owner.user_id)
        await self._redraw_checkin(scope, occasion, owner, respond)

    async def open_comment(
        self, ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        await ack()
        occasion, ref = _token(body["actions"][0]["value"])
        prompt = say.CHECKIN_COMMENT_PROMPT.format(ref=ref, when=occasion.starts_at.date().isoformat())
        view = checkin_comment_form(prompt, metadata=body["actions"][0]["value"], max_length=COMMENT_LIMIT)
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    async def save_comment(
        self, ack: AsyncAck, view: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        occasion, ref = _token(view.get("private_metadata") or "")
        values = view["state"]["values"]
        comment = ((values.get(ids.COMMENT[0]) or {}).get(ids.COMMENT[1]) or {}).get("value") or ""
        scope = scope_of(context)
        owner = await self.runtime.person(context, client)
        stored = await asyncio.to_thread(self.sessions.answer_checkin, scope, occasion, ref, owner, comment=comment)
        if not stored:
            await ack(response_action="errors", errors={ids.COMMENT[0]: say.CHECKIN_GONE})
            return
        await ack()

    async def _redraw_checkin(self, scope: Scope, occasion: Occasion, owner: Person, respond: AsyncRespond) -> None:
        agenda = await asyncio.to_thread(self.sessions.agenda, scope, occasion)
        if agenda is None:
            return
        entries = agenda.open_entries(owner.user_id)
        blocks, fallback = checkin_message(
            owner.user_id, occasion.channel_id, agenda.starts_at, entries, today=agenda.today, token=occasion.key
        )
        await respond(replace_original=True, blocks=blocks, text=fallback)


def redraw_row(blocks: list[dict[str, Any]], entry: AgendaEntry, today: date) -> list[dict[str, Any]]:
    """The agenda message's blocks with one item's row (its text and its buttons) drawn anew."""
    ref = entry.item.ref
    fresh = agenda_item_rows(entry, today)
    redrawn: list[dict[str, Any]] = []
    for block in blocks:
        block_id = block.get("block_id")
        if block_id == f"agenda-item:{ref}":
            redrawn.extend(fresh)
        elif block_id != f"agenda-actions:{ref}":
            redrawn.append(block)
    return redrawn


def _ref(value: str) -> Ref:
    ref = parse_ref(value)
    if ref is None:  # our own buttons carry refs; anything else is not from us
        raise ValueError(f"not an item reference: {value!r}")
    return ref


def _token(value: str) -> tuple[Occasion, Ref]:
    """`C123:2026-12-01T01:00+00:00|A-12` (the occasion's key and the item) from a check-in button."""
    key, _, ref = value.rpartition("|")
    return Occasion.from_key(key), _ref(ref)
