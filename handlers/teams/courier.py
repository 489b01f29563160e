"""Delivering outbox rows to Teams: nudges, escalations, agendas, check-ins and minutes.

Teams only lets a bot write outside a request through a conversation reference, so the target's
address (a conversation id, or a person's id for their 1:1 chat) is looked up in the references
stored from earlier messages, and the card is sent with the SDK's proactive `continue_conversation`.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime

import aiohttp
from microsoft_agents.activity import ConversationReference
from microsoft_agents.hosting.core import CardFactory, ClaimsIdentity, MessageFactory, TurnContext
from microsoft_agents.hosting.core.channel_service_adapter import ChannelServiceAdapter

from bot.clock import Clock
from bot.conversations import Conversations
from bot.model import OutboxEntry, Scope, parse_ref
from bot.nudges import ESCALATION, NUDGE, Nudges
from bot.outbox import DeliveryFailed
from bot.session_desk import moment
from bot.sessions import AGENDA, CHECKIN, MINUTES, Occasion, Sessions
from bot.tracker import Tracker
from handlers.teams import delivery_cards
from handlers.teams.cards import Card, Names

FINAL_STATUSES = (400, 401, 403, 404, 410)
NO_CHAT_RETRY = 3600.0


class TeamsCourier:
    def __init__(
        self, adapter: ChannelServiceAdapter, app_id: str | None, tracker: Tracker, nudges: Nudges, sessions: Sessions,
        conversations: Conversations, clock: Clock,
    ) -> None:  # fmt: skip
        self.adapter = adapter
        self.app_id = app_id  # None: no credentials, local use (replies go out unauthenticated)
        self.tracker = tracker
        self.nudges = nudges
        self.sessions = sessions
        self.conversations = conversations
        self.clock = clock

    async def deliver(self, entry: OutboxEntry) -> str | None:
        message = entry.message
        address = message.target.partition(":")[2]
        reference = await asyncio.to_thread(self.conversations.reference, entry.scope, address)
        if reference is None:
            # Teams lets a bot open a person's 1:1 chat only once they have the app: tried again
            # for the outbox's day (every few minutes at most), in case they add it meanwhile.
            raise DeliveryFailed(f"{address} has no chat with Tanto in Teams yet", retry_after=NO_CHAT_RETRY)
        return await self.send(ConversationReference.model_validate(json.loads(reference)), await self.card(entry))

    async def card(self, entry: OutboxEntry) -> Card:
        """The card for the entry, from the current state; DeliveryFailed when it no longer applies."""
        message, scope = entry.message, entry.scope
        if message.kind == NUDGE:
            nudge = await asyncio.to_thread(self.nudges.message, scope, message.key, str(message.data["owner"]))
            if nudge is None:
                raise DeliveryFailed("every item in this nudge was closed, snoozed or muted meanwhile")
            return delivery_cards.nudge_card(
                nudge, await self.names(scope, [line.item.owner_id for line in nudge.lines])
            )
        if message.kind == ESCALATION:
            ref = parse_ref(str(message.data["item"]))
            escalation = await asyncio.to_thread(self.nudges.escalation, scope, ref) if ref else None
            if escalation is None:
                raise DeliveryFailed(f"{message.data['item']} is no longer overdue and open; no escalation")
            working = await asyncio.to_thread(self.nudges.working_time, scope, escalation.item.owner_id)
            names = await self.names(scope, [escalation.item.owner_id, escalation.session_owner_id or ""])
            return delivery_cards.escalation_card(escalation, working.today(self.clock.now()), names)
        if message.kind not in (AGENDA, CHECKIN, MINUTES):
            raise DeliveryFailed(f"Teams does not deliver {message.kind} messages")
        occasion = Occasion(str(message.data["channel"]), datetime.fromisoformat(str(message.data["starts_at"])))
        if message.kind == MINUTES:
            minutes = await asyncio.to_thread(self.sessions.minutes, scope, occasion)
            actors = [
                change.actor_id for part in (minutes.decided, minutes.created, minutes.completed) for change, _ in part
            ]
            return delivery_cards.minutes_card(minutes, await self.names(scope, actors))
        if message.kind == AGENDA and not message.data.get("on_request") and self.clock.now() >= occasion.starts_at:
            raise DeliveryFailed("the session has already started; its agenda is no longer useful")
        agenda = await asyncio.to_thread(self.sessions.agenda, scope, occasion)
        if agenda is None:
            raise DeliveryFailed("the conversation no longer has a session")
        owners = [entry.item.owner_id for entry in agenda.open_entries()]
        names = await self.names(scope, owners)
        if message.kind == AGENDA:
            title = f"Account plan session — {moment(occasion.starts_at)} ({occasion.starts_at.tzinfo})"
            return delivery_cards.agenda_card(agenda, title, names)
        owner = str(message.data["owner"])
        entries = agenda.open_entries(owner)
        if not entries:
            raise DeliveryFailed(f"nothing left to check in about for {owner}")
        return delivery_cards.checkin_card(owner, entries, occasion.starts_at, agenda.today, names)

    async def send(self, reference: ConversationReference, card: Card) -> str | None:
        sent: list[str | None] = []

        async def post(context: TurnContext) -> None:
            response = await context.send_activity(MessageFactory.attachment(CardFactory.adaptive_card(card)))
            sent.append(response.id if response else None)

        continuation = reference.get_continuation_activity()
        try:
            if self.app_id:
                await self.adapter.continue_conversation(self.app_id, continuation, post)
            else:  # empty claims: the SDK's anonymous path, for local use without credentials
                await self.adapter.continue_conversation_with_claims(ClaimsIdentity({}), continuation, post)
        except aiohttp.ClientResponseError as error:
            if error.status == 429:
                raise DeliveryFailed("throttled", retry_after=_retry_after(error), rate_limited=True) from error
            final = error.status in FINAL_STATUSES
            raise DeliveryFailed(f"Teams answered {error.status}", retry_after=None if final else 10) from error
        except (aiohttp.ClientError, TimeoutError) as error:
            raise DeliveryFailed(f"Teams could not be reached: {error!r}", retry_after=10) from error
        return sent[0] if sent else None

    async def names(self, scope: Scope, user_ids: list[str]) -> Names:
        found = await asyncio.to_thread(self.tracker.cached_people, scope, [u for u in dict.fromkeys(user_ids) if u])
        return {user_id: person.display_name or user_id for user_id, (person, _) in found.items()}


def _retry_after(error: aiohttp.ClientResponseError) -> float:
    try:
        return max(1.0, float((error.headers or {}).get("Retry-After", 1)))
    except ValueError:
        return 5.0
