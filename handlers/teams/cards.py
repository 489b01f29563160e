"""Adaptive Cards for items: the confirmation, the refusal with its form, lists and help.

Buttons are `Action.Execute` (verb + data): Teams sends them back as an `adaptiveCard/action`
invoke, and the card returned replaces the one clicked, for everyone who sees it.
Every card states dates explicitly (`Fri 2026-11-27`), as the Slack messages do.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from bot import messages as say
from bot.intake import Understood
from bot.model import ActionItem, ItemKind
from bot.tracker import Listing
from handlers.teams.markup import to_teams

Card = dict[str, Any]
Names = Mapping[str, str]

VERSION = "1.5"
DONE, DECIDE, SNOOZE, RESCHEDULE, COMPLETE = "done", "decide", "snooze", "reschedule", "complete"
LIST_SHOWN = 25


def card(body: list[dict[str, Any]], actions: list[dict[str, Any]] | None = None) -> Card:
    shown: Card = {"type": "AdaptiveCard", "version": VERSION, "body": body}
    if actions:
        shown["actions"] = actions
    return shown


def text(value: str, names: Names = {}, **style: Any) -> dict[str, Any]:  # noqa: B006 (read only)
    return {"type": "TextBlock", "text": to_teams(value, names), "wrap": True, **style}


def execute(title: str, verb: str, **data: Any) -> dict[str, Any]:
    return {"type": "Action.Execute", "title": title, "verb": verb, "data": data}


def name_of(user_id: str | None, names: Names) -> str:
    return names.get(user_id or "", "—") if user_id else "—"


def item_facts(item: ActionItem, today: date, names: Names) -> dict[str, Any]:
    facts = [
        {"title": "Owner", "value": name_of(item.owner_id, names)},
        {"title": "Due" if item.kind is ItemKind.ACTION else "Decide by", "value": say.due_text(item.due_on, today)},
        {"title": "Status", "value": say.status_text(item)},
    ]
    if item.tag:
        facts.append({"title": "Tag", "value": f"#{item.tag}"})
    if item.outcome:
        facts.append({"title": "Outcome", "value": item.outcome})
    return {"type": "FactSet", "facts": facts}


def item_actions(item: ActionItem, today: date) -> list[dict[str, Any]]:
    """Done (or Decide, which asks for the outcome), Snooze a day, Reschedule to a date."""
    ref = str(item.ref)
    if not item.is_open:
        return []
    if item.kind is ItemKind.ACTION:
        closing = execute("Done", DONE, ref=ref)
    else:
        outcome = {
            "type": "Input.Text", "id": "outcome", "label": "Outcome", "isRequired": True, "isMultiline": True,
            "errorMessage": "Say what was decided.",
        }  # fmt: skip
        closing = show_card("Decide…", [outcome], execute("Record the decision", DECIDE, ref=ref))
    picker = {
        "type": "Input.Date", "id": "due", "label": "New due date", "isRequired": True,
        "value": max(item.due_on, today + timedelta(days=1)).isoformat(), "min": today.isoformat(),
        "errorMessage": "Pick a day from today on.",
    }  # fmt: skip
    return [
        closing,
        execute("Snooze 1 day", SNOOZE, ref=ref, days=1),
        show_card("Reschedule…", [picker], execute("Reschedule", RESCHEDULE, ref=ref)),
    ]


def show_card(title: str, inputs: list[dict[str, Any]], action: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Action.ShowCard", "title": title, "card": card(inputs, [action])}


def item_card(item: ActionItem, today: date, names: Names, *, headline: str | None = None) -> Card:
    """An item as the channel sees it: what, owner, explicit due date, and what can be done with it."""
    body = []
    if headline:
        body.append(text(headline, names, weight="Bolder"))
    body += [text(f"**{item.ref}** · {item.title}", size="Medium"), item_facts(item, today, names)]
    return card(body, item_actions(item, today))


def refusal_card(
    understood: Understood, *, kind: ItemKind, draft_id: int, today: date, names: Names,
    members: list[tuple[str, str]],
) -> Card:  # fmt: skip
    """What was understood, what is missing, and the missing fields as required inputs."""
    body: list[dict[str, Any]] = [text(say.REFUSED_HEADLINE[kind], weight="Bolder", color="Attention")]
    body += [text(say.problem_text(problem), names) for problem in understood.problems]
    body.append(text("\n\n".join(say.understood_lines(understood, today)), names, isSubtle=True))
    what = {
        "type": "Input.Text", "id": "title", "label": "What", "value": understood.title, "isRequired": True,
        "errorMessage": "Say what is to be done.",
    }  # fmt: skip
    body.append(what)
    choices = [{"title": name, "value": user_id} for user_id, name in members]
    owner: dict[str, Any] = {
        "type": "Input.ChoiceSet", "id": "owner", "label": "Owner", "isRequired": True, "style": "filtered",
        "choices": choices, "errorMessage": "Pick the one person who owns it.",
    }  # fmt: skip
    if understood.owner_id:
        owner["value"] = understood.owner_id
    body.append(owner)
    due: dict[str, Any] = {
        "type": "Input.Date", "id": "due", "label": "Due" if kind is ItemKind.ACTION else "Decide by",
        "isRequired": True, "min": today.isoformat(), "errorMessage": "Pick a day from today on.",
    }  # fmt: skip
    if understood.due_on:
        due["value"] = understood.due_on.isoformat()
    body.append(due)
    return card(body, [execute("Record it", COMPLETE, draft=draft_id)])


def listing_card(listing: Listing, title: str, names: Names) -> Card:
    body: list[dict[str, Any]] = [text(title, names, weight="Bolder", size="Medium")]
    if not listing.items:
        body.append(text("Nothing here."))
    for item in listing.items[:LIST_SHOWN]:
        due = say.due_text(item.due_on, listing.today)
        line = f"**{item.ref}** · {item.title} — {name_of(item.owner_id, names)} · {due}"
        body.append(text(line + (f" · #{item.tag}" if item.tag else ""), spacing="Small"))
    if listing.total > min(len(listing.items), LIST_SHOWN):
        body.append(text(f"…{listing.total - min(len(listing.items), LIST_SHOWN)} more.", isSubtle=True))
    return card(body)


def help_card() -> Card:
    body: list[dict[str, Any]] = [text("Tanto keeps the account plan honest", weight="Bolder", size="Medium")]
    for kind in (ItemKind.ACTION, ItemKind.DECISION):
        examples = "\n\n".join(f"**{language}** `{example}`" for language, example in say.HELP_EXAMPLES[kind])
        body += [text(say.HELP_TITLE[kind], weight="Bolder"), text(examples), text(say.HELP_COMMANDS[kind])]
    body.append(text(say.HELP_RIGHTS))
    body.append(text("Sessions: `session first Tuesday 10:00 Asia/Tokyo`, `session next`, `session agenda`."))
    return card(body)


def note_card(value: str, names: Names = {}) -> Card:  # noqa: B006 (read only)
    return card([text(value, names)])
