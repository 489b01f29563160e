"""Session rhythms: phrases in five languages, raw RRULEs, DST, fifth weekdays, skipped and moved sessions."""

from __future__ import annotations

from datetime import UTC, date, datetime
from time import perf_counter

import pytest
from dateutil.rrule import rrulestr

from bot.clock import zone
from bot.recurrence import (
    Rhythm,
    RhythmError,
    local_instant,
    occurrences,
    occurs_on,
    previous_occurrence,
    read_rhythm,
)

# Monday 2026-11-23: 12:00 in Tokyo, 04:00 in Amsterdam, 06:00 in Istanbul, 22:00 (Sunday) in New York.
NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
AMS = "Europe/Amsterdam"


def at(tz: str, local: str) -> datetime:
    return datetime.fromisoformat(local).replace(tzinfo=zone(tz))


def next_three(text: str, tz: str, now: datetime = NOW) -> list[datetime]:
    return occurrences(read_rhythm(text, now=now, default_tz=tz), after=now, count=3)


PHRASES = [
    # English
    ("every first Tuesday of the month at 10:00 Asia/Tokyo", AMS, "FREQ=MONTHLY;BYDAY=+1TU;BYHOUR=10;BYMINUTE=0",
     "Asia/Tokyo", ["2026-12-01 10:00", "2027-01-05 10:00", "2027-02-02 10:00"]),
    ("every 2nd tue 3pm", AMS, "FREQ=MONTHLY;BYDAY=+2TU;BYHOUR=15;BYMINUTE=0",
     AMS, ["2026-12-08 15:00", "2027-01-12 15:00", "2027-02-09 15:00"]),
    ("every 3rd Wed of the month 10:00", AMS, "FREQ=MONTHLY;BYDAY=+3WE;BYHOUR=10;BYMINUTE=0",
     AMS, ["2026-12-16 10:00", "2027-01-20 10:00", "2027-02-17 10:00"]),
    ("every 4th Thurs 10:00", AMS, "FREQ=MONTHLY;BYDAY=+4TH;BYHOUR=10;BYMINUTE=0",
     AMS, ["2026-11-26 10:00", "2026-12-24 10:00", "2027-01-28 10:00"]),
    ("every last Friday of the month 16:00", AMS, "FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=16;BYMINUTE=0",
     AMS, ["2026-11-27 16:00", "2026-12-25 16:00", "2027-01-29 16:00"]),
    ("every 2 weeks on Thursday 15:00", AMS, "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH;BYHOUR=15;BYMINUTE=0",
     AMS, ["2026-11-26 15:00", "2026-12-10 15:00", "2026-12-24 15:00"]),
    ("every other Thursday 15:00", AMS, "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH;BYHOUR=15;BYMINUTE=0",
     AMS, ["2026-11-26 15:00", "2026-12-10 15:00", "2026-12-24 15:00"]),
    ("Every  Monday 9:30", "America/New_York", "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=30",
     "America/New_York", ["2026-11-23 09:30", "2026-11-30 09:30", "2026-12-07 09:30"]),
    ("weekly on Mon at 9:30", AMS, "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=30",
     AMS, ["2026-11-23 09:30", "2026-11-30 09:30", "2026-12-07 09:30"]),
    ("every Monday and Thursday 9:30", AMS, "FREQ=WEEKLY;BYDAY=MO,TH;BYHOUR=9;BYMINUTE=30",
     AMS, ["2026-11-23 09:30", "2026-11-26 09:30", "2026-11-30 09:30"]),
    ("every weekday 09:00", "Asia/Tokyo", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9;BYMINUTE=0",
     "Asia/Tokyo", ["2026-11-24 09:00", "2026-11-25 09:00", "2026-11-26 09:00"]),
    ("monthly on the 15th at 10:00", AMS, "FREQ=MONTHLY;BYMONTHDAY=15;BYHOUR=10;BYMINUTE=0",
     AMS, ["2026-12-15 10:00", "2027-01-15 10:00", "2027-02-15 10:00"]),
    ("every month on the 1st 10:00", AMS, "FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=10;BYMINUTE=0",
     AMS, ["2026-12-01 10:00", "2027-01-01 10:00", "2027-02-01 10:00"]),
    ("every day at 9", "America/New_York", "FREQ=DAILY;BYHOUR=9;BYMINUTE=0",
     "America/New_York", ["2026-11-23 09:00", "2026-11-24 09:00", "2026-11-25 09:00"]),
    ("biweekly on Friday 16:00", AMS, "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR;BYHOUR=16;BYMINUTE=0",
     AMS, ["2026-11-27 16:00", "2026-12-11 16:00", "2026-12-25 16:00"]),
    # Japanese
    ("毎月第1火曜 10:00", "Asia/Tokyo", "FREQ=MONTHLY;BYDAY=+1TU;BYHOUR=10;BYMINUTE=0",
     "Asia/Tokyo", ["2026-12-01 10:00", "2027-01-05 10:00", "2027-02-02 10:00"]),
    ("毎月第１火曜日 10時", "Asia/Tokyo", "FREQ=MONTHLY;BYDAY=+1TU;BYHOUR=10;BYMINUTE=0",
     "Asia/Tokyo", ["2026-12-01 10:00", "2027-01-05 10:00", "2027-02-02 10:00"]),
    ("毎月最終金曜 16:00", "Asia/Tokyo", "FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=16;BYMINUTE=0",
     "Asia/Tokyo", ["2026-11-27 16:00", "2026-12-25 16:00", "2027-01-29 16:00"]),
    ("毎週木曜 15:00", "Asia/Tokyo", "FREQ=WEEKLY;BYDAY=TH;BYHOUR=15;BYMINUTE=0",
     "Asia/Tokyo", ["2026-11-26 15:00", "2026-12-03 15:00", "2026-12-10 15:00"]),
    ("隔週木曜 15:00", "Asia/Tokyo", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH;BYHOUR=15;BYMINUTE=0",
     "Asia/Tokyo", ["2026-11-26 15:00", "2026-12-10 15:00", "2026-12-24 15:00"]),
    ("毎月15日 10:00", "Asia/Tokyo", "FREQ=MONTHLY;BYMONTHDAY=15;BYHOUR=10;BYMINUTE=0",
     "Asia/Tokyo", ["2026-12-15 10:00", "2027-01-15 10:00", "2027-02-15 10:00"]),
    ("毎日 9:00", "Asia/Tokyo", "FREQ=DAILY;BYHOUR=9;BYMINUTE=0",
     "Asia/Tokyo", ["2026-11-24 09:00", "2026-11-25 09:00", "2026-11-26 09:00"]),
    # Dutch
    ("elke eerste dinsdag van de maand om 10:00", AMS, "FREQ=MONTHLY;BYDAY=+1TU;BYHOUR=10;BYMINUTE=0",
     AMS, ["2026-12-01 10:00", "2027-01-05 10:00", "2027-02-02 10:00"]),
    ("elke week op donderdag 15:00", AMS, "FREQ=WEEKLY;BYDAY=TH;BYHOUR=15;BYMINUTE=0",
     AMS, ["2026-11-26 15:00", "2026-12-03 15:00", "2026-12-10 15:00"]),
    ("om de week donderdag 15:00", AMS, "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH;BYHOUR=15;BYMINUTE=0",
     AMS, ["2026-11-26 15:00", "2026-12-10 15:00", "2026-12-24 15:00"]),
    ("elke twee weken op donderdag 15:00", AMS, "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH;BYHOUR=15;BYMINUTE=0",
     AMS, ["2026-11-26 15:00", "2026-12-10 15:00", "2026-12-24 15:00"]),
    ("elke laatste vrijdag van de maand 16:00", AMS, "FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=16;BYMINUTE=0",
     AMS, ["2026-11-27 16:00", "2026-12-25 16:00", "2027-01-29 16:00"]),
    ("elke maandag 9:30", AMS, "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=30",
     AMS, ["2026-11-23 09:30", "2026-11-30 09:30", "2026-12-07 09:30"]),
    # Swedish
    ("varje första tisdag i månaden kl 10:00", "Europe/Stockholm", "FREQ=MONTHLY;BYDAY=+1TU;BYHOUR=10;BYMINUTE=0",
     "Europe/Stockholm", ["2026-12-01 10:00", "2027-01-05 10:00", "2027-02-02 10:00"]),
    ("varannan torsdag 15:00", "Europe/Stockholm", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH;BYHOUR=15;BYMINUTE=0",
     "Europe/Stockholm", ["2026-11-26 15:00", "2026-12-10 15:00", "2026-12-24 15:00"]),
    ("varje måndag 9:30", "Europe/Stockholm", "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=30",
     "Europe/Stockholm", ["2026-11-23 09:30", "2026-11-30 09:30", "2026-12-07 09:30"]),
    ("sista fredagen i månaden 16:00", "Europe/Stockholm", "FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=16;BYMINUTE=0",
     "Europe/Stockholm", ["2026-11-27 16:00", "2026-12-25 16:00", "2027-01-29 16:00"]),
    # Turkish
    ("her ayın ilk salı 10:00", "Europe/Istanbul", "FREQ=MONTHLY;BYDAY=+1TU;BYHOUR=10;BYMINUTE=0",
     "Europe/Istanbul", ["2026-12-01 10:00", "2027-01-05 10:00", "2027-02-02 10:00"]),
    ("HER AYIN SON CUMA 16:00", "Europe/Istanbul", "FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=16;BYMINUTE=0",
     "Europe/Istanbul", ["2026-11-27 16:00", "2026-12-25 16:00", "2027-01-29 16:00"]),
    ("her hafta perşembe 15:00", "Europe/Istanbul", "FREQ=WEEKLY;BYDAY=TH;BYHOUR=15;BYMINUTE=0",
     "Europe/Istanbul", ["2026-11-26 15:00", "2026-12-03 15:00", "2026-12-10 15:00"]),
    ("İki haftada bir perşembe 15:00", "Europe/Istanbul", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH;BYHOUR=15;BYMINUTE=0",
     "Europe/Istanbul", ["2026-11-26 15:00", "2026-12-10 15:00", "2026-12-24 15:00"]),
    ("her pazartesi 9:30", "Europe/Istanbul", "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=30",
     "Europe/Istanbul", ["2026-11-23 09:30", "2026-11-30 09:30", "2026-12-07 09:30"]),
]  # fmt: skip


