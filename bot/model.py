"""The domain's plain values: what the core hands to adapters and receives from them.

Nothing here knows about a chat platform or a database; handlers render these, storage maps them.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date, datetime


class UserError(ValueError):
    """A request that cannot be carried out, with a short message for the person who made it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Scope:
    """One workspace of one platform: every row and every query is tied to exactly one.

    `enterprise_id` is "" outside Enterprise Grid so it can take part in unique keys.
    """

    platform: str
    team_id: str
    enterprise_id: str = ""


class ItemKind(enum.StrEnum):
    """Action items (A-12) and pending decisions (D-3) share one life cycle and one table."""

    ACTION = "action"
    DECISION = "decision"

    @property
    def prefix(self) -> str:
        return "A" if self is ItemKind.ACTION else "D"


class ItemStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    DECIDED = "decided"
    CANCELLED = "cancelled"


class ChangeKind(enum.StrEnum):
    CREATED = "created"
    DONE = "done"
    DECIDED = "decided"
    RESCHEDULED = "rescheduled"
    REASSIGNED = "reassigned"
    CANCELLED = "cancelled"


@dataclass(frozen=True, order=True)
class Ref:
    """An item's short name within its workspace: `A-12`, `D-3`."""

    kind: ItemKind
    number: int

    def __str__(self) -> str:
        return f"{self.kind.prefix}-{self.number}"


@dataclass(frozen=True)
class ActionItem:
    """An action item, or a pending decision, as users see it; `ref` (A-12, D-3) names it."""

    number: int
    title: str
    owner_id: str
    creator_id: str
    due_on: date
    channel_id: str
    status: ItemStatus
    created_at: datetime
    tag: str | None = None
    source_link: str | None = None
    reschedule_count: int = 0
    closed_at: datetime | None = None
    closed_by: str | None = None
    kind: ItemKind = ItemKind.ACTION
    outcome: str | None = None
    snoozed_until: datetime | None = None
    nudges_off: bool = False  # the owner asked not to be nudged about it

    @property
    def ref(self) -> Ref:
        return Ref(self.kind, self.number)

    @property
    def is_open(self) -> bool:
        return self.status is ItemStatus.OPEN

    def days_left(self, today: date) -> int:
        return (self.due_on - today).days


@dataclass(frozen=True)
class ItemChange:
    """One line of an item's history: who changed what, when, from what to what, and why."""

    ref: Ref
    kind: ChangeKind
    actor_id: str
    at: datetime
    old_value: str | None = None
    new_value: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Person:
    """What the core needs to know about a user: their clock, their language, their rights."""

    user_id: str
    tz: str = "UTC"
    locale: str | None = None
    is_admin: bool = False
    display_name: str | None = None
    # The first day back from a vacation shown in their chat status, where the platform shows one.
    status_away_until: date | None = None


@dataclass(frozen=True)
class SavedDraft:
    """A capture that was refused as incomplete, kept so a form can finish it later."""

    author_id: str
    channel_id: str
    text: str
    title: str
    owner_id: str | None = None
    due_on: date | None = None
    tag: str | None = None
    source_link: str | None = None
    id: int | None = None
    kind: ItemKind = ItemKind.ACTION


_REF = re.compile(r"^(?:([ad])-?|#)?(\d{1,9})$", re.IGNORECASE)


def parse_ref(text: str, *, default: ItemKind = ItemKind.ACTION) -> Ref | None:
    """Read `A-12`, `a12`, `D-3`, `#12` or `12` (of the `default` kind); None when it is no reference."""
    match = _REF.match(text.strip())
    if not match:
        return None
    prefix = (match.group(1) or "").upper()
    kind = {"A": ItemKind.ACTION, "D": ItemKind.DECISION}.get(prefix, default)
    return Ref(kind, int(match.group(2)))


@dataclass(frozen=True)
class Outgoing:
    """A message the core wants delivered: what (`kind` + `data`), to whom (`target`), when.

    `key` names the announcement ("item-posted:A-12"): the outbox refuses a second row with the
    same key, so one announcement is delivered once however often it is asked for. Adapters
    render `kind` + `data` in their platform's format at send time, from the current state.
    """

    key: str
    kind: str
    target: str
    data: dict[str, object]
    due_at: datetime


@dataclass(frozen=True)
class OutboxEntry:
    """A claimed outbox row, handed to the platform's courier."""

    id: int
    scope: Scope
    message: Outgoing
    attempts: int
    first_due_at: datetime  # `message.due_at` is the current try's
