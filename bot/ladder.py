"""The nudge ladder: when an open item's owner is reminded, as plain functions of time.

Steps are days in the owner's business calendar, each at the start of their working day: some
business days before the due day, the due day itself, then the next business day after it and
every few business days from there. An escalation to the channel comes once, when the item is
some business days overdue. A moment that falls outside the owner's working time (a weekend, a
holiday, leave, after hours) moves to their next working moment.

What has been done is one instant per item, `nudged_until`: every step up to it is handled. So a
step is taken once, a late planner (downtime) takes only the latest step it missed, and a reset
(new due date, new owner) is simply "nothing before now".
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from bot.working_time import WorkingTime

DEFAULT_BEFORE = (2, 0)
DEFAULT_EVERY = 2
DEFAULT_ESCALATE_AFTER = 5
MOST_BUSINESS_DAYS = 20


@dataclass(frozen=True)
class Ladder:
    """A channel's nudge policy (`/session nudges`)."""

    before: tuple[int, ...] = DEFAULT_BEFORE  # business days before the due day; 0 is the due day
    every: int = DEFAULT_EVERY  # after the due day: the next business day, then every `every`
    escalate_after: int | None = DEFAULT_ESCALATE_AFTER  # business days overdue; None: never
    enabled: bool = True


@dataclass(frozen=True)
class Step:
    """One rung: `name` is unique per due date ("before:2", "due", "after:3")."""

    name: str
    at: datetime


def steps(due_on: date, ladder: Ladder, work: WorkingTime) -> Iterator[Step]:
    """The reminder steps for an item due on `due_on`, in order; endless once overdue."""
    calendar = work.calendar
    for count in sorted(set(ladder.before), reverse=True):
        day = calendar.business_days_before(due_on, count) if count else due_on
        yield Step(f"before:{count}" if count else "due", work.next_working_moment(work.day_start(day)))
    overdue = 1
    while True:
        day = calendar.add_business_days(due_on, overdue)
        yield Step(f"after:{overdue}", work.next_working_moment(work.day_start(day)))
        overdue += ladder.every


def escalation_at(due_on: date, ladder: Ladder, work: WorkingTime) -> datetime | None:
    if ladder.escalate_after is None:
        return None
    day = work.calendar.add_business_days(due_on, ladder.escalate_after)
    # The channel is told on the owner's working day, so the owner is not blamed while on leave.
    return work.next_working_moment(work.day_start(day))


@dataclass(frozen=True)
class Due:
    """What the planner should do for an item now: a DM step, an escalation, or both."""

    step: Step | None
    escalate: bool


def due_now(
    due_on: date, ladder: Ladder, work: WorkingTime, *, nudged_until: datetime, now: datetime,
    snoozed_until: datetime | None = None,
) -> Due:  # fmt: skip
    """What came due after `nudged_until`, up to `now`: the latest step only (never a burst)."""
    if not ladder.enabled:
        return Due(None, False)
    latest: Step | None = None
    for step in steps(due_on, ladder, work):
        if step.at > now:
            break
        if step.at > nudged_until:
            latest = step
    if snoozed_until is not None and nudged_until < snoozed_until:
        if now < snoozed_until:  # a snooze holds back everything, the escalation included
            return Due(None, False)
        if latest is None:  # the snooze ends with a reminder even when no step fell inside it
            latest = Step(f"snooze:{snoozed_until.isoformat(timespec='minutes')}", snoozed_until)
    escalate_at = escalation_at(due_on, ladder, work)
    escalate = escalate_at is not None and nudged_until < escalate_at <= now
    return Due(latest, escalate)


def next_moment(
    due_on: date, ladder: Ladder, work: WorkingTime, *, nudged_until: datetime,
    snoozed_until: datetime | None = None,
) -> datetime | None:  # fmt: skip
    """When the planner should next look at the item: its next step, escalation or snooze end."""
    if not ladder.enabled:
        return None
    if snoozed_until is not None and snoozed_until > nudged_until:
        return snoozed_until
    following = next(step.at for step in steps(due_on, ladder, work) if step.at > nudged_until)
    escalate_at = escalation_at(due_on, ladder, work)
    if escalate_at is not None and nudged_until < escalate_at < following:
        return escalate_at
    return following
