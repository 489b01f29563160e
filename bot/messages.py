"""Every user-facing sentence of the core, in one place, so wording stays consistent.

Platform adapters add layout (Block Kit, Adaptive Cards) around these strings; the help text
teaches the capture grammar in each of the five languages our users write in.
"""

from __future__ import annotations

from datetime import date, datetime

from bot.clock import zone
from bot.intake import Problem, ProblemCode, Understood
from bot.model import ActionItem, ItemKind, ItemStatus, Ref
from bot.tracker import ListQuery

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def explicit_date(day: date) -> str:
    """The unambiguous form every confirmation shows: `Fri 2026-11-27`."""
    return f"{WEEKDAYS[day.weekday()]} {day.isoformat()}"


def relative_days(day: date, today: date) -> str:
    days = (day - today).days
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days == -1:
        return "1 day overdue"
    if days < 0:
        return f"{-days} days overdue"
    return f"in {days} days"


def due_text(day: date, today: date) -> str:
    return f"{explicit_date(day)} ({relative_days(day, today)})"


COMMAND = {ItemKind.ACTION: "/action", ItemKind.DECISION: "/decision"}
NOUN = {ItemKind.ACTION: "action item", ItemKind.DECISION: "decision"}


def status_text(item: ActionItem) -> str:
    if item.status is ItemStatus.OPEN:
        return "open" if item.kind is ItemKind.ACTION else "pending"
    return item.status.value


PROBLEM_TEXT: dict[ProblemCode, str] = {
    ProblemCode.MISSING_WHAT: "*What* is missing: say what is to be done.",
    ProblemCode.TITLE_TOO_LONG: "*What* is too long: keep it under {detail} characters.",
    ProblemCode.MISSING_OWNER: "*Owner* is missing: mention one person (`@name`), or write `me`.",
    ProblemCode.UNKNOWN_OWNER: "*Owner* “{detail}” is not a person I can find: pick them from the @ list.",
    ProblemCode.GROUP_OWNER: "*Owner* must be one person, not a group ({detail}).",
    ProblemCode.SEVERAL_OWNERS: "*Owner* must be one person; you mentioned {detail}. Which one owns it?",
    ProblemCode.MISSING_DUE: "*Due date* is missing: add one, e.g. `by Friday`, `by 2026-12-01`, `in 2 weeks`.",
    ProblemCode.BAD_DUE: "*Due date*: {detail}",
}


def problem_text(problem: Problem) -> str:
    return PROBLEM_TEXT[problem.code].format(detail=problem.detail)


def problem_plain(problem: Problem) -> str:
    """The problem without mrkdwn, for places that show plain text (a form field's error)."""
    return problem_text(problem).replace("*", "").replace("`", "")


def understood_lines(understood: Understood, today: date) -> list[str]:
    """What was read, field by field, so the user sees what the refusal is based on."""
    lines = [f"*What:* {understood.title or '—'}"]
    lines.append(f"*Owner:* <@{understood.owner_id}>" if understood.owner_id else "*Owner:* —")
    if understood.due_on:
        lines.append(f"*Due:* {due_text(understood.due_on, today)}")
    elif understood.due_phrase:
        lines.append(f"*Due:* “{understood.due_phrase}” (not understood)")
    else:
        lines.append("*Due:* —")
    if understood.tag:
        lines.append(f"*Tag:* #{understood.tag}")
    return lines


REFUSED_HEADLINE = {
    ItemKind.ACTION: "Not recorded yet: an action item needs an owner and a due date.",
    ItemKind.DECISION: "Not recorded yet: a pending decision needs an owner and a date by which it is decided.",
}
REFUSED_FOOTER = "Fix the command and send it again, or finish it in the form."
DRAFT_GONE = "That draft is no longer here (it was already recorded, or too old). Send the command again."
FORM_STILL_INVALID = "Please fix the fields marked in red."

_NOT_FOUND = "There is no {noun} {ref} in this workspace. `{command} list all` shows the open ones."


def not_found(ref: Ref) -> str:
    return _NOT_FOUND.format(noun=NOUN[ref.kind], ref=ref, command=COMMAND[ref.kind])


