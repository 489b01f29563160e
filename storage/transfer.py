"""Account plans in and out: many items inserted at once with their history, and read back with it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_
from sqlmodel import Session, col, select

from bot.model import ActionItem, ItemChange, ItemKind, Ref, Scope
from storage.items import change_from_row, change_row, item_from_row, row_from_item
from storage.nudges import Placed
from storage.tables import ActionItemRow, ItemChangeRow, PersonRow, WorkspaceRow

# Keys per IN (...) list: far below SQLite's and PostgreSQL's limits on bound parameters.
KEY_CHUNK = 500


@dataclass(frozen=True)
class NewItem:
    """An item to insert (its number already taken), the key that makes a second import find it,
    and its history lines (at least the one that created it)."""

    item: ActionItem
    source_key: str
    history: tuple[ItemChange, ...]


@dataclass(frozen=True)
class ExportRow:
    item: ActionItem
    owner_name: str | None
    history: tuple[ItemChange, ...]


class TransferRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def scopes(self, platform: str, team_id: str) -> list[Scope]:
        """The workspaces stored under this team id (more than one only across Enterprise Grid orgs)."""
        rows = self.session.exec(
            select(WorkspaceRow.enterprise_id).where(WorkspaceRow.platform == platform, WorkspaceRow.team_id == team_id)
        ).all()
        return [Scope(platform, team_id, enterprise_id) for enterprise_id in rows]

    def team_ids(self, platform: str) -> list[str]:
        return list(self.session.exec(select(WorkspaceRow.team_id).where(WorkspaceRow.platform == platform)).all())

    def imported(self, workspace_id: int, keys: Sequence[str]) -> dict[str, Ref]:
        """Which of these import keys are already stored, and as which item."""
        found: dict[str, Ref] = {}
        for start in range(0, len(keys), KEY_CHUNK):
            rows = self.session.exec(
                select(ActionItemRow.source_key, ActionItemRow.kind, ActionItemRow.number).where(
                    ActionItemRow.workspace_id == workspace_id,
                    col(ActionItemRow.source_key).in_(keys[start : start + KEY_CHUNK]),
                )
            ).all()
            found.update((key, Ref(ItemKind(kind), number)) for key, kind, number in rows)
        return found

    def add(self, workspace_id: int, new: Sequence[NewItem]) -> list[Placed]:
        """Insert the items and their history lines, in one flush per table."""
        rows = [row_from_item(workspace_id, entry.item, source_key=entry.source_key) for entry in new]
        self.session.add_all(rows)
        self.session.flush()
        changes, placed = [], []
        for entry, row in zip(new, rows, strict=True):
            assert row.id is not None
            placed.append(Placed(workspace_id, row.id, item_from_row(row), row.created_at))
            changes += [change_row(workspace_id, row.id, change) for change in entry.history]
        self.session.add_all(changes)
        self.session.flush()
        return placed

    def export(self, workspace_id: int, channel_id: str | None) -> list[ExportRow]:
        """The workspace's items (or one channel's), open and closed, by kind and number, with history."""
        query = select(ActionItemRow, PersonRow.display_name).outerjoin(
            PersonRow,
            and_(PersonRow.workspace_id == ActionItemRow.workspace_id, PersonRow.user_id == ActionItemRow.owner_id),
        )
        query = query.where(ActionItemRow.workspace_id == workspace_id)
        if channel_id is not None:
            query = query.where(ActionItemRow.channel_id == channel_id)
        rows = self.session.exec(query.order_by(col(ActionItemRow.kind), col(ActionItemRow.number))).all()
        history = self._history(workspace_id, channel_id)
        return [ExportRow(item_from_row(row), name, tuple(history.get(row.id or 0, ()))) for row, name in rows]

    def _history(self, workspace_id: int, channel_id: str | None) -> dict[int, list[ItemChange]]:
        query = (
            select(ItemChangeRow, ActionItemRow.kind, ActionItemRow.number)
            .join(ActionItemRow, col(ActionItemRow.id) == col(ItemChangeRow.item_id))
            .where(ItemChangeRow.workspace_id == workspace_id)
        )
        if channel_id is not None:
            query = query.where(ActionItemRow.channel_id == channel_id)
        found: dict[int, list[ItemChange]] = {}
        for change, kind, number in self.session.exec(query.order_by(col(ItemChangeRow.id))).all():
            ref = Ref(ItemKind(kind), number)
            found.setdefault(change.item_id, []).append(change_from_row(change, ref))
        return found
