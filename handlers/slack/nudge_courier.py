"""Delivering nudges: the owner's DM and the escalation in the channel, composed at send time
from the current state, so a late message never mentions an item that was closed meanwhile."""

from __future__ import annotations

import asyncio

from bot.model import OutboxEntry, parse_ref
from bot.nudges import NUDGE, Nudges
from bot.outbox import DeliveryFailed
from handlers.slack.nudge_blocks import escalation_message, nudge_message
from handlers.slack.posting import Poster


class NudgeCourier:
    def __init__(self, nudges: Nudges, poster: Poster) -> None:
        self.nudges = nudges
        self.poster = poster

    async def deliver(self, entry: OutboxEntry) -> str | None:
        message = entry.message
        address = message.target.partition(":")[2]
        retried = entry.attempts > 1
        if message.kind == NUDGE:
            nudge = await asyncio.to_thread(self.nudges.message, entry.scope, message.key, str(message.data["owner"]))
            if nudge is None:
                raise DeliveryFailed("every item in this nudge was closed, snoozed or muted meanwhile")
            return await self.poster.post(
                entry.scope, address, [nudge_message(nudge)], key=message.key, retried=retried
            )
        ref = parse_ref(str(message.data["item"]))
        escalation = await asyncio.to_thread(self.nudges.escalation, entry.scope, ref) if ref else None
        if escalation is None:
            raise DeliveryFailed(f"{message.data['item']} is no longer overdue and open; no escalation")
        today = await asyncio.to_thread(self.nudges.working_time, entry.scope, escalation.item.owner_id)
        page = escalation_message(escalation, today.today(self.nudges.clock.now()))
        return await self.poster.post(entry.scope, address, [page], key=message.key, retried=retried)
