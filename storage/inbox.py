"""The inbox: requests written before they are acknowledged, taken and removed once worked."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, func, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from bot.model import Scope
from storage.db import URGENT
from storage.tables import InboxRow


def add_received(
    engine: Engine, received: Sequence[tuple[Scope, str, dict[str, Any], datetime]]
) -> set[tuple[str, str, str]]:
    """Write a batch of requests in one transaction; return (enterprise, team, key) of the new ones.

    A key already in the inbox (a retried request, or one still being worked) is skipped, not an
    error. One statement for the whole batch: this runs before Slack gets its acknowledgement.
    """
    rows = [
        {
            "platform": scope.platform,
            "enterprise_id": scope.enterprise_id,
            "team_id": scope.team_id,
            "key": key,
            "payload": json.dumps(payload, ensure_ascii=False),
            "received_at": at,
            "attempts": 0,
        }
        for scope, key, payload, at in received
    ]
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(InboxRow)
        .on_conflict_do_nothing(index_elements=["platform", "enterprise_id", "team_id", "key"])
        .returning(col(InboxRow.enterprise_id), col(InboxRow.team_id), col(InboxRow.key))
    )
    with engine.execution_options(**URGENT).begin() as connection:
        added = connection.execute(statement, rows).all()
    return {(enterprise, team, key) for enterprise, team, key in added}


@dataclass(frozen=True)
class Waiting:
    row_id: int
    scope: Scope
    key: str
    payload: dict[str, Any]
    received_at: datetime


class InboxRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def take(self, limit: int, *, scope: Scope | None = None) -> list[Waiting]:
        """The oldest waiting requests, locked for this transaction (other workers skip them)."""
        query = select(InboxRow).order_by(col(InboxRow.id)).limit(limit).with_for_update(skip_locked=True)
        if scope is not None:
            query = query.where(
                InboxRow.platform == scope.platform,
                InboxRow.enterprise_id == scope.enterprise_id,
                InboxRow.team_id == scope.team_id,
            )
        rows = self.session.exec(query).all()
        return [
            Waiting(
                row_id=row.id or 0,
                scope=Scope(row.platform, row.team_id, row.enterprise_id),
                key=row.key,
                payload=json.loads(row.payload),
                received_at=row.received_at,
            )
            for row in rows
        ]

    def remove(self, row_ids: Sequence[int]) -> None:
        if row_ids:
            self.session.execute(delete(InboxRow).where(col(InboxRow.id).in_(row_ids)))

    def failed(self, row_id: int, error: str) -> int:
        """Count a failed attempt at working the request; returns the attempts so far."""
        self.session.execute(
            update(InboxRow)
            .where(col(InboxRow.id) == row_id)
            .values(attempts=InboxRow.attempts + 1, last_error=error[:2000])
        )
        return self.session.exec(select(InboxRow.attempts).where(InboxRow.id == row_id)).one()

    def waiting(self) -> int:
        return self.session.exec(select(func.count()).select_from(InboxRow)).one()
