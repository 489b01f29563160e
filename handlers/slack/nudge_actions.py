"""Buttons on nudge DMs: Done, Snooze, Reschedule, Stop (and its Undo), and the snooze-date form.

Each changes the item through the core, then redraws only that item's row in the DM, so the
owner sees what happened where they clicked; a refusal is an answer only they see.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncRespond
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot import messages as say
from bot.change_answers import change_answer, item_refusal, owner_refusal
from bot.model import Ref, parse_ref
from bot.nudges import NudgeLine, SnoozeOutcome
from handlers.slack import ids
from handlers.slack.actions import ItemActions
from handlers.slack.nudge_blocks import answered_rows, nudge_rows, redraw_nudge_row, snooze_form
from handlers.slack.runtime import Runtime, metadata, scope_of


class NudgeActions:
    def __init__(self, runtime: Runtime, items: ItemActions) -> None:
        self.runtime = runtime
        self.tracker = runtime.tracker
        self.nudges = runtime.nudges
        self.items = items

    async def done(
        self, ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient,
        respond: AsyncRespond,
    ) -> None:  # fmt: skip
        await ack()
        ref = _ref(body["actions"][0]["value"])
        scope = scope_of(context)
        actor = await self.runtime.person(context, client)
        result = await asyncio.to_thread(self.tracker.mark_done, scope, ref, actor)
        if not result.ok or result.item is None:
            answer = change_answer(result, ref, actor, self.tracker.today_for(actor))
            await respond(response_type="ephemeral", replace_original=False, text=answer)
            return
        rows = answered_rows(result.item, self.tracker.today_for(actor), say.NUDGE_DONE_NOTE)
        await self._redraw(body, respond, ref, rows)
        self.runtime.deliver_soon()
        self.runtime.refresh_home(scope, client, result.item.owner_id)

    async def snooze(
        self, ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient,
        respond: AsyncRespond,
    ) -> None:  # fmt: skip
        """The snooze menu: `A-12|1`, `A-12|3` snooze from the owner's today; `A-12|date` asks for a day."""
        await ack()
        value, _, choice = body["actions"][0]["selected_option"]["value"].partition("|")
        ref = _ref(value)
        scope = scope_of(context)
        actor = await self.runtime.person(context, client)
        today = self.tracker.today_for(actor)
        if choice == "date":
            item = await asyncio.to_thread(self.tracker.item, scope, ref)
            if item is None or not item.is_open or item.owner_id != actor.user_id:
                await respond(response_type="ephemeral", replace_original=False, text=item_refusal(ref, item))
                return
            view = snooze_form(item, metadata={"item": str(ref), "reply": body.get("response_url")}, today=today)
            await client.views_open(trigger_id=body["trigger_id"], view=view)
            return
        until = today + timedelta(days=int(choice))
        answer = await asyncio.to_thread(self.nudges.snooze, scope, ref, actor, until)
        if answer.item is None or answer.outcome != SnoozeOutcome.DONE or answer.resumes_at is None:
            await respond(response_type="ephemeral", replace_original=False, text=owner_refusal(ref, answer))
            return
        note = say.NUDGE_SNOOZED_NOTE.format(until=say.moment_text(answer.resumes_at, actor.tz))
        await self._redraw(body, respond, ref, answered_rows(answer.item, today, note))

    async def save_snooze(
        self, ack: AsyncAck, view: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        """The snooze-date form: a day after the owner's today, else the field says why."""
        meta = metadata(view)
        ref = _ref(str(meta.get("item") or ""))
        picked = ((view["state"]["values"].get(ids.SNOOZE_UNTIL[0]) or {}).get(ids.SNOOZE_UNTIL[1]) or {}).get(
            "selected_date"
        )
        scope = scope_of(context)
        actor = await self.runtime.person(context, client)
        today = self.tracker.today_for(actor)
        until = date.fromisoformat(picked) if picked else None
        if until is None or until <= today:
            await ack(response_action="errors", errors={ids.SNOOZE_UNTIL[0]: say.SNOOZE_DATE_PAST.format(today=today)})
            return
        answer = await asyncio.to_thread(self.nudges.snooze, scope, ref, actor, until)
        if answer.item is None or answer.outcome != SnoozeOutcome.DONE or answer.resumes_at is None:
            await ack(response_action="errors", errors={ids.SNOOZE_UNTIL[0]: owner_refusal(ref, answer)})
            return
        await ack()
        reply = meta.get("reply")
        if reply:  # the form has not the DM's blocks to redraw its row: a note under it says what happened
            text = say.SNOOZED.format(ref=ref, until=say.moment_text(answer.resumes_at, actor.tz))
            self.runtime.spawn(AsyncWebhookClient(reply).send(text=text, response_type="ephemeral"))

    async def reschedule(
        self, ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient,
        respond: AsyncRespond,
    ) -> None:  # fmt: skip
        await ack()
        # The DM is not an item card: the form must not replace it with one.
        ref = _ref(body["actions"][0]["value"])
        await self.items.open_form("reschedule", ref, body, context, client, respond, in_place=False)

    async def decide(
        self, ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient,
        respond: AsyncRespond,
    ) -> None:  # fmt: skip
        await ack()
        ref = _ref(body["actions"][0]["value"])
        await self.items.open_form("decide", ref, body, context, client, respond, in_place=False)

    async def stop(
        self, ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient,
        respond: AsyncRespond,
    ) -> None:  # fmt: skip
        await ack()
        await self._stop(body, context, client, respond, stop=True)

    async def undo_stop(
        self, ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient,
        respond: AsyncRespond,
    ) -> None:  # fmt: skip
        await ack()
        await self._stop(body, context, client, respond, stop=False)

    async def _stop(
        self, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient, respond: AsyncRespond,
        *, stop: bool,
    ) -> None:  # fmt: skip
        ref = _ref(body["actions"][0]["value"])
        scope = scope_of(context)
        actor = await self.runtime.person(context, client)
        answer = await asyncio.to_thread(self.nudges.stop, scope, ref, actor, stop=stop)
        if answer.item is None or answer.outcome != SnoozeOutcome.DONE:
            await respond(response_type="ephemeral", replace_original=False, text=owner_refusal(ref, answer))
            return
        today = self.tracker.today_for(actor)
        if stop:
            rows = answered_rows(answer.item, today, say.NUDGE_STOPPED_NOTE, undo=True)
        else:  # back as it was: the item with its buttons
            rows = nudge_rows(NudgeLine(answer.item, ""), today)
        await self._redraw(body, respond, ref, rows)
        self.runtime.refresh_home(scope, client, actor.user_id)

    async def _redraw(self, body: dict[str, Any], respond: AsyncRespond, ref: Ref, rows: list[dict[str, Any]]) -> None:
        message = body.get("message") or {}
        blocks = redraw_nudge_row(message.get("blocks") or [], str(ref), rows)
        await respond(replace_original=True, blocks=blocks, text=message.get("text") or "")


def _ref(value: str) -> Ref:
    ref = parse_ref(value)
    if ref is None:  # our own buttons carry refs; anything else is not from us
        raise ValueError(f"not an item reference: {value!r}")
    return ref
