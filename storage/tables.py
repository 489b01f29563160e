"""The database schema, as SQLModel tables.

Only repositories in this package read or write these; the core sees `bot.model` values.
Timestamps are aware UTC (`UTCDateTime`); dates without time (due dates) are plain `date`s,
because a due date is a day in the owner's calendar, not an instant.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint, column, func
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime

# Ids of people and conversations: Slack's are about 11 characters, Teams' up to about 150
# (`29:…` users, `a:…` personal chats, `19:…@thread.tacv2;messageid=…` channel threads).
ID_LENGTH = 255
# A Slack team or enterprise id, or a Teams tenant (a GUID).
TENANT_ID_LENGTH = 64


def _utc_column(nullable: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable)


class WorkspaceRow(SQLModel, table=True):
    __tablename__ = "workspace"
    __table_args__ = (UniqueConstraint("platform", "enterprise_id", "team_id", name="uq_workspace_key"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    enterprise_id: str = Field(default="", max_length=TENANT_ID_LENGTH)
    team_id: str = Field(max_length=TENANT_ID_LENGTH)
    # Short ids (A-12, D-3) count per workspace and kind; bumped in the inserting transaction.
    next_action_number: int = 1
    next_decision_number: int = 1
    created_at: datetime = Field(sa_column=_utc_column())
    # Public holidays for people who did not choose a country (`/action prefs team-country`).
    country: str | None = Field(default=None, max_length=8)


class PersonRow(SQLModel, table=True):
    """Cached profile of a chat user: fetched from the platform rarely, read on every command."""

    __tablename__ = "person"
    __table_args__ = (UniqueConstraint("workspace_id", "user_id", name="uq_person_user"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True)
    user_id: str = Field(max_length=ID_LENGTH)
    display_name: str | None = Field(default=None, max_length=200)
    tz: str = Field(default="UTC", max_length=64)
    locale: str | None = Field(default=None, max_length=16)
    is_admin: bool = False
    refreshed_at: datetime = Field(sa_column=_utc_column())
    # The end of a vacation the user shows in their Slack status, read with the profile.
    status_away_until: date | None = None


class ChannelRow(SQLModel, table=True):
    """Per-channel settings, such as the account tag items in this channel get by default."""

    __tablename__ = "channel"
    __table_args__ = (UniqueConstraint("workspace_id", "channel_id", name="uq_channel"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    channel_id: str = Field(max_length=ID_LENGTH)
    default_tag: str | None = Field(default=None, max_length=80)
    # The channel's nudge ladder (`/session nudges`); None: the default.
    nudge_before: str | None = Field(default=None, max_length=64)
    nudge_every: int | None = None
    nudge_escalate_after: int | None = None  # 0: never
    nudges_on: bool = True


class ActionItemRow(SQLModel, table=True):
    __tablename__ = "action_item"
    __table_args__ = (
        UniqueConstraint("workspace_id", "kind", "number", name="uq_item_number"),
        # The request that created the item (slash command trigger, modal view id):
        # a retried or double-submitted request finds its item instead of making a second.
        UniqueConstraint("workspace_id", "source_key", name="uq_item_source"),
        Index("ix_item_owner_open", "workspace_id", "owner_id", "status", "due_on"),
        Index("ix_item_channel_open", "workspace_id", "channel_id", "status", "due_on"),
        # `/action list #globex` matches tags whatever their case, so the index holds them folded.
        Index("ix_item_tag_folded", "workspace_id", func.lower(column("tag")), "status"),
        # Open items by due date, whoever owns them: `/action list overdue` and `all`.
        Index("ix_item_open_due", "workspace_id", "status", "due_on"),
        # The nudge planner's sweep: open items whose next nudge moment has come.
        Index("ix_item_nudge_at", "nudge_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    kind: str = Field(default="action", max_length=16)
    number: int
    title: str = Field(sa_column=Column(Text, nullable=False))
    owner_id: str = Field(max_length=ID_LENGTH)
    creator_id: str = Field(max_length=ID_LENGTH)
    channel_id: str = Field(max_length=ID_LENGTH)
    due_on: date
    tag: str | None = Field(default=None, max_length=80)
    status: str = Field(default="open", max_length=16)
    reschedule_count: int = 0
    source_key: str = Field(max_length=200)
    source_link: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(sa_column=_utc_column())
    updated_at: datetime = Field(sa_column=_utc_column())
    closed_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    closed_by: str | None = Field(default=None, max_length=ID_LENGTH)
    # A decision's outcome, once decided.
    outcome: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # Nudges (see bot.ladder): every step up to `nudged_until` is handled; the planner looks at the
    # item again at `nudge_at` (None: never, e.g. closed).
    nudged_until: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    nudge_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    snoozed_until: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    nudges_off: bool = False


class ItemChangeRow(SQLModel, table=True):
    """History: every change to an item, never updated or deleted."""

    __tablename__ = "item_change"

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    item_id: int = Field(foreign_key="action_item.id", index=True)
    kind: str = Field(max_length=16)
    actor_id: str = Field(max_length=ID_LENGTH)
    at: datetime = Field(sa_column=_utc_column())
    old_value: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    new_value: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class DraftRow(SQLModel, table=True):
    """An action item that was refused as incomplete, kept so the form can finish it.

    The user's words are not lost when the form is opened later or the bot restarts in between.
    """

    __tablename__ = "draft"

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    kind: str = Field(default="action", max_length=16)
    author_id: str = Field(max_length=ID_LENGTH)
    channel_id: str = Field(max_length=ID_LENGTH)
    text: str = Field(sa_column=Column(Text, nullable=False))
    title: str = Field(sa_column=Column(Text, nullable=False))
    owner_id: str | None = Field(default=None, max_length=ID_LENGTH)
    due_on: date | None = None
    tag: str | None = Field(default=None, max_length=80)
    source_link: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(sa_column=_utc_column())


class OutboxRow(SQLModel, table=True):
    """A message to deliver: written in the same transaction as the change it announces.

    `key` is unique so that the same announcement can never be queued twice; a worker claims a
    row by setting `claimed_until` (a lease) and records `sent_at` and the platform's message id.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "sent_at", "gave_up_at", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    key: str = Field(max_length=250, unique=True)
    kind: str = Field(max_length=32)
    target: str = Field(sa_column=Column(Text, nullable=False))
    data: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    due_at: datetime = Field(sa_column=_utc_column())
    # When the message was first due; `due_at` moves on with each retry.
    first_due_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    claimed_until: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    claimed_by: str | None = Field(default=None, max_length=64)
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    sent_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    message_id: str | None = Field(default=None, max_length=64)
    gave_up_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


