"""Block Kit for everything the app shows: cards, refusals, lists, forms and the App Home.

Limits this module respects (https://api.slack.com/reference/block-kit/blocks): 50 blocks in a
message, 100 in a modal or Home tab, 3,000 characters in a section's text, 2,000 in a button
value, 3,000 in a view's private_metadata. Every message also gets a plain `text` fallback for
notifications and screen readers.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from bot import messages as say
from bot.intake import Understood
from bot.model import ActionItem, ItemKind, ItemStatus, SavedDraft
from bot.tracker import Listing
from handlers.slack import ids
from handlers.slack.mentions import plain

Block = dict[str, Any]
SECTION_LIMIT = 3000
MESSAGE_BLOCK_LIMIT = 50
HOME_BLOCK_LIMIT = 100


def mrkdwn(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": _fit(text)}


def section(text: str, **extra: Any) -> Block:
    return {"type": "section", "text": mrkdwn(text), **extra}


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(t) for t in texts[:10]]}


def button(label: str, action_id: str, value: str, *, style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": label, "emoji": True},
        "action_id": action_id,
        "value": value,
    }
    if style:
        element["style"] = style
    return element


def _fit(text: str) -> str:
    # Over-long text is cut visibly, never silently: the marker says more exists.
    return text if len(text) <= SECTION_LIMIT else text[: SECTION_LIMIT - 2] + " …"


# Action items


def item_summary(item: ActionItem, today: date) -> str:
    """One line: `*A-12* Send proposal — @tanaka · Fri 2026-11-27 (in 4 days) · #globex`."""
    parts = [f"<@{item.owner_id}>"]
    if item.is_open:
        parts.append(say.due_text(item.due_on, today))
    else:
        parts.append(f"{say.status_text(item)} (was due {say.explicit_date(item.due_on)})")
    if item.tag:
        parts.append(f"#{item.tag}")
    marker = "🔴 " if item.is_open and item.due_on < today else ""
    return f"{marker}*{item.ref}* {item.title} — " + " · ".join(parts)


def item_buttons(item: ActionItem) -> Block:
    value = str(item.ref)
    closing = (
        button("Done", ids.DONE, value, style="primary")
        if item.kind is ItemKind.ACTION
        else button("Decide", ids.DECIDE, value, style="primary")
    )
    return {
        "type": "actions",
        "block_id": f"item:{item.ref}",
        "elements": [
            closing,
            button("Reschedule", ids.RESCHEDULE, value),
            button("Reassign", ids.REASSIGN, value),
        ],
    }


def item_card(item: ActionItem, today: date, *, note: str | None = None) -> tuple[list[Block], str]:
    """The item as posted in the channel: what, owner, explicit date, tag, id, and its buttons."""
    due_label = "Due" if item.kind is ItemKind.ACTION else "Decide by"
    due = say.due_text(item.due_on, today) if item.is_open else say.explicit_date(item.due_on)
    fields = [
        mrkdwn(f"*Owner*\n<@{item.owner_id}>"),
        mrkdwn(f"*{due_label}*\n{due}"),
        mrkdwn(f"*Tag*\n#{item.tag}" if item.tag else "*Tag*\n—"),
        mrkdwn(f"*Created by*\n<@{item.creator_id}>"),
    ]
    blocks: list[Block] = [
        section(f"*{item.ref}* · {item.title}"),
        {"type": "section", "fields": fields},
    ]
    if item.outcome:
        blocks.append(section(f"*Decision:* {item.outcome}"))
    footer = []
    if item.reschedule_count:
        footer.append(f"rescheduled {item.reschedule_count}×")
    if item.source_link:
        footer.append(f"<{item.source_link}|from this message>")
    if not item.is_open:
        icon = {ItemStatus.DONE: "✅", ItemStatus.DECIDED: "⚖️"}.get(item.status, "✖️")
        when = item.closed_at.date().isoformat() if item.closed_at else ""
        footer.insert(0, f"{icon} {say.status_text(item).capitalize()} by <@{item.closed_by}> {when}".rstrip())
    if note:
        footer.append(note)
    if footer:
        blocks.append(context(" · ".join(footer)))
    if item.is_open:
        blocks.append(item_buttons(item))
    fallback = f"{item.ref} {item.title} — owner <@{item.owner_id}>, due {say.explicit_date(item.due_on)}"
    return blocks, fallback


def change_message(headline: str, item: ActionItem, today: date) -> tuple[list[Block], str]:
    blocks, _ = item_card(item, today)
    return [section(headline), *blocks], headline


# Refusal and completion form


def refusal(understood: Understood, draft_id: int, today: date, kind: ItemKind) -> tuple[list[Block], str]:
    problems = "\n".join("• " + say.problem_text(p) for p in understood.problems)
    headline = say.REFUSED_HEADLINE[kind]
    blocks = [
        section(f"*{headline}*\n{problems}"),
        context("I understood: " + "  ·  ".join(say.understood_lines(understood, today))),
        {
            "type": "actions",
            "block_id": "draft",
            "elements": [button("Finish in a form", ids.OPEN_CAPTURE_FORM, str(draft_id), style="primary")],
        },
        context(say.REFUSED_FOOTER),
    ]
    fallback = headline + " " + " ".join(say.problem_text(p) for p in understood.problems)
    return blocks, fallback


def capture_form(draft: SavedDraft, *, metadata: dict[str, Any], today: date) -> dict[str, Any]:
    """The modal that finishes an action item: owner and due date are required inputs."""
    what = {
        "type": "input",
        "block_id": ids.WHAT[0],
        "label": {"type": "plain_text", "text": "What is to be done"},
        "element": {
            "type": "plain_text_input",
            "action_id": ids.WHAT[1],
            "multiline": True,
            "max_length": 1000,
            **({"initial_value": plain(draft.title)[:1000]} if draft.title else {}),
        },
    }
    owner_element: dict[str, Any] = {"type": "users_select", "action_id": ids.OWNER[1]}
    if draft.owner_id:
        owner_element["initial_user"] = draft.owner_id
    due_element: dict[str, Any] = {"type": "datepicker", "action_id": ids.DUE[1]}
    if draft.due_on and draft.due_on >= today:
        due_element["initial_date"] = draft.due_on.isoformat()
    tag_element: dict[str, Any] = {"type": "plain_text_input", "action_id": ids.TAG[1], "max_length": 80}
    if draft.tag:
        tag_element["initial_value"] = draft.tag
    return {
        "type": "modal",
        "callback_id": ids.CAPTURE_FORM,
        "private_metadata": json.dumps(metadata),
        "title": {"type": "plain_text", "text": "New action item" if draft.kind is ItemKind.ACTION else "New decision"},
        "submit": {"type": "plain_text", "text": "Record"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            what,
            _input(ids.OWNER, "Owner (one person)", owner_element),
            _input(
                ids.DUE,
                "Due date" if draft.kind is ItemKind.ACTION else "Decide by",
                due_element,
                hint="Even a provisional date: it can be rescheduled.",
            ),
            _input(ids.TAG, "Account tag (optional)", tag_element, optional=True),
        ],
    }


def reschedule_form(item: ActionItem, *, metadata: dict[str, Any], today: date) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": ids.RESCHEDULE_FORM,
        "private_metadata": json.dumps(metadata),
        "title": {"type": "plain_text", "text": f"Reschedule {item.ref}"},
        "submit": {"type": "plain_text", "text": "Reschedule"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            section(f"*{item.ref}* · {item.title}\nNow due {say.due_text(item.due_on, today)}"),
            _input(ids.DUE, "New due date", {"type": "datepicker", "action_id": ids.DUE[1]}),
            _input(
                ids.REASON,
                "Reason",
                {
                    "type": "plain_text_input",
                    "action_id": ids.REASON[1],
                    "multiline": True,
                    "max_length": 500,
                },
                optional=True,
            ),
        ],
    }


def checkin_comment_form(prompt: str, *, metadata: str, max_length: int) -> dict[str, Any]:
    """The modal for a check-in comment; `metadata` is the check-in button's value."""
    return {
        "type": "modal",
        "callback_id": ids.CHECKIN_COMMENT_FORM,
        "private_metadata": metadata,
        "title": {"type": "plain_text", "text": "Check-in comment"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            section(prompt),
            _input(
                ids.COMMENT,
                "Comment",
                {"type": "plain_text_input", "action_id": ids.COMMENT[1], "multiline": True, "max_length": max_length},
            ),
        ],
    }