@pytest.mark.parametrize(("text", "default_tz", "rule", "tz", "expected"), PHRASES, ids=[p[0] for p in PHRASES])
def test_phrases(text: str, default_tz: str, rule: str, tz: str, expected: list[str]) -> None:
    rhythm = read_rhythm(text, now=NOW, default_tz=default_tz)
    assert (rhythm.rule, rhythm.tz) == (rule, tz)
    found = occurrences(rhythm, after=NOW, count=3)
    assert found == [at(tz, local) for local in expected]
    assert all(moment.tzinfo is zone(tz) for moment in found)
    assert rhythm.start == datetime.fromisoformat(expected[0])


@pytest.mark.parametrize(
    ("clock", "hour", "minute"),
    [
        ("10:00", 10, 0),
        ("10", 10, 0),
        ("10am", 10, 0),
        ("3pm", 15, 0),
        ("3 PM", 15, 0),
        ("12am", 0, 0),
        ("12pm", 12, 0),
        ("15.00", 15, 0),
        ("10時", 10, 0),
        ("10時半", 10, 30),
        ("10時15分", 10, 15),
        ("１０：３０", 10, 30),
        ("kl 10", 10, 0),
        ("kl. 10:15", 10, 15),
        ("om 10:00", 10, 0),
        ("om 10 uur", 10, 0),
        ("saat 10:00", 10, 0),
        ("at 10:00", 10, 0),
        ("@ 9:45", 9, 45),
    ],
)
def test_times_of_day(clock: str, hour: int, minute: int) -> None:
    rhythm = read_rhythm(f"every Monday {clock}", now=NOW, default_tz=AMS)
    assert rhythm.rule == f"FREQ=WEEKLY;BYDAY=MO;BYHOUR={hour};BYMINUTE={minute}"


