"""Reading one cell of an account-plan spreadsheet: a date, a moment, a status, a kind, a person.

Spreadsheets write dates in many ways. Year-month-day is read in every common spelling
(`2026-12-01`, `2026/12/1`, `2026.12.01`, `2026年12月1日`, with or without a time of day after it),
and so are dates with the month as a word (`1-Dec-2026`, `Dec 1, 2026`). A date with the year
last (`13/02/2026`) is read only when one order is impossible; `01/02/2026` could be either, so it
is refused with both readings rather than guessed. Every refusal says what was read and how to
write it instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone

from bot.model import ItemKind, ItemStatus, UserError

WRITE_DATES = "write dates as year-month-day, e.g. 2026-12-01"
# A spreadsheet's day count since 1899-12-30 (Excel's and LibreOffice's day 0).
SERIAL_EPOCH = date(1899, 12, 30)

_MONTH_NAMES = (
    ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
    ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
    ("dec", "december"),
)  # fmt: skip
MONTHS = {name: number for number, names in enumerate(_MONTH_NAMES, start=1) for name in names}

_TIME = r"(?P<time>\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)"
_ZONE = r"(?P<zone>Z|UTC|GMT|[+-]\d{2}:?\d{2})"
_WITH_TIME = re.compile(rf"^(?P<day>.+?)(?:(?:[ T]+|\s*T){_TIME}\s*{_ZONE}?)?$", re.IGNORECASE)
_YEAR_FIRST = re.compile(r"^(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})\.?$")
_JAPANESE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$")
_YEAR_LAST = re.compile(r"^(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{2}|\d{4})$")
_DAY_MONTH_WORD = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[-\s]+([a-z]+)\.?[-\s,]+(\d{2}|\d{4})$", re.IGNORECASE)
_MONTH_WORD_DAY = re.compile(r"^([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{2}|\d{4})$", re.IGNORECASE)
_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")

_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_EMAIL = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")
_REF = re.compile(r"^([AD])-(\d{1,9})$", re.IGNORECASE)

STATUS_WORDS: dict[ItemStatus, tuple[str, ...]] = {
    ItemStatus.OPEN: (
        "open", "todo", "to do", "to-do", "pending", "in progress", "ongoing", "not started", "new", "active",
        "blocked", "at risk", "on track", "未着手", "対応中", "進行中", "未完了", "未対応",
    ),
    ItemStatus.DONE: (
        "done", "complete", "completed", "closed", "finished", "resolved", "✓", "✔",
        "完了", "済", "済み", "対応済み",
    ),
    ItemStatus.CANCELLED: (
        "cancelled", "canceled", "cancel", "dropped", "abandoned", "won't do", "wont do", "obsolete",
        "中止", "取消", "取り消し", "キャンセル",
    ),
    ItemStatus.DECIDED: ("decided", "決定", "決定済み"),
}  # fmt: skip
_STATUS_OF = {word: status for status, words in STATUS_WORDS.items() for word in words}
KIND_WORDS: dict[ItemKind, tuple[str, ...]] = {
    ItemKind.ACTION: ("action", "action item", "a", "task", "todo", "アクション"),
    ItemKind.DECISION: ("decision", "pending decision", "d", "決定事項", "意思決定"),
}
_KIND_OF = {word: kind for kind, words in KIND_WORDS.items() for word in words}


class CellError(UserError):
    """A cell that cannot be read: what was understood of it and how to write it instead."""


@dataclass(frozen=True)
class PersonCell:
    """Someone named in a cell, by Slack member id or by email (resolved to an id before import)."""

    user_id: str | None = None
    email: str | None = None

    @property
    def key(self) -> str:
        return self.user_id or self.email or ""


def read_day(text: str) -> date:
    """The calendar day a cell names; a time of day after it is allowed and dropped."""
    return _split_moment(text)[0]


def read_moment(text: str) -> datetime:
    """The instant a cell names, in UTC: a day alone is its midnight UTC, a time without a zone is UTC."""
    day, at, offset = _split_moment(text)
    return datetime.combine(day, at or time(0), offset or UTC).astimezone(UTC)


def read_status(text: str, kind: ItemKind) -> ItemStatus:
    """open (also empty), done, cancelled, or decided (decisions only), with their common synonyms."""
    word = _fold(text)
    if not word:
        return ItemStatus.OPEN
    status = _STATUS_OF.get(word)
    if status is None:
        raise CellError(
            "not a status I know: use open, done or cancelled"
            + (", or decided for a decision." if kind is ItemKind.DECISION else ".")
        )
    if kind is ItemKind.DECISION and status is ItemStatus.DONE:
        return ItemStatus.DECIDED  # a decision is closed by deciding it
    if kind is ItemKind.ACTION and status is ItemStatus.DECIDED:
        raise CellError("“decided” is for decisions: set kind to decision, or use done for an action item.")
    return status


def read_kind(text: str) -> ItemKind:
    word = _fold(text)
    if not word:
        return ItemKind.ACTION
    kind = _KIND_OF.get(word)
    if kind is None:
        raise CellError("not a kind: use action (the default) or decision.")
    return kind


def read_person(text: str) -> PersonCell:
    """A Slack member id (`U0123ABCD`, or a mention `<@U0123ABCD>`) or an email address."""
    value = text.strip()
    if mention := _MENTION.match(value):
        return PersonCell(user_id=mention.group(1))
    if _USER_ID.match(value):
        return PersonCell(user_id=value)
    if _EMAIL.match(value):
        return PersonCell(email=value.lower())
    raise CellError(
        "not a Slack member ID (like U0123ABCD) or an email address: copy the ID from "
        "their Slack profile (⋯ → Copy member ID), or give their email."
    )


def read_ref(text: str) -> tuple[ItemKind, int] | None:
    """An item id as Tanto exports it (`A-12`, `D-3`); None for anything else (a sheet's own numbering)."""
    found = _REF.match(text.strip())
    if found is None:
        return None
    kind = ItemKind.ACTION if found.group(1).upper() == "A" else ItemKind.DECISION
    return kind, int(found.group(2))


def _split_moment(text: str) -> tuple[date, time | None, timezone | None]:
    value = " ".join(text.split())
    found = _WITH_TIME.match(value)
    if found is None:  # only an empty cell fails the pattern; callers pass non-empty ones
        raise CellError(f"the cell is empty: {WRITE_DATES}.")
    day = _read_date(found.group("day").strip())
    at = _read_time(found.group("time")) if found.group("time") else None
    zone = found.group("zone")
    return day, at, _read_zone(zone) if zone else None


def _read_date(text: str) -> date:
    if found := _YEAR_FIRST.match(text) or _JAPANESE.match(text):
        return _calendar(int(found.group(1)), int(found.group(2)), int(found.group(3)))
    if found := _YEAR_LAST.match(text):
        first, second, year_text = found.groups()
        return _year_last(int(first), int(second), _full_year(year_text))
    if found := _DAY_MONTH_WORD.match(text):
        day, month, year_text = found.groups()
        return _calendar(_full_year(year_text), _month(month), int(day))
    if found := _MONTH_WORD_DAY.match(text):
        month, day, year_text = found.groups()
        return _calendar(_full_year(year_text), _month(month), int(day))
    if _SERIAL.match(text):
        serial = SERIAL_EPOCH + timedelta(days=int(float(text)))
        raise CellError(
            f"this looks like a spreadsheet's day number ({serial.isoformat()}?), not a date: format the "
            f"column as a date before saving, or {WRITE_DATES}."
        )
    raise CellError(f"not a date I can read: {WRITE_DATES}.")


def _year_last(first: int, second: int, year: int) -> date:
    month_first = _valid(year, first, second)
    day_first = _valid(year, second, first)
    if month_first and day_first and month_first != day_first:
        raise CellError(
            f"could be {month_first.isoformat()} (month first) or {day_first.isoformat()} (day first): {WRITE_DATES}."
        )
    found = month_first or day_first
    if found is None:
        raise CellError(f"not a date in the calendar: {WRITE_DATES}.")
    return found


def _calendar(year: int, month: int, day: int) -> date:
    found = _valid(year, month, day)
    if found is None:
        raise CellError(f"not a date in the calendar (year {year}, month {month}, day {day}).")
    return found


def _valid(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _full_year(text: str) -> int:
    if len(text) == 2:
        raise CellError(f"the year has two digits: give it in full ({WRITE_DATES}).")
    return int(text)


def _month(word: str) -> int:
    month = MONTHS.get(word.lower())
    if month is None:
        raise CellError(f"“{word}” is not a month I know (English month names): {WRITE_DATES}.")
    return month


def _read_time(text: str) -> time:
    text = text.replace(",", ".")
    if text.index(":") == 1:  # `9:30`, as spreadsheets write it
        text = "0" + text
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise CellError("the time after the date is not a time: write e.g. 2026-12-01 09:30.") from None


def _read_zone(text: str) -> timezone:
    if text.upper() in ("Z", "UTC", "GMT"):
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def _fold(text: str) -> str:
    return " ".join(text.replace("’", "'").split()).lower()
