"""Block Kit for account-plan sessions: the agenda posted in the channel and the check-in DM.

Slack limits respected here (https://api.slack.com/reference/block-kit/blocks): 50 blocks in a
message, 3,000 characters in a section's or a context element's text, 150 in a header, 2,000 in
a button value. Slack also refuses a message whose blocks hold too much text in total
(`msg_blocks_too_long`, at roughly 12,000 characters; the exact figure is undocumented, see
https://github.com/slackapi/bolt-js/issues/2509), so a message keeps under `TEXT_BUDGET`.

An agenda longer than one message is split into several, never cut: an item's text and its
buttons always travel together, and a topic that goes on in the next message says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, tzinfo
from typing import Any

from bot.agenda import SLIPPING_AFTER, Agenda, AgendaEntry, CheckinAnswer, CheckinStatus, Topic
from bot.dates import describe
from bot.model import ActionItem, ItemKind, ItemStatus
from handlers.slack import ids
from handlers.slack.blocks import MESSAGE_BLOCK_LIMIT, SECTION_LIMIT, Block, button, context, section

Message = tuple[list[Block], str]  # (blocks, plain-text fallback for notifications and screen readers)

HEADER_LIMIT = 150
# Well under the ~12,000 characters at which Slack answers `msg_blocks_too_long`: what it counts
# is not documented, so leave room for whatever it adds beyond the texts themselves.
TEXT_BUDGET = 8_000
# Button values hold `token|ref`; a short token keeps them far under Slack's 2,000 characters.
TOKEN_LIMIT = 200
# A check-in comment is shown in full up to here; a title gets whatever else a section allows.
COMMENT_LIMIT = 300
OUTCOME_LIMIT = 1_000

STATUS_LOOK: dict[CheckinStatus, tuple[str, str]] = {
    CheckinStatus.ON_TRACK: ("🟢", "On track"),
    CheckinStatus.AT_RISK: ("🟠", "At risk"),
    CheckinStatus.BLOCKED: ("🔴", "Blocked"),
    CheckinStatus.DONE: ("✅", "Done"),
}
_CLOSED_LOOK: dict[ItemStatus, tuple[str, str]] = {
    ItemStatus.DONE: ("✅", "done"),
    ItemStatus.DECIDED: ("⚖️", "decided"),
    ItemStatus.CANCELLED: ("✖️", "cancelled"),
}
_PART_TITLES = {
    "overdue": "*Overdue*",
    "slipping": f"*Slipping* (rescheduled {SLIPPING_AFTER}+ times)",
    "due_soon": "*Due before the next session*",
    "decisions": "*Pending decisions*",
}
_EMPTY = "Nothing to review: no open items or decisions in this channel. Add one with `{command}`."


# The agenda


def agenda_messages(agenda: Agenda, *, title: str, preview: bool = False) -> list[Message]:
    """The agenda as channel messages, in order; usually one, more when it does not fit in one."""
    opening: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": _shorten(title, HEADER_LIMIT), "emoji": True}},
        context(_summary(agenda)),
    ]
    if preview:
        opening.append(context("Preview — only you can see this."))
    if agenda.silent_owners:
        opening.append(context(_silent_line(agenda.silent_owners)))
    headline = f"Agenda for {describe(agenda.starts_at.date())}: {_counts(agenda, separator=', ')}"
    if agenda.is_empty:
        return [([*opening, section(_EMPTY.format(command=ids.ACTION_COMMAND))], headline)]

    pager = _Pager(opening)
    for index, topic in enumerate(agenda.topics):
        for part, heading, entries in _parts(topic, agenda):
            for entry in entries:
                pager.place(
                    index, topic, part, heading, agenda_item_rows(entry, agenda.today, tz=agenda.starts_at.tzinfo)
                )

    pages = pager.pages
    total = len(pages)
    if total == 1:
        return [(pages[0], headline)]
    messages: list[Message] = [(pages[0], f"{headline} (1/{total})")]
    for number, page in enumerate(pages[1:], start=2):
        # Numbered once every page is built: only then is the total known.
        note = f"Agenda continued ({number}/{total})"
        page[0] = context(note)
        messages.append((page, note))
    return messages


def agenda_item_rows(entry: AgendaEntry, today: date, *, tz: tzinfo | None = None) -> list[Block]:
    """One entry's rows: text and buttons while open, a single line once closed.

    Also used to redraw just this entry after a click; block ids carry the ref to find it.
    `tz` is the session's zone, for the day a closed item was closed (its own zone by default).
    """
    item = entry.item
    ref = str(item.ref)
    if not item.is_open:
        return [{**context(_closed_text(item, tz)), "block_id": f"agenda-item:{ref}"}]
    extra = [f"Check-in: {_answer_text(entry.checkin)}"] if entry.checkin else []
    if entry.owner_back_on is not None:
        extra.append(f"🌴 Owner away, back {describe(entry.owner_back_on)}")
    if item.nudges_off:
        extra.append("🔕 Owner asked not to be nudged about this")
    closing = "Done" if item.kind is ItemKind.ACTION else "Decide"
    return [
        section(_item_text(item, today, extra=extra), block_id=f"agenda-item:{ref}"),
        {
            "type": "actions",
            "block_id": f"agenda-actions:{ref}",
            "elements": [
                button(closing, ids.AGENDA_DONE, ref, style="primary"),
                button("Reschedule", ids.AGENDA_RESCHEDULE, ref),
            ],
        },
    ]


class _Pager:
    """Fills messages in order, starting a new one when the next entry would not fit."""

    # Stands in for "Agenda continued (n/N)" until the total is known; as long as the real line.
    _PLACEHOLDER = "Agenda continued (000/000)"

    def __init__(self, opening: list[Block]) -> None:
        self.pages: list[list[Block]] = [opening]
        self._size = _text_size(opening)
        self._fresh = False
        self._where: tuple[int, str] | None = None  # (topic, part) of the last entry on this page
        # What earlier pages began, so that this page can say "(continued)".
        self._topics_begun: set[int] = set()
        self._parts_begun: set[tuple[int, str]] = set()

    def place(self, index: int, topic: Topic, part: str, heading: str, rows: list[Block]) -> None:
        blocks = self._lead(index, topic, part, heading) + rows
        # A fresh page takes any entry: one entry is far below both limits.
        if not self._fresh and not self._fits(blocks):
            placeholder = context(self._PLACEHOLDER)
            self.pages.append([placeholder])
            self._size, self._fresh, self._where = _text_size([placeholder]), True, None
            blocks = self._lead(index, topic, part, heading) + rows
        self.pages[-1].extend(blocks)
        self._size += _text_size(blocks)
        self._fresh, self._where = False, (index, part)
        self._topics_begun.add(index)
        self._parts_begun.add((index, part))

    def _lead(self, index: int, topic: Topic, part: str, heading: str) -> list[Block]:
        """The topic and part lines an entry needs before it on the current page."""
        lead: list[Block] = []
        if self._where is None or self._where[0] != index:
            lead.append(section(_topic_line(topic) + (" (continued)" if index in self._topics_begun else "")))
        if self._where != (index, part):
            lead.append(section(heading + (" (continued)" if (index, part) in self._parts_begun else "")))
        return lead

    def _fits(self, blocks: list[Block]) -> bool:
        return (
            len(self.pages[-1]) + len(blocks) <= MESSAGE_BLOCK_LIMIT and self._size + _text_size(blocks) <= TEXT_BUDGET
        )


def _parts(topic: Topic, agenda: Agenda) -> Iterable[tuple[str, str, Sequence[AgendaEntry]]]:
    parts: list[tuple[str, str, Sequence[AgendaEntry]]] = [
        (part, heading, getattr(topic, part)) for part, heading in _PART_TITLES.items()
    ]
    done_heading = "*Done since the last session*" if agenda.done_since is not None else "*Done so far*"
    parts.append(("done", done_heading, topic.done))
    return [part for part in parts if part[2]]


def _topic_line(topic: Topic) -> str:
    return f"*#{topic.tag}*" if topic.tag is not None else "*No account tag*"


def _counts(agenda: Agenda, *, separator: str) -> str:
    counts = agenda.counts
    done = "done since last session" if agenda.done_since is not None else "done so far"
    parts = [
        f"{counts.overdue} overdue",
        f"{counts.slipping} slipping",
        f"{counts.due_soon} due by {describe(agenda.due_until)}",
        f"{counts.decisions} {'decision' if counts.decisions == 1 else 'decisions'} pending",
        f"{counts.done} {done}",
    ]
    if counts.later:
        parts.append(f"{counts.later} more open later")
    return separator.join(parts)


def _summary(agenda: Agenda) -> str:
    # Every count, zeros included: a chair reads "0 overdue" as news too.
    return _counts(agenda, separator=" · ")


def _silent_line(owners: Sequence[str]) -> str:
    """Whole mentions only: a mention cut in half would show as raw markup."""
    text = "No check-in answer yet from "
    shown: list[str] = []
    for owner in owners:
        mention = f"<@{owner}>"
        if len(text) + len(", ".join([*shown, mention])) > SECTION_LIMIT - 40:
            break
        shown.append(mention)
    rest = len(owners) - len(shown)
    return text + ", ".join(shown) + (f" and {rest} more" if rest else "")


# One item's text


def _item_text(item: ActionItem, today: date, *, extra: Sequence[str] = ()) -> str:
    """`*A-12* Send proposal — <@U1> · due Fri 2026-12-04 · *3 days overdue* · moved 2×`.

    Only the title is ever shortened: ref, owner and date are what the session acts on.
    """
    facts = [f"<@{item.owner_id}>", *_due_facts(item, today)]
    if item.reschedule_count:
        facts.append(f"moved {item.reschedule_count}×")
    head = f"*{item.ref}* "
    tail = " — " + " · ".join(facts) + "".join("\n" + line for line in extra)
    return head + _shorten(item.title, SECTION_LIMIT - len(head) - len(tail)) + tail


def _due_facts(item: ActionItem, today: date) -> list[str]:
    verb = "due" if item.kind is ItemKind.ACTION else "decide by"
    days = (today - item.due_on).days
    if days == 0:
        return [f"{verb} {describe(item.due_on)} (today)"]
    if days > 0:
        return [f"{verb} {describe(item.due_on)}", f"*{days} {'day' if days == 1 else 'days'} overdue*"]
    return [f"{verb} {describe(item.due_on)}"]


def _closed_text(item: ActionItem, tz: tzinfo | None) -> str:
    """`✅ *A-3* Send NDA — <@U1>, done Thu 2026-11-19`; a decision adds what was decided."""
    icon, verb = _CLOSED_LOOK.get(item.status, ("✖️", item.status.value))
    closed_at = item.closed_at.astimezone(tz) if item.closed_at is not None and tz is not None else item.closed_at
    when = f" {describe(closed_at.date())}" if closed_at is not None else ""
    outcome = f": {_shorten(item.outcome, OUTCOME_LIMIT)}" if item.outcome else ""
    head = f"{icon} *{item.ref}* "
    tail = f" — <@{item.owner_id}>, {verb}{when}{outcome}"
    return head + _shorten(item.title, SECTION_LIMIT - len(head) - len(tail)) + tail


def _answer_text(answer: CheckinAnswer) -> str:
    """`🟠 At risk — “waiting for legal”`."""
    comment = f"“{_shorten(answer.comment, COMMENT_LIMIT)}”" if answer.comment else ""
    if answer.status is None:  # a comment given before any status
        return f"💬 {comment}"
    icon, label = STATUS_LOOK[answer.status]
    return f"{icon} {label}" + (f" — {comment}" if comment else "")


def _shorten(text: str, limit: int) -> str:
    """`text` within `limit` characters, cut visibly with " …" when it is longer."""
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 2, 0)]
    # Never leave half a mention or link (`<@U12`) or half an entity (`&am`): Slack shows them raw.
    opened = cut.rfind("<")
    if opened > cut.rfind(">"):
        cut = cut[:opened]
    ampersand = cut.rfind("&")
    if ampersand != -1 and ampersand >= len(cut) - 8 and ";" not in cut[ampersand:]:
        cut = cut[:ampersand]
    return cut.rstrip() + " …"


def _text_size(blocks: Iterable[Any]) -> int:
    """The characters of text in `blocks`, what Slack's per-message total counts."""
    size = 0
    for block in blocks:
        if isinstance(block, dict):
            size += sum(len(v) for k, v in block.items() if k == "text" and isinstance(v, str))
            size += _text_size(v for k, v in block.items() if isinstance(v, dict | list))
        elif isinstance(block, list):
            size += _text_size(block)
    return size