@pytest.mark.parametrize(
    ("text", "description"),
    [
        (
            "every first Tuesday of the month at 10:00 Asia/Tokyo",
            "every first Tuesday of the month at 10:00 (Asia/Tokyo)",
        ),
        ("every 2 weeks on Thursday 15:00", "every 2 weeks on Thursday at 15:00 (Europe/Amsterdam)"),
        ("every last Friday of the month 16:00", "every last Friday of the month at 16:00 (Europe/Amsterdam)"),
        (
            "every first and third Tuesday 10:00",
            "every first and third Tuesday of the month at 10:00 (Europe/Amsterdam)",
        ),
        ("every Monday, Wednesday and Friday 9:00", "every Monday, Wednesday and Friday at 09:00 (Europe/Amsterdam)"),
        ("every weekday 9:00 UTC", "every weekday at 09:00 (UTC)"),
        ("every other day 8:00", "every 2 days at 08:00 (Europe/Amsterdam)"),
        ("monthly on the 1st and 15th at 10:00", "every month on the 1st and 15th at 10:00 (Europe/Amsterdam)"),
        ("every 2 months on the 22nd 10:00", "every 2 months on the 22nd at 10:00 (Europe/Amsterdam)"),
        (
            "RRULE:FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=24;BYHOUR=18;BYMINUTE=0",
            "RRULE:FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=24;BYHOUR=18;BYMINUTE=0 (Europe/Amsterdam)",
        ),
    ],
)
def test_describe(text: str, description: str) -> None:
    assert read_rhythm(text, now=NOW, default_tz=AMS).describe() == description


