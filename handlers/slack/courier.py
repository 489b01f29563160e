"""Delivering outbox rows to Slack: render the current state of the item, then send it.

Targets are strings: `channel:C123` posts with chat.postMessage; `reply:<response_url>` posts
through a response URL, which reaches any conversation the user acted in (private channels and
DMs included) without the bot being a member.
"""

from __future__ import annotations

import asyncio
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.model import OutboxEntry, parse_ref
from bot.outbox import DeliveryFailed
from bot.tracker import Tracker
from handlers.slack import blocks

POSTED = "item_posted"
CARD = "item_card"

# Errors after which trying again cannot help (https://api.slack.com/methods/chat.postMessage#errors).
_FINAL_ERRORS = {
    "channel_not_found", "not_in_channel", "is_archived", "msg_too_long", "no_text", "invalid_blocks",
    "restricted_action", "account_inactive", "token_revoked", "invalid_auth", "not_authed", "expired_url",
    "used_url", "user_not_found",
}  # fmt: skip


def reply_target(response_url: str) -> str:
    return f"reply:{response_url}"


def channel_target(channel_id: str) -> str:
    return f"channel:{channel_id}"


class SlackCourier:
    def __init__(self, tracker: Tracker, client: AsyncWebClient) -> None:
        self.tracker = tracker
        self.client = client

    async def deliver(self, entry: OutboxEntry) -> str | None:
        message = entry.message
        ref = parse_ref(str(message.data["item"]))
        item = await asyncio.to_thread(self.tracker.item, entry.scope, ref) if ref else None
        if item is None:
            raise DeliveryFailed(f"item {message.data['item']} no longer exists")
        owner = await asyncio.to_thread(self.tracker.cached_person, entry.scope, item.owner_id)
        today = self.tracker.today_for(owner[0]) if owner else item.created_at.date()
        card, fallback = blocks.item_card(item, today)
        kind, _, address = message.target.partition(":")
        if kind == "channel":
            return await self._post(address, card, fallback)
        if kind == "reply":
            replace = message.kind == CARD
            await self._reply(address, card, fallback, replace=replace)
            if message.kind == POSTED and message.data.get("dismiss"):
                # The refusal this replaces was only visible to its author; remove it quietly.
                await self._reply(address, None, "", delete=True, best_effort=True)
            return None
        raise DeliveryFailed(f"unknown target {message.target!r}")

    async def _post(self, channel: str, card: list[dict[str, Any]], fallback: str) -> str | None:
        try:
            response = await self.client.chat_postMessage(channel=channel, blocks=card, text=fallback)
        except SlackApiError as error:
            code = error.response.get("error", "")
            if error.response.status_code == 429:
                raise DeliveryFailed("ratelimited", retry_after=_retry_after(error.response.headers)) from error
            raise DeliveryFailed(code, retry_after=None if code in _FINAL_ERRORS else 10) from error
        return str(response.get("ts"))

    async def _reply(
        self, url: str, card: list[dict[str, Any]] | None, fallback: str, *, replace: bool = False,
        delete: bool = False, best_effort: bool = False,
    ) -> None:  # fmt: skip
        webhook = AsyncWebhookClient(url)
        if delete:
            body: dict[str, Any] = {"delete_original": True}
        else:
            body = {"blocks": card, "text": fallback, "replace_original": replace}
            if not replace:
                body["response_type"] = "in_channel"
        response = await webhook.send_dict(body)
        if response.status_code == 200 or best_effort:
            return
        if response.status_code == 429:
            raise DeliveryFailed("ratelimited", retry_after=_retry_after(response.headers))
        final = response.status_code in (400, 403, 404, 410) or response.body in _FINAL_ERRORS
        raise DeliveryFailed(
            f"response_url answered {response.status_code} {response.body}", retry_after=None if final else 10
        )


def _retry_after(headers: Any) -> float:
    for name in ("Retry-After", "retry-after"):
        value = headers.get(name) if headers else None
        if value:
            try:
                return float(value[0] if isinstance(value, list) else value)
            except ValueError:
                break
    return 30.0
