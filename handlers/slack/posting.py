"""Posting outbox messages to Slack: once, paced, and with Slack's errors sorted into
"try again later" and "never".

Each post carries message metadata naming its outbox key and page. A row retried after a crash
(claimed, posted, but the worker died before recording it) first looks for its own metadata in
the conversation's recent history and skips the pages already there, so a crash never shows a
message twice (https://api.slack.com/metadata/using).

Each post speaks for the workspace its row belongs to, with that workspace's token; a workspace
that no longer has Tanto installed gets nothing, and its rows are given up at once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackTokenRotationError
from slack_sdk.web.async_client import AsyncWebClient

from bot.clock import Clock
from bot.model import Scope
from bot.outbox import DeliveryFailed
from handlers.slack.workspace_clients import NotInstalled, WorkspaceClients

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
    """Posts for every workspace; paced per conversation, and held per workspace after a 429.

    The outbox sends to several conversations at once. When Slack answers one of them with 429,
    the workspace's other sends wait out the same Retry-After instead of each meeting its own
    429 (Slack's limits on chat.postMessage are per workspace as well as per channel). The hold
    is kept on the outbox's clock, the one that also makes the refused row due again.
    """

    def __init__(self, clients: WorkspaceClients, clock: Clock) -> None:
        self.clients = clients
        self.clock = clock
        self._last_post: dict[str, float] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._held_until: dict[Scope, datetime] = {}

    async def post(
        self,
        scope: Scope,
        channel: str,
        pages: Sequence[Page],
        *,
        key: str,
        retried: bool,
        thread_ts: str | None = None,
    ) -> str | None:
        """Post the pages in order, in the workspace `scope`; the ts of the first. `retried` rows
        first skip what is already there."""
        client = await self._client_for(scope)
        already = await self._posted_pages(client, channel, key, thread_ts) if retried else {}
        first: str | None = already.get(0)
        for number, (blocks, fallback) in enumerate(pages):
            if number in already:
                continue
            ts = await self._post_one(
                scope, client, channel, blocks, fallback, key=key, page=number, thread_ts=thread_ts
            )
            first = first or ts
        return first

    async def _client_for(self, scope: Scope) -> AsyncWebClient:
        try:
            return await self.clients.client_for(scope)
        except NotInstalled as error:
            raise DeliveryFailed(str(error)) from error
        except SlackTokenRotationError as error:
            # Another request may have refreshed the token first; the retry reads the new one.
            code = str(error.api_error.response.get("error", ""))
            raise DeliveryFailed(f"token refresh refused: {code}", retry_after=10) from error
        except (aiohttp.ClientError, TimeoutError) as error:
            raise DeliveryFailed(f"network: {error!r}", retry_after=NETWORK_RETRY_SECONDS) from error

    async def _post_one(
        self,
        scope: Scope,
        client: AsyncWebClient,
        channel: str,
        blocks: list[dict[str, Any]],
        fallback: str,
        *,
        key: str,
        page: int,
        thread_ts: str | None,
    ) -> str:
        async with self._locks.setdefault(channel, asyncio.Lock()):
            wait = self._last_post.get(channel, 0.0) + PACE_SECONDS - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            await self._wait_out_hold(scope)
            try:
                response = await client.chat_postMessage(
                    channel=channel,
                    blocks=blocks,
                    text=fallback,
                    thread_ts=thread_ts,
                    metadata={"event_type": METADATA_EVENT, "event_payload": {"key": key, "page": page}},
                )
            except SlackApiError as error:
                refused = failure(error)
                if refused.rate_limited and refused.retry_after is not None:
                    until = self.clock.now() + timedelta(seconds=refused.retry_after)
                    self._held_until[scope] = max(self._held_until.get(scope, until), until)
                raise refused from error
            except (aiohttp.ClientError, TimeoutError) as error:
                # The post may or may not have arrived: the retry looks before posting again.
                raise DeliveryFailed(f"network: {error!r}", retry_after=NETWORK_RETRY_SECONDS) from error
            finally:
                self._last_post[channel] = time.monotonic()
        return str(response.get("ts"))

    async def _wait_out_hold(self, scope: Scope) -> None:
        """Sleep until the workspace's hold ends; again only if another 429 extended it meanwhile."""
        while (until := self._held_until.get(scope)) is not None:
            held = (until - self.clock.now()).total_seconds()
            if held <= 0:
                return
            await asyncio.sleep(held)
            if self._held_until.get(scope) == until:
                return

    async def _posted_pages(
        self, client: AsyncWebClient, channel: str, key: str, thread_ts: str | None
    ) -> dict[int, str]:
        """Pages of `key` already in the conversation (or the thread): page number → ts."""
        try:
            if channel[:1] in "UW":  # a DM is addressed by user id; its history by the DM's id
                opened = await client.conversations_open(users=channel)
                channel = opened["channel"]["id"]
            if thread_ts:  # replies are not in the channel's history
                history = await client.conversations_replies(
                    channel=channel, ts=thread_ts, limit=HISTORY_LIMIT, include_all_metadata=True
                )
            else:
                history = await client.conversations_history(
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