def test_zones_are_read_in_any_case_and_the_default_falls_back_to_utc() -> None:
    assert read_rhythm("every Monday 10:00 asia/tokyo", now=NOW, default_tz=AMS).tz == "Asia/Tokyo"
    assert read_rhythm("America/New_York every Monday 10:00", now=NOW, default_tz=AMS).tz == "America/New_York"
    assert read_rhythm("every Monday 10:00", now=NOW, default_tz="Nowhere/Special").tz == "UTC"


# DST: the rule runs on the wall clock, so the UTC offset changes and the local time does not.

NY = "America/New_York"
DST = [
    ("every Monday 10:00", AMS, "2027-03-20",
     ["2027-03-22T10:00+01:00", "2027-03-29T10:00+02:00", "2027-04-05T10:00+02:00"]),
    ("every Sunday 10:00", AMS, "2026-10-12",
     ["2026-10-18T10:00+02:00", "2026-10-25T10:00+01:00", "2026-11-01T10:00+01:00"]),
    ("every Sunday 10:00", NY, "2027-03-01",
     ["2027-03-07T10:00-05:00", "2027-03-14T10:00-04:00", "2027-03-21T10:00-04:00"]),
    ("every Sunday 10:00", NY, "2026-10-20",
     ["2026-10-25T10:00-04:00", "2026-11-01T10:00-05:00", "2026-11-08T10:00-05:00"]),
    # 02:30 does not exist on 2027-03-28 in Amsterdam: that session moves to 03:00, when the clocks change.
    ("every Sunday 2:30", AMS, "2027-03-20",
     ["2027-03-21T02:30+01:00", "2027-03-28T03:00+02:00", "2027-04-04T02:30+02:00"]),
    ("every Sunday 2:30", NY, "2027-03-01",
     ["2027-03-07T02:30-05:00", "2027-03-14T03:00-04:00", "2027-03-21T02:30-04:00"]),
    # 02:30 happens twice on 2026-10-25 in Amsterdam: the session is the first, still in summer time.
    ("every Sunday 2:30", AMS, "2026-10-12",
     ["2026-10-18T02:30+02:00", "2026-10-25T02:30+02:00", "2026-11-01T02:30+01:00"]),
]  # fmt: skip


