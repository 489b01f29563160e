"""Buttons and menus on cards, lists, refusals and the App Home (block_actions)."""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncRespond
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot import messages as say
from bot.change_answers import change_answer
from bot.model import Person, Ref, Scope, parse_ref
from bot.tracker import Announce
from handlers.slack import blocks
from handlers.slack.courier import CARD, reply_target
from handlers.slack.runtime import Runtime, scope_of


class ItemActions:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.tracker = runtime.tracker

    async def done(
        self, ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient,
        respond: AsyncRespond,
    ) -> None:  # fmt: skip
        await ack()
        await self._done(_ref(body["actions"][0]["value"]), body, context, client, respond)

    async def decide(
        self, ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient,
        respond: AsyncRespond,
    ) -> None:  # fmt: skip
        await ack()
        await self.open_form("decide", _ref(body["actions"][0]["value"]), body, context, client, respond)

    async def reschedule(
        self, ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient,
        respond: AsyncRespond,
    ) -> None:  # fmt: skip
        await ack()
        await self.open_form("reschedule", _ref(body["actions"][0]["value"]), body, context, client, respond)

    async def reassign(
        self, ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient,
        respond: AsyncRespond,
    ) -> None:  # fmt: skip
        await ack()
        await self.open_form("reassign", _ref(body["actions"][0]["value"]), body, context, client, respond)

    async def menu(
        self, ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient,
        respond: AsyncRespond,
    ) -> None:  # fmt: skip
        """The overflow menu on list rows: `done:12`, `reschedule:12`, `reassign:12`."""
        await ack()
        verb, _, ref = body["actions"][0]["selected_option"]["value"].partition(":")
        if verb == "done":
            await self._done(_ref(ref), body, context, client, respond, in_place=False)
        else:
            await self.open_form(verb, _ref(ref), body, context, client, respond)

    async def open_capture_form(
        self, ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient,
        respond: AsyncRespond,
    ) -> None:  # fmt: skip
        """ "Finish in a form" on a refusal: the modal, prefilled with what was understood."""
        await ack()
        scope = scope_of(context)
        author = await self.runtime.person(context, client)
        draft = await asyncio.to_thread(self.tracker.draft, scope, int(body["actions"][0]["value"]))
        if draft is None:
            await respond(response_type="ephemeral", replace_original=False, text=say.DRAFT_GONE)
            return
        view = blocks.capture_form(
            draft,
            metadata={
                "draft": draft.id,
                "kind": draft.kind.value,
                "channel": draft.channel_id,
                "reply": body.get("response_url"),
                "dismiss": True,
            },
            today=self.tracker.today_for(author),
        )
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    async def _done(
        self, ref: Ref, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient,
        respond: AsyncRespond, *, in_place: bool = True,
    ) -> None:  # fmt: skip
        scope = scope_of(context)
        actor = await self.runtime.person(context, client)
        refresh = self._card_refresh(body) if in_place else None
        result = await asyncio.to_thread(self.tracker.mark_done, scope, ref, actor, refresh=refresh)
        answer = change_answer(result, ref, actor, self.tracker.today_for(actor))
        await self._after_change(scope, actor, result.ok, answer, body, client, respond, refresh, result.item)

    async def _after_change(
        self, scope: Scope, actor: Person, ok: bool, answer: str, body: dict[str, Any], client: AsyncWebClient,
        respond: AsyncRespond, refreshed: Announce | None, item: Any,
    ) -> None:  # fmt: skip
        if ok:
            self.runtime.deliver_soon()
            self.runtime.refresh_home(scope, client, item.owner_id, actor.user_id)
        if _in_home(body):
            if not ok:
                self.runtime.spawn(self.runtime.publish_home(scope, client, actor.user_id, note=answer))
        elif not ok or refreshed is None:
            # The card was not updated in place (a list row, or a refusal): say what happened.
            await respond(response_type="ephemeral", replace_original=False, text=answer)

    async def open_form(
        self, verb: str, ref: Ref, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient,
        respond: AsyncRespond, *, in_place: bool = True,
    ) -> None:  # fmt: skip
        """The reschedule, reassign or decide form; `in_place` updates the card clicked on afterwards."""
        scope = scope_of(context)
        actor = await self.runtime.person(context, client)
        item = await asyncio.to_thread(self.tracker.item, scope, ref)
        meta = {"item": str(ref), "reply": self._card_reply(body) if in_place else None}
        if item is None or not item.is_open:
            text = (
                say.not_found(ref)
                if item is None
                else say.ALREADY_CLOSED.format(ref=item.ref, status=say.status_text(item))
            )
            if _in_home(body):
                self.runtime.spawn(self.runtime.publish_home(scope, client, actor.user_id, note=text))
            else:
                await respond(response_type="ephemeral", replace_original=False, text=text)
            return
        if verb == "reschedule":
            view = blocks.reschedule_form(item, metadata=meta, today=self.tracker.today_for(actor))
        elif verb == "decide":
            view = blocks.decide_form(item, metadata=meta, today=self.tracker.today_for(actor))
        else:
            view = blocks.reassign_form(item, metadata=meta)
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    def _card_reply(self, body: dict[str, Any]) -> str | None:
        """The response URL of the channel card the click came from, to update it in place."""
        container = body.get("container") or {}
        if container.get("type") == "message" and not container.get("is_ephemeral"):
            return body.get("response_url")
        return None

    def _card_refresh(self, body: dict[str, Any]) -> Announce | None:
        reply = self._card_reply(body)
        return Announce(reply_target(reply), CARD) if reply else None


def _ref(value: str) -> Ref:
    ref = parse_ref(value)
    if ref is None:  # our own buttons carry refs; anything else is not from us
        raise ValueError(f"not an item reference: {value!r}")
    return ref


def _in_home(body: dict[str, Any]) -> bool:
    return (body.get("container") or {}).get("type") == "view"
