"""Account-plan sessions: each channel's rhythm, and the work it brings before and after.

`Sessions` is the core's API for `/session` and for the planner tick. The planner never keeps
jobs in memory: on every tick it asks each schedule what should have gone out by now (check-ins,
the agenda, the minutes) and queues it in the outbox under a key naming the occurrence, so a
message is queued once however many replicas tick and however long the bot was down.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from bot import session_messages as say
from bot.agenda import Agenda, CheckinStatus, compose
from bot.clock import Clock, zone
from bot.lead_time import LeadTime
from bot.minutes import Minutes, compose_minutes
from bot.model import Outgoing, Person, Ref, Scope, UserError
from bot.recurrence import occurs_on, read_rhythm
from bot.schedule import DEFAULT_DURATION_MINUTES, Schedule
from storage.store import Store, Tx

log = logging.getLogger(__name__)

AGENDA = "agenda"
CHECKIN = "checkin"
MINUTES = "minutes"
SESSION_KINDS = (AGENDA, CHECKIN, MINUTES)
# Minutes of a session are still worth posting this long after it ended (downtime).
MINUTES_WINDOW = timedelta(days=7)


class SessionError(UserError):
    """A `/session` request that cannot be carried out."""


@dataclass(frozen=True)
class SessionView:
    """A channel's schedule as the user should see it after a change: the next three sessions."""

    schedule: Schedule
    upcoming: tuple[datetime, ...]
    tag: str | None


@dataclass(frozen=True)
class Occasion:
    """One occurrence of one channel's session: what the agenda, check-in and minutes are about."""

    channel_id: str
    starts_at: datetime

    @property
    def key(self) -> str:
        return f"{self.channel_id}:{self.starts_at.astimezone(UTC).isoformat(timespec='minutes')}"

    @classmethod
    def from_key(cls, key: str) -> Occasion:
        # Channel ids may hold colons themselves (Teams' `19:…@thread.tacv2`): the time is read from the end.
        found = _OCCASION_KEY.match(key)
        if found is None:
            raise ValueError(f"not an occasion key: {key!r}")
        return cls(found.group(1), datetime.fromisoformat(found.group(2)))


_OCCASION_KEY = re.compile(r"^(.+):(\d{4}-\d\d-\d\dT\d\d:\d\d[+-]\d\d:\d\d)$")


def outbox_key(kind: str, occasion: Occasion, *more: str) -> str:
    return ":".join((kind, occasion.key, *more))


