"""Reading and describing nudge settings: a channel's ladder (`/session nudges`) and a user's
working time (`/action prefs`), in words a person types and reads. No chat-platform types here,
so every adapter reads `before 3,1,0` or `days mon-thu` the same way."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import time

from bot.ladder import MOST_BUSINESS_DAYS, Ladder
from bot.model import UserError
from bot.workdays import WEEKDAY_NAMES, is_known_country
from bot.working_time import WorkingTime, WorkPrefs

MOST_EVERY = 10
_HOURS = re.compile(r"^(\d{1,2}):?(\d{2})?\s*[-–]\s*(\d{1,2}):?(\d{2})?$")
_SWITCH = {"on": True, "yes": True, "off": False, "no": False}

USAGE_LADDER = (
    "Change this channel's nudges with `/session nudges before 3,1,0` (business days before the due day, "
    f"0..{MOST_BUSINESS_DAYS}), `/session nudges every 2` (after the due day, 1..{MOST_EVERY}), "
    f"`/session nudges escalate 5` (1..{MOST_BUSINESS_DAYS}) or `escalate off`, `/session nudges off` / `on`."
)
USAGE_HOURS = "Give your working hours as start-end in 24-hour time, e.g. `/action prefs hours 08:30-17:00`."
USAGE_DAYS = "Give your working days as English day names: `/action prefs days mon-thu` or `days mon,tue,thu,fri`."
USAGE_COUNTRY = "Give a country code for public holidays, e.g. `/action prefs country NL`, or `country auto`."
USAGE_SWITCH = "Say `on` or `off`, e.g. `/action prefs digest off`."
USAGE_PREFS = (
    "`/action prefs` shows your working time. Change it with `hours 08:30-17:00`, `days mon-thu`, "
    "`country NL` / `country auto`, `digest on|off`; `/action away until 2026-12-03` or `/action away off`."
)


# The channel's ladder


def read_ladder_change(text: str, ladder: Ladder) -> Ladder:
    """The ladder after `before 3,1,0`, `every 2`, `escalate 5`, `escalate off`, `off` or `on`."""
    verb, _, rest = text.strip().lower().partition(" ")
    rest = rest.strip()
    if verb in ("off", "on") and not rest:
        return replace(ladder, enabled=verb == "on")
    if verb == "before" and rest:
        parts = [part for part in re.split(r"[,\s]+", rest) if part]
        days = tuple(sorted({_number(part, 0, MOST_BUSINESS_DAYS) for part in parts}, reverse=True))
        return replace(ladder, before=days)
    if verb == "every" and rest:
        return replace(ladder, every=_number(rest, 1, MOST_EVERY))
    if verb == "escalate" and rest:
        if rest in ("off", "never", "no"):
            return replace(ladder, escalate_after=None)
        return replace(ladder, escalate_after=_number(rest, 1, MOST_BUSINESS_DAYS))
    raise UserError(USAGE_LADDER)


def describe_ladder(ladder: Ladder) -> str:
    """E.g. "2 business days before and on the due day at the start of the owner's working day; then
    on the next business day and every 2 business days; escalated in this channel after 5 business
    days overdue"."""
    if not ladder.enabled:
        return "off: no reminders and no escalations for items in this channel"
    before = [_business_days(count) + " before" for count in ladder.before if count]
    if 0 in ladder.before:
        before.append("on the due day")
    when = " and ".join([", ".join(before[:-1]), before[-1]] if len(before) > 1 else before) or "not before it is due"
    after = "on the next business day" + (
        " and every business day" if ladder.every == 1 else f" and every {_business_days(ladder.every)}"
    )
    escalate = (
        "never escalated"
        if ladder.escalate_after is None
        else f"escalated in this channel after {_business_days(ladder.escalate_after)} overdue"
    )
    return f"{when} at the start of the owner's working day; then {after}; {escalate}"


# A user's working time


def read_prefs_change(text: str, prefs: WorkPrefs) -> WorkPrefs:
    """The user's choices after `hours …`, `days …`, `country …` or `digest …`."""
    verb, _, rest = text.strip().partition(" ")
    verb, rest = verb.lower(), rest.strip()
    if verb == "hours":
        starts, ends = read_hours(rest)
        return replace(prefs, starts=starts, ends=ends)
    if verb == "days":
        return replace(prefs, days=read_days(rest))
    if verb == "country":
        return replace(prefs, country=read_country(rest))
    if verb == "digest":
        return replace(prefs, daily_digest=read_switch(rest))
    raise UserError(USAGE_PREFS)


def read_hours(text: str) -> tuple[time, time]:
    found = _HOURS.match(text.strip())
    if found is None:
        raise UserError(USAGE_HOURS)
    try:
        starts = time(int(found.group(1)), int(found.group(2) or 0))
        ends = time(int(found.group(3)), int(found.group(4) or 0))
    except ValueError:  # 25:00, 08:75
        raise UserError(USAGE_HOURS) from None
    if not starts < ends:
        problem = f"Your day must start before it ends ({starts:%H:%M} is not before {ends:%H:%M})."
        raise UserError(f"{problem} {USAGE_HOURS}")
    return starts, ends


def read_days(text: str) -> frozenset[int]:
    """`mon-thu`, `mon,tue,thu,fri`, `sun-thu` (a range may wrap round the week)."""
    days: set[int] = set()
    for part in (part for part in re.split(r"[,\s]+", text.strip().lower()) if part):
        first, _, last = part.partition("-")
        start = _weekday(first)
        end = _weekday(last) if last else start
        days.update((start + offset) % 7 for offset in range((end - start) % 7 + 1))
    if not days:
        raise UserError(USAGE_DAYS)
    return frozenset(days)


def read_country(text: str) -> str | None:
    """An ISO country code with known public holidays; None for `auto` (the workspace's or the locale's)."""
    code = text.strip().upper()
    if code in ("AUTO", "NONE", "DEFAULT"):
        return None
    if not code or not is_known_country(code):
        raise UserError(f"I know no public holidays for “{text.strip()}”. {USAGE_COUNTRY}")
    return code


def read_switch(text: str) -> bool:
    value = _SWITCH.get(text.strip().lower())
    if value is None:
        raise UserError(USAGE_SWITCH)
    return value


def country_source(own: WorkPrefs, team_country: str | None, work: WorkingTime) -> str:
    """Where the holidays someone's nudges follow come from, in words."""
    country = work.calendar.country
    if own.country:
        return f"{country}, your choice"
    if team_country:
        return f"{country}, the workspace's country"
    if country:
        return f"{country}, from your Slack language and region"
    return "none (no public holidays are skipped; set one with `/action prefs country NL`)"


def _weekday(word: str) -> int:
    name = word[:3]
    if len(word) < 3 or name not in WEEKDAY_NAMES:
        raise UserError(f"“{word}” is not a day. {USAGE_DAYS}")
    return WEEKDAY_NAMES.index(name)


def _number(text: str, lowest: int, highest: int) -> int:
    if not text.isdigit() or not lowest <= int(text) <= highest:
        raise UserError(f"“{text}” must be a whole number from {lowest} to {highest}. {USAGE_LADDER}")
    return int(text)


def _business_days(count: int) -> str:
    return f"{count} business day" + ("s" if count != 1 else "")
