"""The action-item desk: capture, change and list items, with the rules on who may do what.

Every method is one transaction. Announcements (a confirmation to post, a card to refresh)
are queued in the outbox inside that same transaction, so an item is never stored without
its announcement, and an announcement never goes out for an item that was not stored.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from secrets import token_hex

from bot.clock import Clock, today_in
from bot.intake import Mention, Understood, check_fields, normalise_tag, read_capture
from bot.model import (
    ActionItem,
    ChangeKind,
    ItemChange,
    ItemKind,
    ItemStatus,
    Outgoing,
    Person,
    Ref,
    SavedDraft,
    Scope,
)
from bot.nudges import replan, replan_open
from storage.items import ItemFilter
from storage.store import Store, Tx

# A command sent again within this window with the very same content is the same item
# (a user retyping after a timeout), not a second one.
TWIN_WINDOW = timedelta(minutes=10)
# A cached profile older than this is refreshed from the platform, after the answer is sent.
PROFILE_MAX_AGE = timedelta(hours=24)
LIST_LIMIT = 40


class Outcome(enum.StrEnum):
    CHANGED = "changed"
    NOT_FOUND = "not_found"
    NOT_ALLOWED = "not_allowed"
    ALREADY_CLOSED = "already_closed"
    UNCHANGED = "unchanged"
    INVALID = "invalid"


@dataclass(frozen=True)
class Captured:
    item: ActionItem
    duplicate: bool = False


@dataclass(frozen=True)
class Refused:
    understood: Understood
    draft_id: int


@dataclass(frozen=True)
class ChangeResult:
    outcome: Outcome
    item: ActionItem | None = None
    change: ItemChange | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.CHANGED


class ListKind(enum.StrEnum):
    MINE = "mine"
    PERSON = "person"
    TAG = "tag"
    OVERDUE = "overdue"
    CHANNEL = "here"
    ALL = "all"


@dataclass(frozen=True)
class ListQuery:
    kind: ListKind = ListKind.MINE
    user_id: str | None = None
    tag: str | None = None
    channel_id: str | None = None
    # Actions, decisions, or both (None: the App Home shows everything a person owns).
    item_kind: ItemKind | None = ItemKind.ACTION


@dataclass(frozen=True)
class Listing:
    query: ListQuery
    items: list[ActionItem]
    total: int
    today: date


@dataclass(frozen=True)
class Announce:
    """An announcement to queue with a change: a kind the adapter renders, and its target
    (a platform-specific address string), plus anything else the adapter needs to know."""

    target: str
    kind: str
    extra: dict[str, object] = field(default_factory=dict)


class Tracker:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    # People

    def cached_person(self, scope: Scope, user_id: str) -> tuple[Person, bool] | None:
        """The cached profile and whether it is stale; None when the user was never seen."""
        return self.cached_people(scope, [user_id]).get(user_id)

    def cached_people(self, scope: Scope, user_ids: list[str]) -> dict[str, tuple[Person, bool]]:
        """`cached_person` for several users in one read; the never-seen are left out."""
        now = self.clock.now()
        with self.store.transaction() as tx:
            found = tx.workspaces.people(tx.workspaces.ensure(scope, now), user_ids)
        return {
            user_id: (person, now - refreshed_at > PROFILE_MAX_AGE) for user_id, (person, refreshed_at) in found.items()
        }

    def remember_person(self, scope: Scope, person: Person) -> None:
        """Cache the profile; if their zone, locale or leave changed, re-plan their items' nudges."""
        now = self.clock.now()
        with self.store.transaction() as tx:
            workspace_id = tx.workspaces.ensure(scope, now)
            known = tx.workspaces.person(workspace_id, person.user_id)
            tx.workspaces.save_person(workspace_id, person, now)
            before = known[0] if known is not None else Person(person.user_id)
            if (before.tz, before.locale, before.status_away_until) != (
                person.tz, person.locale, person.status_away_until,
            ):  # fmt: skip
                replan_open(tx, workspace_id, now, owner_id=person.user_id)

    def today_for(self, person: Person) -> date:
        return today_in(person.tz, self.clock.now())

    # Capture

    def capture(
        self,
        scope: Scope,
        *,
        author: Person,
        channel_id: str,
        text: str,
        mentions: list[Mention],
        source_key: str,
        kind: ItemKind = ItemKind.ACTION,
    ) -> Captured | Refused:
        """Store the item read from `text`, or keep it as a draft and say what is missing."""
        with self.store.transaction() as tx:
            _, result = self.capture_in(
                tx, scope, author=author, channel_id=channel_id, text=text, mentions=mentions,
                source_key=source_key, kind=kind, now=self.clock.now(),
            )  # fmt: skip
            return result

    def capture_in(
        self,
        tx: Tx,
        scope: Scope,
        *,
        author: Person,
        channel_id: str,
        text: str,
        mentions: list[Mention],
        source_key: str,
        kind: ItemKind,
        now: datetime,
    ) -> tuple[int, Captured | Refused]:
        """`capture` inside a transaction the caller holds (the inbox works many in one)."""
        workspace_id = tx.workspaces.ensure(scope, now)
        # Serialises captures per workspace, so two copies of one request (a retry in
        # flight) cannot both pass the duplicate checks below.
        tx.workspaces.lock(workspace_id)
        earlier = tx.items.by_source(workspace_id, source_key)
        if earlier is not None:
            return workspace_id, Captured(earlier, duplicate=True)
        understood = read_capture(
            text,
            mentions=mentions,
            author_id=author.user_id,
            today=today_in(author.tz, now),
            locale=author.locale,
            default_tag=tx.workspaces.default_tag(workspace_id, channel_id),
            workdays=tx.nudges.prefs(workspace_id, author.user_id).calendar(author.locale),
        )
        if not understood.complete:
            draft = SavedDraft(
                author_id=author.user_id,
                channel_id=channel_id,
                text=text,
                title=understood.title,
                owner_id=understood.owner_id,
                due_on=understood.due_on,
                tag=understood.tag,
                kind=kind,
            )
            return workspace_id, Refused(understood, tx.workspaces.add_draft(workspace_id, draft, now))
        assert understood.owner_id is not None and understood.due_on is not None
        return workspace_id, self._store_item(
            tx,
            workspace_id,
            title=understood.title,
            owner_id=understood.owner_id,
            due_on=understood.due_on,
            tag=understood.tag,
            author=author,
            channel_id=channel_id,
            source_key=source_key,
            source_link=None,
            now=now,
            announce=None,
            kind=kind,
        )

    def save_draft(self, scope: Scope, draft: SavedDraft) -> int:
        now = self.clock.now()
        with self.store.transaction() as tx:
            return tx.workspaces.add_draft(tx.workspaces.ensure(scope, now), draft, now)

    def draft(self, scope: Scope, draft_id: int) -> SavedDraft | None:
        with self.store.transaction() as tx:
            return tx.workspaces.draft(tx.workspaces.ensure(scope, self.clock.now()), draft_id)

    def complete(
        self,
        scope: Scope,
        *,
        author: Person,
        channel_id: str,
        title: str,
        owner_id: str | None,
        due_on: date | None,
        tag: str | None,
        source_key: str,
        source_link: str | None = None,
        draft_id: int | None = None,
        announce: Announce | None = None,
        kind: ItemKind = ItemKind.ACTION,
    ) -> Captured | Refused:
        """Store an item whose fields were entered one by one (the completion form)."""
        tag = normalise_tag(tag)  # typed into the form as `#globex` as often as `globex`
        now = self.clock.now()
        with self.store.transaction() as tx:
            workspace_id = tx.workspaces.ensure(scope, now)
            # Serialises captures per workspace, so two copies of one request (a retry in
            # flight) cannot both pass the duplicate checks below.
            tx.workspaces.lock(workspace_id)
            earlier = tx.items.by_source(workspace_id, source_key)
            if earlier is not None:
                return Captured(earlier, duplicate=True)
            problems = check_fields(title=title, owner_id=owner_id, due_on=due_on, today=today_in(author.tz, now))
            if problems:
                understood = Understood(
                    title=title, owner_id=owner_id, due_on=due_on, tag=tag, problems=tuple(problems)
                )
                return Refused(understood, draft_id or 0)
            assert owner_id is not None and due_on is not None
            captured = self._store_item(
                tx,
                workspace_id,
                title=" ".join(title.split()),
                owner_id=owner_id,
                due_on=due_on,
                tag=tag,
                author=author,
                channel_id=channel_id,
                source_key=source_key,
                source_link=source_link,
                now=now,
                announce=announce,
                kind=kind,
            )
            if draft_id:
                tx.workspaces.delete_draft(workspace_id, draft_id)
            return captured

    def _store_item(
        self,
        tx: Tx,
        workspace_id: int,
        *,
        title: str,
        owner_id: str,
        due_on: date,
        tag: str | None,
        author: Person,
        channel_id: str,
        source_key: str,
        source_link: str | None,
        now: datetime,
        announce: Announce | None,
        kind: ItemKind,
    ) -> Captured:
        candidate = ActionItem(
            number=0,
            title=title,
            owner_id=owner_id,
            creator_id=author.user_id,
            due_on=due_on,
            channel_id=channel_id,
            status=ItemStatus.OPEN,
            created_at=now,
            tag=tag,
            source_link=source_link,
            kind=kind,
        )
        twin = tx.items.recent_twin(workspace_id, candidate, now - TWIN_WINDOW)
        if twin is not None:
            return Captured(twin, duplicate=True)
        number = tx.workspaces.take_number(workspace_id, kind)
        item = tx.items.add(workspace_id, replace(candidate, number=number), source_key=source_key)
        if item is None:  # unreachable while the workspace lock is held; kept as a guard
            earlier = tx.items.by_source(workspace_id, source_key)
            assert earlier is not None
            return Captured(earlier, duplicate=True)
        placed = tx.nudges.placed(workspace_id, item.ref)
        assert placed is not None
        replan(tx, placed, now, reset=True)
        if announce is not None:
            tx.outbox.put(
                workspace_id,
                Outgoing(
                    key=f"{announce.kind}:{item.ref}",
                    kind=announce.kind,
                    target=announce.target,
                    data={"item": str(item.ref), **announce.extra},
                    due_at=now,
                ),
            )
        return Captured(item)

    # Changes

    def mark_done(self, scope: Scope, ref: Ref, actor: Person, *, refresh: Announce | None = None) -> ChangeResult:
        return self._change(scope, ref, actor, ChangeKind.DONE, refresh=refresh)

    def decide(
        self, scope: Scope, ref: Ref, actor: Person, outcome: str, *, refresh: Announce | None = None
    ) -> ChangeResult:
        return self._change(scope, ref, actor, ChangeKind.DECIDED, outcome=outcome, refresh=refresh)

    def cancel(
        self, scope: Scope, ref: Ref, actor: Person, *, reason: str | None = None, refresh: Announce | None = None
    ) -> ChangeResult:
        return self._change(scope, ref, actor, ChangeKind.CANCELLED, reason=reason, refresh=refresh)

    def reschedule(
        self, scope: Scope, ref: Ref, actor: Person, new_due: date, *, reason: str | None = None,
        refresh: Announce | None = None,
    ) -> ChangeResult:  # fmt: skip
        return self._change(scope, ref, actor, ChangeKind.RESCHEDULED, new_due=new_due, reason=reason, refresh=refresh)

    def reassign(
        self, scope: Scope, ref: Ref, actor: Person, new_owner: str, *, reason: str | None = None,
        refresh: Announce | None = None,
    ) -> ChangeResult:  # fmt: skip
        return self._change(
            scope, ref, actor, ChangeKind.REASSIGNED, new_owner=new_owner, reason=reason, refresh=refresh
        )

    def _change(
        self,
        scope: Scope,
        ref: Ref,
        actor: Person,
        kind: ChangeKind,
        *,
        new_due: date | None = None,
        new_owner: str | None = None,
        outcome: str | None = None,
        reason: str | None = None,
        refresh: Announce | None = None,
    ) -> ChangeResult:
        now = self.clock.now()
        with self.store.transaction() as tx:
            workspace_id = tx.workspaces.ensure(scope, now)
            item = tx.items.get(workspace_id, ref)
            if item is None:
                return ChangeResult(Outcome.NOT_FOUND)
            if not may_change(item, actor):
                return ChangeResult(Outcome.NOT_ALLOWED, item)
            if not item.is_open:
                return ChangeResult(Outcome.ALREADY_CLOSED, item)
            old: str | None = None
            new: str | None = None
            status: ItemStatus | None = None
            if kind is ChangeKind.DONE:
                status = ItemStatus.DONE
            elif kind is ChangeKind.DECIDED:
                if item.kind is not ItemKind.DECISION:
                    return ChangeResult(Outcome.INVALID, item, detail="not_a_decision")
                outcome = " ".join((outcome or "").split())
                if not outcome:
                    return ChangeResult(Outcome.INVALID, item, detail="no_outcome")
                status, new = ItemStatus.DECIDED, outcome
            elif kind is ChangeKind.CANCELLED:
                status = ItemStatus.CANCELLED
            elif kind is ChangeKind.RESCHEDULED:
                assert new_due is not None
                if new_due == item.due_on:
                    return ChangeResult(Outcome.UNCHANGED, item, detail="due")
                problems = check_fields(
                    title=item.title, owner_id=item.owner_id, due_on=new_due, today=today_in(actor.tz, now)
                )
                if problems:
                    return ChangeResult(Outcome.INVALID, item, detail=problems[0].detail)
                old, new = item.due_on.isoformat(), new_due.isoformat()
            elif kind is ChangeKind.REASSIGNED:
                assert new_owner is not None
                if new_owner == item.owner_id:
                    return ChangeResult(Outcome.UNCHANGED, item, detail="owner")
                old, new = item.owner_id, new_owner
            change = ItemChange(
                ref=ref, kind=kind, actor_id=actor.user_id, at=now,
                old_value=old, new_value=new, reason=(reason or "").strip() or None,
            )  # fmt: skip
            changed = tx.items.change(
                workspace_id, change, due_on=new_due, owner_id=new_owner, status=status, outcome=outcome
            )
            placed = tx.nudges.placed(workspace_id, ref)
            assert placed is not None
            # A new date or owner starts the ladder afresh; a closed item leaves it.
            replan(tx, placed, now, reset=kind in (ChangeKind.RESCHEDULED, ChangeKind.REASSIGNED))
            if refresh is not None:
                tx.outbox.put(
                    workspace_id,
                    Outgoing(
                        # Every change gets its own refresh, even two in the same instant.
                        key=f"{refresh.kind}:{ref}:{now.isoformat()}:{token_hex(4)}",
                        kind=refresh.kind,
                        target=refresh.target,
                        data={"item": str(ref), **refresh.extra},
                        due_at=now,
                    ),
                )
            return ChangeResult(Outcome.CHANGED, changed, change)

    # Reading

    def item(self, scope: Scope, ref: Ref) -> ActionItem | None:
        with self.store.transaction() as tx:
            return tx.items.get(tx.workspaces.ensure(scope, self.clock.now()), ref)

    def history(self, scope: Scope, ref: Ref) -> list[ItemChange]:
        with self.store.transaction() as tx:
            return tx.items.history(tx.workspaces.ensure(scope, self.clock.now()), ref)

    def list_items(self, scope: Scope, query: ListQuery, viewer: Person, *, limit: int = LIST_LIMIT) -> Listing:
        today = self.today_for(viewer)
        which = {
            ListKind.MINE: ItemFilter(owner_id=viewer.user_id),
            ListKind.PERSON: ItemFilter(owner_id=query.user_id),
            ListKind.TAG: ItemFilter(tag=query.tag),
            ListKind.OVERDUE: ItemFilter(due_before=today),
            ListKind.CHANNEL: ItemFilter(channel_id=query.channel_id),
            ListKind.ALL: ItemFilter(),
        }[query.kind]
        which = replace(which, kind=query.item_kind)
        with self.store.transaction() as tx:
            items, total = tx.items.find(tx.workspaces.ensure(scope, self.clock.now()), which, limit=limit)
        return Listing(query, items, total, today)


def may_change(item: ActionItem, actor: Person) -> bool:
    """Only the owner, the creator or a workspace admin may change an item."""
    return actor.user_id in (item.owner_id, item.creator_id) or actor.is_admin
