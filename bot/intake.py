"""The intake rules: what makes a valid action item, and reading one from a sentence.

An action item needs three things: what is to be done, one named owner, and a due date that is
not in the past. `read_capture` reads them from free text such as
`Send revised proposal to Globex @tanaka by next Friday` and lists every problem it finds, with
what it understood, so the refusal can say exactly what to fix.

Mentions are found by the platform adapter (Slack writes `<@U123|name>`, Teams uses entities)
and handed over as spans of the text; the rest is platform-neutral.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from datetime import date

from bot import dates
from bot.workdays import STANDARD, WorkCalendar

MAX_TITLE_LENGTH = 1000


@dataclass(frozen=True)
class Mention:
    """A mention of someone in the text: `user_id` is None for groups (@here, user groups)."""

    start: int
    end: int
    user_id: str | None
    label: str


class ProblemCode(enum.StrEnum):
    MISSING_WHAT = "missing_what"
    TITLE_TOO_LONG = "title_too_long"
    MISSING_OWNER = "missing_owner"
    UNKNOWN_OWNER = "unknown_owner"
    GROUP_OWNER = "group_owner"
    SEVERAL_OWNERS = "several_owners"
    MISSING_DUE = "missing_due"
    BAD_DUE = "bad_due"


@dataclass(frozen=True)
class Problem:
    code: ProblemCode
    detail: str = ""

    @property
    def about_owner(self) -> bool:
        return self.code in {
            ProblemCode.MISSING_OWNER,
            ProblemCode.UNKNOWN_OWNER,
            ProblemCode.GROUP_OWNER,
            ProblemCode.SEVERAL_OWNERS,
        }

    @property
    def about_due(self) -> bool:
        return self.code in {ProblemCode.MISSING_DUE, ProblemCode.BAD_DUE}


@dataclass(frozen=True)
class Understood:
    """Everything read from a capture sentence, complete or not."""

    title: str
    owner_id: str | None = None
    due_on: date | None = None
    due_phrase: str | None = None
    tag: str | None = None
    problems: tuple[Problem, ...] = field(default_factory=tuple)

    @property
    def complete(self) -> bool:
        return not self.problems


# `@me` anywhere, or a bare `me` as the last word before the date: the author owns it.
_SELF_WORDS = ("me", "myself", "私", "自分", "mij", "mezelf", "mig", "mig själv", "ben", "kendim")
_SELF_MENTION = re.compile(r"(?<!\w)@(" + "|".join(map(re.escape, _SELF_WORDS)) + r")(?!\w)", re.IGNORECASE)
_TRAILING_SELF = re.compile(r"(?<!\w)(me|myself)\s*$", re.IGNORECASE)
# An unresolved `@name` (a mention the platform did not turn into a user id).
_LOOSE_AT = re.compile(r"(?<![\w<])@([\w.\-]+)")
_TAG = re.compile(r"(?<![\w&#<])#([^\s#<>,;:!?()\[\]{}\"'`]+)")
_DANGLING = " \t\n-–—,;:|/"


def read_capture(
    text: str,
    *,
    mentions: list[Mention],
    author_id: str,
    today: date,
    locale: str | None = None,
    default_tag: str | None = None,
    workdays: WorkCalendar = STANDARD,
) -> Understood:
    """Read what, owner, due date and tag from `text`, and list what is missing or wrong."""
    problems: list[Problem] = []
    cut: list[tuple[int, int]] = []

    people = [m for m in mentions if m.user_id is not None]
    groups = [m for m in mentions if m.user_id is None]
    owner_id: str | None = None
    if len(people) == 1:
        owner_id = people[0].user_id
        cut.append((people[0].start, people[0].end))
    elif len(people) > 1:
        names = ", ".join(m.label for m in people)
        problems.append(Problem(ProblemCode.SEVERAL_OWNERS, names))

    tag_match = _TAG.search(text)
    tag = tag_match.group(1).rstrip(".") if tag_match else default_tag
    if tag_match:
        cut.append(tag_match.span())

    due_on: date | None = None
    due_phrase: str | None = None
    try:
        found = dates.find_due(text, today=today, locale=locale, workdays=workdays)
    except dates.DueDateError as error:
        problems.append(Problem(ProblemCode.BAD_DUE, error.message))
        due_phrase = error.phrase
        if error.phrase and error.phrase in text:
            start = text.rindex(error.phrase)
            cut.append((start, start + len(error.phrase)))
    else:
        if found is not None:
            due_on, due_phrase = found.due_on, found.phrase
            cut.append((found.start, found.end))
        else:
            problems.append(Problem(ProblemCode.MISSING_DUE))

    remaining = _cut(text, cut)
    if owner_id is None and not people:
        self_match = _SELF_MENTION.search(remaining) or _TRAILING_SELF.search(remaining)
        if self_match:
            owner_id = author_id
            remaining = _cut(remaining, [self_match.span()])
        elif groups:
            problems.append(Problem(ProblemCode.GROUP_OWNER, groups[0].label))
        elif loose := _LOOSE_AT.search(remaining):
            problems.append(Problem(ProblemCode.UNKNOWN_OWNER, "@" + loose.group(1)))
        else:
            problems.append(Problem(ProblemCode.MISSING_OWNER))

    title = clean_title(remaining)
    problems.extend(check_title(title))
    return Understood(
        title=title,
        owner_id=owner_id,
        due_on=due_on,
        due_phrase=due_phrase,
        tag=normalise_tag(tag),
        problems=tuple(sorted(problems, key=_problem_order)),
    )


def check_fields(*, title: str, owner_id: str | None, due_on: date | None, today: date) -> list[Problem]:
    """The same rules for fields entered one by one (the completion form, an import)."""
    problems = check_title(clean_title(title))
    if not owner_id:
        problems.append(Problem(ProblemCode.MISSING_OWNER))
    if due_on is None:
        problems.append(Problem(ProblemCode.MISSING_DUE))
    else:
        try:  # the same rule, and the same wording, as for a typed date
            dates.parse_due(due_on.isoformat(), today=today)
        except dates.DueDateError as error:
            problems.append(Problem(ProblemCode.BAD_DUE, error.message))
    return problems


def read_reschedule(
    text: str, *, today: date, locale: str | None = None, workdays: WorkCalendar = STANDARD
) -> tuple[date, str | None]:
    """The new date at the start of `text` and the reason after it.

    Takes the longest leading run of words that reads as a date, so that
    `next Friday customer asked for more time` is a date and a reason. Raises DueDateError.
    """
    words = text.split()
    if not words:
        raise dates.DueDateError("The new date is missing.")
    first_error: dates.DueDateError | None = None
    for count in range(min(len(words), 6), 0, -1):
        try:
            new_due = dates.parse_due(" ".join(words[:count]), today=today, locale=locale, workdays=workdays)
        except dates.DueDateError as error:
            if count == 1 or first_error is None:
                first_error = error
            continue
        return new_due, " ".join(words[count:]).strip(_DANGLING) or None
    assert first_error is not None
    raise first_error


def check_title(title: str) -> list[Problem]:
    if not title:
        return [Problem(ProblemCode.MISSING_WHAT)]
    if len(title) > MAX_TITLE_LENGTH:
        return [Problem(ProblemCode.TITLE_TOO_LONG, str(MAX_TITLE_LENGTH))]
    return []


def clean_title(text: str) -> str:
    return " ".join(text.split()).strip(_DANGLING)


def normalise_tag(tag: str | None) -> str | None:
    if tag is None:
        return None
    tag = tag.strip().lstrip("#").strip()
    return tag[:80] or None


def _cut(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` without the given spans, each replaced by a space so words do not fuse."""
    pieces: list[str] = []
    position = 0
    for start, end in sorted(spans):
        if start < position:  # overlapping spans: the earlier one already removed this part
            start = position
        pieces.append(text[position:start])
        pieces.append(" ")
        position = max(position, end)
    pieces.append(text[position:])
    return "".join(pieces)


def _problem_order(problem: Problem) -> int:
    return list(ProblemCode).index(problem.code)
