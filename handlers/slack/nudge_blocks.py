"""Block Kit for nudges: the owner's DM (one or many items, each with its buttons) and the
escalation posted in the item's channel."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from bot import messages as say
from bot.model import ActionItem, ItemKind
from bot.nudges import Escalation, NudgeLine, NudgeMessage
from handlers.slack import ids
from handlers.slack.blocks import MESSAGE_BLOCK_LIMIT, Block, button, context, section

Message = tuple[list[Block], str]

SNOOZE_CHOICES = (("1", "Snooze 1 day"), ("3", "Snooze 3 days"), ("date", "Snooze until a date…"))
# Each item takes two blocks; the heading and the footer take two more.
MOST_ITEMS = (MESSAGE_BLOCK_LIMIT - 2) // 2


def nudge_message(message: NudgeMessage) -> Message:
    """The owner's reminder: what is due or overdue, most urgent first, each with its buttons."""
    lines = sorted(message.lines, key=lambda line: line.item.due_on)
    overdue = sum(line.item.due_on < message.today for line in lines)
    heading = _heading(len(lines), overdue)
    blocks: list[Block] = [section(heading)]
    for line in lines[:MOST_ITEMS]:
        blocks.extend(nudge_rows(line, message.today))
    if len(lines) > MOST_ITEMS:
        blocks.append(context(f"…and {len(lines) - MOST_ITEMS} more: `/action list mine` shows them all."))
    blocks.append(context("One reminder a day at most · `/action prefs` sets your hours, days and country"))
    fallback = heading.replace("*", "") + ": " + ", ".join(f"{line.item.ref} {line.item.title}" for line in lines[:5])
    return blocks, fallback


def nudge_rows(line: NudgeLine, today: date) -> list[Block]:
    item = line.item
    value = str(item.ref)
    snooze = {
        "type": "static_select",
        "action_id": ids.NUDGE_SNOOZE,
        "placeholder": {"type": "plain_text", "text": "Snooze"},
        "options": [
            {"text": {"type": "plain_text", "text": label}, "value": f"{value}|{choice}"}
            for choice, label in SNOOZE_CHOICES
        ],
    }
    closing = (
        button("Done", ids.NUDGE_DONE, value, style="primary")
        if item.kind is ItemKind.ACTION
        else button("Decide", ids.NUDGE_DECIDE, value, style="primary")  # a decision needs its outcome
    )
    return [
        _item_section(line.item, today),
        {
            "type": "actions",
            "block_id": f"nudge:{item.ref}",
            "elements": [
                closing,
                snooze,
                button("Reschedule", ids.NUDGE_RESCHEDULE, value),
                button("Stop nudging me about this", ids.NUDGE_STOP, value),
            ],
        },
    ]


def answered_rows(item: ActionItem, today: date, note: str, *, undo: bool = False) -> list[Block]:
    """An item's row after its owner used a button: what happened instead of the buttons
    (after Stop, an Undo button)."""
    rows = [_item_section(item, today, note=note)]
    if undo:
        undo_button = button("Undo", ids.NUDGE_UNDO_STOP, str(item.ref))
        rows.append({"type": "actions", "block_id": f"nudge:{item.ref}", "elements": [undo_button]})
    return rows


def redraw_nudge_row(blocks: list[Block], ref: str, fresh: list[Block]) -> list[Block]:
    """The DM's blocks with one item's row (its text and its buttons) replaced by `fresh`."""
    redrawn: list[Block] = []
    for block in blocks:
        block_id = block.get("block_id")
        if block_id == f"nudge-item:{ref}":
            redrawn.extend(fresh)
        elif block_id != f"nudge:{ref}":
            redrawn.append(block)
    return redrawn


def snooze_form(item: ActionItem, *, metadata: dict[str, Any], today: date) -> dict[str, Any]:
    """\"Snooze until a date…\": one datepicker, tomorrow preselected."""
    picker = {
        "type": "datepicker",
        "action_id": ids.SNOOZE_UNTIL[1],
        "initial_date": (today + timedelta(days=1)).isoformat(),
    }
    return {
        "type": "modal",
        "callback_id": ids.NUDGE_SNOOZE_FORM,
        "private_metadata": json.dumps(metadata),
        "title": {"type": "plain_text", "text": f"Snooze {item.ref}"},
        "submit": {"type": "plain_text", "text": "Snooze"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            section(f"*{item.ref}* · {item.title}\nNo reminders about it before the start of your working day on:"),
            {
                "type": "input",
                "block_id": ids.SNOOZE_UNTIL[0],
                "label": {"type": "plain_text", "text": "Remind me again on"},
                "element": picker,
            },
        ],
    }


def _item_section(item: ActionItem, today: date, *, note: str | None = None) -> Block:
    marker = "🔴" if item.due_on < today else ("🟠" if item.due_on == today else "🔔")
    text = f"{marker} *{item.ref}* {item.title}\n{say.due_text(item.due_on, today)}"
    if item.tag:
        text += f" · #{item.tag}"
    text += f" · in <#{item.channel_id}>"
    if note:
        text += f"\n{note}"
    # The block id lets a button redraw this row alone (`redraw_nudge_row`).
    return section(text, block_id=f"nudge-item:{item.ref}")


def escalation_message(escalation: Escalation, today: date) -> Message:
    item = escalation.item
    days = escalation.business_days_overdue
    plural = "s" if days != 1 else ""
    who = [f"<@{item.owner_id}>"]
    if item.creator_id != item.owner_id:
        who.append(f"created by <@{item.creator_id}>")
    if escalation.session_owner_id and escalation.session_owner_id not in (item.owner_id, item.creator_id):
        who.append(f"session owner <@{escalation.session_owner_id}>")
    text = (
        f"⚠️ *{item.ref}* {item.title} is *{days} business day{plural} overdue* "
        f"(was due {say.explicit_date(item.due_on)}) · " + " · ".join(who)
    )
    blocks: list[Block] = [
        section(text),
        context("Mark it done, or reschedule it with a reason, so the next session starts from the truth."),
        {
            "type": "actions",
            "block_id": f"escalation:{item.ref}",
            "elements": [
                button("Done", ids.DONE, str(item.ref), style="primary"),
                button("Reschedule", ids.RESCHEDULE, str(item.ref)),
                button("Reassign", ids.REASSIGN, str(item.ref)),
            ],
        },
    ]
    fallback = f"{item.ref} {item.title} is {days} business day{plural} overdue — owner <@{item.owner_id}>"
    return blocks, fallback


def _heading(count: int, overdue: int) -> str:
    if count == 1:
        return "*Reminder:* one of your items needs you" if not overdue else "*Reminder:* one of your items is overdue"
    if overdue:
        return f"*Reminder:* {count} of your items need you, {overdue} overdue"
    return f"*Reminder:* {count} of your items are coming due"
