"""How people write a session rhythm, in English, Japanese, Dutch, Swedish and Turkish.

The vocabulary is data: weekday names, ordinals, number and frequency words, the words that
introduce a time of day (`at`, `om`, `kl`, `saat`, 時) and the filler words around them, each list
holding all five languages at once because a phrase is read without knowing its language.
`take_zone` and `take_clock` take the time zone and time of day out of a phrase, `phrase_rule`
reads the words that remain as the date part of an RFC 5545 rule, and `describe_rule` says the
rules that phrases produce back in English.

`bot.recurrence` decides what a rule means in time. `RhythmError` is defined here, where most
refusals are made, and `bot.recurrence` exports it with the rest of its API.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import time
from functools import cache
from zoneinfo import available_timezones

from bot.model import UserError

RAW_EXAMPLE = "RRULE:FREQ=WEEKLY;BYDAY=TH;BYHOUR=15;BYMINUTE=0"
EXAMPLES = f"“every first Tuesday of the month at 10:00 Asia/Tokyo” or “毎週木曜 15:00”, or “{RAW_EXAMPLE}”"


class RhythmError(UserError):
    """Text that is not a usable session rhythm."""


# Folding, then the zone and the time of day.

_PLAIN = str.maketrans(
    {"å": "a", "ä": "a", "ö": "o", "ü": "u", "ş": "s", "ç": "c", "ğ": "g", "ı": "i", "é": "e", "ë": "e", "’": "'"}
)
_ZONE = re.compile(r"(?<!\S)(?:[a-z][\w+\-]*(?:/[\w+\-]+)+|utc|gmt)(?!\S)", re.IGNORECASE)
_CLOCK = re.compile(
    r"(?P<marker>(?<![a-z])(?:at|om|kl\.?|klockan|saat)\s*|@\s*)?"
    r"(?<![\d第:.])"
    r"(?:(?P<jh>\d{1,2})時(?:(?P<half>半)|(?P<jm>\d{1,2})分)?"
    r"|(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))?(?:\s*(?P<ampm>am|pm))?(?:'(?:da|de|ta|te))?(?!\d|[:.]?[a-z'日]))"
)
# A bare number is a time only at the end, and not after these ("monthly on the 15" is a day).
_NOT_BEFORE_A_TIME = frozenset({"the", "on", "de", "den", "op", "every", "elke", "varje", "var", "her"})


def fold(text: str) -> str:
    """Lower case, full-width digits made plain, and the letters people leave out made optional:
    `måndag` and `mandag`, `perşembe` and `persembe` read the same."""
    return unicodedata.normalize("NFKC", text).replace("İ", "i").lower().translate(_PLAIN)


@cache
def _zone_names() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def take_zone(text: str) -> tuple[str | None, str]:
    found = list(_ZONE.finditer(text))
    if len(found) > 1:
        raise RhythmError(f"“{' '.join(text.split())}” names more than one time zone; give one, e.g. Asia/Tokyo.")
    if not found:
        return None, text
    name = _zone_names().get(found[0].group().lower())
    if name is None:
        raise RhythmError(f"“{found[0].group()}” is not a time zone I know; try Asia/Tokyo, Europe/Amsterdam or UTC.")
    return name, text[: found[0].start()] + " " + text[found[0].end() :]


def take_clock(text: str, quoted: str) -> tuple[time | None, str]:
    """The time of day in `text`, and the text without it."""
    stated: list[re.Match[str]] = []
    bare: list[re.Match[str]] = []
    for found in _CLOCK.finditer(text):
        if any(found.group(name) for name in ("marker", "jh", "m", "ampm")):
            stated.append(found)
        else:
            bare.append(found)
    if not stated and bare and not text[bare[-1].end() :].strip(" ,."):
        words = text[: bare[-1].start()].split()
        if not words or words[-1] not in _NOT_BEFORE_A_TIME:
            stated.append(bare[-1])
    if len(stated) > 1:
        raise RhythmError(f"“{quoted}” gives more than one time of day; a rhythm has one, e.g. “every Monday 10:00”.")
    if not stated:
        return None, text
    found = stated[0]
    return _clock(found, quoted), text[: found.start()] + " " + text[found.end() :]


def _clock(found: re.Match[str], quoted: str) -> time:
    hour = int(found.group("jh") or found.group("h"))
    minute = 30 if found.group("half") else int(found.group("jm") or found.group("m") or 0)
    ampm = found.group("ampm")
    fits = ampm is None or 1 <= hour <= 12
    if ampm is not None:
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    if not fits or hour > 23 or minute > 59:
        raise RhythmError(f"“{found.group().strip()}” in “{quoted}” is not a time of day; try 10:00 or 3pm.")
    return time(hour, minute)


# The words of the date part, then reading them.


@dataclass(frozen=True)
class _Token:
    kind: str  # "weekday" | "ordinal" | "monthday" | "count" | "unit" | "adverb" | "other" | "filler"
    number: int = 0
    freq: str = ""
    days: tuple[str, ...] = ()


# Words as they read after `fold`; `_` joins the words of a phrase.
_WEEKDAYS = {
    "MO": "monday mondays mon maandag mandag mandagen pazartesi pazartesisi 月曜 月曜日",
    "TU": "tuesday tuesdays tue tues dinsdag tisdag tisdagen sali salisi 火曜 火曜日",
    "WE": "wednesday wednesdays wed woensdag onsdag onsdagen carsamba carsambasi 水曜 水曜日",
    "TH": "thursday thursdays thu thur thurs donderdag torsdag torsdagen persembe persembesi 木曜 木曜日",
    "FR": "friday fridays fri vrijdag fredag fredagen cuma cumasi 金曜 金曜日",
    "SA": "saturday saturdays sat zaterdag lordag lordagen cumartesi cumartesisi 土曜 土曜日",
    "SU": "sunday sundays sun zondag sondag sondagen pazar pazari 日曜 日曜日",
}
_WORKWEEK = ("MO", "TU", "WE", "TH", "FR")
_WORKWEEK_WORDS = "weekday weekdays workday workdays werkdag werkdagen vardag vardagar hafta_ici 平日"
_ORDINALS = {
    1: "first eerste forsta ilk birinci",
    2: "second tweede andra ikinci",
    3: "third derde tredje ucuncu",
    4: "fourth vierde fjarde dorduncu",
    5: "fifth vijfde femte besinci",
    -1: "last laatste sista son 最終 最後",
}
_COUNTS = {2: "two twee tva iki", 3: "three drie tre uc"}
_UNITS = {
    "DAILY": "day days dag dagen dagar gun gunde 日",
    "WEEKLY": "week weeks weken vecka veckan veckor hafta haftada 週",
    "MONTHLY": "month months maand maanden manad manaden manader ay ayin ayda 月",
}
_ADVERBS = {
    ("DAILY", 1): "daily dagelijks dagligen gunluk",
    ("WEEKLY", 1): "weekly wekelijks veckovis haftalik",
    ("MONTHLY", 1): "monthly maandelijks manatligen manadsvis aylik",
    ("WEEKLY", 2): "biweekly fortnightly tweewekelijks 隔週",
}
_OTHER_WORDS = "other om_de varannan vartannat"
_FILLERS = (
    "every each of the on at in and elke elk iedere ieder van de het op om en uur "
    "varje var i pa den och kl klockan her bir gunu ve saat 毎 の に と"
)
_LEXICON: dict[str, _Token] = {
    **{word: _Token("weekday", days=(day,)) for day, words in _WEEKDAYS.items() for word in words.split()},
    **dict.fromkeys(_WORKWEEK_WORDS.split(), _Token("weekday", days=_WORKWEEK)),
    **{word: _Token("ordinal", number=n) for n, words in _ORDINALS.items() for word in words.split()},
    **{word: _Token("count", number=n) for n, words in _COUNTS.items() for word in words.split()},
    **{word: _Token("unit", freq=freq) for freq, words in _UNITS.items() for word in words.split()},
    **{word: _Token("adverb", freq=f, number=n) for (f, n), words in _ADVERBS.items() for word in words.split()},
    **dict.fromkeys(_OTHER_WORDS.split(), _Token("other")),
    **dict.fromkeys(_FILLERS.split(), _Token("filler")),
}
# Longest first, so that 月曜日 is read before 月曜 and 月, and tuesday before tue.
_WORDS = re.compile(
    "|".join(
        r"\s+".join(map(re.escape, word.split("_"))) + (r"(?![a-z])" if word.isascii() else "")
        for word in sorted(_LEXICON, key=len, reverse=True)
    )
)
_NUMBER = re.compile(
    r"第\s*(?P<dai>\d{1,2}|[一二三四五])"
    r"|(?P<n>\d{1,3})(?P<suffix>st|nd|rd|th|ste|de|e|:e|:a|日|'[a-z]+)?(?![a-z0-9])"
)
_KANJI = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5}
_SEPARATORS = " \t\n,.、。"


def _tokens(text: str, quoted: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        if text[position] in _SEPARATORS:
            position += 1
            continue
        if found := _NUMBER.match(text, position):
            tokens.append(_number_token(found))
        elif found := _WORDS.match(text, position):
            tokens.append(_LEXICON["_".join(found.group().split())])
        else:
            raise _unreadable(quoted)
        position = found.end()
    return tokens


def _number_token(found: re.Match[str]) -> _Token:
    if (dai := found.group("dai")) is not None:
        return _Token("ordinal", number=_KANJI.get(dai) or int(dai))
    number = int(found.group("n"))
    suffix = found.group("suffix")
    if suffix == "日":
        return _Token("monthday", number=number)
    return _Token("ordinal" if suffix else "count", number=number)


def phrase_rule(text: str, quoted: str) -> str:
    """The rule without its time, e.g. FREQ=MONTHLY;BYDAY=+1TU, from the words of a folded phrase
    whose zone and time of day have been taken out.

    Word order hardly matters, so one reading serves five languages: a number followed by a unit
    is an interval ("2 weeks", "iki haftada", "var tredje vecka"), an ordinal with a weekday is that
    weekday of the month, an ordinal or number without one is a day of the month.
    """
    tokens = _tokens(text, quoted)
    freqs: set[str] = set()
    intervals: set[int] = set()
    days: list[str] = []
    ordinals: list[int] = []
    monthdays: list[int] = []
    other = False
    for token, following in zip(tokens, [*tokens[1:], _Token("filler")], strict=True):
        per_unit = following.kind == "unit" and token.number >= (1 if token.kind == "count" else 2)
        if token.kind in ("count", "ordinal") and per_unit:
            intervals.add(token.number)
        elif token.kind in ("unit", "adverb"):
            freqs.add(token.freq)
            if token.number > 1:
                intervals.add(token.number)
        elif token.kind == "weekday":
            days.extend(token.days)
        elif token.kind == "ordinal":
            ordinals.append(token.number)
        elif token.kind in ("monthday", "count"):
            monthdays.append(token.number)
        elif token.kind == "other":
            other = True
    if other and not intervals:
        intervals.add(2)
    if len(freqs) > 1 or len(intervals) > 1:
        raise _unreadable(quoted)
    stated = next(iter(freqs), None)
    interval = next(iter(intervals), 1)
    every = f";INTERVAL={interval}" if interval > 1 else ""
    if days and ordinals:
        if monthdays or len(set(days)) > 1 or stated not in (None, "MONTHLY"):
            raise _unreadable(quoted)
        if not all(-1 <= n <= 5 and n != 0 for n in ordinals):
            raise RhythmError(f"A month has at most five of each weekday, so “{quoted}” never happens. {_TRY_MONTHLY}")
        return f"FREQ=MONTHLY{every};BYDAY=" + ",".join(
            f"{n:+d}{days[0]}" for n in sorted(set(ordinals), key=lambda n: (n < 0, n))
        )
    if ordinals or monthdays:
        numbers = sorted({*ordinals, *monthdays})
        if days or stated not in (None, "MONTHLY") or numbers[0] < 1:
            raise _unreadable(quoted)
        if numbers[-1] > 31:
            raise RhythmError(f"A month has at most 31 days, so “{quoted}” never happens. {_TRY_MONTHLY}")
        return f"FREQ=MONTHLY{every};BYMONTHDAY=" + ",".join(map(str, numbers))
    if days:
        if stated not in (None, "WEEKLY"):
            raise _unreadable(quoted)
        return f"FREQ=WEEKLY{every};BYDAY=" + ",".join(day for day in _WEEKDAYS if day in days)
    if stated == "DAILY":
        return f"FREQ=DAILY{every}"
    raise _unreadable(quoted)


_TRY_MONTHLY = "Try “every last Friday of the month 16:00” or “monthly on the 15th at 10:00”."


def _unreadable(quoted: str) -> RhythmError:
    return RhythmError(f"I can't read “{quoted}” as a session rhythm. Try {EXAMPLES}.")


# Describing rules in English.

_DAY_NAMES = {day: words.split()[0].title() for day, words in _WEEKDAYS.items()}
_ORDINAL_NAMES = {n: words.split()[0] for n, words in _ORDINALS.items()}
# Ordinals of one weekday, e.g. +1TU,+3TU or -1FR.
_NTH_WEEKDAY = re.compile(r"(?:\+?[1-5]|-1)(MO|TU|WE|TH|FR|SA|SU)(?:,(?:\+?[1-5]|-1)\1)*")


def describe_rule(parts: dict[str, str]) -> str | None:
    """English for the shapes phrases produce, e.g. "every 2 weeks on Thursday at 15:00", from a rule's
    NAME=VALUE parts (which it uses up); None for other rules."""
    hour, minute = parts.pop("BYHOUR", ""), parts.pop("BYMINUTE", "0")
    if parts.pop("BYSECOND", "0") != "0" or not hour.isdigit() or not minute.isdigit():
        return None
    at = f"at {int(hour):02d}:{int(minute):02d}"
    freq, interval = parts.pop("FREQ", ""), parts.pop("INTERVAL", "1")
    days, monthdays = parts.pop("BYDAY", ""), parts.pop("BYMONTHDAY", "")
    if parts or not interval.isdigit() or (days and monthdays):
        return None
    n = int(interval)
    if freq == "DAILY" and not days and not monthdays:
        return f"every day {at}" if n == 1 else f"every {n} days {at}"
    if freq == "WEEKLY" and days and all(day in _DAY_NAMES for day in days.split(",")):
        names = "weekday" if days == ",".join(_WORKWEEK) else _and([_DAY_NAMES[day] for day in days.split(",")])
        return f"every {names} {at}" if n == 1 else f"every {n} weeks on {names.replace('weekday', 'weekdays')} {at}"
    if freq == "MONTHLY" and (same := _NTH_WEEKDAY.fullmatch(days)):
        which = _and([_ORDINAL_NAMES[int(o)] for o in re.findall(r"[+-]?\d", days)]) + " " + _DAY_NAMES[same[1]]
        return f"every {which} of the month {at}" if n == 1 else f"every {n} months on the {which} {at}"
    if freq == "MONTHLY" and monthdays and all(day.isdigit() and 1 <= int(day) <= 31 for day in monthdays.split(",")):
        which = _and([_nth(int(day)) for day in monthdays.split(",")])
        return f"every month on the {which} {at}" if n == 1 else f"every {n} months on the {which} {at}"
    return None


def _nth(day: int) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"
