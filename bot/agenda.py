"""What a session's agenda holds: the promises to review, one account topic at a time.

`compose` sorts a channel's items into the sections the best session chairs run through —
overdue, slipping, due before the next session, pending decisions, done since last time — and
adds what owners answered at check-in. It is a pure function of the items and the clock, so the
same agenda is produced by the preview, the scheduled post and the tests.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.model import ActionItem, ItemKind, ItemStatus, Ref

# An item moved this many times or more is "slipping": the session should ask why.
SLIPPING_AFTER = 2


class CheckinStatus(enum.StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    BLOCKED = "blocked"
    DONE = "done"


@dataclass(frozen=True)
class CheckinAnswer:
    """What an owner said about one item before the session."""

    status: CheckinStatus | None  # None: only a comment so far
    answered_at: datetime
    comment: str | None = None


@dataclass(frozen=True)
class AgendaEntry:
    item: ActionItem
    checkin: CheckinAnswer | None = None
    owner_back_on: date | None = None  # the owner is on leave until this day


@dataclass(frozen=True)
class Topic:
    """One account tag's share of the agenda; `tag` None holds the untagged items."""

    tag: str | None
    overdue: tuple[AgendaEntry, ...] = ()
    slipping: tuple[AgendaEntry, ...] = ()
    due_soon: tuple[AgendaEntry, ...] = ()
    decisions: tuple[AgendaEntry, ...] = ()
    done: tuple[AgendaEntry, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.overdue or self.slipping or self.due_soon or self.decisions or self.done)

    @property
    def open_entries(self) -> tuple[AgendaEntry, ...]:
        return (*self.overdue, *self.slipping, *self.due_soon, *self.decisions)


@dataclass(frozen=True)
class AgendaCounts:
    overdue: int = 0
    slipping: int = 0
    due_soon: int = 0
    decisions: int = 0
    done: int = 0
    later: int = 0  # open actions due after the following session, not on this agenda


@dataclass(frozen=True)
class Agenda:
    """The agenda of the session starting at `starts_at` (aware, in the session's zone).

    `due_until` is the day before the following session (at least the session's own day): what
    falls due by then is discussed now, because the team will not meet again before it.
    `done_since` is the previous session's start.
    """

    channel_id: str
    starts_at: datetime
    today: date
    due_until: date
    done_since: datetime | None
    topics: tuple[Topic, ...]
    counts: AgendaCounts
    # Owners asked to check in who have not answered yet.
    silent_owners: tuple[str, ...] = field(default=())

    @property
    def is_empty(self) -> bool:
        return not self.topics

    def open_entries(self, owner_id: str | None = None) -> list[AgendaEntry]:
        """The open items on the agenda, in agenda order; only `owner_id`'s when given."""
        return [
            entry
            for topic in self.topics
            for entry in topic.open_entries
            if owner_id is None or entry.item.owner_id == owner_id
        ]


def compose(
    items: Iterable[ActionItem],
    *,
    channel_id: str,
    starts_at: datetime,
    following_at: datetime | None,
    done_since: datetime | None,
    today: date,
    checkins: Mapping[Ref, CheckinAnswer] | None = None,
    asked: Iterable[str] = (),
    away: Mapping[str, date] | None = None,
) -> Agenda:
    """Sort the channel's items into the agenda of the session at `starts_at`.

    Each open item appears once, in its most pressing section: overdue before slipping before
    due soon. Decisions are reviewed while pending, whatever their deadline; done items are those
    closed since `done_since` (all time when there was no previous session). Cancelled items are
    left out.
    """
    checkins = checkins or {}
    away = {owner: back for owner, back in (away or {}).items() if back > today}
    session_day = starts_at.date()
    due_until = max(following_at.date() - timedelta(days=1), session_day) if following_at else session_day
    sections: dict[str | None, dict[str, list[AgendaEntry]]] = {}
    tag_names: dict[str, str] = {}  # `Globex` and `globex` are one account: shown as first seen
    answered: set[str] = set()
    later = 0

    def put(item: ActionItem, section: str) -> None:
        tag = tag_names.setdefault(item.tag.casefold(), item.tag) if item.tag else None
        topic = sections.setdefault(tag, {})
        back_on = away.get(item.owner_id) if item.is_open else None
        topic.setdefault(section, []).append(AgendaEntry(item, checkins.get(item.ref), back_on))

    for item in items:
        if item.ref in checkins:
            answered.add(item.owner_id)
        if item.status is ItemStatus.CANCELLED:
            continue
        if not item.is_open:
            if item.closed_at is not None and (done_since is None or item.closed_at >= done_since):
                put(item, "done")
        elif item.kind is ItemKind.DECISION:
            put(item, "decisions")
        elif item.due_on < today:
            put(item, "overdue")
        elif item.reschedule_count >= SLIPPING_AFTER:
            put(item, "slipping")
        elif item.due_on <= due_until:
            put(item, "due_soon")
        else:
            later += 1

    topics = tuple(
        Topic(
            tag=tag,
            overdue=_ordered(found.get("overdue", [])),
            slipping=_ordered(found.get("slipping", [])),
            due_soon=_ordered(found.get("due_soon", [])),
            decisions=_ordered(found.get("decisions", [])),
            done=tuple(sorted(found.get("done", []), key=lambda e: (e.item.closed_at or starts_at, e.item.ref))),
        )
        # Named accounts alphabetically, the untagged last.
        for tag, found in sorted(sections.items(), key=lambda pair: (pair[0] is None, (pair[0] or "").casefold()))
    )
    counts = AgendaCounts(
        overdue=sum(len(t.overdue) for t in topics),
        slipping=sum(len(t.slipping) for t in topics),
        due_soon=sum(len(t.due_soon) for t in topics),
        decisions=sum(len(t.decisions) for t in topics),
        done=sum(len(t.done) for t in topics),
        later=later,
    )
    # Only those with something open on this agenda can still answer.
    on_agenda = {entry.item.owner_id for t in topics for entry in t.open_entries}
    silent = tuple(sorted((set(asked) & on_agenda) - answered))
    return Agenda(channel_id, starts_at, today, due_until, done_since, topics, counts, silent)


def _ordered(entries: list[AgendaEntry]) -> tuple[AgendaEntry, ...]:
    return tuple(sorted(entries, key=lambda e: (e.item.due_on, e.item.ref)))
