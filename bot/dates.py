"""Due dates the way people write them, in English, Japanese, Dutch, Swedish and Turkish.

`parse_due` reads a phrase that is only a date; `find_due` finds the date phrase inside a whole
`/action` sentence so the intake can cut it out of the title. Both use one grammar: the phrase
rules of `bot.date_words` (one module per language, all active at once, so `locale` is needed
only to order an ambiguous `3/4`), each optionally introduced (`by`, `uiterlijk`, `senast`,
`en geç`; `まで` and Turkish `kadar` follow the date) and followed by a time of day.

Conventions, so that nothing surprises (the confirmation always shows the explicit date):
- a bare weekday, or `this Friday`, is the next such day after today (never today);
- `next Friday`, `Friday next week`, `来週金曜`, `volgende week vrijdag`, `haftaya cuma` are the
  Friday of next (ISO) week;
- end of week, `this week`, `今週中`, `week 50` mean that week's Friday; end of month its last
  day; `年内`/end of year December 31;
- a month and day without a year is the next time that day comes.

Why our own grammar rather than a general date parser: `find_due` must say *where* the date
was so it can be removed from the title, it must never reach into a mention or a tag, and the
phrases above (week numbers, Japanese and Turkish forms, `next Friday` meaning next week's)
are not what the general parsers do. Every phrase is read in well under a millisecond.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta

from bot.date_words import Rule, Vocabulary, en, ja, nl, sv, tr
from bot.model import UserError
from bot.workdays import STANDARD, WorkCalendar

LANGUAGES: tuple[Vocabulary, ...] = (en.VOCABULARY, ja.VOCABULARY, nl.VOCABULARY, sv.VOCABULARY, tr.VOCABULARY)
FURTHEST_YEARS = 10
EXAMPLES = "2026-12-04, Dec 4, next Friday, in 3 days or week 50"


class DueDateError(UserError):
    """A phrase that is not a usable due date; `phrase` is the words that were read as one."""

    def __init__(self, message: str, phrase: str | None = None) -> None:
        super().__init__(message)
        self.phrase = phrase


@dataclass(frozen=True)
class DueMatch:
    """A due date found in a sentence: `start:end` is the span it occupied, introducing word included."""

    due_on: date
    at: time | None
    start: int
    end: int
    phrase: str


def parse_due(text: str, *, today: date, locale: str | None = None, workdays: WorkCalendar = STANDARD) -> date:
    """The date `text` names; raises DueDateError if it is not a date, impossible, or before `today`."""
    return read_phrase(text, today=today, locale=locale, workdays=workdays)[0]


def read_phrase(
    text: str, *, today: date, locale: str | None = None, workdays: WorkCalendar = STANDARD
) -> tuple[date, time | None]:
    """`parse_due`, with the time of day when the phrase gives one."""
    for phrase in dict.fromkeys((text.strip(), text.strip(_EDGE_PUNCTUATION))):  # `1.12.` and `Friday.`
        folded = _fold(phrase)
        for grammar in _GRAMMAR:
            found = grammar.pattern.fullmatch(folded)
            if found is not None:
                return _resolve(grammar, found, phrase, today, locale, workdays)
    raise DueDateError(f"“{text.strip()}” is not a date I can read. Try {EXAMPLES}.", text.strip() or None)


def find_due(
    sentence: str, *, today: date, locale: str | None = None, workdays: WorkCalendar = STANDARD
) -> DueMatch | None:
    """The due date in a whole sentence, or None when it has none.

    A phrase counts when it is introduced (`by Friday`, `金曜まで`) or stands at the start or the
    end of the sentence; of several, the last one wins (`Review the 2025-12-01 numbers by Friday`).
    Raises DueDateError, with the phrase, when that phrase is plainly meant as a date but is
    impossible or in the past.
    """
    masked = _mask(_fold(sentence))
    best: tuple[int, int, _Phrase, re.Match[str]] | None = None
    for grammar in _GRAMMAR:
        for found in grammar.pattern.finditer(masked):
            introduced = bool(found.group("pre") or found.group("post"))
            if grammar.rule.needs_intro and not introduced:
                continue
            start, end = found.start(), found.start() + len(found.group(0).rstrip())
            if not introduced and not _at_edge(masked, start, end):
                continue
            if best is None or (end, -start) > (best[1], -best[0]):
                best = (start, end, grammar, found)
    if best is None:
        return None
    start, end, grammar, found = best
    phrase = sentence[start:end]
    due_on, at = _resolve(grammar, found, phrase, today, locale, workdays)
    return DueMatch(due_on=due_on, at=at, start=start, end=end, phrase=phrase)


def describe(day: date) -> str:
    """`Fri 2026-12-04`: the explicit form every confirmation uses."""
    return f"{calendar.day_abbr[day.weekday()]} {day.isoformat()}"


# The grammar, compiled once.

_EDGE_PUNCTUATION = " \t\n,.;:!?()[]{}\"'“”‘’「」。、"
_LATIN = "0-9a-zß-öø-ÿĀ-ſ"
_LEFT = rf"(?<![{_LATIN}])(?<![0-9][/.\-])"
_RIGHT = rf"(?![{_LATIN}])(?![/.\-][0-9])"
_LOOSE = {"ı": "ıi", "ş": "şs", "ç": "çc", "ğ": "ğg", "ü": "üu", "ö": "öo", "ä": "äa", "å": "åa", "é": "ée", "ó": "óo"}
_PLAIN = str.maketrans({letter: variants[-1] for letter, variants in _LOOSE.items()})
_TIME = (
    r"(?:(?:at|om|kl\.?|klockan|saat|um) ?)?"
    r"(?:\d{1,2}:\d{2}|\d{1,2} ?(?:am|pm|a\.m\.|p\.m\.)|\d{1,2} ?時(?: ?\d{1,2} ?分|半)?|\d{1,2} ?u(?:ur)?)"
)
_TIME_PARTS = re.compile(
    r"(?P<h>\d{1,2})(?::(?P<m>\d{2})|\s*(?P<ampm>am|pm|a\.m\.|p\.m\.)|\s*時(?:\s*(?P<jm>\d{1,2})\s*分|(?P<half>半))?)?"
)
_NUMERIC = Vocabulary(
    code="numeric",
    rules=(
        Rule("ymd", r"(?P<year>\d{4})(?P<sep>[-/.])(?P<month>\d{1,2})(?P=sep)(?P<day>\d{1,2})"),
        Rule("numeric", r"(?P<a>\d{1,2})(?P<sep>[-/.])(?P<b>\d{1,2})(?P=sep)(?P<year>\d{4}|\d{2})"),
        Rule("numeric", r"(?P<a>\d{1,2})(?P<sep>/)(?P<b>\d{1,2})"),
        Rule("numeric", r"(?P<a>\d{1,2})(?P<sep>\.)(?P<b>\d{1,2})\."),
        Rule("week_no", r"(?:(?P<year>\d{4})-?)?w ?{wn}"),
    ),
)


@dataclass(frozen=True)
class _Phrase:
    rule: Rule
    words: Vocabulary
    # Its edges only look around, so the same pattern serves `fullmatch` and `finditer`.
    pattern: re.Pattern[str]


def _plain(word: str) -> str:
    return " ".join(word.translate(_PLAIN).replace(".", " ").split())


def _loose(pattern: str) -> str:
    """Accept a word typed without its diacritics (`persembe`, `nasta`, `aralik`)."""
    return "".join(f"[{_LOOSE[char]}]" if char in _LOOSE else char for char in pattern)


def _alternatives(words: list[str] | tuple[str, ...]) -> str:
    escaped = (_loose(re.escape(word)).replace(r"\ ", " ") for word in sorted(set(words), key=len, reverse=True))
    return "|".join(escaped)


def _spaces(pattern: str) -> str:
    return pattern.replace(" ?", r"\s*").replace(" ", r"\s+")


def _core(rule: Rule, words: Vocabulary) -> str:
    months = rf"(?P<month>{_alternatives(list(words.months))})" if words.months else r"(?P<month>\d{1,2})"
    numbers = _alternatives(list(words.numbers))
    fill = {
        "weekday": rf"(?P<weekday>{_alternatives(list(words.weekdays))})",
        "month": months,
        "n": rf"(?P<n>\d{{1,3}}{'|' + numbers if numbers else ''})",
        "unit": rf"(?P<unit>{_alternatives(list(words.units))})",
        "day": r"(?P<day>\d{1,2})",
        "year": r"(?P<year>\d{4})",
        "wn": r"(?P<wn>\d{1,2})",
    }
    return re.sub(r"\{(weekday|month|n|unit|day|year|wn)\}", lambda m: fill[m.group(1)], _loose(rule.template))


def _intro_before() -> str:
    return _alternatives([word for words in LANGUAGES for word in words.intro_before])


def _intro_after() -> str:
    joined = [word for words in LANGUAGES for word in words.intro_after if not word.isascii()]
    # Turkish joins a case ending to the date itself: `cumaya kadar`, `1 Aralık'a kadar`.
    return rf"(?: ?(?:{_alternatives(joined)})|'?[a-zçğıöşü]{{0,3}} kadar)"


def _compile(rule: Rule, words: Vocabulary) -> _Phrase:
    after = _intro_after()
    if words.code == "tr":  # the case ending alone also introduces: `cumaya`
        after = rf"(?:{after}|'?y?[ae])"
    body = (
        rf"(?P<pre>(?:{_intro_before()}) )?(?P<core>{_core(rule, words)})"
        rf"(?:(?:,? ?|\s*の\s*)(?P<time>{_TIME}))?(?P<post>{after})?"
    )
    body = _spaces(body)
    return _Phrase(rule, words, re.compile(_LEFT + body + _RIGHT))


_GRAMMAR: tuple[_Phrase, ...] = tuple(_compile(rule, words) for words in (_NUMERIC, *LANGUAGES) for rule in words.rules)
_LOOKUPS: dict[str, dict[str, dict[str, Any]]] = {
    words.code: {
        "months": {_plain(k): v for k, v in words.months.items()},
        "weekdays": {_plain(k): v for k, v in words.weekdays.items()},
        "numbers": {_plain(k): v for k, v in words.numbers.items()},
        "units": {_plain(k): v for k, v in words.units.items()},
    }
    for words in (_NUMERIC, *LANGUAGES)
}
_INTRODUCED_BY = {
    _plain(word): words.code
    for words in LANGUAGES
    for word in words.intro_before
    if _plain(word) not in {_plain(w) for other in LANGUAGES if other is not words for w in other.intro_before}
}
_SLACK_MARKUP = re.compile(r"<[^<>]*>|(?<![\w&#<])#[^\s#<>,;:!?()\[\]{}\"'`]+|(?<![\w<])@[\w.\-]+")


# Reading a match.


def _resolve(
    grammar: _Phrase, found: re.Match[str], phrase: str, today: date, locale: str | None, workdays: WorkCalendar
) -> tuple[date, time | None]:
    locale = locale or _language_of_intro(found)
    try:
        due_on = _date_of(grammar.rule.kind, found, _LOOKUPS[grammar.words.code], today, locale, workdays)
    except DueDateError as error:
        raise DueDateError(error.message, phrase) from None
    if due_on < today:
        raise DueDateError(f"{describe(due_on)} is in the past (today is {describe(today)}).", phrase)
    if due_on.year > today.year + FURTHEST_YEARS:
        raise DueDateError(f"{describe(due_on)} is more than {FURTHEST_YEARS} years away.", phrase)
    return due_on, _time_of(found.group("time"))


def _language_of_intro(found: re.Match[str]) -> str | None:
    """Without a locale, `senast 1/12` is Swedish and so day-first: the introducing word tells."""
    introduction = _plain(found.group("pre") or "") or ("ja" if "ま" in (found.group("post") or "") else "")
    return _INTRODUCED_BY.get(introduction, introduction if introduction == "ja" else None)


def _date_of(
    kind: str, found: re.Match[str], words: dict[str, dict[str, Any]], today: date, locale: str | None,
    workdays: WorkCalendar,
) -> date:  # fmt: skip
    kind, _, detail = kind.partition(":")
    parts = found.groupdict()
    monday = today - timedelta(days=today.weekday())
    if kind == "offset":
        return today + timedelta(days=int(detail))
    if kind == "weekday":
        weekday = words["weekdays"][_plain(parts["weekday"])]
        if detail == "coming":
            return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)
        weeks = {"this": 0, "next": 1, "after_next": 2}[detail]
        return monday + timedelta(weeks=weeks, days=weekday)
    if kind == "in":
        count = _number(parts["n"], words)
        unit = detail or words["units"][_plain(parts["unit"])]
        if unit == "bday":
            return workdays.add_business_days(today, count)
        if unit == "month":
            return today + relativedelta(months=count)
        return today + timedelta(days=count * (7 if unit == "week" else 1))
    if kind == "week_end":
        return monday + timedelta(weeks=int(detail), days=4)
    if kind == "month_end":
        first = today.replace(day=1) + relativedelta(months=int(detail))
        return first.replace(day=calendar.monthrange(first.year, first.month)[1])
    if kind == "year_end":
        return date(today.year, 12, 31)
    if kind == "week_no":
        return _week_friday(int(parts["wn"]), _year(parts.get("year")), today)
    if kind == "day_only":
        return _next_day_of_month(int(parts["day"]), today)
    if kind == "numeric":
        month, day = _order(int(parts["a"]), int(parts["b"]), parts["sep"], locale)
        return _calendar_date(_year(parts.get("year")), month, day, today)
    month_text = parts["month"]
    month = int(month_text) if month_text.isdigit() else words["months"][_plain(month_text)]
    return _calendar_date(_year(parts.get("year")), month, int(parts["day"]), today)


def _number(text: str, words: dict[str, dict[str, Any]]) -> int:
    return int(text) if text.isdigit() else words["numbers"][_plain(text)]


def _year(text: str | None) -> int | None:
    if not text:
        return None
    return 2000 + int(text) if len(text) == 2 else int(text)


def _order(a: int, b: int, separator: str, locale: str | None) -> tuple[int, int]:
    """(month, day) from two numbers: unambiguous when one is over 12, else the locale's order."""
    if separator == "." or a > 12:
        return b, a
    if b > 12:
        return a, b
    return (a, b) if _month_first(locale, separator) else (b, a)


