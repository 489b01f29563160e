"""Action items and their history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.model import ActionItem, ChangeKind, ItemChange, ItemKind, ItemStatus, Ref
from storage.tables import ActionItemRow, ItemChangeRow


@dataclass(frozen=True)
class ItemFilter:
    """Which open items to list; None means "any"."""

    owner_id: str | None = None
    kind: ItemKind | None = None
    channel_id: str | None = None
    tag: str | None = None
    due_before: date | None = None
    include_closed: bool = False


class ItemRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, workspace_id: int, item: ActionItem, *, source_key: str) -> ActionItem | None:
        """Insert the item; None when `source_key` was already used (a retried request)."""
        row = row_from_item(workspace_id, item, source_key=source_key)
        try:
            with self.session.begin_nested():
                self.session.add(row)
                self.session.flush()
        except IntegrityError:
            return None
        self._add_change(workspace_id, row, ChangeKind.CREATED, item.creator_id, item.created_at)
        return item_from_row(row)

    def by_source(self, workspace_id: int, source_key: str) -> ActionItem | None:
        row = self.session.exec(
            select(ActionItemRow).where(
                ActionItemRow.workspace_id == workspace_id, ActionItemRow.source_key == source_key
            )
        ).first()
        return item_from_row(row) if row else None

    def recent_twin(self, workspace_id: int, item: ActionItem, since: datetime) -> ActionItem | None:
        """An identical item the same person created since `since`: a re-sent command."""
        row = self.session.exec(
            select(ActionItemRow).where(
                ActionItemRow.workspace_id == workspace_id,
                ActionItemRow.kind == item.kind.value,
                ActionItemRow.creator_id == item.creator_id,
                ActionItemRow.channel_id == item.channel_id,
                ActionItemRow.owner_id == item.owner_id,
                ActionItemRow.due_on == item.due_on,
                ActionItemRow.title == item.title,
                col(ActionItemRow.created_at) >= since,
            )
        ).first()
        return item_from_row(row) if row else None

    def get(self, workspace_id: int, ref: Ref) -> ActionItem | None:
        row = self._row(workspace_id, ref)
        return item_from_row(row) if row else None

    def change(
        self,
        workspace_id: int,
        change: ItemChange,
        *,
        due_on: date | None = None,
        owner_id: str | None = None,
        status: ItemStatus | None = None,
        outcome: str | None = None,
    ) -> ActionItem:
        """Apply one change to the item and append it to the history, in the caller's transaction."""
        row = self._row(workspace_id, change.ref, for_update=True)
        if row is None:
            raise LookupError(f"no item {change.ref} in workspace {workspace_id}")
        if outcome is not None:
            row.outcome = outcome
        if due_on is not None:
            row.due_on = due_on
            row.reschedule_count += 1
        if owner_id is not None:
            row.owner_id = owner_id
        if status is not None:
            row.status = status.value
            row.closed_at = change.at if status is not ItemStatus.OPEN else None
            row.closed_by = change.actor_id if status is not ItemStatus.OPEN else None
        row.updated_at = change.at
        self.session.add(row)
        self._add_change(
            workspace_id, row, change.kind, change.actor_id, change.at,
            old=change.old_value, new=change.new_value, reason=change.reason,
        )  # fmt: skip
        return item_from_row(row)

    def history(self, workspace_id: int, ref: Ref) -> list[ItemChange]:
        rows = self.session.exec(
            select(ItemChangeRow)
            .join(ActionItemRow, col(ActionItemRow.id) == col(ItemChangeRow.item_id))
            .where(
                ActionItemRow.workspace_id == workspace_id,
                ActionItemRow.kind == ref.kind.value,
                ActionItemRow.number == ref.number,
            )
            .order_by(col(ItemChangeRow.id))
        ).all()
        return [change_from_row(row, ref) for row in rows]

    def changes_in_channel(
        self, workspace_id: int, channel_id: str, *, since: datetime, until: datetime
    ) -> list[tuple[ItemChange, ActionItem]]:
        """What happened to the channel's items in a time window, oldest first, with each item as it is now."""
        rows = self.session.exec(
            select(ItemChangeRow, ActionItemRow)
            .join(ActionItemRow, col(ActionItemRow.id) == col(ItemChangeRow.item_id))
            .where(
                ActionItemRow.workspace_id == workspace_id,
                ActionItemRow.channel_id == channel_id,
                col(ItemChangeRow.at) >= since,
                col(ItemChangeRow.at) <= until,
            )
            .order_by(col(ItemChangeRow.at), col(ItemChangeRow.id))
        ).all()
        return [(change_from_row(change, (item := item_from_row(row)).ref), item) for change, row in rows]

    def find(self, workspace_id: int, which: ItemFilter, *, limit: int) -> tuple[list[ActionItem], int]:
        """Matching items, overdue first then by due date, up to `limit`, and how many match in all."""
        query = select(ActionItemRow).where(ActionItemRow.workspace_id == workspace_id)
        if not which.include_closed:
            query = query.where(ActionItemRow.status == ItemStatus.OPEN.value)
        if which.owner_id is not None:
            query = query.where(ActionItemRow.owner_id == which.owner_id)
        if which.kind is not None:
            query = query.where(ActionItemRow.kind == which.kind.value)
        if which.channel_id is not None:
            query = query.where(ActionItemRow.channel_id == which.channel_id)
        if which.tag is not None:
            query = query.where(func.lower(ActionItemRow.tag) == which.tag.lower())
        if which.due_before is not None:
            query = query.where(col(ActionItemRow.due_on) < which.due_before)
        total = self.session.exec(select(func.count()).select_from(query.subquery())).one()
        rows = self.session.exec(
            query.order_by(col(ActionItemRow.due_on), col(ActionItemRow.kind), col(ActionItemRow.number)).limit(limit)
        ).all()
        return [item_from_row(row) for row in rows], total

    def for_agenda(self, workspace_id: int, channel_id: str, *, closed_since: datetime | None) -> list[ActionItem]:
        """The channel's open items, and those closed since `closed_since` (ever, when None)."""
        recently_closed = ActionItemRow.status != ItemStatus.OPEN.value
        if closed_since is not None:
            recently_closed = and_(recently_closed, col(ActionItemRow.closed_at) >= closed_since)
        rows = self.session.execute(
            select(*ITEM_COLUMNS)
            .where(
                ActionItemRow.workspace_id == workspace_id,
                ActionItemRow.channel_id == channel_id,
                or_(ActionItemRow.status == ItemStatus.OPEN.value, recently_closed),
            )
            .order_by(col(ActionItemRow.due_on), col(ActionItemRow.kind), col(ActionItemRow.number))
        ).all()
        return [item_from_values(row) for row in rows]

    def _row(self, workspace_id: int, ref: Ref, *, for_update: bool = False) -> ActionItemRow | None:
        query = select(ActionItemRow).where(
            ActionItemRow.workspace_id == workspace_id,
            ActionItemRow.kind == ref.kind.value,
            ActionItemRow.number == ref.number,
        )
        if for_update:
            query = query.with_for_update()
        return self.session.exec(query).first()

    def _add_change(
        self,
        workspace_id: int,
        row: ActionItemRow,
        kind: ChangeKind,
        actor_id: str,
        at: datetime,
        *,
        old: str | None = None,
        new: str | None = None,
        reason: str | None = None,
    ) -> None:
        assert row.id is not None
        change = ItemChange(Ref(ItemKind(row.kind), row.number), kind, actor_id, at, old, new, reason)
        self.session.add(change_row(workspace_id, row.id, change))


