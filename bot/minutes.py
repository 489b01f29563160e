"""The record of a session: what was decided, created, completed, moved and handed over while
the team met, and what was raised but still lacks an owner or a date."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

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
    """The minutes as CSV for the account plan document: UTF-8 with a byte-order mark, because
    Excel (notably in Japan) guesses a legacy encoding without one."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    sections = (
        ("decided", minutes.decided), ("raised", minutes.created), ("done", minutes.completed),
        ("rescheduled", minutes.rescheduled), ("reassigned", minutes.reassigned), ("cancelled", minutes.cancelled),
    )  # fmt: skip
    for name, entries in sections:
        for change, item in entries:
            writer.writerow((
                name, str(item.ref), item.title, item.owner_id, item.due_on.isoformat(), change.actor_id,
                change.at.isoformat(timespec="minutes"), change.old_value or "", change.new_value or "",
                change.reason or "",
            ))  # fmt: skip
    for draft in minutes.unfinished:
        due = draft.due_on.isoformat() if draft.due_on else ""
        writer.writerow(("no owner or date", "", draft.title or draft.text, draft.owner_id or "", due,
                         draft.author_id, "", "", "", ""))  # fmt: skip
    return "\ufeff".encode() + out.getvalue().encode()
