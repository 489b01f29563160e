"""Due dates in five languages: a corpus of phrases with the dates they must mean, and properties."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.dates import DueDateError, describe, find_due, parse_due
from bot.workdays import STANDARD

CORPUS = Path(__file__).parent / "dates"
MONDAY = date(2026, 11, 23)


def corpus() -> list[pytest.ParameterSet]:
    cases = []
    for path in sorted(CORPUS.glob("*.tsv")):
        if path.stem == "sentences":
            continue
        with path.open(encoding="utf-8") as lines:
            for number, row in enumerate(csv.reader(lines, delimiter="\t"), start=1):
                if row and not row[0].startswith("#"):
                    today, locale, phrase, expected = row
                    cases.append(pytest.param(today, locale or None, phrase, expected, id=f"{path.stem}:{number}"))
    return cases


@pytest.mark.parametrize(("today", "locale", "phrase", "expected"), corpus())
def test_the_corpus(today: str, locale: str | None, phrase: str, expected: str) -> None:
    day = date.fromisoformat(today)
    if expected == "error":
        with pytest.raises(DueDateError) as refused:
            parse_due(phrase, today=day, locale=locale)
        assert refused.value.message
    else:
        assert parse_due(phrase, today=day, locale=locale) == date.fromisoformat(expected)


def sentences() -> list[pytest.ParameterSet]:
    with (CORPUS / "sentences.tsv").open(encoding="utf-8") as lines:
        rows = [row for row in csv.reader(lines, delimiter="\t") if row and not row[0].startswith("#")]
    return [pytest.param(*row, id=f"sentence:{number}") for number, row in enumerate(rows, start=1)]


@pytest.mark.parametrize(("today", "locale", "sentence", "phrase", "expected"), sentences())
def test_the_date_is_found_in_a_sentence(today: str, locale: str, sentence: str, phrase: str, expected: str) -> None:
    day = date.fromisoformat(today)
    if expected == "error":
        with pytest.raises(DueDateError) as refused:
            find_due(sentence, today=day, locale=locale or None)
        assert refused.value.phrase == phrase
        return
    found = find_due(sentence, today=day, locale=locale or None)
    if not phrase:
        assert found is None
        return
    assert found is not None
    assert (found.phrase, found.due_on.isoformat()) == (phrase, expected)
    assert sentence[found.start : found.end] == phrase


def test_a_time_of_day_is_kept_and_never_an_error() -> None:
    found = find_due("Call Globex <@U1|a> by Friday 17:00", today=MONDAY)
    assert found is not None and found.at is not None and found.at.isoformat() == "17:00:00"
    found = find_due("見積書を送る 金曜17時30分まで", today=MONDAY)
    assert found is not None and (found.due_on, str(found.at)) == (date(2026, 11, 27), "17:30:00")
    assert parse_due("Friday 5pm", today=MONDAY) == date(2026, 11, 27)


def test_the_errors_say_what_is_wrong() -> None:
    with pytest.raises(DueDateError, match="February has no day 30"):
        parse_due("Feb 30", today=MONDAY)
    with pytest.raises(DueDateError, match=r"Fri 2026-11-20 is in the past \(today is Mon 2026-11-23\)"):
        parse_due("2026-11-20", today=MONDAY)
    with pytest.raises(DueDateError, match="not a date I can read"):
        parse_due("whenever", today=MONDAY)
    with pytest.raises(DueDateError, match="2026 has no week 54"):
        parse_due("2026-W54", today=MONDAY)


def test_the_locale_only_breaks_ties() -> None:
    assert parse_due("3/4", today=MONDAY, locale="en-US") == date(2027, 3, 4)
    assert parse_due("3/4", today=MONDAY, locale="nl-NL") == date(2027, 4, 3)
    assert parse_due("24/12", today=MONDAY, locale="en-US") == date(2026, 12, 24)  # unambiguous
    assert parse_due("volgende week vrijdag", today=MONDAY, locale="en-US") == date(2026, 12, 4)


def test_a_mention_or_tag_is_never_part_of_the_date() -> None:
    sentence = "Plan <@U0MAY|may 5> kickoff #dec-1 by <!date^1764000000^{date}|Dec 1>"
    assert find_due(sentence, today=MONDAY) is None


def test_describe_is_explicit() -> None:
    assert describe(date(2026, 12, 4)) == "Fri 2026-12-04"


# Properties


days = st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31))


@given(today=days, ahead=st.integers(min_value=0, max_value=3000))
def test_an_iso_date_not_in_the_past_reads_as_itself(today: date, ahead: int) -> None:
    target = today + timedelta(days=ahead)
    assert parse_due(target.isoformat(), today=today) == target


@given(today=days, back=st.integers(min_value=1, max_value=3000))
def test_a_past_date_is_always_refused(today: date, back: int) -> None:
    with pytest.raises(DueDateError, match="past"):
        parse_due((today - timedelta(days=back)).isoformat(), today=today)


@given(today=days, weekday=st.sampled_from(["monday", "tuesday", "wednesday", "thursday", "friday"]))
def test_weekdays_are_ahead_and_next_week_is_next_week(today: date, weekday: str) -> None:
    coming = parse_due(weekday, today=today)
    assert 1 <= (coming - today).days <= 7 and coming.strftime("%A").lower() == weekday
    following = parse_due(f"next {weekday}", today=today)
    assert following.isocalendar().week == (today + timedelta(weeks=1)).isocalendar().week
    assert following > today


@given(today=days, count=st.integers(min_value=0, max_value=60))
def test_business_days_skip_weekends(today: date, count: int) -> None:
    due = parse_due(f"{count} business days", today=today)
    assert due == STANDARD.add_business_days(today, count)
    assert count == 0 or STANDARD.is_business_day(due)
    assert sum(STANDARD.is_business_day(today + timedelta(days=i)) for i in range(1, (due - today).days + 1)) == count


@given(today=days, month=st.integers(min_value=1, max_value=12), day=st.integers(min_value=1, max_value=28))
def test_a_month_and_day_is_the_next_time_it_comes(today: date, month: int, day: int) -> None:
    due = parse_due(f"{day} {date(2000, month, 1):%B}", today=today)
    assert (due.month, due.day) == (month, day) and today <= due < today + timedelta(days=366)


@given(today=days, text=st.text(max_size=60))
def test_any_text_is_read_or_refused_never_crashes(today: date, text: str) -> None:
    try:
        found = find_due(text, today=today)
    except DueDateError as error:
        assert error.message
    else:
        assert found is None or (found.due_on >= today and text[found.start : found.end] == found.phrase)


@given(today=days, text=st.text(max_size=40))
def test_any_phrase_is_a_date_or_the_documented_error(today: date, text: str) -> None:
    try:
        assert parse_due(text, today=today) >= today
    except DueDateError as error:
        assert error.message


RELATIVE = [
    "today", "tomorrow", "friday", "next monday", "in 5 days", "in 3 months", "10 business days", "end of week",
    "end of next month", "this year", "week 2", "明後日", "来週金曜", "今週中", "年内", "overmorgen",
    "volgende week vrijdag", "eind van de maand", "i övermorgon", "fredag nästa vecka", "vecka 1", "öbür gün",
    "haftaya cuma", "2 hafta sonra", "jan 15", "15 Aralık", "12/24",
]  # fmt: skip


@given(today=days, phrase=st.sampled_from(RELATIVE))
def test_relative_phrases_never_land_in_the_past(today: date, phrase: str) -> None:
    try:
        assert parse_due(phrase, today=today) >= today
    except DueDateError as error:  # only `end of week`/`今週中` on a weekend: this week's Friday has passed
        assert "past" in error.message and today.weekday() >= 5