def row_from_item(workspace_id: int, item: ActionItem, *, source_key: str) -> ActionItemRow:
    """The row for a new item; `item.number` must already be taken."""
    return ActionItemRow(
        workspace_id=workspace_id,
        kind=item.kind.value,
        number=item.number,
        title=item.title,
        owner_id=item.owner_id,
        creator_id=item.creator_id,
        channel_id=item.channel_id,
        due_on=item.due_on,
        tag=item.tag,
        status=item.status.value,
        source_key=source_key,
        source_link=item.source_link,
        created_at=item.created_at,
        updated_at=item.created_at,
        closed_at=item.closed_at,
        closed_by=item.closed_by,
        outcome=item.outcome,
    )


def change_row(workspace_id: int, item_id: int, change: ItemChange) -> ItemChangeRow:
    """The history row for a change to the item stored as `item_id`."""
    return ItemChangeRow(
        workspace_id=workspace_id,
        item_id=item_id,
        kind=change.kind.value,
        actor_id=change.actor_id,
        at=change.at,
        old_value=change.old_value,
        new_value=change.new_value,
        reason=change.reason,
    )


def change_from_row(row: ItemChangeRow, ref: Ref) -> ItemChange:
    return ItemChange(
        ref=ref,
        kind=ChangeKind(row.kind),
        actor_id=row.actor_id,
        at=row.at,
        old_value=row.old_value,
        new_value=row.new_value,
        reason=row.reason,
    )


# An ActionItem's columns, in the order `item_from_values` unpacks them. Bulk reads (an agenda of
# thousands of items) select just these as plain rows: an ORM object per row, or reading a row's
# fields by name, took longer than the query itself.
ITEM_COLUMNS = tuple(
    col(column)
    for column in (
        ActionItemRow.number, ActionItemRow.title, ActionItemRow.owner_id, ActionItemRow.creator_id,
        ActionItemRow.due_on, ActionItemRow.channel_id, ActionItemRow.status, ActionItemRow.created_at,
        ActionItemRow.tag, ActionItemRow.source_link, ActionItemRow.reschedule_count, ActionItemRow.closed_at,
        ActionItemRow.closed_by, ActionItemRow.kind, ActionItemRow.outcome, ActionItemRow.snoozed_until,
        ActionItemRow.nudges_off,
    )
)  # fmt: skip


def item_from_values(values: Sequence[Any]) -> ActionItem:
    """The item from a row of `ITEM_COLUMNS`."""
    (
        number, title, owner_id, creator_id, due_on, channel_id, status, created_at, tag, source_link,
        reschedule_count, closed_at, closed_by, kind, outcome, snoozed_until, nudges_off,
    ) = values  # fmt: skip
    return ActionItem(
        number=number, title=title, owner_id=owner_id, creator_id=creator_id, due_on=due_on,
        channel_id=channel_id, status=ItemStatus(status), created_at=created_at, tag=tag, source_link=source_link,
        reschedule_count=reschedule_count, closed_at=closed_at, closed_by=closed_by, kind=ItemKind(kind),
        outcome=outcome, snoozed_until=snoozed_until, nudges_off=nudges_off,
    )  # fmt: skip


def item_from_row(row: ActionItemRow) -> ActionItem:
    return ActionItem(
        number=row.number,
        title=row.title,
        owner_id=row.owner_id,
        creator_id=row.creator_id,
        due_on=row.due_on,
        channel_id=row.channel_id,
        status=ItemStatus(row.status),
        created_at=row.created_at,
        tag=row.tag,
        source_link=row.source_link,
        reschedule_count=row.reschedule_count,
        closed_at=row.closed_at,
        closed_by=row.closed_by,
        kind=ItemKind(row.kind),
        outcome=row.outcome,
        snoozed_until=row.snoozed_until,
        nudges_off=row.nudges_off,
    )
