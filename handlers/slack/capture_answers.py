"""Answering a captured `/action` through its response URL, once the inbox has worked it.

What the user sees is what the acknowledgement used to carry: the item card in the channel, a
note and the card (only to them) for a repeat, or what is missing and the form button.
"""

from __future__ import annotations

import asyncio
from typing import Any

from bot import messages as say
from bot.inbox import CAPTURE_ANSWER, understood_from
from bot.model import ItemKind, OutboxEntry, parse_ref
from bot.outbox import DeliveryFailed
from bot.tracker import Tracker
from handlers.slack import blocks

Blocks = list[dict[str, Any]]


async def compose(tracker: Tracker, entry: OutboxEntry) -> dict[str, Any]:
    """The response-URL body for a capture answer or, after repeated failures, an apology."""
    data = entry.message.data
    if entry.message.kind != CAPTURE_ANSWER:
        note = say.CAPTURE_FAILED.format(text=data["text"])
        return {"response_type": "ephemeral", "text": note, "blocks": [blocks.section(note)]}
    kind = ItemKind(str(data["kind"]))
    author = await asyncio.to_thread(tracker.cached_person, entry.scope, str(data["author"]))
    today = tracker.today_for(author[0]) if author else entry.message.due_at.date()
    if "draft" in data:
        message, fallback = blocks.refusal(understood_from(data["understood"]), int(data["draft"]), today, kind)
        return {"response_type": "ephemeral", "text": fallback, "blocks": message}
    ref = parse_ref(str(data["item"]))
    item = await asyncio.to_thread(tracker.item, entry.scope, ref) if ref else None
    if item is None:
        raise DeliveryFailed(f"item {data['item']} no longer exists")
    card, fallback = blocks.item_card(item, today)
    if data.get("duplicate"):
        note = say.DUPLICATE.format(ref=item.ref)
        return {"response_type": "ephemeral", "text": note, "blocks": [blocks.section(note), *card]}
    return {"response_type": "in_channel", "text": fallback, "blocks": card}
