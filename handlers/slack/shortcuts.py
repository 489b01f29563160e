"""The message shortcut "Make an action item": a form prefilled from the message."""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.async_app import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.intake import read_capture
from bot.model import SavedDraft
from handlers.slack import blocks
from handlers.slack.mentions import find_mentions, normalise
from handlers.slack.runtime import Runtime, scope_of


class Shortcuts:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.tracker = runtime.tracker

    async def message_to_action(
        self, ack: AsyncAck, shortcut: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        await ack()
        scope = scope_of(context)
        author = await self.runtime.person(context, client)
        message = shortcut.get("message") or {}
        channel_id = (shortcut.get("channel") or {}).get("id") or ""
        text = normalise(message.get("text") or "")
        today = self.tracker.today_for(author)
        # Read the message like a command, so an owner or date it names is prefilled.
        understood = read_capture(
            text, mentions=find_mentions(text), author_id=author.user_id, today=today, locale=author.locale
        )
        link = permalink(shortcut, channel_id, message.get("ts") or "")
        draft = SavedDraft(
            author_id=author.user_id,
            channel_id=channel_id,
            text=text,
            title=understood.title or text,
            owner_id=understood.owner_id,
            due_on=understood.due_on,
            tag=understood.tag,
            source_link=link,
        )
        draft_id = await asyncio.to_thread(self.tracker.save_draft, scope, draft)
        view = blocks.capture_form(
            draft,
            metadata={
                "draft": draft_id,
                "channel": channel_id,
                "reply": shortcut.get("response_url"),
                "link": link,
            },
            today=today,
        )
        await client.views_open(trigger_id=shortcut["trigger_id"], view=view)


def permalink(shortcut: dict[str, Any], channel_id: str, ts: str) -> str | None:
    """The message's permalink, built from its documented form instead of a chat.getPermalink
    round trip, which would eat into the 3 seconds the trigger id lives."""
    domain = (shortcut.get("team") or {}).get("domain")
    if not (domain and channel_id and ts):
        return None
    return f"https://{domain}.slack.com/archives/{channel_id}/p{ts.replace('.', '')}"
