"""Business days: Monday to Friday. Dates, agenda lead times and nudges all count with these."""

from __future__ import annotations

from datetime import date, timedelta


def is_business_day(day: date) -> bool:
    return day.weekday() < 5


def add_business_days(start: date, count: int) -> date:
    """The business day `count` business days after `start` (`start` itself when count is 0)."""
    day = start
    remaining = count
    while remaining > 0:
        day += timedelta(days=1)
        if is_business_day(day):
            remaining -= 1
    return day