def _month_first(locale: str | None, separator: str) -> bool:
    if not locale:
        return separator == "/"  # 12/1 as in English and Japanese; 1-12-2026 as in Dutch
    language = locale.replace("_", "-").lower()
    return language.startswith(("en-us", "ja", "zh", "ko"))


def _calendar_date(year: int | None, month: int, day: int, today: date) -> date:
    if not 1 <= month <= 12:
        raise DueDateError(f"There is no month {month}.")
    if not 1 <= day <= calendar.monthrange(2024, month)[1]:  # 2024: a leap year allows 29 February
        raise DueDateError(f"{calendar.month_name[month]} has no day {day}.")
    if year is not None:
        try:
            return date(year, month, day)
        except ValueError:
            raise DueDateError(f"{calendar.month_name[month]} {year} has no day {day}.") from None
    for candidate_year in range(today.year, today.year + 9):  # the next time that day comes
        if day <= calendar.monthrange(candidate_year, month)[1]:
            candidate = date(candidate_year, month, day)
            if candidate >= today:
                return candidate
    raise DueDateError(f"{calendar.month_name[month]} has no day {day}.")


def _next_day_of_month(day: int, today: date) -> date:
    if not 1 <= day <= 31:
        raise DueDateError(f"No month has a day {day}.")
    first = today.replace(day=1)
    for months in range(13):
        month = first + relativedelta(months=months)
        if day <= calendar.monthrange(month.year, month.month)[1] and month.replace(day=day) >= today:
            return month.replace(day=day)
    raise DueDateError(f"No month has a day {day}.")  # unreachable: every day 1..31 comes within a year


