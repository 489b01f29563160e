"""The nudge ladder and working time, against the clock: zones, DST, weekends, holidays, leave, snooze."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.ladder import Ladder, due_now, escalation_at, next_moment, steps
from bot.workdays import STANDARD, WorkCalendar, country_from_locale
from bot.working_time import WorkingTime, WorkPrefs, working_time

TOKYO = WorkingTime(WorkCalendar(country="JP"), "Asia/Tokyo")
AMSTERDAM = WorkingTime(WorkCalendar(country="NL"), "Europe/Amsterdam")
NEW_YORK = WorkingTime(STANDARD, "America/New_York")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def first_steps(
    due_on: date, work: WorkingTime, count: int, ladder: Ladder | None = None
) -> list[tuple[str, datetime]]:
    found = []
    ladder = ladder or Ladder()
    for step in steps(due_on, ladder, work):
        found.append((step.name, step.at))
        if len(found) == count:
            return found
    return found


# Business days


def test_public_holidays_are_not_business_days() -> None:
    japan = WorkCalendar(country="JP")
    assert japan.holiday(date(2026, 11, 23)) is not None  # Labour Thanksgiving Day, a Monday
    assert not japan.is_business_day(date(2026, 11, 23))
    assert STANDARD.is_business_day(date(2026, 11, 23))
    assert japan.add_business_days(date(2026, 11, 20), 1) == date(2026, 11, 24)
    assert STANDARD.add_business_days(date(2026, 11, 20), 1) == date(2026, 11, 23)
    assert WorkCalendar(country="NL").business_days_before(date(2026, 12, 28), 1) == date(2026, 12, 24)


def test_working_days_can_be_chosen() -> None:
    four_days = WorkCalendar(frozenset({0, 1, 2, 3}))
    assert four_days.add_business_days(date(2026, 11, 26), 1) == date(2026, 11, 30)  # Thursday → Monday
    assert four_days.business_days_between(date(2026, 11, 23), date(2026, 11, 30)) == 4
    with pytest.raises(ValueError):
        WorkCalendar(frozenset())
    with pytest.raises(ValueError):
        WorkCalendar(country="XX")


@pytest.mark.parametrize(
    ("locale", "country"),
    [("ja-JP", "JP"), ("nl-NL", "NL"), ("sv-SE", "SE"), ("tr-TR", "TR"), ("en", None), (None, None)],
)
def test_the_country_comes_from_the_slack_locale(locale: str | None, country: str | None) -> None:
    assert country_from_locale(locale) == country
    assert WorkPrefs().calendar(locale).country == country
    assert WorkPrefs(country="SE").calendar(locale).country == "SE"


# Working time


def test_outside_working_hours_waits_for_the_next_working_moment() -> None:
    # Friday 2026-11-27 19:00 in Amsterdam → Monday 09:00 (CET, UTC+1).
    assert AMSTERDAM.next_working_moment(utc(2026, 11, 27, 18)) == utc(2026, 11, 30, 8)
    # Inside working hours: now.
    assert AMSTERDAM.next_working_moment(utc(2026, 11, 27, 10)) == utc(2026, 11, 27, 10)
    # Before hours: the same day's start.
    assert AMSTERDAM.next_working_moment(utc(2026, 11, 27, 5)) == utc(2026, 11, 27, 8)
    # Tokyo on its public holiday (Monday 2026-11-23): Tuesday 09:00 JST.
    assert TOKYO.next_working_moment(utc(2026, 11, 23, 1)) == utc(2026, 11, 24, 0)


def test_leave_holds_everything_until_the_first_day_back() -> None:
    away = WorkingTime(STANDARD, "Europe/Stockholm", away_until=date(2026, 12, 3))
    assert away.next_working_moment(utc(2026, 11, 24, 10)) == utc(2026, 12, 3, 8)
    assert away.next_working_moment(utc(2026, 12, 3, 10)) == utc(2026, 12, 3, 10)


def test_own_hours_move_the_start_of_the_day() -> None:
    early = working_time(WorkPrefs(starts=time(7, 30), ends=time(16)), "Europe/Amsterdam", "nl-NL")
    assert early.next_working_moment(utc(2026, 11, 24, 15, 30)) == utc(2026, 11, 25, 6, 30)


def test_the_day_starts_on_the_wall_clock_across_dst() -> None:
    # Amsterdam leaves summer time on 2026-10-25: 09:00 is 07:00 UTC before, 08:00 UTC after.
    assert AMSTERDAM.day_start(date(2026, 10, 23)) == utc(2026, 10, 23, 7)
    assert AMSTERDAM.day_start(date(2026, 10, 26)) == utc(2026, 10, 26, 8)
    # New York springs forward on 2027-03-14.
    assert NEW_YORK.day_start(date(2027, 3, 12)) == utc(2027, 3, 12, 14)
    assert NEW_YORK.day_start(date(2027, 3, 15)) == utc(2027, 3, 15, 13)


# The ladder


def test_the_default_ladder_in_the_owners_zone() -> None:
    # Due Friday 2026-12-04, owner in Amsterdam.
    assert first_steps(date(2026, 12, 4), AMSTERDAM, 5) == [
        ("before:2", utc(2026, 12, 2, 8)),
        ("due", utc(2026, 12, 4, 8)),
        ("after:1", utc(2026, 12, 7, 8)),  # Monday, the next business day
        ("after:3", utc(2026, 12, 9, 8)),
        ("after:5", utc(2026, 12, 11, 8)),
    ]


def test_a_due_day_on_a_weekend_is_nudged_on_the_next_working_day() -> None:
    [before, due, after] = first_steps(date(2026, 12, 5), NEW_YORK, 3)  # a Saturday
    assert before == ("before:2", utc(2026, 12, 3, 14))  # Thursday 09:00 EST
    assert due == ("due", utc(2026, 12, 7, 14)) and after == ("after:1", utc(2026, 12, 7, 14))


def test_steps_skip_the_owners_holidays() -> None:
    # Due Wednesday 2026-11-25 in Tokyo: two business days before is Friday the 20th, not the holiday.
    assert first_steps(date(2026, 11, 25), TOKYO, 1) == [("before:2", utc(2026, 11, 20, 0))]


def test_only_the_latest_missed_step_is_taken_after_downtime() -> None:
    due_on = date(2026, 12, 4)
    found = due_now(due_on, Ladder(), AMSTERDAM, nudged_until=utc(2026, 12, 1), now=utc(2026, 12, 8, 12))
    assert found.step is not None and found.step.name == "after:1" and not found.escalate
    nothing = due_now(due_on, Ladder(), AMSTERDAM, nudged_until=utc(2026, 12, 8, 12), now=utc(2026, 12, 8, 13))
    assert nothing.step is None and not nothing.escalate


def test_escalation_comes_once_after_five_business_days() -> None:
    due_on = date(2026, 12, 4)
    assert escalation_at(due_on, Ladder(), AMSTERDAM) == utc(2026, 12, 11, 8)
    assert escalation_at(due_on, Ladder(escalate_after=None), AMSTERDAM) is None
    at = utc(2026, 12, 11, 8)
    assert due_now(due_on, Ladder(), AMSTERDAM, nudged_until=at - timedelta(hours=1), now=at).escalate
    assert not due_now(due_on, Ladder(), AMSTERDAM, nudged_until=at, now=at + timedelta(days=3)).escalate


def test_next_moment_is_the_next_step_or_the_escalation() -> None:
    due_on = date(2026, 12, 4)
    assert next_moment(due_on, Ladder(), AMSTERDAM, nudged_until=utc(2026, 11, 30)) == utc(2026, 12, 2, 8)
    every_three = Ladder(every=3)  # after:1, after:4 … the escalation at 5 falls between
    assert next_moment(due_on, every_three, AMSTERDAM, nudged_until=utc(2026, 12, 10, 9)) == utc(2026, 12, 11, 8)
    assert next_moment(due_on, Ladder(enabled=False), AMSTERDAM, nudged_until=utc(2026, 11, 30)) is None


def test_a_snooze_holds_everything_and_ends_with_a_reminder() -> None:
    due_on = date(2026, 12, 4)
    snoozed = utc(2026, 12, 3, 8)
    nudged = utc(2026, 12, 2, 8)
    assert next_moment(due_on, Ladder(), AMSTERDAM, nudged_until=nudged, snoozed_until=snoozed) == snoozed
    held = due_now(due_on, Ladder(), AMSTERDAM, nudged_until=nudged, now=utc(2026, 12, 2, 12), snoozed_until=snoozed)
    assert held.step is None
    ended = due_now(due_on, Ladder(), AMSTERDAM, nudged_until=nudged, now=snoozed, snoozed_until=snoozed)
    assert ended.step is not None and ended.step.name.startswith("snooze:")
    # A snooze past the due day: the due-day step that fell inside it comes at its end.
    long = utc(2026, 12, 7, 8)
    late = due_now(due_on, Ladder(), AMSTERDAM, nudged_until=nudged, now=long, snoozed_until=long)
    assert late.step is not None and late.step.name == "after:1"


def test_a_custom_ladder() -> None:
    ladder = Ladder(before=(5, 1), every=1)
    names = [name for name, _ in first_steps(date(2026, 12, 11), AMSTERDAM, 4, ladder)]
    assert names == ["before:5", "before:1", "after:1", "after:2"]