NOT_ALLOWED = "Only the owner (<@{owner}>), the creator (<@{creator}>) or a workspace admin can change {ref}."
ALREADY_CLOSED = "{ref} is already {status}; nothing changed."
UNCHANGED_DUE = "{ref} is already due {due}; nothing changed."
UNCHANGED_OWNER = "{ref} is already owned by <@{owner}>; nothing changed."
DUPLICATE = "Already recorded as {ref} — nothing new was stored."
CAPTURE_FAILED = (
    "⚠️ Sorry, this could not be recorded because of an error on our side, and nothing was stored. "
    "Here is what you typed, to send again: {text}"
)

DONE = "✅ {ref} marked done by <@{actor}>."
CANCELLED = "✖️ {ref} cancelled by <@{actor}>."
RESCHEDULED = "📅 {ref} rescheduled by <@{actor}>: {old} → {new}."
REASSIGNED = "👤 {ref} reassigned by <@{actor}>: <@{old}> → <@{new}>."

DECIDED = "⚖️ {ref} decided by <@{actor}>: {outcome}"
USAGE_DECIDE = "Give the decision and its outcome, e.g. `/decision decide D-3 We bid, with partner X`."
NOT_A_DECISION = "{ref} is an action item, not a decision: close it with `/action done {ref}`."
USAGE_LIST = (
    "`{command} list` takes `mine`, `@someone`, `#tag`, `overdue`, `here` (this channel) or `all`; "
    "I didn't understand “{what}”."
)


def _example(kind: ItemKind) -> str:
    return "A-12" if kind is ItemKind.ACTION else "D-3"


def usage_ref(kind: ItemKind, verb: str) -> str:
    return f"Which one? Use its id, e.g. `{COMMAND[kind]} {verb} {_example(kind)}`."


def usage_reschedule(kind: ItemKind) -> str:
    return (
        f"Give the id and the new date, e.g. `{COMMAND[kind]} reschedule {_example(kind)} next Friday "
        "customer asked for more time`."
    )


def usage_reassign(kind: ItemKind) -> str:
    return f"Give the id and the new owner, e.g. `{COMMAND[kind]} reassign {_example(kind)} @tanaka`."


def wrong_command(ref: Ref) -> str:
    if ref.kind is ItemKind.DECISION:
        return f"{ref} is a decision: record its outcome with `/decision decide {ref} <outcome>`."
    return f"{ref} is an action item: use `/action` for it, e.g. `/action done {ref}`."


_LIST_TITLES = {
    "mine": "Your {state} {nouns}",
    "person": "{State} {nouns} owned by <@{user}>",
    "tag": "{State} {nouns} tagged #{tag}",
    "overdue": "Overdue {nouns}",
    "here": "{State} {nouns} in this channel",
    "all": "All {state} {nouns}",
}


def list_title(query: ListQuery) -> str:
    kind = query.item_kind or ItemKind.ACTION
    state = "open" if kind is ItemKind.ACTION else "pending"
    return _LIST_TITLES[query.kind.value].format(
        state=state, State=state.capitalize(), nouns=NOUN[kind] + "s", user=query.user_id, tag=query.tag
    )


LIST_EMPTY = "Nothing here — nothing open matches."
LIST_MORE = "Showing {shown} of {total}. Narrow it down with `/action list #tag` or `/action list @someone`."

