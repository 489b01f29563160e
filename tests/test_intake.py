"""The intake rules, without Slack: what makes a valid action item and how a sentence is read."""

from __future__ import annotations

from datetime import date

import pytest

from bot.dates import DueDateError
from bot.intake import Mention, ProblemCode, check_fields, read_capture, read_reschedule

TODAY = date(2026, 11, 23)  # a Monday
AUTHOR = "U0AUTHOR"


def person(text: str, label: str, user_id: str) -> Mention:
    start = text.index(label)
    return Mention(start, start + len(label), user_id, label)


def read(text: str, *mentions: tuple[str, str], default_tag: str | None = None):  # type: ignore[no-untyped-def]
    found = [person(text, label, user_id) for label, user_id in mentions]
    return read_capture(text, mentions=found, author_id=AUTHOR, today=TODAY, default_tag=default_tag)


def codes(understood) -> list[ProblemCode]:  # type: ignore[no-untyped-def]
    return [p.code for p in understood.problems]


def test_a_complete_sentence() -> None:
    text = "Send revised proposal to Globex <@U1|tanaka> by next Friday #globex"
    understood = read(text, ("<@U1|tanaka>", "U1"))
    assert understood.complete
    assert understood.title == "Send revised proposal to Globex"
    assert understood.owner_id == "U1"
    assert understood.due_on == date(2026, 12, 4)
    assert understood.tag == "globex"


def test_the_channel_tag_is_the_default_and_an_explicit_tag_wins() -> None:
    assert read("Call <@U1|a> tomorrow", ("<@U1|a>", "U1"), default_tag="acme").tag == "acme"
    assert read("Call <@U1|a> tomorrow #globex", ("<@U1|a>", "U1"), default_tag="acme").tag == "globex"


@pytest.mark.parametrize(
    "text", ["Book the room @me by Friday", "Book the room me by Friday", "Book the room by Friday @me"]
)
def test_me_is_the_author(text: str) -> None:
    understood = read(text)
    assert understood.owner_id == AUTHOR
    assert understood.title == "Book the room"


def test_me_inside_the_title_is_not_an_owner() -> None:
    understood = read("Send me the deck by Friday")
    assert codes(understood) == [ProblemCode.MISSING_OWNER]


@pytest.mark.parametrize(
    ("text", "mentions", "expected"),
    [
        ("Think about pricing", (), [ProblemCode.MISSING_OWNER, ProblemCode.MISSING_DUE]),
        ("<@U1|a> by Friday", (("<@U1|a>", "U1"),), [ProblemCode.MISSING_WHAT]),
        ("Call <@U1|a>", (("<@U1|a>", "U1"),), [ProblemCode.MISSING_DUE]),
        ("Call <@U1|a> by 2026-11-01", (("<@U1|a>", "U1"),), [ProblemCode.BAD_DUE]),
        ("Call <@U1|a> by Feb 30", (("<@U1|a>", "U1"),), [ProblemCode.BAD_DUE]),
        ("Call @nobody by Friday", (), [ProblemCode.UNKNOWN_OWNER]),
        ("Intro <@U1|a> to <@U2|b> by Friday", (("<@U1|a>", "U1"), ("<@U2|b>", "U2")), [ProblemCode.SEVERAL_OWNERS]),
    ],
)
def test_problems_are_all_named(text: str, mentions: tuple[tuple[str, str], ...], expected: list[ProblemCode]) -> None:
    assert codes(read(text, *mentions)) == expected


def test_a_group_is_not_an_owner() -> None:
    text = "Call the client <!subteam^S1|@sales> by Friday"
    start = text.index("<!")
    understood = read_capture(
        text, mentions=[Mention(start, len(text) - 10, None, "@sales")], author_id=AUTHOR, today=TODAY
    )
    assert codes(understood) == [ProblemCode.GROUP_OWNER]


def test_what_was_understood_survives_a_refusal() -> None:
    understood = read("Send revised proposal to Globex by next Friday")
    assert not understood.complete
    assert understood.title == "Send revised proposal to Globex"
    assert understood.due_on == date(2026, 12, 4)


def test_fields_entered_one_by_one_follow_the_same_rules() -> None:
    assert check_fields(title="Call", owner_id="U1", due_on=TODAY, today=TODAY) == []
    problems = check_fields(title=" ", owner_id=None, due_on=date(2026, 11, 22), today=TODAY)
    assert [p.code for p in problems] == [ProblemCode.MISSING_WHAT, ProblemCode.MISSING_OWNER, ProblemCode.BAD_DUE]
    assert "past" in problems[-1].detail


def test_a_reschedule_reads_the_longest_date_then_the_reason() -> None:
    assert read_reschedule("next Friday customer asked for more time", today=TODAY) == (
        date(2026, 12, 4),
        "customer asked for more time",
    )
    assert read_reschedule("2026-12-15", today=TODAY) == (date(2026, 12, 15), None)
    with pytest.raises(DueDateError):
        read_reschedule("whenever suits", today=TODAY)
    with pytest.raises(DueDateError):
        read_reschedule("", today=TODAY)
