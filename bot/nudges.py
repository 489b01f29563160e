"""Nudges: owners reminded before and after their deadlines, in their working time, once per step.

Each open item carries its next nudge moment (`nudge_at`), computed from its ladder (bot.ladder)
whenever anything it depends on changes: the item, its owner's working time, its channel's ladder.
The planner tick takes the items whose moment has come and, in the same transaction, writes the
nudge messages to the outbox and each item's next moment. All of one owner's items that come due
together go into one DM; by default an owner gets at most one nudge DM a day (later steps that day
wait for the next working day's message). A step, once taken, is a row with a unique key; the
message is an outbox row with a unique key: neither can happen twice, on any number of replicas.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from bot.clock import Clock
from bot.ladder import Ladder, due_now, next_moment
from bot.model import ActionItem, Outgoing, Person, Ref, Scope
from bot.working_time import WorkingTime, WorkPrefs, working_time
from storage.nudges import Move, Placed
from storage.store import Store, Tx

log = logging.getLogger(__name__)

NUDGE = "nudge"
ESCALATION = "escalation"
NUDGE_KINDS = (NUDGE, ESCALATION)
BATCH = 500


class SnoozeOutcome:
    """Why a snooze or stop was refused (or that it was done)."""

    DONE = "done"
    NOT_FOUND = "not_found"
    NOT_OWNER = "not_owner"
    CLOSED = "closed"


@dataclass(frozen=True)
class NudgeLine:
    """One item in a nudge DM: `step` says where on its ladder it is ("before:2", "after:3", ...)."""

    item: ActionItem
    step: str


@dataclass(frozen=True)
class NudgeMessage:
    owner_id: str
    lines: tuple[NudgeLine, ...]
    today: date  # in the owner's zone, for "due in 2 days" / "3 days overdue"


@dataclass(frozen=True)
class Escalation:
    item: ActionItem
    business_days_overdue: int
    session_owner_id: str | None


@dataclass(frozen=True)
class OwnerAnswer:
    """The result of an owner's snooze or stop: what happened, the item, and when nudging resumes."""

    outcome: str
    item: ActionItem | None = None
    resumes_at: datetime | None = None


