"""Modal submissions: finishing an item, rescheduling, reassigning."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from slack_bolt.async_app import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot import messages as say
from bot.change_answers import change_answer
from bot.intake import Problem, ProblemCode
from bot.model import ItemKind, Ref, parse_ref
from bot.tracker import Announce, Captured, Outcome
from handlers.slack import ids
from handlers.slack.courier import CARD, POSTED, channel_target, reply_target
from handlers.slack.runtime import Runtime, metadata, scope_of


class Forms:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.tracker = runtime.tracker

    async def capture(
        self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: AsyncBoltContext,
        client: AsyncWebClient,
    ) -> None:  # fmt: skip
        scope = scope_of(context)
        author = await self.runtime.person(context, client)
        meta = metadata(view)
        values = view["state"]["values"]
        reply = meta.get("reply")
        target = reply_target(reply) if reply else channel_target(meta.get("channel") or author.user_id)
        result = await asyncio.to_thread(
            self.tracker.complete,
            scope,
            author=author,
            channel_id=meta.get("channel") or "",
            title=_text(values, ids.WHAT) or "",
            owner_id=_value(values, ids.OWNER, "selected_user"),
            due_on=_date(values, ids.DUE),
            tag=_text(values, ids.TAG),
            # Submitting the same modal twice (a double click) finds the item stored the first time.
            source_key=f"view:{view['id']}",
            source_link=meta.get("link"),
            draft_id=meta.get("draft"),
            announce=Announce(target, POSTED, {"dismiss": bool(meta.get("dismiss"))}),
            kind=ItemKind(meta.get("kind") or ItemKind.ACTION.value),
        )
        if isinstance(result, Captured):
            await ack()
            self.runtime.deliver_soon()
            self.runtime.refresh_home(scope, client, result.item.owner_id)
            return
        errors: dict[str, str] = {}
        for problem in result.understood.problems:
            block = ids.OWNER if problem.about_owner else ids.DUE if problem.about_due else ids.WHAT
            errors.setdefault(block[0], say.problem_plain(problem))
        await ack(response_action="errors", errors=errors)

    async def reschedule(
        self, ack: AsyncAck, view: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        scope = scope_of(context)
        actor = await self.runtime.person(context, client)
        meta = metadata(view)
        values = view["state"]["values"]
        new_due = _date(values, ids.DUE)
        if new_due is None:
            await ack(
                response_action="errors",
                errors={ids.DUE[0]: say.problem_plain(Problem(ProblemCode.MISSING_DUE))},
            )
            return
        result = await asyncio.to_thread(
            self.tracker.reschedule, scope, _item_ref(meta), actor, new_due,
            reason=_text(values, ids.REASON), refresh=_refresh(meta),
        )  # fmt: skip
        await self._finish(ack, result, _item_ref(meta), actor, ids.DUE[0], scope, client)

    async def reassign(
        self, ack: AsyncAck, view: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        scope = scope_of(context)
        actor = await self.runtime.person(context, client)
        meta = metadata(view)
        values = view["state"]["values"]
        new_owner = _value(values, ids.OWNER, "selected_user")
        if not new_owner:
            await ack(
                response_action="errors",
                errors={ids.OWNER[0]: say.problem_plain(Problem(ProblemCode.MISSING_OWNER))},
            )
            return
        result = await asyncio.to_thread(
            self.tracker.reassign, scope, _item_ref(meta), actor, new_owner,
            reason=_text(values, ids.REASON), refresh=_refresh(meta),
        )  # fmt: skip
        await self._finish(ack, result, _item_ref(meta), actor, ids.OWNER[0], scope, client)

    async def decide(
        self, ack: AsyncAck, view: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        scope = scope_of(context)
        actor = await self.runtime.person(context, client)
        meta = metadata(view)
        outcome = _text(view["state"]["values"], ids.OUTCOME) or ""
        result = await asyncio.to_thread(
            self.tracker.decide, scope, _item_ref(meta), actor, outcome, refresh=_refresh(meta)
        )
        await self._finish(ack, result, _item_ref(meta), actor, ids.OUTCOME[0], scope, client)

    async def _finish(self, ack: AsyncAck, result: Any, ref: Ref, actor: Any, block: str, scope: Any,
                      client: AsyncWebClient) -> None:  # fmt: skip
        if result.outcome is not Outcome.CHANGED:
            text = change_answer(result, ref, actor, self.tracker.today_for(actor))
            await ack(response_action="errors", errors={block: text.replace("*", "")[:150]})
            return
        await ack()
        self.runtime.deliver_soon()
        old_owner = result.change.old_value if result.change.kind.value == "reassigned" else ""
        self.runtime.refresh_home(scope, client, result.item.owner_id, old_owner, actor.user_id)


def _item_ref(meta: dict[str, Any]) -> Ref:
    ref = parse_ref(str(meta.get("item", "")))
    if ref is None:  # our own forms carry refs; anything else is not from us
        raise ValueError(f"form without an item reference: {meta!r}")
    return ref


def _refresh(meta: dict[str, Any]) -> Announce | None:
    reply = meta.get("reply")
    return Announce(reply_target(reply), CARD) if reply else None


def _value(values: dict[str, Any], block: tuple[str, str], key: str) -> str | None:
    return ((values.get(block[0]) or {}).get(block[1]) or {}).get(key)


def _text(values: dict[str, Any], block: tuple[str, str]) -> str | None:
    value = _value(values, block, "value")
    return value.strip() or None if value else None


def _date(values: dict[str, Any], block: tuple[str, str]) -> date | None:
    value = _value(values, block, "selected_date")
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None