HELP_TITLE = {
    ItemKind.ACTION: "Record an action item: what, one owner, and a due date",
    ItemKind.DECISION: "Record a pending decision: the question, one owner, and the date it is decided by",
}
HELP_GRAMMAR = (
    "`{command} <what> @owner <date> [#tag]`\n"
    "• *Owner*: one person as an @mention, or `me`.\n"
    "• *Date*: after `by`, `due`, `until` (or まで, uiterlijk, senast, kadar), or on its own at the end: "
    "`2026-12-01`, `Dec 1`, `Friday`, `next Friday`, `in 2 weeks`, `end of month`, `week 50`.\n"
    "• *Tag* (optional): `#globex` groups items by account; the channel's tag is used otherwise.\n"
    "I answer with the explicit date (e.g. `Fri 2026-11-27`) so you can catch a misreading."
)
HELP_EXAMPLES = {
    ItemKind.ACTION: (
        ("English", "/action Send revised proposal to Globex @tanaka by next Friday #globex"),
        ("日本語", "/action 見積書を再提出する @tanaka 来週金曜日まで"),
        ("Nederlands", "/action Offerte naar Globex sturen @jan uiterlijk volgende week vrijdag"),
        ("Svenska", "/action Boka workshop @eva senast fredag nästa vecka"),
        ("Türkçe", "/action Teklifi gönder @ayse haftaya cuma"),
    ),
    ItemKind.DECISION: (
        ("English", "/decision Do we bid on the ERP RFP? @bucho by 2026-12-10"),
        ("日本語", "/decision ERP案件に入札するか @bucho 12月10日まで"),
        ("Nederlands", "/decision Doen we mee aan de ERP-aanbesteding? @jan uiterlijk 10 december"),
        ("Svenska", "/decision Lämnar vi anbud på ERP? @eva senast 10 december"),
        ("Türkçe", "/decision ERP ihalesine girecek miyiz? @ayse 10 Aralık kadar"),
    ),
}
HELP_COMMANDS = {
    ItemKind.ACTION: (
        "`/action list [mine | @user | #tag | overdue | here | all]` — open items, overdue first\n"
        "`/action done A-12` · `/action cancel A-12 [reason]`\n"
        "`/action reschedule A-12 <new date> [reason]` · `/action reassign A-12 @user`\n"
        "`/action prefs` — your working time for reminders: `prefs hours 08:30-17:00`, `prefs days mon-thu`, "
        "`prefs country NL` (or `auto`), `prefs digest on|off`\n"
        "`/action away until 2026-12-03` (your first day back) · `/action away off`\n"
        "`/action export [json]` — this channel's items and decisions as a CSV file (or JSON, with history), "
        "sent to your DM"
    ),
    ItemKind.DECISION: (
        "`/decision list [mine | @user | #tag | overdue | here | all]` — pending decisions\n"
        "`/decision decide D-3 <outcome>` · `/decision cancel D-3 [reason]`\n"
        "`/decision reschedule D-3 <new date> [reason]` · `/decision reassign D-3 @user`\n"
        "`/decision export [json]` — this channel's items and decisions as a file, sent to your DM"
    ),
}
HELP_RIGHTS = (
    "Only the owner, the creator or a workspace admin can change an item; every change is kept in its history."
)

# Nudges: the owner's buttons in a reminder DM, and `/action prefs` / `/action away`
NUDGE_DONE_NOTE = "✅ Done"
NUDGE_SNOOZED_NOTE = "😴 Snoozed until {until}"
NUDGE_STOPPED_NOTE = "🔕 No more nudges about this one"
NUDGE_NOT_OWNER = "Only the owner (<@{owner}>) can snooze or stop the reminders about {ref}."
SNOOZE_DATE_PAST = "Pick a day after today ({today})."
SNOOZED = "😴 {ref} snoozed: no reminders about it before {until}."
PREFS_TITLE = "*Your working time* (nudges reach you only then)"
PREFS_DAYS = "Days: {days}"
PREFS_HOURS = "Hours: {starts}–{ends} ({tz})"
PREFS_COUNTRY = "Public holidays: {source}"
PREFS_DIGEST = {True: "At most one reminder DM a day", False: "Reminders as each step comes due"}
PREFS_AWAY = "Away until {back} (first day back): no nudges before then"
PREFS_NOT_AWAY = "Not away"
PREFS_NEXT = "Your next working moment: {when}"
PREFS_SAVED = "Saved."
TEAM_COUNTRY_ADMINS = "Only a workspace admin can set the workspace's country."
TEAM_COUNTRY_SET = "The workspace's country is now {country}: its public holidays count for everyone who set none."
TEAM_COUNTRY_OFF = "The workspace has no country now: holidays follow each person's Slack language and region."
AWAY_SET = "🌴 Away until {back} (your first day back): no nudges before {first}."
AWAY_OFF = "Welcome back: nudges reach you again in your working time."
AWAY_NOT_FUTURE = "Give your first day back, after today ({today}): `/action away until 2026-12-03` or `away off`."


def moment_text(at: datetime, tz: str | None) -> str:
    """An instant in someone's zone, explicit: `Wed 2026-11-25 09:00`."""
    local = at.astimezone(zone(tz))
    return f"{explicit_date(local.date())} {local:%H:%M}"