class InboxRow(SQLModel, table=True):
    """A request received and not yet worked: written before the acknowledgement, removed in the
    transaction that stores what it asked for, so nothing acknowledged is ever lost.

    Rows carry their workspace's keys rather than a workspace id: the acknowledgement path writes
    them in batches without looking anything up. `key` (the platform's id for the request) is
    unique per workspace, so a retried request is received once.
    """

    __tablename__ = "inbox"
    __table_args__ = (UniqueConstraint("platform", "enterprise_id", "team_id", "key", name="uq_inbox_key"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    enterprise_id: str = Field(default="", max_length=32)
    team_id: str = Field(max_length=32)
    key: str = Field(max_length=250)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    received_at: datetime = Field(sa_column=_utc_column())
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class SessionRow(SQLModel, table=True):
    """A channel's account-plan session rhythm: an RFC 5545 rule in a time zone.

    `anchor` is the rule's DTSTART as local wall time (ISO text): rules are iterated in local
    time so that DST changes never move the meeting.
    """

    __tablename__ = "session"
    __table_args__ = (UniqueConstraint("workspace_id", "channel_id", name="uq_session_channel"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    channel_id: str = Field(max_length=ID_LENGTH)
    rule: str = Field(sa_column=Column(Text, nullable=False))
    tz: str = Field(max_length=64)
    anchor: str = Field(max_length=32)
    agenda_lead: str = Field(max_length=32)
    checkin_lead: str = Field(max_length=32)
    duration_minutes: int = 60
    active: bool = True
    owner_id: str = Field(max_length=ID_LENGTH)
    updated_at: datetime = Field(sa_column=_utc_column())


class SessionChangeRow(SQLModel, table=True):
    """One occurrence skipped (`moved_to` empty) or moved, without touching the rule."""

    __tablename__ = "session_change"
    __table_args__ = (UniqueConstraint("session_id", "original_on", name="uq_session_change"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="session.id", index=True)
    original_on: date
    moved_to: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    actor_id: str = Field(max_length=ID_LENGTH)


class CheckinRow(SQLModel, table=True):
    """An owner's pre-session answer about one item, for one session occurrence."""

    __tablename__ = "checkin"
    __table_args__ = (UniqueConstraint("session_id", "occurrence", "item_id", name="uq_checkin"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="session.id", index=True)
    occurrence: datetime = Field(sa_column=_utc_column())
    item_id: int = Field(foreign_key="action_item.id")
    owner_id: str = Field(max_length=ID_LENGTH)
    status: str | None = Field(default=None, max_length=16)
    comment: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    answered_at: datetime = Field(sa_column=_utc_column())


class PrefsRow(SQLModel, table=True):
    """A user's working time and nudge choices (`/action prefs`, `/action away`)."""

    __tablename__ = "prefs"
    __table_args__ = (UniqueConstraint("workspace_id", "user_id", name="uq_prefs_user"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    user_id: str = Field(max_length=ID_LENGTH)
    work_days: str | None = Field(default=None, max_length=16)  # weekday numbers, "01234"
    country: str | None = Field(default=None, max_length=8)
    starts: str = Field(default="09:00", max_length=5)
    ends: str = Field(default="18:00", max_length=5)
    away_until: date | None = None
    daily_digest: bool = True


class NudgeRow(SQLModel, table=True):
    """One step of one item's ladder, taken: into which nudge message (outbox key) it went.

    The unique step per item is what makes "each item nudged at most once per step" a guarantee.
    """

    __tablename__ = "nudge"
    __table_args__ = (
        UniqueConstraint("item_id", "step", name="uq_nudge_step"),
        Index("ix_nudge_message", "message_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    item_id: int = Field(foreign_key="action_item.id")
    step: str = Field(max_length=64)  # "<due date>:<step name>"
    message_key: str = Field(max_length=250)
    at: datetime = Field(sa_column=_utc_column())


class ConversationRefRow(SQLModel, table=True):
    """Where to reach a Teams conversation later (agendas, nudges): the reference the platform
    handed over in the last message from it, as JSON. `user_id` marks a person's 1:1 chat."""

    __tablename__ = "conversation_ref"
    __table_args__ = (
        UniqueConstraint("workspace_id", "conversation_id", name="uq_conversation_ref"),
        Index("ix_conversation_ref_user", "workspace_id", "user_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    conversation_id: str = Field(max_length=ID_LENGTH)
    user_id: str | None = Field(default=None, max_length=ID_LENGTH)
    aad_object_id: str | None = Field(default=None, max_length=64)
    reference: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: datetime = Field(sa_column=_utc_column())
