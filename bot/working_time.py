"""When someone can be reached: their working days, hours, holidays, leave — in their own zone.

`WorkPrefs` is what a user set with `/action prefs` and `/action away` (each field None or the
default when they set nothing); `WorkingTime` turns it, with their zone, into the one question the
nudge planner asks: what is the first moment at or after this one that they are at work?
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from bot.clock import zone
from bot.recurrence import local_instant
from bot.workdays import MONDAY_TO_FRIDAY, WorkCalendar, country_from_locale

DAY_STARTS = time(9)
DAY_ENDS = time(18)


@dataclass(frozen=True)
class WorkPrefs:
    days: frozenset[int] | None = None  # None: Monday to Friday
    country: str | None = None  # None: the workspace's country, else the one in the Slack locale
    starts: time = DAY_STARTS
    ends: time = DAY_ENDS
    away_until: date | None = None  # the first day back
    daily_digest: bool = True  # at most one nudge DM a day

    def calendar(self, locale: str | None) -> WorkCalendar:
        return WorkCalendar(self.days or MONDAY_TO_FRIDAY, self.country or country_from_locale(locale))


@dataclass(frozen=True)
class WorkingTime:
    calendar: WorkCalendar
    tz: str
    starts: time = DAY_STARTS
    ends: time = DAY_ENDS
    away_until: date | None = None

    def today(self, now: datetime) -> date:
        return now.astimezone(zone(self.tz)).date()

    def day_start(self, day: date) -> datetime:
        """The start of working hours on `day`, as a UTC instant."""
        return local_instant(datetime.combine(day, self.starts), zone(self.tz)).astimezone(UTC)

    def is_working_day(self, day: date) -> bool:
        return self.calendar.is_business_day(day) and (self.away_until is None or day >= self.away_until)

    def next_working_moment(self, at: datetime) -> datetime:
        """`at` if it falls in working hours on a working day, else the start of the next working day."""
        local = at.astimezone(zone(self.tz))
        day = local.date()
        if self.is_working_day(day) and self.starts <= local.time() < self.ends:
            return at.astimezone(UTC)
        if not (self.is_working_day(day) and local.time() < self.starts):
            day += timedelta(days=1)
        if self.away_until is not None and day < self.away_until:
            day = self.away_until
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return self.day_start(day)


def working_time(prefs: WorkPrefs, tz: str, locale: str | None) -> WorkingTime:
    return WorkingTime(prefs.calendar(locale), tz, prefs.starts, prefs.ends, prefs.away_until)
