"""Workspaces, their people (cached profiles), channel settings and unfinished drafts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select

from bot.model import ItemKind, Person, SavedDraft, Scope
from storage.tables import ChannelRow, DraftRow, PersonRow, WorkspaceRow


class WorkspaceRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def ensure(self, scope: Scope, now: datetime) -> int:
        """The workspace's row id, creating the row on first contact."""
        found = self._find(scope)
        if found is not None:
            return found
        try:
            with self.session.begin_nested():
                row = WorkspaceRow(
                    platform=scope.platform,
                    enterprise_id=scope.enterprise_id,
                    team_id=scope.team_id,
                    created_at=now,
                )
                self.session.add(row)
                self.session.flush()
        except IntegrityError:
            # Another request created it first; use theirs.
            found = self._find(scope)
            assert found is not None
            return found
        assert row.id is not None
        return row.id

    def _find(self, scope: Scope) -> int | None:
        return self.session.exec(
            select(WorkspaceRow.id).where(
                WorkspaceRow.platform == scope.platform,
                WorkspaceRow.enterprise_id == scope.enterprise_id,
                WorkspaceRow.team_id == scope.team_id,
            )
        ).first()

    def lock(self, workspace_id: int) -> None:
        """Hold the workspace row until the transaction ends (PostgreSQL; SQLite has one writer)."""
        self.session.get(WorkspaceRow, workspace_id, with_for_update=True, populate_existing=True)

    def take_number(self, workspace_id: int, kind: ItemKind) -> int:
        row = self.session.get(WorkspaceRow, workspace_id, with_for_update=True, populate_existing=True)
        assert row is not None
        if kind is ItemKind.ACTION:
            number = row.next_action_number
            row.next_action_number = number + 1
        else:
            number = row.next_decision_number
            row.next_decision_number = number + 1
        self.session.add(row)
        return number

    # People

    def person(self, workspace_id: int, user_id: str) -> tuple[Person, datetime] | None:
        """The cached profile and when it was fetched, or None if never seen."""
        row = self._person_row(workspace_id, user_id)
        if row is None:
            return None
        return _person(row), row.refreshed_at

    def people(self, workspace_id: int, user_ids: Sequence[str]) -> dict[str, tuple[Person, datetime]]:
        """`person` for several users in one query; the never-seen are left out."""
        rows = self.session.exec(
            select(PersonRow).where(PersonRow.workspace_id == workspace_id, col(PersonRow.user_id).in_(user_ids))
        ).all()
        return {row.user_id: (_person(row), row.refreshed_at) for row in rows}

    def statuses_away_until(self, workspace_id: int, user_ids: Sequence[str]) -> dict[str, date]:
        """The end of the leave each of these users shows in their chat status, for those showing one.

        One query for all: an agenda asks this for every owner on it.
        """
        if not user_ids:
            return {}
        rows = self.session.exec(
            select(PersonRow.user_id, PersonRow.status_away_until).where(
                PersonRow.workspace_id == workspace_id,
                col(PersonRow.user_id).in_(user_ids),
                col(PersonRow.status_away_until).is_not(None),
            )
        ).all()
        return {user_id: until for user_id, until in rows if until is not None}

    def save_person(self, workspace_id: int, person: Person, now: datetime) -> None:
        """Insert or update the cached profile. Two requests may learn of a new user at once:
        the second insert then finds the first one's row and updates it instead."""
        row = self._person_row(workspace_id, person.user_id)
        if row is None:
            try:
                with self.session.begin_nested():
                    self.session.add(
                        self._fill(PersonRow(workspace_id=workspace_id, user_id=person.user_id), person, now)
                    )
                    self.session.flush()
                return
            except IntegrityError:
                row = self._person_row(workspace_id, person.user_id)
                assert row is not None
        self.session.add(self._fill(row, person, now))

    @staticmethod
    def _fill(row: PersonRow, person: Person, now: datetime) -> PersonRow:
        row.tz = person.tz
        row.locale = person.locale
        row.is_admin = person.is_admin
        row.display_name = person.display_name
        row.status_away_until = person.status_away_until
        row.refreshed_at = now
        return row

    def _person_row(self, workspace_id: int, user_id: str) -> PersonRow | None:
        return self.session.exec(
            select(PersonRow).where(PersonRow.workspace_id == workspace_id, PersonRow.user_id == user_id)
        ).first()

    # Channels

    def default_tag(self, workspace_id: int, channel_id: str) -> str | None:
        return self.session.exec(
            select(ChannelRow.default_tag).where(
                ChannelRow.workspace_id == workspace_id, ChannelRow.channel_id == channel_id
            )
        ).first()

    def set_default_tag(self, workspace_id: int, channel_id: str, tag: str | None) -> None:
        row = self.session.exec(
            select(ChannelRow).where(ChannelRow.workspace_id == workspace_id, ChannelRow.channel_id == channel_id)
        ).first() or ChannelRow(workspace_id=workspace_id, channel_id=channel_id)
        row.default_tag = tag
        self.session.add(row)
        self.session.flush()

    # Drafts

    def add_draft(self, workspace_id: int, draft: SavedDraft, now: datetime) -> int:
        row = DraftRow(
            workspace_id=workspace_id,
            kind=draft.kind.value,
            author_id=draft.author_id,
            channel_id=draft.channel_id,
            text=draft.text,
            title=draft.title,
            owner_id=draft.owner_id,
            due_on=draft.due_on,
            tag=draft.tag,
            source_link=draft.source_link,
            created_at=now,
        )
        self.session.add(row)
        self.session.flush()
        assert row.id is not None
        return row.id

    def drafts_in_channel(
        self, workspace_id: int, channel_id: str, *, since: datetime, until: datetime
    ) -> list[SavedDraft]:
        """Refused captures still waiting for their owner or date, written in a time window."""
        rows = self.session.exec(
            select(DraftRow)
            .where(
                DraftRow.workspace_id == workspace_id,
                DraftRow.channel_id == channel_id,
                col(DraftRow.created_at) >= since,
                col(DraftRow.created_at) <= until,
            )
            .order_by(col(DraftRow.id))
        ).all()
        return [_draft(row) for row in rows]

    def draft(self, workspace_id: int, draft_id: int) -> SavedDraft | None:
        row = self.session.exec(
            select(DraftRow).where(DraftRow.workspace_id == workspace_id, DraftRow.id == draft_id)
        ).first()
        return _draft(row) if row is not None else None

    def delete_draft(self, workspace_id: int, draft_id: int) -> None:
        row = self.session.exec(
            select(DraftRow).where(DraftRow.workspace_id == workspace_id, DraftRow.id == draft_id)
        ).first()
        if row is not None:
            self.session.delete(row)

    # Uninstalls

    def purge(self, platform: str, enterprise_id: str, team_id: str | None) -> int:
        """Delete a workspace and everything it owns; with `team_id` None, every workspace of the
        Enterprise Grid organisation (an org-wide uninstall). How many workspaces went."""
        chosen = [WorkspaceRow.platform == platform, WorkspaceRow.enterprise_id == enterprise_id]
        if team_id is not None:
            chosen.append(WorkspaceRow.team_id == team_id)
        workspace_ids = list(self.session.exec(select(WorkspaceRow.id).where(*chosen)))
        # Children first: every foreign key still finds its parent until the parent goes.
        for table, rows in reversed(_owned_rows(workspace_ids, platform, enterprise_id, team_id)):
            self.session.execute(sa.delete(table).where(rows))
        return len(workspace_ids)