def reassign_form(item: ActionItem, *, metadata: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": ids.REASSIGN_FORM,
        "private_metadata": json.dumps(metadata),
        "title": {"type": "plain_text", "text": f"Reassign {item.ref}"},
        "submit": {"type": "plain_text", "text": "Reassign"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            section(f"*{item.ref}* · {item.title}\nNow owned by <@{item.owner_id}>"),
            _input(ids.OWNER, "New owner", {"type": "users_select", "action_id": ids.OWNER[1]}),
            _input(
                ids.REASON,
                "Note",
                {
                    "type": "plain_text_input",
                    "action_id": ids.REASON[1],
                    "multiline": True,
                    "max_length": 500,
                },
                optional=True,
            ),
        ],
    }


def decide_form(item: ActionItem, *, metadata: dict[str, Any], today: date) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": ids.DECIDE_FORM,
        "private_metadata": json.dumps(metadata),
        "title": {"type": "plain_text", "text": f"Decide {item.ref}"},
        "submit": {"type": "plain_text", "text": "Record decision"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            section(f"*{item.ref}* · {item.title}\nDecide by {say.due_text(item.due_on, today)}"),
            _input(
                ids.OUTCOME,
                "What was decided",
                {"type": "plain_text_input", "action_id": ids.OUTCOME[1], "multiline": True, "max_length": 1000},
            ),
        ],
    }