def _week_friday(week: int, year: int | None, today: date) -> date:
    """The Friday of ISO week `week`: this year's if still ahead, else next year's."""
    years = [year] if year is not None else [today.isocalendar().year, today.isocalendar().year + 1]
    for candidate_year in years:
        try:
            friday = date.fromisocalendar(candidate_year, week, 5)
        except ValueError:
            raise DueDateError(f"{candidate_year} has no week {week}.") from None
        if friday >= today or candidate_year == years[-1]:
            return friday
    raise AssertionError("unreachable")


def _time_of(text: str | None) -> time | None:
    if not text:
        return None
    found = _TIME_PARTS.search(text)
    if found is None:
        return None
    hour, minute = int(found.group("h")), int(found.group("m") or found.group("jm") or 0)
    if found.group("half"):
        minute = 30
    if (ampm := found.group("ampm")) is not None:
        hour = hour % 12 + (12 if ampm.startswith("p") else 0)
    return time(hour, minute) if hour < 24 and minute < 60 else None


# Text preparation: the same length in and out, so spans found in folded text fit the original.


def _fold(text: str) -> str:
    lowered = text.lower()
    if len(lowered) != len(text):  # `İ` lowers to two characters
        lowered = "".join(low if len(low := char.lower()) == 1 else "i" for char in text)
    return lowered.translate(_FULL_WIDTH)


_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: ord(" ")}


def _mask(text: str) -> str:
    """Blank out mentions, links and tags, which are never part of a date."""
    return _SLACK_MARKUP.sub(lambda m: " " * len(m.group(0)), text)


def _at_edge(text: str, start: int, end: int) -> bool:
    return not text[:start].strip(_EDGE_PUNCTUATION) or not text[end:].strip(_EDGE_PUNCTUATION)
