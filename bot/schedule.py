"""A channel's session schedule: its rhythm, lead times and one-off changes, and the moments
that follow from them (when the session starts, when its check-in and agenda go out, when it ends).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.lead_time import DEFAULT_AGENDA_LEAD, DEFAULT_CHECKIN_LEAD, LeadTime, moment_before
from bot.recurrence import Rhythm, occurrences, previous_occurrence
from bot.workdays import STANDARD, WorkCalendar

DEFAULT_DURATION_MINUTES = 60


@dataclass(frozen=True)
class Schedule:
    channel_id: str
    rhythm: Rhythm
    owner_id: str
    agenda_lead: LeadTime = DEFAULT_AGENDA_LEAD
    checkin_lead: LeadTime = DEFAULT_CHECKIN_LEAD
    duration_minutes: int = DEFAULT_DURATION_MINUTES
    active: bool = True
    # Original occurrence day → None (skipped) or where it was moved to.
    changes: Mapping[date, datetime | None] = field(default_factory=dict)
    id: int | None = None
    # The session owner's business days, in which business-day lead times count.
    workdays: WorkCalendar = STANDARD

    def upcoming(self, now: datetime, count: int = 3) -> list[datetime]:
        """The next `count` sessions that have not started yet, in the session's zone."""
        return occurrences(self.rhythm, after=now, count=count, changes=self.changes)

    def next_session(self, now: datetime) -> datetime | None:
        found = self.upcoming(now, 1)
        return found[0] if found else None

    def previous_session(self, before: datetime) -> datetime | None:
        return previous_occurrence(self.rhythm, before=before, changes=self.changes)

    def agenda_at(self, starts_at: datetime) -> datetime:
        return moment_before(self.agenda_lead, starts_at, self.workdays)

    def checkin_at(self, starts_at: datetime) -> datetime:
        return moment_before(self.checkin_lead, self.agenda_at(starts_at), self.workdays)

    def ends_at(self, starts_at: datetime) -> datetime:
        return starts_at + timedelta(minutes=self.duration_minutes)