def _input(
    block: tuple[str, str],
    label: str,
    element: dict[str, Any],
    *,
    optional: bool = False,
    hint: str | None = None,
) -> Block:
    result: Block = {
        "type": "input",
        "block_id": block[0],
        "label": {"type": "plain_text", "text": label},
        "element": element,
        "optional": optional,
    }
    if hint:
        result["hint"] = {"type": "plain_text", "text": hint}
    return result


# Lists and the App Home


def item_menu(item: ActionItem) -> dict[str, Any]:
    closing = ("done", "Done") if item.kind is ItemKind.ACTION else ("decide", "Decide")
    choices = [closing, ("reschedule", "Reschedule"), ("reassign", "Reassign")]
    return {
        "type": "overflow",
        "action_id": ids.ITEM_MENU,
        "options": [
            {"text": {"type": "plain_text", "text": label}, "value": f"{verb}:{item.ref}"} for verb, label in choices
        ],
    }


def listing(result: Listing, title: str) -> tuple[list[Block], str]:
    blocks: list[Block] = [section(f"*{title}*")]
    if not result.items:
        blocks.append(context(say.LIST_EMPTY))
        return blocks, f"{title}: none."
    room = MESSAGE_BLOCK_LIMIT - 3
    for item in result.items[:room]:
        blocks.append(section(item_summary(item, result.today), accessory=item_menu(item)))
    shown = min(len(result.items), room)
    if result.total > shown:
        blocks.append(context(say.LIST_MORE.format(shown=shown, total=result.total)))
    return blocks, f"{title}: {result.total} item(s)."


def home(result: Listing, user_id: str, *, note: str | None = None) -> dict[str, Any]:
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": "My action items"}},
        context(f"Open items owned by <@{user_id}>, overdue first. `/action help` shows how to add one."),
    ]
    if note:
        blocks.append(section(f"⚠️ {note}"))
    if not result.items:
        blocks.append(section("Nothing open. 🎉"))
    room = (HOME_BLOCK_LIMIT - 5) // 3
    for item in result.items[:room]:
        blocks.append({"type": "divider"})
        blocks.append(section(item_summary(item, result.today)))
        blocks.append(item_buttons(item))
    shown = min(len(result.items), room)
    if result.total > shown:
        blocks.append(context(say.LIST_MORE.format(shown=shown, total=result.total)))
    return {"type": "home", "blocks": blocks}


def help_message(kind: ItemKind) -> tuple[list[Block], str]:
    examples = "\n".join(f"*{language}*  `{example}`" for language, example in say.HELP_EXAMPLES[kind])
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": say.HELP_TITLE[kind]}},
        section(say.HELP_GRAMMAR.format(command=say.COMMAND[kind])),
        section("*Examples*\n" + examples),
        section("*Working the list*\n" + say.HELP_COMMANDS[kind] + "\n" + say.HELP_RIGHTS),
    ]
    return blocks, say.HELP_TITLE[kind]