# The check-in DM


def checkin_message(
    owner_id: str,
    channel_id: str,
    starts_at: datetime,
    entries: Sequence[AgendaEntry],
    *,
    today: date,
    token: str,
) -> Message:
    """The DM asking one owner how their items stand before the session at `starts_at`.

    Every button's value is `token|ref`: the caller's opaque `token` says which session it is.
    """
    if len(token) > TOKEN_LIMIT:
        raise ValueError(f"token is {len(token)} characters; at most {TOKEN_LIMIT} fit in a button value")
    zone = getattr(starts_at.tzinfo, "key", None) or starts_at.tzname()
    when = f"{describe(starts_at.date())} {starts_at:%H:%M}" + (f" ({zone})" if zone else "")
    blocks: list[Block] = [
        section(f"*Check-in before the <#{channel_id}> session*"),
        section(
            f"Hi <@{owner_id}>! The session is on {when}. How are these going? "
            "One click each; add a comment if it helps."
        ),
    ]
    if not entries:
        blocks.append(context("Nothing of yours is on this agenda."))
    size = _text_size(blocks)
    for shown, entry in enumerate(entries):
        rows = _checkin_rows(entry, today, token)
        # Keep room for the "…and N more" line whenever more entries follow this one.
        room = 1 if shown + 1 < len(entries) else 0
        if len(blocks) + len(rows) + room > MESSAGE_BLOCK_LIMIT or size + _text_size(rows) > TEXT_BUDGET - 100:
            blocks.append(context(f"…and {len(entries) - shown} more: see `{ids.ACTION_COMMAND} list mine`"))
            break
        blocks.extend(rows)
        size += _text_size(rows)
    count = len(entries)
    fallback = (
        f"Check-in: {count} {'item' if count == 1 else 'items'} before the session on {describe(starts_at.date())}"
    )
    return blocks, fallback


