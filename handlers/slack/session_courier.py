"""Delivering session messages: the agenda to the channel, check-ins to owners, minutes to the
agenda's thread. Each is composed at send time from the current state, so a late message (after
a rate limit or downtime) is never stale."""

from __future__ import annotations

import asyncio
from datetime import datetime

from bot.clock import Clock
from bot.model import OutboxEntry
from bot.outbox import DeliveryFailed
from bot.sessions import AGENDA, CHECKIN, Occasion, Sessions
from handlers.slack.agenda_blocks import agenda_messages, checkin_message
from handlers.slack.posting import Poster
from handlers.slack.session_blocks import agenda_title, minutes_messages


class SessionCourier:
    def __init__(self, sessions: Sessions, poster: Poster, clock: Clock) -> None:
        self.sessions = sessions
        self.poster = poster
        self.clock = clock

    async def deliver(self, entry: OutboxEntry) -> str | None:
        message = entry.message
        occasion = Occasion(str(message.data["channel"]), datetime.fromisoformat(str(message.data["starts_at"])))
        address = message.target.partition(":")[2]
        retried = entry.attempts > 1
        if message.kind == AGENDA:
            # After downtime, an agenda still goes out if the session has not started; later it would only confuse.
            if not message.data.get("on_request") and self.clock.now() >= occasion.starts_at:
                raise DeliveryFailed("the session has already started; its agenda is no longer useful")
            agenda = await asyncio.to_thread(self.sessions.agenda, entry.scope, occasion)
            if agenda is None:
                raise DeliveryFailed("the channel no longer has a session")
            pages = agenda_messages(agenda, title=agenda_title(occasion.starts_at))
            return await self.poster.post(entry.scope, address, pages, key=message.key, retried=retried)
        if message.kind == CHECKIN:
            agenda = await asyncio.to_thread(self.sessions.agenda, entry.scope, occasion)
            owner = str(message.data["owner"])
            entries = agenda.open_entries(owner) if agenda is not None else []
            if agenda is None or not entries:
                raise DeliveryFailed(f"nothing left to check in about for {owner}")
            page = checkin_message(owner, occasion.channel_id, occasion.starts_at, entries, today=agenda.today,
                                   token=occasion.key)  # fmt: skip
            return await self.poster.post(entry.scope, address, [page], key=message.key, retried=retried)
        minutes = await asyncio.to_thread(self.sessions.minutes, entry.scope, occasion)
        thread = await asyncio.to_thread(self.sessions.sent_message, entry.scope, AGENDA, occasion)
        pages = minutes_messages(minutes)
        return await self.poster.post(entry.scope, address, pages, key=message.key, retried=retried, thread_ts=thread)
