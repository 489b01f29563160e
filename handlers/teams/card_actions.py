"""The buttons on Tanto's cards: Done, Decide, Snooze, Reschedule, and the refusal form's Record it.

Each arrives as an `adaptiveCard/action` invoke; the card returned replaces the one clicked, so
everyone in the conversation sees the item as it now is. Who may do what is the core's rule
(owner, creator; snooze only the owner); a refused click redraws the card with the reason.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

from microsoft_agents.activity import AdaptiveCardInvokeResponse
from microsoft_agents.hosting.core import TurnContext
from microsoft_agents.hosting.core.app.adaptive_card import factory

from bot import messages as say
from bot.change_answers import change_answer, owner_refusal
from bot.conversations import Conversations
from bot.model import ActionItem, Person, Ref, parse_ref
from bot.nudges import Nudges, SnoozeOutcome
from bot.tracker import Captured, ChangeResult, Tracker
from handlers.teams import cards
from handlers.teams.markup import person_ids
from handlers.teams.turns import read_turn, reference_json

BAD_DATE = "Pick the new date in the form (year-month-day)."


class CardActions:
    def __init__(self, tracker: Tracker, nudges: Nudges, conversations: Conversations) -> None:
        self.tracker = tracker
        self.nudges = nudges
        self.conversations = conversations

    async def done(self, context: TurnContext, _state: Any, data: dict[str, Any]) -> AdaptiveCardInvokeResponse:
        scope, actor, ref = await self._who(context, data)
        result = await asyncio.to_thread(self.tracker.mark_done, scope, ref, actor)
        return await self._changed(context, ref, actor, result)

    async def decide(self, context: TurnContext, _state: Any, data: dict[str, Any]) -> AdaptiveCardInvokeResponse:
        scope, actor, ref = await self._who(context, data)
        result = await asyncio.to_thread(self.tracker.decide, scope, ref, actor, str(data.get("outcome") or ""))
        return await self._changed(context, ref, actor, result)

    async def reschedule(self, context: TurnContext, _state: Any, data: dict[str, Any]) -> AdaptiveCardInvokeResponse:
        scope, actor, ref = await self._who(context, data)
        try:
            new_due = date.fromisoformat(str(data.get("due") or ""))
        except ValueError:
            return await self._redraw(context, ref, actor, BAD_DATE)
        result = await asyncio.to_thread(self.tracker.reschedule, scope, ref, actor, new_due)
        return await self._changed(context, ref, actor, result)

    async def snooze(self, context: TurnContext, _state: Any, data: dict[str, Any]) -> AdaptiveCardInvokeResponse:
        scope, actor, ref = await self._who(context, data)
        until = self.tracker.today_for(actor) + timedelta(days=int(data.get("days") or 1))
        answer = await asyncio.to_thread(self.nudges.snooze, scope, ref, actor, until)
        if answer.outcome != SnoozeOutcome.DONE or answer.resumes_at is None:
            return await self._redraw(context, ref, actor, owner_refusal(ref, answer))
        note = say.NUDGE_SNOOZED_NOTE.format(until=say.moment_text(answer.resumes_at, actor.tz))
        return await self._redraw(context, ref, actor, note)

    async def complete(self, context: TurnContext, _state: Any, data: dict[str, Any]) -> AdaptiveCardInvokeResponse:
        """The refusal form, filled in: store the item from the draft and the fields entered."""
        turn = read_turn(context.activity)
        scope, author = turn.scope, await self._person(context)
        draft = await asyncio.to_thread(self.tracker.draft, scope, int(data.get("draft") or 0))
        if draft is None:
            return factory.adaptive_card(cards.note_card(say.DRAFT_GONE))
        try:
            due_on: date | None = date.fromisoformat(str(data.get("due") or ""))
        except ValueError:
            due_on = None
        result = await asyncio.to_thread(
            self.tracker.complete, scope, author=author, channel_id=draft.channel_id,
            title=str(data.get("title") or draft.title), owner_id=str(data.get("owner") or "") or None,
            due_on=due_on, tag=draft.tag, source_key=f"teams-form:{draft.id}", draft_id=draft.id, kind=draft.kind,
        )  # fmt: skip
        today = self.tracker.today_for(author)
        if isinstance(result, Captured):
            names = await self._names(context, [result.item.owner_id])
            headline = f"{say.NOUN[draft.kind].capitalize()} recorded."
            return factory.adaptive_card(cards.item_card(result.item, today, names, headline=headline))
        names = await self._names(context, [result.understood.owner_id or ""])
        members = [(user_id, name) for user_id, name in names.items()]
        members += [(author.user_id, author.display_name or author.user_id)]
        form = cards.refusal_card(
            result.understood, kind=draft.kind, draft_id=draft.id or 0, today=today, names=names, members=members
        )
        return factory.adaptive_card(form)

    # Shared

    async def _who(self, context: TurnContext, data: dict[str, Any]) -> tuple[Any, Person, Ref]:
        ref = parse_ref(str(data.get("ref") or ""))
        if ref is None:  # our own cards carry refs; anything else is not from us
            raise ValueError(f"not an item reference: {data.get('ref')!r}")
        return read_turn(context.activity).scope, await self._person(context), ref

    async def _person(self, context: TurnContext) -> Person:
        """The clicker as stored (a click carries no zone), or as the click names them."""
        turn = read_turn(context.activity)
        known = await asyncio.to_thread(self.tracker.cached_person, turn.scope, turn.person.user_id)
        if turn.personal:  # a click in the 1:1 chat keeps that chat reachable, as a message would
            await asyncio.to_thread(
                self.conversations.remember, turn.scope, turn.conversation_id, reference_json(context.activity),
                user_id=turn.person.user_id, aad_object_id=turn.aad_object_id,
            )  # fmt: skip
        return known[0] if known is not None else turn.person

    async def _changed(
        self, context: TurnContext, ref: Ref, actor: Person, result: ChangeResult
    ) -> AdaptiveCardInvokeResponse:
        today = self.tracker.today_for(actor)
        answer = change_answer(result, ref, actor, today)
        if result.item is None:
            return factory.adaptive_card(cards.note_card(answer))
        return await self._card(context, result.item, today, answer)

    async def _redraw(self, context: TurnContext, ref: Ref, actor: Person, note: str) -> AdaptiveCardInvokeResponse:
        scope = read_turn(context.activity).scope
        item = await asyncio.to_thread(self.tracker.item, scope, ref)
        if item is None:
            return factory.adaptive_card(cards.note_card(say.not_found(ref)))
        return await self._card(context, item, self.tracker.today_for(actor), note)

    async def _card(self, context: TurnContext, item: ActionItem, today: date, note: str) -> AdaptiveCardInvokeResponse:
        names = await self._names(context, [item.owner_id, *person_ids(note)])
        return factory.adaptive_card(cards.item_card(item, today, names, headline=note))

    async def _names(self, context: TurnContext, user_ids: list[str]) -> dict[str, str]:
        scope = read_turn(context.activity).scope
        found = await asyncio.to_thread(self.tracker.cached_people, scope, [u for u in user_ids if u])
        return {user_id: person.display_name or user_id for user_id, (person, _) in found.items()}