class Sessions:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    # Changing a channel's session (only from inside the channel: being able to type there is
    # what makes someone a member entitled to change it).

    def set_rhythm(self, scope: Scope, channel_id: str, text: str, actor: Person) -> SessionView:
        now = self.clock.now()
        rhythm = read_rhythm(text, now=now, default_tz=actor.tz)  # RhythmError is a ValueError for the user
        with self.store.transaction() as tx:
            workspace_id = tx.workspaces.ensure(scope, now)
            old = tx.sessions.get(workspace_id, channel_id)
            schedule = Schedule(channel_id=channel_id, rhythm=rhythm, owner_id=actor.user_id)
            if old is not None:  # keep the channel's lead times and length
                schedule = replace(old, rhythm=rhythm, active=True, owner_id=actor.user_id, changes={})
            saved = tx.sessions.save(workspace_id, schedule, now)
            return self._view(tx, workspace_id, saved, now)

    def set_lead(self, scope: Scope, channel_id: str, lead: LeadTime, *, checkin: bool = False) -> SessionView:
        def change(schedule: Schedule) -> Schedule:
            return replace(schedule, checkin_lead=lead) if checkin else replace(schedule, agenda_lead=lead)

        return self._update(scope, channel_id, change)

    def set_duration(self, scope: Scope, channel_id: str, minutes: int) -> SessionView:
        return self._update(scope, channel_id, lambda schedule: replace(schedule, duration_minutes=minutes))

    def turn_off(self, scope: Scope, channel_id: str) -> SessionView:
        return self._update(scope, channel_id, lambda schedule: replace(schedule, active=False))

    def set_tag(self, scope: Scope, channel_id: str, tag: str | None) -> None:
        now = self.clock.now()
        with self.store.transaction() as tx:
            tx.workspaces.set_default_tag(tx.workspaces.ensure(scope, now), channel_id, tag)

    def skip(self, scope: Scope, channel_id: str, day: date, actor: Person) -> SessionView:
        return self._change_one(scope, channel_id, day, None, actor)

    def move(
        self, scope: Scope, channel_id: str, day: date, to_day: date, at: time | None, actor: Person
    ) -> SessionView:
        def moved_to(schedule: Schedule, original: datetime) -> datetime:
            local = datetime.combine(to_day, at or original.time(), tzinfo=zone(schedule.rhythm.tz))
            return local.astimezone(UTC)

        return self._change_one(scope, channel_id, day, moved_to, actor)

    # Reading

    def view(self, scope: Scope, channel_id: str) -> SessionView | None:
        now = self.clock.now()
        with self.store.transaction() as tx:
            workspace_id = tx.workspaces.ensure(scope, now)
            schedule = tx.sessions.get(workspace_id, channel_id)
            return self._view(tx, workspace_id, schedule, now) if schedule is not None else None

    def in_workspace(self, scope: Scope) -> list[SessionView]:
        now = self.clock.now()
        with self.store.transaction() as tx:
            workspace_id = tx.workspaces.ensure(scope, now)
            return [self._view(tx, workspace_id, s, now) for s in tx.sessions.in_workspace(workspace_id)]

    def agenda(self, scope: Scope, occasion: Occasion) -> Agenda | None:
        """The agenda of one occurrence as it stands now; None when the channel has no session."""
        now = self.clock.now()
        with self.store.transaction() as tx:
            workspace_id, schedule = _lookup(tx, scope, occasion.channel_id, now)
            return self._agenda(tx, workspace_id, schedule, occasion.starts_at, now) if schedule else None

    def minutes(self, scope: Scope, occasion: Occasion) -> Minutes:
        """What happened in the channel from the session's start to its end (or to now, if sooner)."""
        now = self.clock.now()
        with self.store.transaction() as tx:
            workspace_id, schedule = _lookup(tx, scope, occasion.channel_id, now)
            length = timedelta(minutes=schedule.duration_minutes if schedule else DEFAULT_DURATION_MINUTES)
            until = min(now, occasion.starts_at + length)
            window = {"since": occasion.starts_at, "until": until}
            return compose_minutes(
                tx.items.changes_in_channel(workspace_id, occasion.channel_id, **window),
                tx.workspaces.drafts_in_channel(workspace_id, occasion.channel_id, **window),
                channel_id=occasion.channel_id,
                starts_at=occasion.starts_at,
                until=until,
            )

    def next_occasion(self, scope: Scope, channel_id: str) -> Occasion | None:
        found = self.view(scope, channel_id)
        if found is None or not found.schedule.active or not found.upcoming:
            return None
        return Occasion(channel_id, found.upcoming[0])

    def answer_checkin(
        self, scope: Scope, occasion: Occasion, ref: Ref, owner: Person, *, status: CheckinStatus | None = None,
        comment: str | None = None,
    ) -> bool:  # fmt: skip
        """Record an owner's check-in answer; False when the item or the session is gone."""
        now = self.clock.now()
        with self.store.transaction() as tx:
            workspace_id, schedule = _lookup(tx, scope, occasion.channel_id, now)
            if schedule is None or schedule.id is None:
                return False
            return tx.sessions.answer(
                schedule.id, occasion.starts_at, workspace_id, ref, owner.user_id, status, comment, now
            )

    def post_now(self, scope: Scope, channel_id: str, kind: str, request_key: str) -> Occasion:
        """Queue the agenda of the next session, or the minutes of the last one, right away.

        `request_key` (the slash command's trigger) makes a retried request queue nothing new.
        """
        now = self.clock.now()
        with self.store.transaction() as tx:
            workspace_id, schedule = _existing(tx, scope, channel_id, now)
            if kind == AGENDA:
                starts_at = schedule.next_session(now) if schedule.active else None
                if starts_at is None:
                    raise SessionError(say.NO_UPCOMING)
            else:
                starts_at = schedule.previous_session(now)
                if starts_at is None:
                    raise SessionError(say.NO_PAST_SESSION)
            occasion = Occasion(channel_id, starts_at)
            data = {"channel": channel_id, "starts_at": starts_at.isoformat(), "on_request": True}
            self._queue(tx, workspace_id, outbox_key(kind, occasion, request_key), kind, channel_id, data, now)
            return occasion

    def last_occasion(self, scope: Scope, channel_id: str) -> Occasion:
        """The channel's most recent session that has started."""
        now = self.clock.now()
        with self.store.transaction() as tx:
            _, schedule = _existing(tx, scope, channel_id, now)
            starts_at = schedule.previous_session(now)
            if starts_at is None:
                raise SessionError(say.NO_PAST_SESSION)
            return Occasion(channel_id, starts_at)

    def sent_message(self, scope: Scope, kind: str, occasion: Occasion) -> str | None:
        """The platform's id of the scheduled agenda (or minutes) of `occasion`, once posted."""
        with self.store.transaction() as tx:
            workspace_id = tx.workspaces.ensure(scope, self.clock.now())
            return tx.outbox.message_id(workspace_id, outbox_key(kind, occasion))

    # The planner tick

    def plan(self) -> int:
        """Queue whatever every active session should have sent by now; the number queued."""
        now = self.clock.now()
        queued = 0
        with self.store.transaction() as tx:
            for workspace_id, schedule in tx.sessions.all_active():
                queued += self._plan_one(tx, workspace_id, schedule, now)
        return queued

    def _plan_one(self, tx: Tx, workspace_id: int, schedule: Schedule, now: datetime) -> int:
        queued = 0
        channel = schedule.channel_id
        starts_at = schedule.next_session(now)
        if starts_at is not None:
            occasion = Occasion(channel, starts_at)
            data = {"channel": channel, "starts_at": starts_at.isoformat()}
            if now >= schedule.agenda_at(starts_at):
                queued += self._queue(tx, workspace_id, outbox_key(AGENDA, occasion), AGENDA, channel, data, now)
            elif now >= schedule.checkin_at(starts_at):
                agenda = self._agenda(tx, workspace_id, schedule, starts_at, now)
                for owner in owners_to_ask(agenda):
                    key = outbox_key(CHECKIN, occasion, owner)
                    queued += self._queue(tx, workspace_id, key, CHECKIN, owner, {**data, "owner": owner}, now)
        previous = schedule.previous_session(now)
        if previous is not None:
            ended = schedule.ends_at(previous)
            if ended <= now < ended + MINUTES_WINDOW:
                occasion = Occasion(channel, previous)
                data = {"channel": channel, "starts_at": previous.isoformat()}
                queued += self._queue(tx, workspace_id, outbox_key(MINUTES, occasion), MINUTES, channel, data, now)
        return queued

    def _queue(
        self, tx: Tx, workspace_id: int, key: str, kind: str, address: str, data: dict[str, object], now: datetime
    ) -> int:
        if tx.outbox.has(workspace_id, key):
            return 0
        return int(tx.outbox.put(workspace_id, Outgoing(key, kind, f"channel:{address}", data, now)))

    # Internals

    def _update(self, scope: Scope, channel_id: str, change: Callable[[Schedule], Schedule]) -> SessionView:
        now = self.clock.now()
        with self.store.transaction() as tx:
            workspace_id, schedule = _existing(tx, scope, channel_id, now)
            saved = tx.sessions.save(workspace_id, change(schedule), now)
            return self._view(tx, workspace_id, saved, now)

    def _change_one(
        self, scope: Scope, channel_id: str, day: date, moved_to: Callable[[Schedule, datetime], datetime] | None,
        actor: Person,
    ) -> SessionView:  # fmt: skip
        now = self.clock.now()
        with self.store.transaction() as tx:
            workspace_id, schedule = _existing(tx, scope, channel_id, now)
            original = occurs_on(schedule.rhythm, day)
            if original is None:
                raise SessionError(say.NOT_AN_OCCURRENCE.format(day=day.isoformat(), rhythm=schedule.rhythm.describe()))
            target = moved_to(schedule, original) if moved_to is not None else None
            if target is not None and target <= now:
                raise SessionError(say.MOVED_INTO_PAST)
            tx.sessions.set_change(schedule.id, day, target, actor.user_id)
            refreshed = tx.sessions.get(workspace_id, channel_id)
            assert refreshed is not None
            return self._view(tx, workspace_id, refreshed, now)

    def _view(self, tx: Tx, workspace_id: int, schedule: Schedule, now: datetime) -> SessionView:
        upcoming = tuple(schedule.upcoming(now, 3)) if schedule.active else ()
        return SessionView(schedule, upcoming, tx.workspaces.default_tag(workspace_id, schedule.channel_id))

    def _agenda(self, tx: Tx, workspace_id: int, schedule: Schedule, starts_at: datetime, now: datetime) -> Agenda:
        assert schedule.id is not None
        starts_at = starts_at.astimezone(zone(schedule.rhythm.tz))  # days are counted in the session's zone
        following = schedule.upcoming(starts_at, 1)
        done_since = schedule.previous_session(starts_at)
        items = tx.items.for_agenda(workspace_id, schedule.channel_id, closed_since=done_since)
        occasion = Occasion(schedule.channel_id, starts_at)
        owners = {item.owner_id for item in items if item.is_open}
        # Only owners with something open can be silent on the agenda: look up their check-ins' keys.
        checkin_keys = [outbox_key(CHECKIN, occasion, owner) for owner in sorted(owners)]
        asked = tx.outbox.existing_keys(workspace_id, checkin_keys)
        return compose(
            items,
            channel_id=schedule.channel_id,
            starts_at=starts_at,
            following_at=following[0] if following else None,
            done_since=done_since,
            today=now.astimezone(zone(schedule.rhythm.tz)).date(),
            checkins=tx.sessions.answers(schedule.id, starts_at),
            asked=[key.removeprefix(outbox_key(CHECKIN, occasion, "")) for key in asked],
            away=_away(tx, workspace_id, owners),
        )