def _owned_rows(
    workspace_ids: list[int | None], platform: str, enterprise_id: str, team_id: str | None
) -> list[tuple[sa.Table, sa.ColumnElement[bool]]]:
    """Each table's rows that belong to these workspaces, parents before children.

    Read from the schema rather than listed, so a table added later is purged too: its rows have
    a workspace_id, carry the workspace's keys (rows written before the workspace's row exists),
    or hang off rows that do.
    """
    owned: dict[sa.Table, sa.ColumnElement[bool]] = {}
    for table in SQLModel.metadata.sorted_tables:
        columns = table.c
        if table.name == WorkspaceRow.__tablename__:
            owned[table] = columns.id.in_(workspace_ids)
        elif "workspace_id" in columns:
            owned[table] = columns.workspace_id.in_(workspace_ids)
        elif {"platform", "enterprise_id", "team_id"} <= set(columns.keys()):
            keys = [columns.platform == platform, columns.enterprise_id == enterprise_id]
            owned[table] = sa.and_(*keys, *([columns.team_id == team_id] if team_id is not None else []))
        else:
            parents = [
                key.parent.in_(sa.select(key.column).where(owned[key.column.table]))
                for key in table.foreign_keys
                if key.column.table in owned
            ]
            if parents:
                owned[table] = sa.or_(*parents)
    return list(owned.items())


def _person(row: PersonRow) -> Person:
    return Person(
        user_id=row.user_id,
        tz=row.tz,
        locale=row.locale,
        is_admin=row.is_admin,
        display_name=row.display_name,
        status_away_until=row.status_away_until,
    )


def _draft(row: DraftRow) -> SavedDraft:
    assert row.id is not None
    return SavedDraft(
        id=row.id,
        kind=ItemKind(row.kind),
        author_id=row.author_id,
        channel_id=row.channel_id,
        text=row.text,
        title=row.title,
        owner_id=row.owner_id,
        due_on=row.due_on,
        tag=row.tag,
        source_link=row.source_link,
    )
