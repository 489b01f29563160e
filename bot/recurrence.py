"""A channel's session rhythm: when its account-plan sessions happen, read from what people write.

`read_rhythm` turns "every first Tuesday of the month at 10:00 Asia/Tokyo", "毎月第1火曜 10:00",
"om de week donderdag 15:00", "varannan torsdag 15:00", "her ayın son cuma 16:00" or a raw
`RRULE:` into a `Rhythm`: an RFC 5545 rule with an explicit local time, a time zone and an anchor.
Keeping the iCalendar rule rather than a structure of our own gives every rhythm one well-specified
meaning (a fifth Friday that a month lacks simply does not happen) and lets anyone who knows
iCalendar say what the phrases cannot.

`occurrences`, `previous_occurrence` and `occurs_on` say when sessions happen; the first two apply
per-session changes (skipped or moved), keyed by the local date the session originally had.

This module holds what rules mean in time: the anchor, occurrences, DST and raw rules. The words
of the phrases, in all five languages, and their reading are in `bot.rhythm_words`, which also
defines `RhythmError`; it is exported from here with the rest.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from itertools import chain, groupby, islice, takewhile
from zoneinfo import ZoneInfo

from dateutil import parser
from dateutil.relativedelta import relativedelta
from dateutil.rrule import rrule, rrulestr

from bot.clock import zone
from bot.rhythm_words import (
    EXAMPLES,
    RAW_EXAMPLE,
    RhythmError,
    describe_rule,
    fold,
    phrase_rule,
    take_clock,
    take_zone,
)

__all__ = [
    "HORIZON_YEARS",
    "Rhythm",
    "RhythmError",
    "local_instant",
    "occurrences",
    "occurs_on",
    "previous_occurrence",
    "read_rhythm",
]

HORIZON_YEARS = 10
# Enough to catch an occurrence whose wall time was pushed past a DST gap (at most a few hours).
_MARGIN = timedelta(days=1)


@dataclass(frozen=True)
class Rhythm:
    """When a channel's sessions happen: `rule` (an RRULE value, BYHOUR and BYMINUTE always given) runs
    in local time in `tz` from `start`, a naive local datetime that is itself the first session."""

    rule: str
    tz: str
    start: datetime

    def describe(self) -> str:
        phrase = describe_rule(_parts(self.rule))
        return f"{phrase} ({self.tz})" if phrase else f"RRULE:{self.rule} ({self.tz})"


def read_rhythm(text: str, *, now: datetime, default_tz: str) -> Rhythm:
    """The rhythm `text` describes; its first session is the next one on or after `now` (aware)."""
    quoted = " ".join(text.split())
    named_zone, rest = take_zone(text)
    tz = named_zone or zone(default_tz).key
    folded = " ".join(fold(rest).split())
    if folded.startswith("rrule:"):
        value, _, after_rule = folded.removeprefix("rrule:").partition(" ")
        clock, leftover = take_clock(after_rule, quoted)
        if leftover.strip():
            raise RhythmError(f"Only a time and a zone may follow the rule in “{quoted}”, e.g. “{_RAW_WITH_TIME}”.")
        rule = _checked_rule(value.upper(), clock, quoted)
    else:
        clock, leftover = take_clock(folded, quoted)
        pattern = phrase_rule(leftover, quoted)
        if clock is None:
            raise RhythmError(f"“{quoted}” has no time of day, and a session needs one: try “{quoted} 10:00”.")
        rule = f"{pattern};BYHOUR={clock.hour};BYMINUTE={clock.minute}"
    return Rhythm(rule=rule, tz=tz, start=_first_session(rule, ZoneInfo(tz), now, quoted))


def occurrences(
    rhythm: Rhythm, *, after: datetime, count: int, changes: Mapping[date, datetime | None] | None = None
) -> list[datetime]:
    """The next `count` sessions strictly after `after` (aware), in the rhythm's zone, changes applied."""
    local_zone = zone(rhythm.tz)
    cut = after.astimezone(UTC)
    changed, moved = _changes(rhythm, changes)
    walls = _rule(rhythm).xafter(cut.astimezone(local_zone).replace(tzinfo=None) - _MARGIN, inc=True)
    instants = (local_instant(wall, local_zone) for wall in walls if wall.date() not in changed)
    kept = (instant for instant in instants if instant > cut)
    return list(islice(heapq.merge(kept, sorted(m for m in moved if m > cut)), count))


