"""Session rhythms per channel, their skipped or moved occurrences, and check-in answers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlmodel import Session, col, delete, select

from bot.agenda import CheckinAnswer, CheckinStatus
from bot.lead_time import LeadTime
from bot.model import ItemKind, Ref
from bot.recurrence import Rhythm
from bot.schedule import Schedule
from bot.workdays import WorkCalendar
from storage.nudges import NudgeRepository
from storage.tables import ActionItemRow, CheckinRow, PersonRow, SessionChangeRow, SessionRow


class SessionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._calendars: dict[tuple[int, str], WorkCalendar] = {}

    def get(self, workspace_id: int, channel_id: str) -> Schedule | None:
        row = self._row(workspace_id, channel_id)
        return self._schedule(row) if row is not None else None

    def save(self, workspace_id: int, schedule: Schedule, now: datetime) -> Schedule:
        """Insert or update the channel's session; skips and moves of the old rule are dropped
        when the rule itself changes, because they named occurrences of that rule."""
        row = self._row(workspace_id, schedule.channel_id, for_update=True)
        if row is None:
            row = SessionRow(workspace_id=workspace_id, channel_id=schedule.channel_id, owner_id=schedule.owner_id)
        elif (row.rule, row.tz, row.anchor) != (schedule.rhythm.rule, schedule.rhythm.tz, _anchor(schedule.rhythm)):
            self.session.exec(delete(SessionChangeRow).where(col(SessionChangeRow.session_id) == row.id))
        row.rule = schedule.rhythm.rule
        row.tz = schedule.rhythm.tz
        row.anchor = _anchor(schedule.rhythm)
        row.agenda_lead = _lead_text(schedule.agenda_lead)
        row.checkin_lead = _lead_text(schedule.checkin_lead)
        row.duration_minutes = schedule.duration_minutes
        row.active = schedule.active
        row.owner_id = schedule.owner_id
        row.updated_at = now
        self.session.add(row)
        self.session.flush()
        return self._schedule(row)

    def set_change(self, session_id: int, original_on: date, moved_to: datetime | None, actor_id: str) -> None:
        row = self.session.exec(
            select(SessionChangeRow).where(
                SessionChangeRow.session_id == session_id, SessionChangeRow.original_on == original_on
            )
        ).first() or SessionChangeRow(session_id=session_id, original_on=original_on, actor_id=actor_id)
        row.moved_to = moved_to
        row.actor_id = actor_id
        self.session.add(row)
        self.session.flush()

    def in_workspace(self, workspace_id: int) -> list[Schedule]:
        rows = self.session.exec(
            select(SessionRow).where(SessionRow.workspace_id == workspace_id).order_by(col(SessionRow.channel_id))
        ).all()
        return [self._schedule(row) for row in rows]

    def all_active(self) -> list[tuple[int, Schedule]]:
        """Every active session of every workspace, with its workspace's row id: what the planner
        looks at on each tick, read in two queries however many sessions there are."""
        rows = self.session.exec(
            select(SessionRow).where(col(SessionRow.active).is_(True)).order_by(col(SessionRow.id))
        ).all()
        changes: dict[int, list[SessionChangeRow]] = {}
        ids = [row.id for row in rows]
        if ids:
            for change in self.session.exec(select(SessionChangeRow).where(col(SessionChangeRow.session_id).in_(ids))):
                changes.setdefault(change.session_id, []).append(change)
        return [(row.workspace_id, self._schedule(row, changes.get(row.id or 0, []))) for row in rows]

    # Check-ins

    def answer(
        self, session_id: int, occurrence: datetime, workspace_id: int, ref: Ref, owner_id: str,
        status: CheckinStatus | None, comment: str | None, now: datetime,
    ) -> bool:  # fmt: skip
        """Record an owner's answer (a status, a comment, or both); False when the item is gone."""
        item_id = self.session.exec(
            select(ActionItemRow.id).where(
                ActionItemRow.workspace_id == workspace_id,
                ActionItemRow.kind == ref.kind.value,
                ActionItemRow.number == ref.number,
            )
        ).first()
        if item_id is None:
            return False
        row = self.session.exec(
            select(CheckinRow).where(
                CheckinRow.session_id == session_id, CheckinRow.occurrence == occurrence, CheckinRow.item_id == item_id
            )
        ).first()
        if row is None:
            row = CheckinRow(
                session_id=session_id, occurrence=occurrence, item_id=item_id, owner_id=owner_id, answered_at=now
            )
        if status is not None:
            row.status = status.value
        if comment is not None:
            row.comment = comment.strip() or None
        row.owner_id = owner_id
        row.answered_at = now
        self.session.add(row)
        self.session.flush()
        return True

    def answers(self, session_id: int, occurrence: datetime) -> dict[Ref, CheckinAnswer]:
        rows = self.session.exec(
            select(CheckinRow, ActionItemRow.kind, ActionItemRow.number)
            .join(ActionItemRow, col(ActionItemRow.id) == col(CheckinRow.item_id))
            .where(CheckinRow.session_id == session_id, CheckinRow.occurrence == occurrence)
        ).all()
        return {
            Ref(ItemKind(kind), number): CheckinAnswer(
                CheckinStatus(row.status) if row.status else None, row.answered_at, row.comment
            )
            for row, kind, number in rows
        }

    def _row(self, workspace_id: int, channel_id: str, *, for_update: bool = False) -> SessionRow | None:
        query = select(SessionRow).where(SessionRow.workspace_id == workspace_id, SessionRow.channel_id == channel_id)
        if for_update:
            query = query.with_for_update()
        return self.session.exec(query).first()

    def _schedule(self, row: SessionRow, changes: Sequence[SessionChangeRow] | None = None) -> Schedule:
        assert row.id is not None
        if changes is None:
            changes = self.session.exec(select(SessionChangeRow).where(SessionChangeRow.session_id == row.id)).all()
        return Schedule(
            id=row.id,
            channel_id=row.channel_id,
            rhythm=Rhythm(rule=row.rule, tz=row.tz, start=datetime.fromisoformat(row.anchor)),
            agenda_lead=_lead(row.agenda_lead),
            checkin_lead=_lead(row.checkin_lead),
            duration_minutes=row.duration_minutes,
            active=row.active,
            owner_id=row.owner_id,
            changes={change.original_on: change.moved_to for change in changes},
            workdays=self._workdays(row.workspace_id, row.owner_id),
        )

    def _workdays(self, workspace_id: int, owner_id: str) -> WorkCalendar:
        """The session owner's business days: lead times count in the calendar nudges use."""
        if (workspace_id, owner_id) not in self._calendars:
            prefs = NudgeRepository(self.session).prefs(workspace_id, owner_id)
            locale = self.session.exec(
                select(PersonRow.locale).where(PersonRow.workspace_id == workspace_id, PersonRow.user_id == owner_id)
            ).first()
            self._calendars[(workspace_id, owner_id)] = prefs.calendar(locale)
        return self._calendars[(workspace_id, owner_id)]


def _anchor(rhythm: Rhythm) -> str:
    return rhythm.start.replace(tzinfo=None).isoformat(timespec="minutes")


def _lead_text(lead: LeadTime) -> str:
    return f"{lead.amount} {lead.unit}"


def _lead(text: str) -> LeadTime:
    amount, _, unit = text.partition(" ")
    return LeadTime(int(amount), unit)
