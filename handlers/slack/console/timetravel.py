"""The console's clock, and reading `:time` arguments: a step forward (`+3d`, `+2h30m`), a moment
(`2026-12-01 09:00`, a date alone meaning its start) or a time of day (`09:00`, the next one), in
the reader's timezone."""

from __future__ import annotations

import re
import time as wall
from datetime import UTC, date, datetime, time, timedelta

from bot.clock import zone

UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
_STEP = re.compile(r"\+\s*((?:\d+\s*[mhdw]\s*)+)")
_STEP_PART = re.compile(r"(\d+)\s*([mhdw])")
_MOMENT = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[ T](\d{1,2}:\d{2}))?")
_TIME_OF_DAY = re.compile(r"\d{1,2}:\d{2}")
EXAMPLES = "`:time +3d`, `:time +2h`, `:time 2026-12-01 09:00` or `:time 09:00`"


class RunningClock:
    """Real time running on from wherever `:time` last put it.

    A clock that stood still between two lines would give two clicks the same instant, which
    Slack never does: the app keys some messages by the moment they were queued.
    """

    def __init__(self, now: datetime) -> None:
        self.set(now)

    def now(self) -> datetime:
        return self._from + timedelta(seconds=wall.monotonic() - self._since)

    def set(self, now: datetime) -> None:
        self._from = now.astimezone(UTC)
        self._since = wall.monotonic()


class TimeError(ValueError):
    """What was typed is not a moment the clock can move to; the message says how to write one."""


def target(typed: str, now: datetime, tz: str) -> datetime:
    """The moment `typed` names, at or after `now`."""
    typed = typed.strip().lower()
    local = now.astimezone(zone(tz))
    if step := _STEP.fullmatch(typed):
        return now + sum((int(n) * UNITS[unit] for n, unit in _STEP_PART.findall(step.group(1))), timedelta())
    if typed.startswith("-"):
        raise TimeError("The clock only moves forward: what was sent stays sent.")
    if moment := _MOMENT.fullmatch(typed):
        day = _day(moment.group(1))
        at = _time_of_day(moment.group(2)) if moment.group(2) else time(0, 0)
        return datetime.combine(day, at, zone(tz))
    if _TIME_OF_DAY.fullmatch(typed):
        at = _time_of_day(typed)
        today = datetime.combine(local.date(), at, zone(tz))
        return today if today > now else datetime.combine(local.date() + timedelta(days=1), at, zone(tz))
    raise TimeError(f"“{typed}” is not a time to move to. Try {EXAMPLES}.")


def moment_text(moment: datetime, tz: str) -> str:
    """`Mon 2026-11-23 12:00`, in `tz`: the way Tanto writes dates."""
    return moment.astimezone(zone(tz)).strftime("%a %Y-%m-%d %H:%M")


def _day(typed: str) -> date:
    try:
        return date.fromisoformat(typed)
    except ValueError:
        raise TimeError(f"{typed} is not a date on the calendar.") from None


def _time_of_day(typed: str) -> time:
    hours, minutes = (int(part) for part in typed.split(":"))
    if hours > 23 or minutes > 59:
        raise TimeError(f"{typed} is not a time of day: use 00:00 to 23:59.")
    return time(hours, minutes)
