"""Block Kit for `/session` answers: the schedule as understood, the list, the help."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from bot import session_messages as say
from bot.clock import zone
from bot.messages import explicit_date
from bot.minutes import Minutes
from bot.model import ActionItem
from bot.session_desk import moment
from bot.sessions import SessionView
from handlers.slack.blocks import MESSAGE_BLOCK_LIMIT, SECTION_LIMIT, Block, context, section


def schedule_message(view: SessionView, headline: str) -> tuple[list[Block], str]:
    schedule = view.schedule
    rhythm = schedule.rhythm.describe()
    lines = [f"*{headline}*", f"Rhythm: {rhythm}"]
    if not schedule.active:
        lines.append(say.OFF_NOTE)
    elif view.upcoming:
        lines.append(
            "Next sessions:\n" + "\n".join(f"• {moment(when)} ({schedule.rhythm.tz})" for when in view.upcoming)
        )
        first = view.upcoming[0]
        lines.append(
            say.LEADS.format(
                agenda=schedule.agenda_lead.describe(),
                agenda_at=moment(schedule.agenda_at(first)),
                checkin=schedule.checkin_lead.describe(),
                checkin_at=moment(schedule.checkin_at(first)),
                minutes=schedule.duration_minutes,
            )
        )
    else:
        lines.append(say.NO_MORE_SESSIONS)
    skipped = sorted(day for day, moved in schedule.changes.items() if moved is None)
    moved = sorted((day, to) for day, to in schedule.changes.items() if to is not None)
    if skipped:
        lines.append("Skipped: " + ", ".join(explicit_date(day) for day in skipped))
    for day, to in moved:
        lines.append(f"Moved: {explicit_date(day)} → {moment(to.astimezone(zone(schedule.rhythm.tz)))}")
    tag = f"`#{view.tag}`" if view.tag else say.NO_TAG
    blocks = [section("\n".join(lines)), context(say.FOOTER.format(tag=tag))]
    return blocks, f"{headline}: {rhythm}"


def session_list(views: list[SessionView]) -> tuple[list[Block], str]:
    if not views:
        return [section(say.LIST_EMPTY)], say.LIST_EMPTY
    blocks: list[Block] = [section(f"*{say.LIST_TITLE}*")]
    for view in views[:45]:
        state = f"next {moment(view.upcoming[0])}" if view.upcoming else ("off" if not view.schedule.active else "—")
        blocks.append(section(f"<#{view.schedule.channel_id}> — {view.schedule.rhythm.describe()} · {state}"))
    if len(views) > 45:
        blocks.append(context(f"…and {len(views) - 45} more."))
    return blocks, f"{len(views)} session(s)"


def help_message() -> tuple[list[Block], str]:
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": say.HELP_TITLE}},
        section(say.HELP_RHYTHM),
        section(say.HELP_COMMANDS),
    ]
    return blocks, say.HELP_TITLE


def agenda_title(starts_at: datetime) -> str:
    return f"Account plan session — {moment(starts_at)} ({starts_at.tzinfo})"


def minutes_messages(minutes: Minutes) -> list[tuple[list[Block], str]]:
    """The minutes, split over as many messages as Slack's limits need; nothing is cut."""
    # `until` comes in UTC; the title reads in the session's own zone, like its start.
    until = minutes.until.astimezone(minutes.starts_at.tzinfo)
    title = say.MINUTES_TITLE.format(when=moment(minutes.starts_at), until=f"{until:%H:%M}")
    parts: list[tuple[str, list[str]]] = [
        (say.MINUTES_DECIDED, [f"⚖️ {_ref_line(item)} — decided by <@{change.actor_id}>: "
                               f"{item.outcome or change.new_value}" for change, item in minutes.decided]),
        (say.MINUTES_CREATED, [f"➕ {_ref_line(item)} — <@{item.owner_id}>, due {explicit_date(item.due_on)}"
                               for _, item in minutes.created]),
        (say.MINUTES_DONE, [f"✅ {_ref_line(item)} — <@{change.actor_id}>" for change, item in minutes.completed]),
        (say.MINUTES_RESCHEDULED, [f"📅 {_ref_line(item)}: {_day(change.old_value)} → {_day(change.new_value)}"
                                   + (f" ({change.reason})" if change.reason else "")
                                   for change, item in minutes.rescheduled]),
        (say.MINUTES_REASSIGNED, [f"👤 {_ref_line(item)}: <@{change.old_value}> → <@{change.new_value}>"
                                  for change, item in minutes.reassigned]),
        (say.MINUTES_CANCELLED, [f"✖️ {_ref_line(item)}" + (f" ({change.reason})" if change.reason else "")
                                 for change, item in minutes.cancelled]),
        (say.MINUTES_UNFINISHED, [f"❓ “{draft.title or draft.text}” — raised by <@{draft.author_id}>, "
                                  + say.MINUTES_MISSING.format(missing=_missing(draft.owner_id, draft.due_on))
                                  for draft in minutes.unfinished]),
    ]  # fmt: skip
    blocks: list[Block] = [{"type": "header", "text": {"type": "plain_text", "text": title[:150]}}]
    if minutes.is_empty:
        blocks.append(section(say.MINUTES_EMPTY))
    for heading, lines in parts:
        if lines:
            blocks.extend(_packed([f"*{heading}*", *lines]))
    fallback = f"{title}: {_counts(minutes)}"
    pages = [blocks[i : i + MESSAGE_BLOCK_LIMIT] for i in range(0, len(blocks), MESSAGE_BLOCK_LIMIT)]
    return [(page, fallback if number == 0 else f"{title} (continued)") for number, page in enumerate(pages)]


def _packed(lines: Iterable[str]) -> list[Block]:
    """Lines gathered into as few sections as fit Slack's 3,000 characters each."""
    blocks: list[Block] = []
    current = ""
    for line in lines:
        line = line if len(line) <= SECTION_LIMIT else line[: SECTION_LIMIT - 2] + " …"
        if current and len(current) + 1 + len(line) > SECTION_LIMIT:
            blocks.append(section(current))
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        blocks.append(section(current))
    return blocks


def _ref_line(item: ActionItem) -> str:
    return f"*{item.ref}* {item.title}"


def _day(value: str | None) -> str:
    return explicit_date(date.fromisoformat(value)) if value else "—"


def _missing(owner_id: str | None, due_on: date | None) -> str:
    return " and ".join(part for part, absent in (("owner", owner_id is None), ("due date", due_on is None)) if absent)


def _counts(minutes: Minutes) -> str:
    counts = (
        (len(minutes.decided), "decided"), (len(minutes.created), "created"), (len(minutes.completed), "done"),
        (len(minutes.rescheduled), "rescheduled"), (len(minutes.reassigned), "reassigned"),
        (len(minutes.unfinished), "without owner or date"),
    )  # fmt: skip
    return ", ".join(f"{n} {label}" for n, label in counts if n) or say.MINUTES_EMPTY