@pytest.mark.parametrize(("text", "tz", "now", "expected"), DST)
def test_dst(text: str, tz: str, now: str, expected: list[str]) -> None:
    found = next_three(text, tz, datetime.fromisoformat(now).replace(tzinfo=UTC))
    assert [moment.isoformat(timespec="minutes") for moment in found] == expected


def test_the_gap_moves_to_the_instant_the_clocks_change() -> None:
    moved = local_instant(datetime(2027, 3, 28, 2, 30), zone(AMS))
    assert moved.astimezone(UTC) == datetime(2027, 3, 28, 1, 0, tzinfo=UTC)
    assert (moved.hour, moved.minute) == (3, 0)


# Months without the day, and the turn of the year.


def test_a_fifth_friday_skips_months_without_one() -> None:
    rhythm = read_rhythm("every fifth Friday 16:00", now=NOW, default_tz=AMS)
    assert rhythm.rule == "FREQ=MONTHLY;BYDAY=+5FR;BYHOUR=16;BYMINUTE=0"
    found = occurrences(rhythm, after=NOW, count=4)
    assert [f.date() for f in found] == [date(2027, 1, 29), date(2027, 4, 30), date(2027, 7, 30), date(2027, 10, 29)]


def test_the_31st_skips_shorter_months() -> None:
    found = next_three("monthly on the 31st at 10:00", AMS)
    assert [f.date() for f in found] == [date(2026, 12, 31), date(2027, 1, 31), date(2027, 3, 31)]


def test_the_last_friday_of_december_2026_is_christmas() -> None:
    rhythm = read_rhythm("every last Friday 16:00", now=NOW, default_tz=AMS)
    assert occurs_on(rhythm, date(2026, 12, 25)) == at(AMS, "2026-12-25 16:00")
    assert occurs_on(rhythm, date(2026, 12, 18)) is None
    assert occurs_on(rhythm, date(2027, 1, 29)) == at(AMS, "2027-01-29 16:00")


# Changes to single sessions.

THURSDAYS = Rhythm(rule="FREQ=WEEKLY;BYDAY=TH;BYHOUR=15;BYMINUTE=0", tz=AMS, start=datetime(2026, 11, 26, 15, 0))


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, ["2026-11-26 15:00", "2026-12-03 15:00", "2026-12-10 15:00", "2026-12-17 15:00"]),
        ({date(2026, 12, 3): None}, ["2026-11-26 15:00", "2026-12-10 15:00", "2026-12-17 15:00", "2026-12-24 15:00"]),
        (
            {date(2026, 12, 3): at(AMS, "2026-12-08 11:00")},
            ["2026-11-26 15:00", "2026-12-08 11:00", "2026-12-10 15:00", "2026-12-17 15:00"],
        ),
        (
            {date(2026, 11, 26): at("Asia/Tokyo", "2026-12-11 17:00")},
            ["2026-12-03 15:00", "2026-12-10 15:00", "2026-12-11 09:00", "2026-12-17 15:00"],
        ),
        (
            {date(2026, 11, 26): at(AMS, "2026-11-20 15:00"), date(2026, 12, 10): None},
            ["2026-12-03 15:00", "2026-12-17 15:00", "2026-12-24 15:00", "2026-12-31 15:00"],
        ),
        # A change for a day without a session changes nothing.
        (
            {date(2026, 12, 2): at(AMS, "2026-12-02 10:00"), date(2026, 12, 4): None},
            ["2026-11-26 15:00", "2026-12-03 15:00", "2026-12-10 15:00", "2026-12-17 15:00"],
        ),
    ],
)
def test_skipped_and_moved_sessions(changes: dict[date, datetime | None], expected: list[str]) -> None:
    found = occurrences(THURSDAYS, after=NOW, count=4, changes=changes)
    assert found == [at(AMS, local) for local in expected]
    assert all(moment.tzinfo is zone(AMS) for moment in found)


