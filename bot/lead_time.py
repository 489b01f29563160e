"""How long before a session something happens: the agenda post, the check-in.

People write a lead as "1bd", "2 days", "3h", "90 min", "1営業日" or "3時間"; `moment_before` turns
it into an instant. Day-based leads land at 09:00 session-local time (POST_HOUR) on the day they
name, so a post never arrives in the middle of someone's night; hour and minute leads are spans of
real time.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from bot.model import UserError
from bot.recurrence import local_instant
from bot.workdays import STANDARD, WorkCalendar

POST_HOUR = 9
# A day-based post for an early session (0d before an 08:00 session) still comes before it, by this much.
LATEST_BEFORE = timedelta(minutes=30)
EXAMPLES = "1bd, 2 days, 3h or 90m"
# About thirty days in each unit; twenty business days are four weeks.
_MOST = {"business_days": 20, "days": 30, "hours": 30 * 24, "minutes": 30 * 24 * 60}
_SINGULAR = {"business_days": "business day", "days": "day", "hours": "hour", "minutes": "minute"}
_UNIT_WORDS = {
    "business_days": (
        *("bd", "bday", "bdays", "business day", "business days", "working day", "working days", "workday"),
        *("workdays", "werkdag", "werkdagen", "arbetsdag", "arbetsdagar", "is gunu", "営業日"),
    ),
    "days": ("d", "day", "days", "dag", "dagen", "dagar", "gun", "日"),
    "hours": ("h", "hr", "hrs", "hour", "hours", "u", "uur", "tim", "timme", "timmar", "saat", "時間"),
    "minutes": ("m", "min", "mins", "minute", "minutes", "minuut", "minuten", "minut", "minuter", "dk", "dakika", "分"),
}
_UNITS = {word: unit for unit, words in _UNIT_WORDS.items() for word in words}
_LEAD = re.compile(
    r"(?P<minus>-)?\s*(?P<amount>\d{1,6})\s*(?P<unit>"
    + "|".join(r"\s+".join(map(re.escape, word.split())) for word in sorted(_UNITS, key=len, reverse=True))
    + r")\s*(?:before|voor|vooraf|innan|fore|once|前)?"
)
_PLAIN = str.maketrans({"ş": "s", "ü": "u", "ö": "o", "ı": "i", "å": "a", "ä": "a", "−": "-"})


class LeadTimeError(UserError):
    """Text that is not a usable lead time."""


@dataclass(frozen=True)
class LeadTime:
    """`amount` of `unit` ("business_days", "days", "hours" or "minutes") before a session."""

    amount: int
    unit: str

    def describe(self) -> str:
        if self.unit in ("hours", "minutes"):
            return f"{self.amount} {self._unit_word()} before" if self.amount else "at the start"
        if self.amount == 0:
            return f"on the day, at {POST_HOUR:02d}:00"
        return f"{self.amount} {self._unit_word()} before, at {POST_HOUR:02d}:00"

    def _unit_word(self) -> str:
        return _SINGULAR[self.unit] + ("" if self.amount == 1 else "s")


DEFAULT_AGENDA_LEAD = LeadTime(1, "business_days")
DEFAULT_CHECKIN_LEAD = LeadTime(1, "business_days")


def read_lead_time(text: str) -> LeadTime:
    """The lead `text` names; raises LeadTimeError when it is unreadable, negative or over 30 days."""
    quoted = " ".join(text.split())
    folded = unicodedata.normalize("NFKC", text).replace("İ", "i").lower().translate(_PLAIN)
    found = _LEAD.fullmatch(" ".join(folded.split()))
    if found is None:
        raise LeadTimeError(f"“{quoted}” is not a lead time I can read. Try {EXAMPLES}.")
    if found.group("minus"):
        raise LeadTimeError(
            f"A lead time counts back from the session, so “{quoted}” can't be negative. Try {EXAMPLES}."
        )
    lead = LeadTime(int(found.group("amount")), _UNITS[" ".join(found.group("unit").split())])
    if lead.amount > _MOST[lead.unit]:
        raise LeadTimeError(
            f"“{quoted}” is too long before a session: a lead time can be at most 30 days "
            f"({_MOST['business_days']} business days). Try {EXAMPLES}."
        )
    return lead


def moment_before(lead: LeadTime, when: datetime, workdays: WorkCalendar = STANDARD) -> datetime:
    """The moment `lead` before `when` (aware, in the session's zone), in that zone."""
    local_zone = when.tzinfo
    if local_zone is None:
        raise ValueError("moment_before needs an aware datetime")
    # Python subtracts from aware datetimes on the wall clock; counting in UTC keeps "3 hours" three
    # real hours when the clocks change in between.
    if lead.unit == "hours":
        return (when.astimezone(UTC) - timedelta(hours=lead.amount)).astimezone(local_zone)
    if lead.unit == "minutes":
        return (when.astimezone(UTC) - timedelta(minutes=lead.amount)).astimezone(local_zone)
    if lead.unit == "days":
        day = when.date() - timedelta(days=lead.amount)
    else:
        day = workdays.business_days_before(when.date(), lead.amount)
    moment = local_instant(datetime.combine(day, time(POST_HOUR)), local_zone)
    latest = when.astimezone(UTC) - LATEST_BEFORE
    return moment if moment.astimezone(UTC) <= latest else latest.astimezone(local_zone)
