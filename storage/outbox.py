"""The outbox: durable, de-duplicated, claimable messages to deliver."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.model import OutboxEntry, Outgoing, Scope
from storage.tables import OutboxRow, WorkspaceRow

# How many due rows a claim looks through, per row it may claim, to find distinct conversations.
LOOK_AHEAD = 10


class OutboxRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def put(self, workspace_id: int, message: Outgoing) -> bool:
        """Queue the message; False when one with the same key was queued before."""
        row = OutboxRow(
            workspace_id=workspace_id,
            # Keys are written by the core per workspace; the column is unique across all.
            key=f"{workspace_id}/{message.key}",
            kind=message.kind,
            target=message.target,
            data=json.dumps(message.data, ensure_ascii=False),
            due_at=message.due_at,
            first_due_at=message.due_at,
        )
        try:
            with self.session.begin_nested():
                self.session.add(row)
                self.session.flush()
        except IntegrityError:
            return False
        return True

    def has(self, workspace_id: int, key: str) -> bool:
        return (
            self.session.exec(select(OutboxRow.id).where(OutboxRow.key == f"{workspace_id}/{key}")).first() is not None
        )

    def open_for_more(self, workspace_id: int, key: str) -> bool:
        """Whether the message queued under `key` was never tried, so more can be put into it.

        The row is locked until the transaction ends: a worker claiming it meanwhile waits, and
        then composes the message with what was added.
        """
        row = self.session.exec(
            select(OutboxRow).where(OutboxRow.key == f"{workspace_id}/{key}").with_for_update()
        ).first()
        return (
            row is not None
            and row.sent_at is None
            and row.gave_up_at is None
            and row.attempts == 0
            and (row.claimed_until is None)
        )

    def existing_keys(self, workspace_id: int, keys: Sequence[str]) -> list[str]:
        """Those of `keys` (the workspace's own part of the key) that were ever queued.

        Exact keys, not a prefix: a LIKE on the key cannot search its index (SQLite's LIKE ignores
        case; PostgreSQL's needs byte-order collation), and the outbox keeps every message sent.
        """
        if not keys:
            return []
        full = [f"{workspace_id}/{key}" for key in keys]
        rows = self.session.exec(select(OutboxRow.key).where(col(OutboxRow.key).in_(full))).all()
        return [key.partition("/")[2] for key in rows]

    def message_id(self, workspace_id: int, key: str) -> str | None:
        """The platform's id of the message sent for `key` (None when not sent yet)."""
        return self.session.exec(select(OutboxRow.message_id).where(OutboxRow.key == f"{workspace_id}/{key}")).first()

    def claim_due(self, now: datetime, *, worker: str, lease: timedelta, limit: int) -> list[OutboxEntry]:
        """Claim up to `limit` due rows for `lease`, the first due of each conversation only;
        rows whose lease ran out are claimable again.

        One row per conversation: a conversation takes about a message a second, so a batch of
        rows to one busy channel would keep the others waiting behind it; the next row of a
        conversation is claimed by a later sweep, after its predecessor went out.

        On PostgreSQL, SKIP LOCKED lets several workers claim disjoint rows at once; SQLite
        ignores FOR UPDATE, so the compare-and-set in the UPDATE is what keeps a row to one worker.
        """
        claimable = or_(col(OutboxRow.claimed_until).is_(None), col(OutboxRow.claimed_until) < now)
        candidates = self.session.exec(
            select(OutboxRow.id, OutboxRow.workspace_id, OutboxRow.target)
            .where(
                col(OutboxRow.sent_at).is_(None),
                col(OutboxRow.gave_up_at).is_(None),
                col(OutboxRow.due_at) <= now,
                claimable,
            )
            .order_by(col(OutboxRow.due_at), col(OutboxRow.id))
            .limit(limit * LOOK_AHEAD)
            .with_for_update(skip_locked=True)
        ).all()
        firsts: dict[tuple[int, str], int] = {}
        for row_id, workspace_id, target in candidates:
            if len(firsts) == limit:
                break
            firsts.setdefault((workspace_id, target), row_id)
        claimed: list[OutboxEntry] = []
        for row_id in firsts.values():
            result = self.session.execute(
                update(OutboxRow)
                .where(col(OutboxRow.id) == row_id, claimable)
                .values(
                    claimed_until=now + lease,
                    claimed_by=worker,
                    attempts=OutboxRow.attempts + 1,
                )
            )
            if result.rowcount == 1:  # type: ignore[attr-defined]
                claimed.append(self._entry(row_id))
        return claimed

    def mark_sent(self, row_id: int, *, message_id: str | None, now: datetime) -> None:
        row = self.session.get(OutboxRow, row_id)
        assert row is not None
        row.sent_at = now
        row.message_id = message_id
        row.claimed_until = None
        row.last_error = None
        self.session.add(row)

    def retry_later(self, row_id: int, *, error: str, at: datetime) -> None:
        row = self.session.get(OutboxRow, row_id)
        assert row is not None
        row.due_at = at
        row.claimed_until = None
        row.last_error = error
        self.session.add(row)

    def give_up(self, row_id: int, *, error: str, now: datetime) -> None:
        row = self.session.get(OutboxRow, row_id)
        assert row is not None
        row.gave_up_at = now
        row.claimed_until = None
        row.last_error = error
        self.session.add(row)

    def release(self, row_ids: list[int], *, worker: str, tried: bool) -> None:
        """Hand back rows `worker` claimed but did not settle (it is shutting down), claimable at once.

        `tried`: a send was started and may have reached the platform, so the attempt counts and
        the retry looks for the message before sending it again. Otherwise the claim is undone.
        """
        if not row_ids:
            return
        self.session.execute(
            update(OutboxRow)
            .where(
                col(OutboxRow.id).in_(row_ids),
                col(OutboxRow.claimed_by) == worker,
                col(OutboxRow.claimed_until).is_not(None),
                col(OutboxRow.sent_at).is_(None),
                col(OutboxRow.gave_up_at).is_(None),
            )
            .values(claimed_until=None, attempts=OutboxRow.attempts - (0 if tried else 1))
        )

    def due_summary(self, now: datetime) -> tuple[int, datetime | None]:
        """How many unsent rows are due at `now`, and the earliest `due_at` among them.

        A range scan of the due index (sent_at, gave_up_at, due_at): cheap however much was sent.
        """
        count, oldest = self.session.execute(
            select(func.count(), func.min(OutboxRow.due_at)).where(
                col(OutboxRow.sent_at).is_(None), col(OutboxRow.gave_up_at).is_(None), col(OutboxRow.due_at) <= now
            )
        ).one()
        return int(count), oldest

    def pending_count(self) -> int:
        return self.session.exec(
            select(func.count()).where(col(OutboxRow.sent_at).is_(None), col(OutboxRow.gave_up_at).is_(None))
        ).one()

    def next_due_at(self) -> datetime | None:
        return self.session.exec(
            select(OutboxRow.due_at)
            .where(col(OutboxRow.sent_at).is_(None), col(OutboxRow.gave_up_at).is_(None))
            .order_by(col(OutboxRow.due_at))
        ).first()

    def _entry(self, row_id: int) -> OutboxEntry:
        row, workspace = self.session.exec(
            select(OutboxRow, WorkspaceRow)
            .join(WorkspaceRow, col(WorkspaceRow.id) == col(OutboxRow.workspace_id))
            .where(OutboxRow.id == row_id)
            .execution_options(populate_existing=True)
        ).one()
        assert row.id is not None
        return OutboxEntry(
            id=row.id,
            scope=Scope(workspace.platform, workspace.team_id, workspace.enterprise_id),
            message=Outgoing(
                key=row.key.partition("/")[2],
                kind=row.kind,
                target=row.target,
                data=json.loads(row.data),
                due_at=row.due_at,
            ),
            attempts=row.attempts,
            first_due_at=row.first_due_at or row.due_at,
        )