def test_occurrences_are_strictly_after() -> None:
    assert occurrences(THURSDAYS, after=at(AMS, "2026-12-03 15:00"), count=1) == [at(AMS, "2026-12-10 15:00")]
    assert occurrences(THURSDAYS, after=at(AMS, "2026-12-03 14:59"), count=1) == [at(AMS, "2026-12-03 15:00")]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, "2026-12-10 15:00"),
        ({date(2026, 12, 10): None}, "2026-12-03 15:00"),
        ({date(2026, 12, 10): at(AMS, "2026-12-12 10:00")}, "2026-12-03 15:00"),
        ({date(2026, 12, 10): at(AMS, "2026-12-09 09:00")}, "2026-12-09 09:00"),
        ({date(2026, 12, 3): at(AMS, "2026-12-10 16:00")}, "2026-12-10 16:00"),
    ],
)
def test_previous_occurrence_honours_changes(changes: dict[date, datetime | None], expected: str) -> None:
    before = datetime(2026, 12, 11, 0, 0, tzinfo=UTC)
    assert previous_occurrence(THURSDAYS, before=before, changes=changes) == at(AMS, expected)


def test_previous_occurrence_is_strictly_before_and_none_before_the_start() -> None:
    assert previous_occurrence(THURSDAYS, before=at(AMS, "2026-12-03 15:00")) == at(AMS, "2026-11-26 15:00")
    assert previous_occurrence(THURSDAYS, before=at(AMS, "2026-11-26 15:00")) is None
    assert (
        previous_occurrence(THURSDAYS, before=at(AMS, "2026-12-01 00:00"), changes={date(2026, 11, 26): None}) is None
    )


def test_occurs_on() -> None:
    assert occurs_on(THURSDAYS, date(2026, 12, 3)) == at(AMS, "2026-12-03 15:00")
    assert occurs_on(THURSDAYS, date(2026, 12, 2)) is None
    assert occurs_on(THURSDAYS, date(2026, 11, 19)) is None  # before the rhythm began


# INTERVAL counts from the anchor, which is the first session.


def test_every_two_weeks_counts_from_the_anchor() -> None:
    rhythm = read_rhythm("every 2 weeks on Thursday 15:00", now=NOW, default_tz=AMS)
    assert rhythm.start == datetime(2026, 11, 26, 15, 0)
    later = occurrences(rhythm, after=at(AMS, "2027-06-01 00:00"), count=5)
    assert all((moment.date() - date(2026, 11, 26)).days % 14 == 0 for moment in later)
    assert later[0] == at(AMS, "2027-06-10 15:00")


def test_after_this_weeks_session_the_anchor_is_next_week() -> None:
    thursday_evening = at(AMS, "2026-11-26 16:00")
    rhythm = read_rhythm("every other Thursday 15:00", now=thursday_evening, default_tz=AMS)
    assert rhythm.start == datetime(2026, 12, 3, 15, 0)
    found = occurrences(rhythm, after=thursday_evening, count=2)
    assert found == [at(AMS, "2026-12-03 15:00"), at(AMS, "2026-12-17 15:00")]


def test_every_two_months_starts_with_the_next_matching_month() -> None:
    found = next_three("every 2 months on the 1st 10:00", AMS)
    assert [f.date() for f in found] == [date(2026, 12, 1), date(2027, 2, 1), date(2027, 4, 1)]


# Raw iCalendar rules.


@pytest.mark.parametrize(
    ("text", "rule", "tz"),
    [
        (
            "RRULE:FREQ=MONTHLY;BYDAY=+1TU;BYHOUR=10;BYMINUTE=0 Asia/Tokyo",
            "FREQ=MONTHLY;BYDAY=+1TU;BYHOUR=10;BYMINUTE=0",
            "Asia/Tokyo",
        ),
        ("rrule:freq=weekly;byday=mo 09:30", "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=30", AMS),
        ("Europe/Stockholm RRULE:FREQ=DAILY;BYHOUR=8", "FREQ=DAILY;BYHOUR=8;BYMINUTE=0", "Europe/Stockholm"),
        ("RRULE:FREQ=WEEKLY;BYDAY=FR 4pm UTC", "FREQ=WEEKLY;BYDAY=FR;BYHOUR=16;BYMINUTE=0", "UTC"),
        ("RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;BYHOUR=17;BYMINUTE=0", None, AMS),
    ],
)
def test_raw_rules_are_accepted(text: str, rule: str | None, tz: str) -> None:
    rhythm = read_rhythm(text, now=NOW, default_tz=AMS)
    assert rhythm.rule == (rule or text.removeprefix("RRULE:"))
    assert rhythm.tz == tz


