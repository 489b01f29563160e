"""Posting outbox messages to Slack: once, paced, and with Slack's errors sorted into
"try again later" and "never".

Each post carries message metadata naming its outbox key and page. A row retried after a crash
(claimed, posted, but the worker died before recording it) first looks for its own metadata in
the conversation's recent history and skips the pages already there, so a crash never shows a
message twice (https://api.slack.com/metadata/using).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.outbox import DeliveryFailed

Page = tuple[list[dict[str, Any]], str]
METADATA_EVENT = "tanto_outbox"
# Slack allows about one message per second per channel (https://api.slack.com/methods/chat.postMessage#rate_limiting).
PACE_SECONDS = 1.0
NETWORK_RETRY_SECONDS = 2.0
# How far back a retry looks for its own earlier posts.
HISTORY_LIMIT = 100

# Errors after which trying again cannot help (https://api.slack.com/methods/chat.postMessage#errors).
FINAL_ERRORS = {
    "channel_not_found", "not_in_channel", "is_archived", "msg_too_long", "no_text", "invalid_blocks",
    "restricted_action", "account_inactive", "token_revoked", "invalid_auth", "not_authed", "expired_url",
    "used_url", "user_not_found", "cannot_dm_bot",
}  # fmt: skip


class Poster:
    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self._last_post: dict[str, float] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def post(
        self, channel: str, pages: Sequence[Page], *, key: str, retried: bool, thread_ts: str | None = None
    ) -> str | None:
        """Post the pages in order; the ts of the first. `retried` rows first skip what is already there."""
        already = await self._posted_pages(channel, key, thread_ts) if retried else {}
        first: str | None = already.get(0)
        for number, (blocks, fallback) in enumerate(pages):
            if number in already:
                continue
            ts = await self._post_one(channel, blocks, fallback, key=key, page=number, thread_ts=thread_ts)
            first = first or ts
        return first

    async def _post_one(
        self, channel: str, blocks: list[dict[str, Any]], fallback: str, *, key: str, page: int, thread_ts: str | None
    ) -> str:
        async with self._locks.setdefault(channel, asyncio.Lock()):
            wait = self._last_post.get(channel, 0.0) + PACE_SECONDS - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                response = await self.client.chat_postMessage(
                    channel=channel,
                    blocks=blocks,
                    text=fallback,
                    thread_ts=thread_ts,
                    metadata={"event_type": METADATA_EVENT, "event_payload": {"key": key, "page": page}},
                )
            except SlackApiError as error:
                raise failure(error) from error
            except (aiohttp.ClientError, TimeoutError) as error:
                # The post may or may not have arrived: the retry looks before posting again.
                raise DeliveryFailed(f"network: {error!r}", retry_after=NETWORK_RETRY_SECONDS) from error
            finally:
                self._last_post[channel] = time.monotonic()
        return str(response.get("ts"))

    async def _posted_pages(self, channel: str, key: str, thread_ts: str | None) -> dict[int, str]:
        """Pages of `key` already in the conversation (or the thread): page number → ts."""
        try:
            if channel[:1] in "UW":  # a DM is addressed by user id; its history by the DM's id
                opened = await self.client.conversations_open(users=channel)
                channel = opened["channel"]["id"]
            if thread_ts:  # replies are not in the channel's history
                history = await self.client.conversations_replies(
                    channel=channel, ts=thread_ts, limit=HISTORY_LIMIT, include_all_metadata=True
                )
            else:
                history = await self.client.conversations_history(
                    channel=channel, limit=HISTORY_LIMIT, include_all_metadata=True
                )
        except SlackApiError as error:
            raise failure(error) from error
        except (aiohttp.ClientError, TimeoutError) as error:
            raise DeliveryFailed(f"network: {error!r}", retry_after=NETWORK_RETRY_SECONDS) from error
        found: dict[int, str] = {}
        for message in history.get("messages") or []:
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if metadata.get("event_type") == METADATA_EVENT and payload.get("key") == key:
                found[int(payload.get("page", 0))] = str(message["ts"])
        return found


def failure(error: SlackApiError) -> DeliveryFailed:
    """Slack's refusal as a DeliveryFailed: with a retry delay unless retrying cannot help."""
    code = str(error.response.get("error", ""))
    if error.response.status_code == 429:
        return DeliveryFailed("ratelimited", retry_after=retry_after(error.response.headers), rate_limited=True)
    return DeliveryFailed(code, retry_after=None if code in FINAL_ERRORS else 10)


def retry_after(headers: Any) -> float:
    for name in ("Retry-After", "retry-after"):
        value = headers.get(name) if headers else None
        if value:
            try:
                return float(value[0] if isinstance(value, list) else value)
            except ValueError:
                break
    return 30.0
