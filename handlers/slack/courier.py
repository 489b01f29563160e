"""Delivering outbox rows to Slack: render the current state of the item, then send it.

Targets are strings: `channel:C123` posts with chat.postMessage; `reply:<response_url>` posts
through a response URL, which reaches any conversation the user acted in (private channels and
DMs included) without the bot being a member.
"""

from __future__ import annotations

import asyncio
from typing import Any

from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.inbox import CAPTURE_KINDS
from bot.model import OutboxEntry, parse_ref
from bot.nudges import NUDGE_KINDS
from bot.outbox import DeliveryFailed
from bot.sessions import SESSION_KINDS
from bot.tracker import Tracker
from handlers.slack import blocks, capture_answers
from handlers.slack.nudge_courier import NudgeCourier
from handlers.slack.posting import FINAL_ERRORS, Poster, retry_after
from handlers.slack.session_courier import SessionCourier

POSTED = "item_posted"
CARD = "item_card"


def reply_target(response_url: str) -> str:
    return f"reply:{response_url}"


def channel_target(channel_id: str) -> str:
    return f"channel:{channel_id}"


class SlackCourier:
    """Delivers every kind of outbox row: item cards here, session messages by `SessionCourier`,
    nudges by `NudgeCourier`."""

    def __init__(self, tracker: Tracker, sessions: SessionCourier, nudges: NudgeCourier, poster: Poster) -> None:
        self.tracker = tracker
        self.sessions = sessions
        self.nudges = nudges
        self.poster = poster

    async def deliver(self, entry: OutboxEntry) -> str | None:
        if entry.message.kind in SESSION_KINDS:
            return await self.sessions.deliver(entry)
        if entry.message.kind in NUDGE_KINDS:
            return await self.nudges.deliver(entry)
        message = entry.message
        if message.kind in CAPTURE_KINDS:
            body = await capture_answers.compose(self.tracker, entry)
            await self._send_reply(message.target.removeprefix("reply:"), body)
            return None
        ref = parse_ref(str(message.data["item"]))
        item = await asyncio.to_thread(self.tracker.item, entry.scope, ref) if ref else None
        if item is None:
            raise DeliveryFailed(f"item {message.data['item']} no longer exists")
        owner = await asyncio.to_thread(self.tracker.cached_person, entry.scope, item.owner_id)
        today = self.tracker.today_for(owner[0]) if owner else item.created_at.date()
        card, fallback = blocks.item_card(item, today)
        kind, _, address = message.target.partition(":")
        if kind == "channel":
            return await self.poster.post(
                entry.scope, address, [(card, fallback)], key=message.key, retried=entry.attempts > 1
            )
        if kind == "reply":
            replace = message.kind == CARD
            await self._reply(address, card, fallback, replace=replace)
            if message.kind == POSTED and message.data.get("dismiss"):
                # The refusal this replaces was only visible to its author; remove it quietly.
                await self._reply(address, None, "", delete=True, best_effort=True)
            return None
        raise DeliveryFailed(f"unknown target {message.target!r}")

    async def _reply(
        self, url: str, card: list[dict[str, Any]] | None, fallback: str, *, replace: bool = False,
        delete: bool = False, best_effort: bool = False,
    ) -> None:  # fmt: skip
        if delete:
            body: dict[str, Any] = {"delete_original": True}
        else:
            body = {"blocks": card, "text": fallback, "replace_original": replace}
            if not replace:
                body["response_type"] = "in_channel"
        await self._send_reply(url, body, best_effort=best_effort)

    async def _send_reply(self, url: str, body: dict[str, Any], *, best_effort: bool = False) -> None:
        response = await AsyncWebhookClient(url).send_dict(body)
        if response.status_code == 200 or best_effort:
            return
        if response.status_code == 429:
            raise DeliveryFailed("ratelimited", retry_after=retry_after(response.headers))
        final = response.status_code in (400, 403, 404, 410) or response.body in FINAL_ERRORS
        raise DeliveryFailed(
            f"response_url answered {response.status_code} {response.body}", retry_after=None if final else 10
        )