def test_a_raw_rule_runs() -> None:
    rhythm = read_rhythm(
        "RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;BYHOUR=17;BYMINUTE=0", now=NOW, default_tz=AMS
    )
    assert occurrences(rhythm, after=NOW, count=3) == [
        at(AMS, "2026-11-30 17:00"),
        at(AMS, "2026-12-31 17:00"),
        at(AMS, "2027-01-29 17:00"),
    ]


# Refusals: each with a message that says what is wrong.


@pytest.mark.parametrize(
    ("text", "says"),
    [
        # not understood
        ("whenever", "whenever"),
        ("every blue moon 10:00", "RRULE:"),
        ("next Monday 10:00", "every first Tuesday"),
        ("every day on Monday 10:00", "every day on Monday"),
        ("every 2 weeks on the 15th 10:00", "RRULE:"),
        ("every month 10:00", "every month"),
        # no time
        ("every Monday", "time"),
        ("毎週木曜", "time"),
        ("elke maandag", "time"),
        ("varje måndag", "time"),
        ("her pazartesi", "time"),
        ("RRULE:FREQ=WEEKLY;BYDAY=MO", "BYHOUR"),
        # impossible
        ("every Monday 24:00", "24:00"),
        ("every Monday 13pm", "13pm"),
        ("every Monday 9:00 and Thursday 10:00", "one time"),
        ("every 6th Friday 10:00", "five"),
        ("monthly on the 32nd 10:00", "31 days"),
        ("RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30;BYHOUR=9", "no session"),
        ("RRULE:FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;UNTIL=20260101T000000", "no session"),
        ("RRULE:FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;COUNT=0", "no session"),
        ("RRULE:FREQ=MONTHLY;BYDAY=+6MO;BYHOUR=9", "at most 5"),
        ("RRULE:FREQ=YEARLY;BYMONTH=1,12;BYDAY=+20MO,+2TU;BYHOUR=9", "at most 5"),
        ("RRULE:FREQ=YEARLY;BYDAY=-54FR;BYHOUR=9", "at most 53"),
        # zones
        ("every Monday 10:00 Asia/Tokio", "Asia/Tokio"),
        ("every Monday 10:00 Mars/Olympus_Mons", "Mars/Olympus_Mons"),
        ("every Monday 10:00 Asia/Tokyo Europe/Amsterdam", "more than one time zone"),
        # more often than daily
        ("RRULE:FREQ=HOURLY;BYHOUR=9", "once a day"),
        ("RRULE:FREQ=MINUTELY", "once a day"),
        ("RRULE:FREQ=DAILY;BYHOUR=9,17", "once a day"),
        ("RRULE:FREQ=DAILY;BYHOUR=9;BYMINUTE=0,30", "once a day"),
        # raw garbage
        ("RRULE:FOO", "FOO"),
        ("RRULE:BYDAY=MO;BYHOUR=9", "FREQ"),
        ("RRULE:FREQ=SOMETIMES;BYHOUR=9", "SOMETIMES"),
        ("RRULE:FREQ=WEEKLY;BYDAY=XX;BYHOUR=9", "XX"),
        ("RRULE:FREQ=WEEKLY;COLOUR=BLUE;BYHOUR=9", "COLOUR"),
        ("RRULE:FREQ=WEEKLY;BYHOUR=25", "BYHOUR"),
        ("RRULE:FREQ=WEEKLY;BYHOUR=9;BYSECOND=30", "whole minute"),
        ("RRULE:FREQ=WEEKLY;BYHOUR=9;UNTIL=20270101T000000Z", "UNTIL"),
        ("RRULE:FREQ=WEEKLY;BYDAY=MO;BYHOUR=9 10:00", "twice"),
        ("RRULE:FREQ=WEEKLY;BYDAY=MO 09:30 please", "please"),
    ],
)
def test_refusals(text: str, says: str) -> None:
    with pytest.raises(RhythmError) as refused:
        read_rhythm(text, now=NOW, default_tz=AMS)
    message = refused.value.message
    assert says in message
    assert message == str(refused.value)
    assert len(message) > 20
    assert message.endswith(".")
    assert message[0].isupper() or message[0] == "“"


