"""The record of a session: what was decided, created, completed, moved and handed over while
the team met, and what was raised but still lacks an owner or a date."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.excel_csv import excel_csv
from bot.model import ActionItem, ChangeKind, ItemChange, SavedDraft

Entry = tuple[ItemChange, ActionItem]


@dataclass(frozen=True)
class Minutes:
    channel_id: str
    starts_at: datetime
    until: datetime
    decided: tuple[Entry, ...] = ()
    created: tuple[Entry, ...] = ()
    completed: tuple[Entry, ...] = ()
    rescheduled: tuple[Entry, ...] = ()
    reassigned: tuple[Entry, ...] = ()
    cancelled: tuple[Entry, ...] = ()
    # Captures refused as incomplete during the session and not finished since.
    unfinished: tuple[SavedDraft, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (
            self.decided or self.created or self.completed or self.rescheduled or self.reassigned
            or self.cancelled or self.unfinished
        )  # fmt: skip


def compose_minutes(
    changes: Iterable[Entry], unfinished: Iterable[SavedDraft], *, channel_id: str, starts_at: datetime,
    until: datetime,
) -> Minutes:  # fmt: skip
    by_kind: dict[str, list[Entry]] = {}
    for change, item in changes:
        by_kind.setdefault(change.kind.value, []).append((change, item))
    return Minutes(
        channel_id=channel_id,
        starts_at=starts_at,
        until=until,
        decided=tuple(by_kind.get(ChangeKind.DECIDED.value, [])),
        created=tuple(by_kind.get(ChangeKind.CREATED.value, [])),  # actions and decisions raised
        completed=tuple(by_kind.get(ChangeKind.DONE.value, [])),
        rescheduled=tuple(by_kind.get(ChangeKind.RESCHEDULED.value, [])),
        reassigned=tuple(by_kind.get(ChangeKind.REASSIGNED.value, [])),
        cancelled=tuple(by_kind.get(ChangeKind.CANCELLED.value, [])),
        unfinished=tuple(unfinished),
    )


CSV_COLUMNS = ("section", "item", "title", "owner", "due", "by", "at", "from", "to", "reason")


def minutes_csv(minutes: Minutes) -> bytes:
    """The minutes as CSV for the account plan document, as spreadsheets open it (bot.excel_csv)."""
    sections = (
        ("decided", minutes.decided), ("raised", minutes.created), ("done", minutes.completed),
        ("rescheduled", minutes.rescheduled), ("reassigned", minutes.reassigned), ("cancelled", minutes.cancelled),
    )  # fmt: skip
    rows = [_change_cells(name, change, item) for name, entries in sections for change, item in entries]
    rows += [_draft_cells(draft) for draft in minutes.unfinished]
    return excel_csv(CSV_COLUMNS, rows)


def _change_cells(section: str, change: ItemChange, item: ActionItem) -> tuple[str, ...]:
    return (
        section, str(item.ref), item.title, item.owner_id, item.due_on.isoformat(), change.actor_id,
        change.at.isoformat(timespec="minutes"), change.old_value or "", change.new_value or "", change.reason or "",
    )  # fmt: skip


def _draft_cells(draft: SavedDraft) -> tuple[str, ...]:
    due = draft.due_on.isoformat() if draft.due_on else ""
    title = draft.title or draft.text
    return ("no owner or date", "", title, draft.owner_id or "", due, draft.author_id, "", "", "", "")
