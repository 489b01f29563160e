"""nudges: each item's place on the ladder, steps taken, people's working time, channel ladders

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("workspace") as table:
        table.add_column(sa.Column("country", sa.String(length=8), nullable=True))
    with op.batch_alter_table("person") as table:
        table.add_column(sa.Column("status_away_until", sa.Date(), nullable=True))
    with op.batch_alter_table("channel") as table:
        table.add_column(sa.Column("nudge_before", sa.String(length=64), nullable=True))
        table.add_column(sa.Column("nudge_every", sa.Integer(), nullable=True))
        table.add_column(sa.Column("nudge_escalate_after", sa.Integer(), nullable=True))
        table.add_column(sa.Column("nudges_on", sa.Boolean(), nullable=False, server_default=sa.true()))
    with op.batch_alter_table("outbox") as table:
        table.add_column(sa.Column("first_due_at", storage.types.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table("action_item") as table:
        table.add_column(sa.Column("nudged_until", storage.types.UTCDateTime(timezone=True), nullable=True))
        table.add_column(sa.Column("nudge_at", storage.types.UTCDateTime(timezone=True), nullable=True))
        table.add_column(sa.Column("snoozed_until", storage.types.UTCDateTime(timezone=True), nullable=True))
        table.add_column(sa.Column("nudges_off", sa.Boolean(), nullable=False, server_default=sa.false()))
        table.create_index("ix_item_nudge_at", ["nudge_at"])
    # Items open before nudges existed are planned from the moment of the upgrade: nothing that
    # came due earlier is sent in a burst, and the planner's first tick places each on its ladder.
    now = sa.bindparam("now", value=datetime.now(UTC), type_=storage.types.UTCDateTime())
    op.execute(
        sa.text("UPDATE action_item SET nudged_until = :now, nudge_at = :now WHERE status = 'open'").bindparams(now)
    )
    op.create_table(
        "prefs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), sa.ForeignKey("workspace.id"), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("work_days", sa.String(length=16), nullable=True),
        sa.Column("country", sa.String(length=8), nullable=True),
        sa.Column("starts", sa.String(length=5), nullable=False),
        sa.Column("ends", sa.String(length=5), nullable=False),
        sa.Column("away_until", sa.Date(), nullable=True),
        sa.Column("daily_digest", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("workspace_id", "user_id", name="uq_prefs_user"),
    )
    op.create_table(
        "nudge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), sa.ForeignKey("workspace.id"), nullable=False),
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("action_item.id"), nullable=False),
        sa.Column("step", sa.String(length=64), nullable=False),
        sa.Column("message_key", sa.String(length=250), nullable=False),
        sa.Column("at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("item_id", "step", name="uq_nudge_step"),
    )
    op.create_index("ix_nudge_message", "nudge", ["message_key"])


def downgrade() -> None:
    op.drop_index("ix_nudge_message", table_name="nudge")
    op.drop_table("nudge")
    op.drop_table("prefs")
    with op.batch_alter_table("action_item") as table:
        table.drop_index("ix_item_nudge_at")
        for column in ("nudges_off", "snoozed_until", "nudge_at", "nudged_until"):
            table.drop_column(column)
    with op.batch_alter_table("outbox") as table:
        table.drop_column("first_due_at")
    with op.batch_alter_table("channel") as table:
        for column in ("nudges_on", "nudge_escalate_after", "nudge_every", "nudge_before"):
            table.drop_column(column)
    with op.batch_alter_table("person") as table:
        table.drop_column("status_away_until")
    with op.batch_alter_table("workspace") as table:
        table.drop_column("country")
