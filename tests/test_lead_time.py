"""Lead times: reading them, and the moment they name before a session, across weekends and DST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import zone
from bot.lead_time import (
    DEFAULT_AGENDA_LEAD,
    DEFAULT_CHECKIN_LEAD,
    POST_HOUR,
    LeadTime,
    LeadTimeError,
    moment_before,
    read_lead_time,
)

AMS = "Europe/Amsterdam"


def at(tz: str, local: str) -> datetime:
    return datetime.fromisoformat(local).replace(tzinfo=zone(tz))


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [
        ("2d", 2, "days"),
        ("2 days", 2, "days"),
        ("1 day", 1, "days"),
        ("2 Days Before", 2, "days"),
        ("0d", 0, "days"),
        ("30 days", 30, "days"),
        ("1bd", 1, "business_days"),
        ("1 business day", 1, "business_days"),
        ("3 business days", 3, "business_days"),
        ("3h", 3, "hours"),
        ("3 hours", 3, "hours"),
        ("90m", 90, "minutes"),
        ("90 min", 90, "minutes"),
        ("2日", 2, "days"),
        ("2日前", 2, "days"),
        ("1営業日", 1, "business_days"),
        ("３時間", 3, "hours"),
        ("2 werkdagen", 2, "business_days"),
        ("2 dagen", 2, "days"),
        ("1 arbetsdag", 1, "business_days"),
        ("3 timmar", 3, "hours"),
        ("1 iş günü", 1, "business_days"),
        ("2 saat önce", 2, "hours"),
        ("45 dakika", 45, "minutes"),
    ],
)
def test_reading(text: str, amount: int, unit: str) -> None:
    assert read_lead_time(text) == LeadTime(amount, unit)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("-2d", "negative"),
        ("−1 day", "negative"),
        ("31 days", "30 days"),
        ("21bd", "30 days"),
        ("721h", "30 days"),
        ("50000m", "30 days"),
        ("soon", "soon"),
        ("", "1bd"),
        ("2 weeks", "2 weeks"),
        ("2.5h", "2.5h"),
    ],
)
def test_refusals(text: str, says: str) -> None:
    with pytest.raises(LeadTimeError) as refused:
        read_lead_time(text)
    assert says in refused.value.message
    assert refused.value.message.endswith(".")


@pytest.mark.parametrize(
    ("lead", "description"),
    [
        (LeadTime(1, "business_days"), "1 business day before, at 09:00"),
        (LeadTime(3, "business_days"), "3 business days before, at 09:00"),
        (LeadTime(2, "days"), "2 days before, at 09:00"),
        (LeadTime(1, "days"), "1 day before, at 09:00"),
        (LeadTime(0, "days"), "on the day, at 09:00"),
        (LeadTime(3, "hours"), "3 hours before"),
        (LeadTime(1, "hours"), "1 hour before"),
        (LeadTime(90, "minutes"), "90 minutes before"),
    ],
)
def test_describe(lead: LeadTime, description: str) -> None:
    assert lead.describe() == description


def test_defaults() -> None:
    assert DEFAULT_AGENDA_LEAD == DEFAULT_CHECKIN_LEAD == LeadTime(1, "business_days")
    assert POST_HOUR == 9


@pytest.mark.parametrize(
    ("lead", "session", "expected"),
    [
        # business days skip the weekend
        (LeadTime(1, "business_days"), "2026-11-23 10:00", "2026-11-20 09:00"),  # Monday → Friday
        (LeadTime(1, "business_days"), "2026-11-24 10:00", "2026-11-23 09:00"),  # Tuesday → Monday
        (LeadTime(3, "business_days"), "2026-11-24 10:00", "2026-11-19 09:00"),
        (LeadTime(1, "business_days"), "2026-11-29 10:00", "2026-11-27 09:00"),  # Sunday → Friday
        # calendar days do not
        (LeadTime(2, "days"), "2026-11-23 10:00", "2026-11-21 09:00"),
        (LeadTime(1, "days"), "2027-01-01 10:00", "2026-12-31 09:00"),
        # on the day, and never at or after the session
        (LeadTime(0, "days"), "2026-11-23 10:00", "2026-11-23 09:00"),
        (LeadTime(0, "days"), "2026-11-23 08:00", "2026-11-23 07:30"),
        (LeadTime(0, "days"), "2026-11-23 09:10", "2026-11-23 08:40"),
        (LeadTime(0, "business_days"), "2026-11-23 09:00", "2026-11-23 08:30"),
        # real spans
        (LeadTime(3, "hours"), "2026-11-23 10:00", "2026-11-23 07:00"),
        (LeadTime(90, "minutes"), "2026-11-23 10:00", "2026-11-23 08:30"),
        (LeadTime(12, "hours"), "2026-11-23 10:00", "2026-11-22 22:00"),
    ],
)
def test_moments(lead: LeadTime, session: str, expected: str) -> None:
    moment = moment_before(lead, at(AMS, session))
    assert moment == at(AMS, expected)
    assert moment.tzinfo is zone(AMS)


def test_days_across_dst_keep_the_local_post_hour() -> None:
    # Spring forward on 2027-03-28: the session is in summer time, the post two days earlier is not.
    moment = moment_before(LeadTime(2, "days"), at(AMS, "2027-03-29 10:00"))
    assert (moment.date().isoformat(), moment.hour, moment.minute) == ("2027-03-27", 9, 0)
    assert moment.utcoffset() == timedelta(hours=1)
    # Fall back on 2026-10-25, the other way round.
    moment = moment_before(LeadTime(1, "business_days"), at(AMS, "2026-10-26 10:00"))
    assert moment == at(AMS, "2026-10-23 09:00")
    assert moment.utcoffset() == timedelta(hours=2)


def test_hours_across_dst_are_real_hours() -> None:
    session = at(AMS, "2027-03-28 10:00")  # 08:00 UTC, summer time
    moment = moment_before(LeadTime(9, "hours"), session)
    assert moment.astimezone(UTC) == datetime(2027, 3, 27, 23, 0, tzinfo=UTC)
    assert moment.replace(tzinfo=None) == datetime(2027, 3, 28, 0, 0)  # not 01:00, which the wall clock would say


def test_the_session_zone_is_kept() -> None:
    moment = moment_before(LeadTime(1, "business_days"), at("Asia/Tokyo", "2026-12-01 10:00"))
    assert moment == at("Asia/Tokyo", "2026-11-30 09:00")
    assert moment.tzinfo is zone("Asia/Tokyo")


def test_a_naive_session_is_refused() -> None:
    with pytest.raises(ValueError):
        moment_before(LeadTime(1, "days"), datetime(2026, 11, 23, 10, 0))