class Nudges:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    # The planner tick

    def plan(self) -> int:
        """Queue every nudge and escalation that has come due; the number of messages queued."""
        queued = 0
        while True:
            now = self.clock.now()
            with self.store.transaction() as tx:
                due = tx.nudges.due(now, limit=BATCH)
                queued += _plan_batch(tx, due, now)
            if len(due) < BATCH:
                return queued

    # What an owner can do from a nudge

    def snooze(self, scope: Scope, ref: Ref, actor: Person, until: date) -> OwnerAnswer:
        """No nudges about the item before the owner's first working moment on `until`."""
        now = self.clock.now()
        with self.store.transaction() as tx:
            workspace_id = tx.workspaces.ensure(scope, now)
            placed, refusal = _owned(tx, workspace_id, ref, actor)
            if placed is None:
                return refusal
            work = _working_time(tx, workspace_id, placed.item.owner_id)
            resumes = work.next_working_moment(max(work.day_start(until), now))
            tx.nudges.place(placed.row_id, nudge_at=resumes, snoozed_until=resumes)
            return OwnerAnswer(SnoozeOutcome.DONE, placed.item, resumes)

    def stop(self, scope: Scope, ref: Ref, actor: Person, *, stop: bool = True) -> OwnerAnswer:
        """Stop (or resume) nudges about one item; the agenda shows that its owner opted out."""
        now = self.clock.now()
        with self.store.transaction() as tx:
            workspace_id = tx.workspaces.ensure(scope, now)
            placed, refusal = _owned(tx, workspace_id, ref, actor)
            if placed is None:
                return refusal
            item = replace(placed.item, nudges_off=stop)
            if stop:
                tx.nudges.place(placed.row_id, nudge_at=None, nudges_off=True)
            else:
                tx.nudges.place(placed.row_id, nudge_at=None, nudges_off=False, nudged_until=now)
                replan(tx, replace(placed, item=item, nudged_until=now), now)
            return OwnerAnswer(SnoozeOutcome.DONE, item)

    # Working time and ladders

    def own_prefs(self, scope: Scope, user_id: str) -> WorkPrefs:
        with self.store.transaction() as tx:
            return tx.nudges.own_prefs(tx.workspaces.ensure(scope, self.clock.now()), user_id)

    def working_time(self, scope: Scope, user_id: str) -> WorkingTime:
        """Someone's working time as nudges use it (their choices, the workspace's, their profile)."""
        with self.store.transaction() as tx:
            return _working_time(tx, tx.workspaces.ensure(scope, self.clock.now()), user_id)

    def set_prefs(self, scope: Scope, user_id: str, prefs: WorkPrefs) -> WorkingTime:
        """Save the user's choices and re-plan the nudges of everything they own."""
        now = self.clock.now()
        with self.store.transaction() as tx:
            workspace_id = tx.workspaces.ensure(scope, now)
            tx.nudges.save_prefs(workspace_id, user_id, prefs)
            replan_open(tx, workspace_id, now, owner_id=user_id)
            return _working_time(tx, workspace_id, user_id)

    def set_team_country(self, scope: Scope, country: str | None) -> None:
        now = self.clock.now()
        with self.store.transaction() as tx:
            workspace_id = tx.workspaces.ensure(scope, now)
            tx.nudges.set_workspace_country(workspace_id, country)
            replan_open(tx, workspace_id, now)

    def team_country(self, scope: Scope) -> str | None:
        with self.store.transaction() as tx:
            return tx.nudges.workspace_country(tx.workspaces.ensure(scope, self.clock.now()))

    def ladder(self, scope: Scope, channel_id: str) -> Ladder:
        with self.store.transaction() as tx:
            return tx.nudges.ladder(tx.workspaces.ensure(scope, self.clock.now()), channel_id)

    def set_ladder(self, scope: Scope, channel_id: str, ladder: Ladder) -> Ladder:
        now = self.clock.now()
        with self.store.transaction() as tx:
            workspace_id = tx.workspaces.ensure(scope, now)
            tx.nudges.save_ladder(workspace_id, channel_id, ladder)
            replan_open(tx, workspace_id, now, channel_id=channel_id)
            return tx.nudges.ladder(workspace_id, channel_id)

    # What the courier sends, read at send time

    def message(self, scope: Scope, key: str, owner_id: str) -> NudgeMessage | None:
        """The nudge DM queued for `owner_id` under `key`, without the items that no longer need it;
        None if none do."""
        now = self.clock.now()
        with self.store.transaction() as tx:
            workspace_id = tx.workspaces.ensure(scope, now)
            lines = [
                NudgeLine(item, step)
                for item, step in tx.nudges.in_message(workspace_id, key)
                if item.is_open and item.owner_id == owner_id and not item.nudges_off
                and not (item.snoozed_until and item.snoozed_until > now)
            ]  # fmt: skip
            if not lines:
                return None
            today = _working_time(tx, workspace_id, owner_id).today(now)
        return NudgeMessage(owner_id, tuple(lines), today)

    def escalation(self, scope: Scope, ref: Ref) -> Escalation | None:
        """The escalation of an overdue item, if it still applies (open, still overdue, nudges on)."""
        now = self.clock.now()
        with self.store.transaction() as tx:
            workspace_id = tx.workspaces.ensure(scope, now)
            placed = tx.nudges.placed(workspace_id, ref)
            if placed is None or not placed.item.is_open or placed.item.nudges_off:
                return None
            item = placed.item
            work = _working_time(tx, workspace_id, item.owner_id)
            overdue = work.calendar.business_days_between(item.due_on, work.today(now))
            if overdue <= 0:
                return None
            session = tx.sessions.get(workspace_id, item.channel_id)
            return Escalation(item, overdue, session.owner_id if session is not None else None)


def replan_open(
    tx: Tx, workspace_id: int, now: datetime, *, owner_id: str | None = None, channel_id: str | None = None
) -> None:
    """Re-plan the open items (of one owner, or in one channel) after what their ladder depends on changed."""
    for placed in tx.nudges.open_items(workspace_id, owner_id=owner_id, channel_id=channel_id):
        replan(tx, placed, now)


def replan(tx: Tx, placed: Placed, now: datetime, *, reset: bool = False) -> None:
    """Set the item's next nudge moment after a change. `reset` (new due date or owner): the
    steps that already passed are not sent late, and a snooze no longer holds."""
    item = placed.item
    nudged_until = now if reset else placed.nudged_until
    snoozed_until = None if reset else item.snoozed_until
    if not item.is_open or item.nudges_off:
        tx.nudges.place(placed.row_id, nudge_at=None, nudged_until=nudged_until)
        return
    ladder = tx.nudges.ladder(placed.workspace_id, item.channel_id)
    work = _working_time(tx, placed.workspace_id, item.owner_id)
    moment = next_moment(item.due_on, ladder, work, nudged_until=nudged_until, snoozed_until=snoozed_until)
    if reset:
        tx.nudges.place(placed.row_id, nudge_at=moment, nudged_until=nudged_until, snoozed_until=None)
    else:
        tx.nudges.place(placed.row_id, nudge_at=moment)