def _checkin_rows(entry: AgendaEntry, today: date, token: str) -> list[Block]:
    item = entry.item
    ref = str(item.ref)
    value = f"{token}|{ref}"
    chosen = entry.checkin.status if entry.checkin else None
    rows: list[Block] = [section(_item_text(item, today), block_id=f"checkin-item:{ref}")]
    if entry.checkin:
        rows.append({**context(f"You said: {_answer_text(entry.checkin)}"), "block_id": f"checkin-answer:{ref}"})
    # The chosen answer is the primary one; "danger" is never used: a blocked item is news, not an error.
    elements = [
        button(
            STATUS_LOOK[status][1],
            ids.CHECKIN_PREFIX + status.value,
            value,
            style="primary" if status is chosen else None,
        )
        for status in CheckinStatus
    ]
    elements.append(button("Comment", ids.CHECKIN_COMMENT, value))
    rows.append({"type": "actions", "block_id": f"checkin-actions:{ref}", "elements": elements})
    return rows


def checkin_status_of(action_id: str) -> CheckinStatus | None:
    """The status a check-in button stands for (`checkin_at_risk`), None for any other action."""
    if not action_id.startswith(ids.CHECKIN_PREFIX):
        return None
    try:
        return CheckinStatus(action_id.removeprefix(ids.CHECKIN_PREFIX))
    except ValueError:
        return None