def previous_occurrence(
    rhythm: Rhythm, *, before: datetime, changes: Mapping[date, datetime | None] | None = None
) -> datetime | None:
    """The latest session strictly before `before` (aware), changes applied; None when there was none."""
    local_zone = zone(rhythm.tz)
    cut = before.astimezone(UTC)
    changed, moved = _changes(rhythm, changes)
    limit = cut.astimezone(local_zone).replace(tzinfo=None) + _MARGIN
    candidates = [m for m in moved if m < cut]
    for wall in reversed(_rule(rhythm).between(rhythm.start, limit, inc=True)):
        instant = local_instant(wall, local_zone)
        if wall.date() not in changed and instant < cut:
            candidates.append(instant)
            break
    return max(candidates, default=None)


def occurs_on(rhythm: Rhythm, day: date) -> datetime | None:
    """The rule's own session on the local date `day` (changes not applied), or None."""
    found = _rule(rhythm).between(datetime.combine(day, time.min), datetime.combine(day, time.max), inc=True)
    return local_instant(found[0], zone(rhythm.tz)) if found else None


def local_instant(wall: datetime, local_zone: tzinfo) -> datetime:
    """The aware instant at which clocks in `local_zone` show the naive `wall` time.

    Rules run in naive local time so that 10:00 stays 10:00 when the clocks change; the zone is
    attached only here. A wall time shown twice (clocks going back) is its first showing (fold=0).
    A wall time never shown (clocks going forward, e.g. 02:30 in Amsterdam on 2027-03-28) becomes the
    first instant that exists after it, the moment of the change (03:00): the UTC round trip alone
    would give 03:30, which is later than the session has to move.
    """
    aware = wall.replace(tzinfo=local_zone, fold=0)
    later = aware.astimezone(UTC)
    if later.astimezone(local_zone).replace(tzinfo=None) == wall:
        return aware
    # In a gap, fold=0 reads the wall time with the offset from before the change, which lands after
    # the change, and fold=1 with the offset from after it, which lands before: halve the span between.
    earlier = wall.replace(tzinfo=local_zone, fold=1).astimezone(UTC)
    offset_after = later.astimezone(local_zone).utcoffset()
    while (span := int((later - earlier).total_seconds())) > 1:
        middle = earlier + timedelta(seconds=span // 2)
        if middle.astimezone(local_zone).utcoffset() == offset_after:
            later = middle
        else:
            earlier = middle
    return later.astimezone(local_zone)


# Running rules.


def _rule(rhythm: Rhythm) -> rrule:
    return rrulestr(rhythm.rule, dtstart=rhythm.start)


def _changes(rhythm: Rhythm, changes: Mapping[date, datetime | None] | None) -> tuple[frozenset[date], list[datetime]]:
    """The dates of changed sessions and the moved sessions' new times; a change for a date on which
    the rule has no session changes nothing."""
    real = {day: new for day, new in (changes or {}).items() if occurs_on(rhythm, day) is not None}
    local_zone = zone(rhythm.tz)
    return frozenset(real), [new.astimezone(local_zone) for new in real.values() if new is not None]


def _parts(rule: str) -> dict[str, str]:
    return dict(pair.partition("=")[::2] for pair in rule.upper().split(";"))


def _first_session(rule: str, local_zone: ZoneInfo, now: datetime, quoted: str) -> datetime:
    """The anchor: the first session on or after `now`, found with INTERVAL ignored so that "every 2 weeks"
    counts from the next matching day, and within HORIZON_YEARS, because a rule may never match at all."""
    local_now = now.astimezone(local_zone).replace(tzinfo=None)
    parts = _parts(rule)
    last = local_now + relativedelta(years=HORIZON_YEARS)
    if "UNTIL" in parts:
        last = min(last, parser.parse(parts["UNTIL"]))
    # With INTERVAL counted from it, the anchor is the rule's first session, so COUNT need only allow one.
    found = _sessions(parts, local_now.date(), last) if int(parts.get("COUNT", "1")) > 0 else iter(())
    first = next((session for session in found if session >= local_now), None)
    if first is None:
        raise RhythmError(f"“{quoted}” has no session in the next {HORIZON_YEARS} years. Try, for example, {EXAMPLES}.")
    return first


# The parts that choose days; without any, dateutil takes the day from DTSTART.
_DAY_PARTS = frozenset({"BYWEEKNO", "BYYEARDAY", "BYMONTHDAY", "BYDAY", "BYEASTER"})
# The parts that are not filters on days, or that `_sessions` applies itself.
_NOT_FILTERS = frozenset({"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYSETPOS"})
_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# An INTERVAL that takes a YEARLY rule past the year 9999, where dateutil stops, after its first year.
_ONE_YEAR = 10_000


def _sessions(parts: dict[str, str], since: date, last: datetime) -> Iterator[datetime]:
    """The sessions of the rule `parts` up to `last`, with INTERVAL taken as 1 and COUNT and UNTIL left to
    the caller, from the start of the period (year, month, week or day) in which a rule starting on `since`
    begins.

    dateutil's own search compares what it finds with UNTIL but goes on while it finds nothing, so for a
    rule that never matches (February 30, or BYSETPOS=2 with one session a day) it walks every day to the
    year 9999, which takes seconds. Here each calendar year is searched on its own, by a YEARLY rule with
    the same day filters whose INTERVAL ends it after that year, and the search ends with `last`. BYSETPOS,
    which picks among the sessions of each period of the rule's own FREQ, is applied here; with one session
    a day (one BYHOUR and BYMINUTE, BYSECOND 0) a position is a day.
    """
    freq = parts["FREQ"]
    filters = {name: value for name, value in parts.items() if name not in _NOT_FILTERS}
    if not filters.keys() & _DAY_PARTS:
        filters |= {
            "YEARLY": {"BYMONTH": filters.get("BYMONTH", str(since.month)), "BYMONTHDAY": str(since.day)},
            "MONTHLY": {"BYMONTHDAY": str(since.day)},
            "WEEKLY": {"BYDAY": _DAYS[since.weekday()]},
        }.get(freq, {"BYDAY": ",".join(_DAYS)})
    if freq in ("WEEKLY", "DAILY") and "BYDAY" in filters:
        # dateutil reads +1TU as TU in these, but in a YEARLY rule it is the year's first Tuesday.
        filters["BYDAY"] = re.sub(r"[+-]?\d+", "", filters["BYDAY"])
    if freq == "MONTHLY":
        # So that +1TU stays the first Tuesday of each month.
        filters.setdefault("BYMONTH", ",".join(map(str, range(1, 13))))
    # A week or a day begins at `since`, as dateutil begins them at DTSTART; a month or year begins whole.
    start = {"YEARLY": since.replace(month=1, day=1), "MONTHLY": since.replace(day=1)}.get(freq, since)
    yearly = ";".join([f"FREQ=YEARLY;INTERVAL={_ONE_YEAR}", *(f"{name}={value}" for name, value in filters.items())])
    found: Iterator[datetime] = chain.from_iterable(
        rrulestr(yearly, dtstart=datetime.combine(max(start, date(year, 1, 1)), time.min))
        for year in range(start.year, last.year + 2)  # a year more, so that the last week is whole
    )
    if "BYSETPOS" in parts:
        positions = [int(position) for position in parts["BYSETPOS"].split(",")]
        wkst = _DAYS.index(parts.get("WKST", "MO"))
        period = {
            "YEARLY": lambda session: session.year,
            "MONTHLY": lambda session: (session.year, session.month),
            "WEEKLY": lambda session: session.toordinal() - (session.weekday() - wkst) % 7,
        }.get(freq, datetime.toordinal)
        found = chain.from_iterable(_at_positions(list(same), positions) for _, same in groupby(found, period))
    return takewhile(lambda session: session <= last, found)


def _at_positions(period: list[datetime], positions: list[int]) -> list[datetime]:
    """The sessions BYSETPOS picks from a period's: the nth from the start, or from the end when negative."""
    return sorted({period[n - 1 if n > 0 else n] for n in positions if -len(period) <= n <= len(period)})


# Raw iCalendar rules.

_RAW_WITH_TIME = "RRULE:FREQ=WEEKLY;BYDAY=MO 09:30 Europe/Amsterdam"
_TIME_PARTS = ("BYHOUR", "BYMINUTE", "BYSECOND")


def _checked_rule(value: str, clock: time | None, quoted: str) -> str:
    """The RRULE value with its time made explicit; a time may be given in the rule or after it."""
    parts: dict[str, str] = {}
    for pair in value.split(";"):
        name, equals, setting = pair.partition("=")
        if not equals or not setting or name in parts:
            raise _invalid(quoted, f"“{pair}” should be one NAME=VALUE")
        parts[name] = setting
    if "FREQ" not in parts:
        raise _invalid(quoted, "it has no FREQ")
    if parts["FREQ"] in ("HOURLY", "MINUTELY", "SECONDLY") or any("," in parts.get(n, "") for n in _TIME_PARTS):
        raise RhythmError(
            f"A session happens at most once a day, so “{quoted}” can't be a rhythm: try “every day 9:00”."
        )
    if parts.get("BYSECOND", "0") != "0":
        raise _invalid(quoted, "sessions start on a whole minute, so BYSECOND can only be 0")
    if parts.get("UNTIL", "").endswith("Z"):
        raise _invalid(quoted, "the rule runs in its own zone, so write UNTIL in local time, without the Z")
    if clock is not None and ("BYHOUR" in parts or "BYMINUTE" in parts):
        raise RhythmError(
            f"“{quoted}” gives the time twice, in the rule and after it; keep one, e.g. “{_RAW_WITH_TIME}”."
        )
    if clock is not None:
        parts |= {"BYHOUR": str(clock.hour), "BYMINUTE": str(clock.minute)}
    if "BYHOUR" not in parts:
        raise RhythmError(
            f"“{quoted}” has no time of day: add BYHOUR or a time after the rule, e.g. “{_RAW_WITH_TIME}”."
        )
    parts.setdefault("BYMINUTE", "0")
    for name, highest in (("BYHOUR", 23), ("BYMINUTE", 59)):
        if not parts[name].isdigit() or int(parts[name]) > highest:
            raise _invalid(quoted, f"{name} must be a number from 0 to {highest}")
    # Past these a rule could never match, and dateutil fails (IndexError) instead of saying so.
    within, most = ("year", 53) if parts["FREQ"] == "YEARLY" and "BYMONTH" not in parts else ("month", 5)
    if any(abs(int(n)) > most for n in re.findall(r"([+-]?\d+)[A-Z]", parts.get("BYDAY", ""))):
        raise _invalid(quoted, f"a {within} has at most {most} of each weekday")
    rule = ";".join(f"{name}={setting}" for name, setting in parts.items())
    try:
        rrulestr(rule, dtstart=datetime(2000, 1, 1))
    except ValueError as problem:
        raise _invalid(quoted, str(problem)) from None
    return rule


def _invalid(quoted: str, problem: str) -> RhythmError:
    return RhythmError(f"“{quoted}” is not a valid iCalendar rule ({problem}). For example: {RAW_EXAMPLE}.")