def _plan_batch(tx: Tx, due: list[Placed], now: datetime) -> int:
    queued = 0
    moves: list[Move] = []
    by_owner: dict[tuple[int, str], list[Placed]] = defaultdict(list)
    for placed in due:
        by_owner[(placed.workspace_id, placed.item.owner_id)].append(placed)
    ladders: dict[tuple[int, str], Ladder] = {}
    for (workspace_id, owner_id), items in by_owner.items():
        work = _working_time(tx, workspace_id, owner_id)
        prefs = tx.nudges.prefs(workspace_id, owner_id)
        stepped: list[tuple[Placed, str]] = []
        for placed in items:
            item = placed.item
            where = (workspace_id, item.channel_id)
            if where not in ladders:
                ladders[where] = tx.nudges.ladder(*where)
            ladder = ladders[where]
            found = due_now(
                item.due_on, ladder, work, nudged_until=placed.nudged_until, now=now, snoozed_until=item.snoozed_until
            )
            if found.escalate:
                queued += _queue_escalation(tx, workspace_id, item, now)
            if found.step is not None:
                stepped.append((placed, f"{item.due_on.isoformat()}:{found.step.name}"))
            else:
                moves.append(_advance(placed, ladder, work, now))
        if stepped:
            queued += _queue_nudge(tx, workspace_id, owner_id, stepped, work, prefs, ladders, now, moves)
    tx.nudges.move_all(moves)
    return queued


def _queue_nudge(
    tx: Tx, workspace_id: int, owner_id: str, stepped: list[tuple[Placed, str]], work: WorkingTime,
    prefs: WorkPrefs, ladders: dict[tuple[int, str], Ladder], now: datetime, moves: list[Move],
) -> int:  # fmt: skip
    """One DM for the owner's due steps, or (the day's DM already went) the next working day."""
    if prefs.daily_digest:
        key = f"{NUDGE}:{owner_id}:{work.today(now).isoformat()}"
    else:
        key = f"{NUDGE}:{owner_id}:{now.astimezone(UTC).isoformat(timespec='minutes')}"
    queued = tx.outbox.put(workspace_id, Outgoing(key, NUDGE, f"channel:{owner_id}", {"owner": owner_id}, now))
    if not queued and not tx.outbox.open_for_more(workspace_id, key):
        tomorrow = work.next_working_moment(work.day_start(work.today(now) + timedelta(days=1)))
        moves.extend(
            Move(placed.row_id, tomorrow, placed.nudged_until, placed.item.snoozed_until) for placed, _ in stepped
        )
        return 0
    tx.nudges.take_steps(workspace_id, [(placed.row_id, step) for placed, step in stepped], key, now)
    moves.extend(_advance(placed, ladders[(workspace_id, placed.item.channel_id)], work, now) for placed, _ in stepped)
    return int(queued)


def _queue_escalation(tx: Tx, workspace_id: int, item: ActionItem, now: datetime) -> int:
    key = f"{ESCALATION}:{item.ref}:{item.due_on.isoformat()}"
    message = Outgoing(key, ESCALATION, f"channel:{item.channel_id}", {"item": str(item.ref)}, now)
    return int(tx.outbox.put(workspace_id, message))


def _advance(placed: Placed, ladder: Ladder, work: WorkingTime, now: datetime) -> Move:
    """Everything up to now is handled: on to the next step."""
    return Move(placed.row_id, next_moment(placed.item.due_on, ladder, work, nudged_until=now), now, None)


def _working_time(tx: Tx, workspace_id: int, user_id: str) -> WorkingTime:
    found = tx.workspaces.person(workspace_id, user_id)
    person = found[0] if found is not None else Person(user_id)
    prefs = tx.nudges.prefs(workspace_id, user_id)
    away = max((day for day in (prefs.away_until, person.status_away_until) if day), default=None)
    return working_time(replace(prefs, away_until=away), person.tz, person.locale)


def _owned(tx: Tx, workspace_id: int, ref: Ref, actor: Person) -> tuple[Placed | None, OwnerAnswer]:
    placed = tx.nudges.placed(workspace_id, ref)
    if placed is None:
        return None, OwnerAnswer(SnoozeOutcome.NOT_FOUND)
    if placed.item.owner_id != actor.user_id:
        return None, OwnerAnswer(SnoozeOutcome.NOT_OWNER, placed.item)
    if not placed.item.is_open:
        return None, OwnerAnswer(SnoozeOutcome.CLOSED, placed.item)
    return placed, OwnerAnswer(SnoozeOutcome.DONE, placed.item)
