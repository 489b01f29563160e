"""Business days: the days someone works, minus their country's public holidays.

One `WorkCalendar` answers every "business day" question in Tanto — "in 3 business days" in a
capture, an agenda's lead time, the nudge ladder, the escalation count — so they always agree.
Holidays come from the `holidays` package, loaded per country and year on first use and kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

import holidays

MONDAY_TO_FRIDAY = frozenset(range(5))
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class WorkCalendar:
    """Working weekdays (`date.weekday()` numbers, Monday = 0) and a country for public holidays."""

    days: frozenset[int] = MONDAY_TO_FRIDAY
    country: str | None = None

    def __post_init__(self) -> None:
        if not self.days or not self.days <= set(range(7)):
            raise ValueError(f"working days must be some of 0..6, not {sorted(self.days)}")
        if self.country is not None and not is_known_country(self.country):
            raise ValueError(f"no public holidays known for country {self.country!r}")

    def holiday(self, day: date) -> str | None:
        """The name of the public holiday on `day`, if it is one."""
        return _holidays(self.country, day.year).get(day) if self.country else None

    def is_business_day(self, day: date) -> bool:
        return day.weekday() in self.days and self.holiday(day) is None

    def add_business_days(self, start: date, count: int) -> date:
        """The business day `count` business days after `start` (`start` itself when count is 0)."""
        return self._step(start, count, timedelta(days=1))

    def business_days_before(self, day: date, count: int) -> date:
        """The business day `count` business days before `day` (`day` itself when count is 0)."""
        return self._step(day, count, timedelta(days=-1))

    def on_or_after(self, day: date) -> date:
        """`day` if it is a business day, else the next one."""
        while not self.is_business_day(day):
            day += timedelta(days=1)
        return day

    def business_days_between(self, start: date, end: date) -> int:
        """How many business days come after `start`, up to and including `end` (0 if end <= start)."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_business_day(day)
        return count

    def describe_days(self) -> str:
        return ", ".join(WEEKDAY_NAMES[number].capitalize() for number in sorted(self.days))

    def _step(self, day: date, count: int, step: timedelta) -> date:
        if count < 0:
            raise ValueError("count must not be negative")
        while count > 0:
            day += step
            if self.is_business_day(day):
                count -= 1
        return day


STANDARD = WorkCalendar()


def is_known_country(code: str) -> bool:
    return code in _supported()


def country_from_locale(locale: str | None) -> str | None:
    """The country of a Slack locale such as "ja-JP" or "sv-SE", when holidays are known for it."""
    if not locale or "-" not in locale:
        return None
    country = locale.replace("_", "-").rsplit("-", 1)[1].upper()
    return country if is_known_country(country) else None


@cache
def _supported() -> frozenset[str]:
    return frozenset(holidays.list_supported_countries())


@cache
def _holidays(country: str, year: int) -> holidays.HolidayBase:
    # Public holidays only: the package's default category, the days offices close.
    return holidays.country_holidays(country, years=year)
