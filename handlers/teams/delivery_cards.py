"""Adaptive Cards for what the outbox delivers: nudges, escalations, agendas, check-ins, minutes.

Each is drawn at send time from the core's current state (the couriers ask the core first), so
a late card never shows an item that was closed meanwhile.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from bot import messages as say
from bot.agenda import Agenda, AgendaEntry
from bot.minutes import Minutes
from bot.model import ActionItem
from bot.nudges import Escalation, NudgeMessage
from bot.session_desk import moment
from handlers.teams.cards import Card, Names, card, item_actions, name_of, text

MOST_ROWS = 20


def item_line(item: ActionItem, today: date, names: Names) -> str:
    tag = f" · #{item.tag}" if item.tag else ""
    return f"**{item.ref}** · {item.title} — {name_of(item.owner_id, names)} · {say.due_text(item.due_on, today)}{tag}"


def nudge_card(message: NudgeMessage, names: Names) -> Card:
    """The owner's reminder: each item with Done, Snooze and Reschedule."""
    lines = sorted(message.lines, key=lambda line: line.item.due_on)
    overdue = sum(line.item.due_on < message.today for line in lines)
    heading = f"{len(lines)} item{'s' if len(lines) != 1 else ''} of yours need{'s' if len(lines) == 1 else ''} you"
    if overdue:
        heading += f", {overdue} overdue"
    body: list[dict[str, Any]] = [text(heading, weight="Bolder", size="Medium")]
    for line in lines[:MOST_ROWS]:
        body.append(text(item_line(line.item, message.today, names), separator=True))
        body.append({"type": "ActionSet", "actions": item_actions(line.item, message.today)})
    if len(lines) > MOST_ROWS:
        body.append(text(f"…and {len(lines) - MOST_ROWS} more: `action list mine` shows them all.", isSubtle=True))
    body.append(text("One reminder a day at most · `action prefs` sets your hours, days and country", isSubtle=True))
    return card(body)


def escalation_card(escalation: Escalation, today: date, names: Names) -> Card:
    item = escalation.item
    days = escalation.business_days_overdue
    body = [
        text(f"⏰ Overdue {days} working day{'s' if days != 1 else ''}", weight="Bolder", color="Attention"),
        text(item_line(item, today, names)),
    ]
    if escalation.session_owner_id:
        body.append(text(f"For the next session: {name_of(escalation.session_owner_id, names)}", isSubtle=True))
    return card(body, item_actions(item, today))


SECTIONS = (
    ("overdue", "Overdue"),
    ("slipping", "Slipping (rescheduled more than once)"),
    ("due_soon", "Due before the session"),
    ("decisions", "Pending decisions"),
    ("done", "Done since last time"),
)


def agenda_card(agenda: Agenda, title: str, names: Names) -> Card:
    counts = agenda.counts
    summary = (
        f"{counts.overdue} overdue · {counts.due_soon} due before the session · {counts.decisions} pending decisions"
        f" · {counts.done} done since last time"
    )
    body: list[dict[str, Any]] = [text(title, weight="Bolder", size="Medium"), text(summary, isSubtle=True)]
    rows = 0
    for topic in agenda.topics:
        body.append(text(f"#{topic.tag}" if topic.tag else "No account tag", weight="Bolder", separator=True))
        for field, label in SECTIONS:
            entries: tuple[AgendaEntry, ...] = getattr(topic, field)
            if not entries:
                continue
            body.append(text(label, weight="Bolder", size="Small"))
            for entry in entries:
                rows += 1
                if rows > MOST_ROWS * 3:
                    continue
                back = f" (away until {say.explicit_date(entry.owner_back_on)})" if entry.owner_back_on else ""
                body.append(text(item_line(entry.item, agenda.today, names) + back, spacing="Small"))
    if rows > MOST_ROWS * 3:
        body.append(text(f"…and {rows - MOST_ROWS * 3} more: `action list here` shows them all.", isSubtle=True))
    if not agenda.topics:
        body.append(text("Nothing is due, overdue or pending: a short session."))
    return card(body)


def checkin_card(owner_id: str, entries: list[AgendaEntry], starts_at: datetime, today: date, names: Names) -> Card:
    body: list[dict[str, Any]] = [
        text(f"Before the session on {moment(starts_at)}: where do these stand?", weight="Bolder"),
    ]
    for entry in entries[:MOST_ROWS]:
        body.append(text(item_line(entry.item, today, names), separator=True))
        body.append({"type": "ActionSet", "actions": item_actions(entry.item, today)})
    return card(body)


def minutes_card(minutes: Minutes, names: Names) -> Card:
    until = minutes.until.astimezone(minutes.starts_at.tzinfo)
    body: list[dict[str, Any]] = [
        text(f"Minutes — session of {moment(minutes.starts_at)} until {until:%H:%M}", weight="Bolder", size="Medium")
    ]
    parts = (
        ("Decided", minutes.decided), ("Created", minutes.created), ("Completed", minutes.completed),
        ("Rescheduled", minutes.rescheduled), ("Reassigned", minutes.reassigned), ("Cancelled", minutes.cancelled),
    )  # fmt: skip
    for label, entries in parts:
        if entries:
            body.append(text(label, weight="Bolder", separator=True))
            for change, item in entries[:MOST_ROWS]:
                detail = f": {change.new_value}" if change.new_value else ""
                body.append(text(f"**{item.ref}** · {item.title} — {name_of(change.actor_id, names)}{detail}"))
    if minutes.is_empty:
        body.append(text("Nothing was recorded during the session."))
    return card(body)
