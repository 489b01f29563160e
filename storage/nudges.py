"""Nudge state: each item's place on its ladder, steps taken, people's working time, channel ladders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.ladder import Ladder
from bot.model import ActionItem, ItemStatus, Ref
from bot.working_time import WorkPrefs
from storage.items import item_from_row
from storage.tables import ActionItemRow, ChannelRow, NudgeRow, PrefsRow, WorkspaceRow


@dataclass(frozen=True)
class Placed:
    """An open item as the nudge planner sees it."""

    workspace_id: int
    row_id: int
    item: ActionItem
    nudged_until: datetime


@dataclass(frozen=True)
class Move:
    """An item's new place on its ladder, written with many others in one statement."""

    row_id: int
    nudge_at: datetime | None
    nudged_until: datetime
    snoozed_until: datetime | None


class NudgeRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # Items on their ladders

    def due(self, now: datetime, *, limit: int) -> list[Placed]:
        """Open items whose next nudge moment has come, oldest first, locked against other planners."""
        rows = self.session.exec(
            select(ActionItemRow)
            .where(col(ActionItemRow.nudge_at) <= now, ActionItemRow.status == ItemStatus.OPEN.value)
            .order_by(col(ActionItemRow.nudge_at), col(ActionItemRow.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        return [_placed(row) for row in rows]

    def placed(self, workspace_id: int, ref: Ref) -> Placed | None:
        row = self.session.exec(
            select(ActionItemRow).where(
                ActionItemRow.workspace_id == workspace_id,
                ActionItemRow.kind == ref.kind.value,
                ActionItemRow.number == ref.number,
            )
        ).first()
        return _placed(row) if row is not None else None

    def open_items(
        self, workspace_id: int, *, owner_id: str | None = None, channel_id: str | None = None
    ) -> list[Placed]:
        query = select(ActionItemRow).where(
            ActionItemRow.workspace_id == workspace_id, ActionItemRow.status == ItemStatus.OPEN.value
        )
        if owner_id is not None:
            query = query.where(ActionItemRow.owner_id == owner_id)
        if channel_id is not None:
            query = query.where(ActionItemRow.channel_id == channel_id)
        return [_placed(row) for row in self.session.exec(query).all()]

    def place(
        self, row_id: int, *, nudge_at: datetime | None, nudged_until: datetime | None = None,
        snoozed_until: datetime | bool | None = False, nudges_off: bool | None = None,
    ) -> None:  # fmt: skip
        """Set the item's next nudge moment, and (when given) what is handled, snooze and opt-out."""
        row = self.session.get(ActionItemRow, row_id)
        assert row is not None
        row.nudge_at = nudge_at
        if nudged_until is not None:
            row.nudged_until = nudged_until
        if snoozed_until is not False:
            row.snoozed_until = snoozed_until  # type: ignore[assignment]
        if nudges_off is not None:
            row.nudges_off = nudges_off
        self.session.add(row)

    def move_all(self, moves: list[Move]) -> None:
        if moves:
            self.session.execute(
                update(ActionItemRow),
                [
                    {"id": move.row_id, "nudge_at": move.nudge_at, "nudged_until": move.nudged_until,
                     "snoozed_until": move.snoozed_until}
                    for move in moves
                ],
            )  # fmt: skip

    def take_steps(self, workspace_id: int, steps: list[tuple[int, str]], message_key: str, now: datetime) -> None:
        """Record that these items' steps go out in `message_key`.

        The planner holds the items' row locks, so no one else records steps for them meanwhile;
        the unique (item, step) still turns a logic error into a failed transaction, not a repeat.
        """
        self.session.add_all(
            NudgeRow(workspace_id=workspace_id, item_id=row_id, step=step, message_key=message_key, at=now)
            for row_id, step in steps
        )
        self.session.flush()

    def in_message(self, workspace_id: int, message_key: str) -> list[tuple[ActionItem, str]]:
        """The items a nudge message is about, with the step each is at, in due-date order."""
        rows = self.session.exec(
            select(ActionItemRow, NudgeRow.step)
            .join(NudgeRow, col(NudgeRow.item_id) == col(ActionItemRow.id))
            .where(NudgeRow.workspace_id == workspace_id, NudgeRow.message_key == message_key)
            .order_by(col(ActionItemRow.due_on), col(ActionItemRow.kind), col(ActionItemRow.number))
        ).all()
        return [(item_from_row(row), step) for row, step in rows]

    # People's working time

    def prefs(self, workspace_id: int, user_id: str) -> WorkPrefs:
        """What the user chose, with the workspace's country when they chose none."""
        return self.prefs_of(workspace_id, [user_id])[user_id]

    def prefs_of(self, workspace_id: int, user_ids: list[str]) -> dict[str, WorkPrefs]:
        country = self.workspace_country(workspace_id)
        rows = self.session.exec(
            select(PrefsRow).where(PrefsRow.workspace_id == workspace_id, col(PrefsRow.user_id).in_(user_ids))
        ).all()
        found = {row.user_id: _prefs(row) for row in rows}
        return {user_id: _with_country(found.get(user_id, WorkPrefs()), country) for user_id in dict.fromkeys(user_ids)}

    def own_prefs(self, workspace_id: int, user_id: str) -> WorkPrefs:
        """What the user chose themselves (no workspace fallback): what `/action prefs` shows and edits."""
        row = self._prefs_row(workspace_id, user_id)
        return _prefs(row) if row is not None else WorkPrefs()

    def save_prefs(self, workspace_id: int, user_id: str, prefs: WorkPrefs) -> None:
        row = self._prefs_row(workspace_id, user_id)
        if row is None:
            row = PrefsRow(workspace_id=workspace_id, user_id=user_id)
        row.work_days = "".join(str(day) for day in sorted(prefs.days)) if prefs.days else None
        row.country = prefs.country
        row.starts = prefs.starts.strftime("%H:%M")
        row.ends = prefs.ends.strftime("%H:%M")
        row.away_until = prefs.away_until
        row.daily_digest = prefs.daily_digest
        self.session.add(row)
        self.session.flush()

    def workspace_country(self, workspace_id: int) -> str | None:
        return self.session.exec(select(WorkspaceRow.country).where(WorkspaceRow.id == workspace_id)).first()

    def set_workspace_country(self, workspace_id: int, country: str | None) -> None:
        row = self.session.get(WorkspaceRow, workspace_id)
        assert row is not None
        row.country = country
        self.session.add(row)

    def _prefs_row(self, workspace_id: int, user_id: str) -> PrefsRow | None:
        return self.session.exec(
            select(PrefsRow).where(PrefsRow.workspace_id == workspace_id, PrefsRow.user_id == user_id)
        ).first()

    # Channel ladders

    def ladder(self, workspace_id: int, channel_id: str) -> Ladder:
        row = self._channel_row(workspace_id, channel_id)
        return _ladder(row) if row is not None else Ladder()

    def save_ladder(self, workspace_id: int, channel_id: str, ladder: Ladder) -> None:
        row = self._channel_row(workspace_id, channel_id) or ChannelRow(
            workspace_id=workspace_id, channel_id=channel_id
        )
        row.nudge_before = ",".join(str(days) for days in ladder.before)
        row.nudge_every = ladder.every
        row.nudge_escalate_after = ladder.escalate_after or 0
        row.nudges_on = ladder.enabled
        self.session.add(row)
        self.session.flush()

    def _channel_row(self, workspace_id: int, channel_id: str) -> ChannelRow | None:
        return self.session.exec(
            select(ChannelRow).where(ChannelRow.workspace_id == workspace_id, ChannelRow.channel_id == channel_id)
        ).first()


def _placed(row: ActionItemRow) -> Placed:
    assert row.id is not None
    return Placed(row.workspace_id, row.id, item_from_row(row), row.nudged_until or row.created_at)


def _prefs(row: PrefsRow) -> WorkPrefs:
    return WorkPrefs(
        days=frozenset(int(day) for day in row.work_days) if row.work_days else None,
        country=row.country,
        starts=time.fromisoformat(row.starts),
        ends=time.fromisoformat(row.ends),
        away_until=row.away_until,
        daily_digest=row.daily_digest,
    )


def _with_country(prefs: WorkPrefs, country: str | None) -> WorkPrefs:
    if prefs.country is not None or country is None:
        return prefs
    return WorkPrefs(prefs.days, country, prefs.starts, prefs.ends, prefs.away_until, prefs.daily_digest)


def _ladder(row: ChannelRow) -> Ladder:
    defaults = Ladder()
    before = tuple(int(days) for days in row.nudge_before.split(",") if days) if row.nudge_before else defaults.before
    escalate = row.nudge_escalate_after
    return Ladder(
        before=before,
        every=row.nudge_every or defaults.every,
        escalate_after=defaults.escalate_after if escalate is None else (escalate or None),
        enabled=row.nudges_on,
    )