# The search for the first session is bounded: a rule that never matches is refused at once, not after
# dateutil has walked every day to the year 9999 (seconds, and /session must answer Slack within three).


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30;BYHOUR=10;BYMINUTE=0",
        "FREQ=WEEKLY;BYMONTH=4;BYMONTHDAY=31;BYHOUR=10",
        "FREQ=DAILY;BYYEARDAY=367;BYHOUR=10",
        "FREQ=DAILY;BYMONTH=1;BYWEEKNO=30;BYHOUR=10",
        "FREQ=DAILY;BYSETPOS=2;BYHOUR=10",
        "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=6;BYHOUR=10",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO;BYHOUR=10",  # next in 2044, past the horizon
    ],
)
def test_a_rule_that_never_matches_is_refused_quickly(rule: str) -> None:
    started = perf_counter()
    with pytest.raises(RhythmError, match="no session in the next 10 years"):
        read_rhythm(f"RRULE:{rule}", now=NOW, default_tz=AMS)
    assert perf_counter() - started < 0.5


def test_february_29_comes_every_four_years() -> None:
    rhythm = read_rhythm("RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYHOUR=10;BYMINUTE=0", now=NOW, default_tz=AMS)
    assert rhythm.start == datetime(2028, 2, 29, 10, 0)
    assert occurrences(rhythm, after=NOW, count=2) == [at(AMS, "2028-02-29 10:00"), at(AMS, "2032-02-29 10:00")]


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=MONTHLY;BYDAY=-2FR;BYHOUR=10",
        "FREQ=MONTHLY;BYHOUR=10",  # on the day of the month of the first session
        "FREQ=MONTHLY;BYMONTHDAY=31;BYHOUR=10;COUNT=2",
        "FREQ=YEARLY;BYHOUR=10",
        "FREQ=YEARLY;BYDAY=20MO;BYHOUR=10",
        "FREQ=YEARLY;BYWEEKNO=1;BYDAY=MO;BYHOUR=10",
        "FREQ=YEARLY;BYYEARDAY=-1;BYHOUR=10",
        "FREQ=YEARLY;BYMONTH=3;BYDAY=SU;BYSETPOS=-1;BYHOUR=10",
        "FREQ=WEEKLY;BYHOUR=10",  # on the weekday of the first session
        "FREQ=WEEKLY;BYDAY=+1TU;BYHOUR=10",
        "FREQ=WEEKLY;WKST=SU;BYDAY=SA,SU;BYSETPOS=1;BYHOUR=10",
        "FREQ=WEEKLY;BYMONTH=12;BYDAY=MO,WE,FR;BYSETPOS=-1;BYHOUR=10",
        "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;UNTIL=20261201T000000",
        "FREQ=DAILY;BYMONTHDAY=-1;BYHOUR=10",
        "FREQ=DAILY;BYDAY=SA;BYSETPOS=-1;BYHOUR=10",
        "FREQ=DAILY;INTERVAL=3;BYMONTH=2;BYMONTHDAY=29;BYHOUR=10",
    ],
)
def test_the_first_session_is_the_one_dateutil_finds(rule: str) -> None:
    rhythm = read_rhythm(f"RRULE:{rule}", now=NOW, default_tz=AMS)
    local_now = NOW.astimezone(zone(AMS)).replace(tzinfo=None)
    midnight = local_now.replace(hour=0, minute=0)
    assert rhythm.start == rrulestr(rhythm.rule, dtstart=midnight).replace(interval=1).after(local_now, inc=True)
