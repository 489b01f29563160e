"""Who is asking: the user's timezone, locale and admin rights, from a cache in our database.

Slack sends only a user id with each request; `users.info` tells the rest. It is called the
first time we meet a user and then at most once a day in the background, never on every
command (users.info is rate-limited, and a slash command must be answered within 3 seconds).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Coroutine
from datetime import date, datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.clock import zone
from bot.model import Person, Scope
from bot.tracker import Tracker

log = logging.getLogger(__name__)

# The first lookup of a never-seen user must still leave time to answer within Slack's 3 s.
FIRST_LOOKUP_TIMEOUT = 1.5
# A Slack status that says "away": these emoji, or these words in its text (our users' languages).
AWAY_EMOJI = (":palm_tree:", ":airplane:")
AWAY_WORDS = re.compile(
    r"\b(?:vacation|holidays?|out of (?:the )?office|ooo|leave|vakantie|semester|izin|tatil)\b|休暇", re.IGNORECASE
)


class Directory:
    def __init__(self, tracker: Tracker, spawn: Callable[[Coroutine[Any, Any, Any]], None]) -> None:
        self.tracker = tracker
        self.spawn = spawn

    async def person(self, scope: Scope, user_id: str, client: AsyncWebClient) -> Person:
        cached = await asyncio.to_thread(self.tracker.cached_person, scope, user_id)
        if cached is not None:
            person, stale = cached
            if stale:
                self.spawn(self._refresh_quietly(scope, user_id, client))
            return person
        return await self._first_lookup(scope, user_id, client)

    async def people(self, scope: Scope, user_ids: list[str], client: AsyncWebClient | None) -> dict[str, Person]:
        """Several profiles: one read for those cached, Slack (concurrently) for the rest; without
        a client, the never-seen get UTC."""
        cached = await asyncio.to_thread(self.tracker.cached_people, scope, user_ids)
        found: dict[str, Person] = {}
        for user_id, (person, stale) in cached.items():
            found[user_id] = person
            if stale and client is not None:
                self.spawn(self._refresh_quietly(scope, user_id, client))
        missing = [user_id for user_id in user_ids if user_id not in cached]
        if client is None:
            return found | {user_id: Person(user_id) for user_id in missing}
        looked_up = await asyncio.gather(*(self._first_lookup(scope, user_id, client) for user_id in missing))
        return found | dict(zip(missing, looked_up, strict=True))

    async def _first_lookup(self, scope: Scope, user_id: str, client: AsyncWebClient) -> Person:
        try:
            return await asyncio.wait_for(self.refresh(scope, user_id, client), FIRST_LOOKUP_TIMEOUT)
        except (TimeoutError, SlackApiError, OSError) as error:
            # Answer now with UTC rather than fail the command; the cache fills on the next try.
            log.warning("users.info for %s failed (%s); using UTC for now", user_id, error)
            if isinstance(error, TimeoutError):  # slow, not wrong: let the answer arrive in the background
                self.spawn(self._refresh_quietly(scope, user_id, client))
            return Person(user_id=user_id)

    async def _refresh_quietly(self, scope: Scope, user_id: str, client: AsyncWebClient) -> None:
        try:
            await self.refresh(scope, user_id, client)
        except (SlackApiError, OSError) as error:
            log.warning("users.info for %s failed again (%s)", user_id, error)

    async def refresh(self, scope: Scope, user_id: str, client: AsyncWebClient) -> Person:
        response = await client.users_info(user=user_id, include_locale=True)
        user: dict[str, Any] = response["user"]
        tz = user.get("tz") or "UTC"
        person = Person(
            user_id=user_id,
            tz=tz,
            locale=user.get("locale"),
            is_admin=bool(user.get("is_admin") or user.get("is_owner")),
            display_name=(user.get("profile") or {}).get("display_name") or user.get("real_name") or user.get("name"),
            status_away_until=status_away_until(user.get("profile") or {}, tz),
        )
        await asyncio.to_thread(self.tracker.remember_person, scope, person)
        return person


def status_away_until(profile: dict[str, Any], tz: str) -> date | None:
    """The first day back of someone whose Slack status says they are away, in their zone.

    Only a status that expires counts: "On vacation" without an end could be months old, and
    would silence their reminders for good; with an end, they are back the day after it.
    """
    expiration = int(profile.get("status_expiration") or 0)
    emoji = profile.get("status_emoji") or ""
    away = emoji in AWAY_EMOJI or AWAY_WORDS.search(profile.get("status_text") or "") is not None
    if not away or expiration <= 0:
        return None
    return datetime.fromtimestamp(expiration, zone(tz)).date() + timedelta(days=1)