def _lookup(tx: Tx, scope: Scope, channel_id: str, now: datetime) -> tuple[int, Schedule | None]:
    """The workspace's row id and the channel's schedule, if it has one."""
    workspace_id = tx.workspaces.ensure(scope, now)
    return workspace_id, tx.sessions.get(workspace_id, channel_id)


def _existing(tx: Tx, scope: Scope, channel_id: str, now: datetime) -> tuple[int, Schedule]:
    """As `_lookup`, but a channel without a session is a SessionError for the user."""
    workspace_id, schedule = _lookup(tx, scope, channel_id, now)
    if schedule is None:
        raise SessionError(say.NO_SESSION)
    return workspace_id, schedule


def _away(tx: Tx, workspace_id: int, owners: set[str]) -> dict[str, date]:
    """Each owner on leave and their first day back (set with `/action away` or their chat status)."""
    chosen = tx.nudges.prefs_of(workspace_id, sorted(owners))
    statuses = tx.workspaces.statuses_away_until(workspace_id, sorted(owners))
    away: dict[str, date] = {}
    for owner in owners:
        days = [chosen[owner].away_until, statuses.get(owner)]
        if back := max((day for day in days if day), default=None):
            away[owner] = back
    return away


def owners_to_ask(agenda: Agenda) -> list[str]:
    """Everyone with an open item on the agenda, once each, in agenda order."""
    return list(dict.fromkeys(entry.item.owner_id for entry in agenda.open_entries()))
