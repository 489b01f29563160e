"""sessions: rhythm per channel, skipped/moved occurrences, check-in answers

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), sa.ForeignKey("workspace.id"), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("tz", sa.String(length=64), nullable=False),
        sa.Column("anchor", sa.String(length=32), nullable=False),
        sa.Column("agenda_lead", sa.String(length=32), nullable=False),
        sa.Column("checkin_lead", sa.String(length=32), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("owner_id", sa.String(length=64), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("workspace_id", "channel_id", name="uq_session_channel"),
    )
    op.create_table(
        "session_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), sa.ForeignKey("session.id"), nullable=False),
        sa.Column("original_on", sa.Date(), nullable=False),
        sa.Column("moved_to", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("actor_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("session_id", "original_on", name="uq_session_change"),
    )
    op.create_index("ix_session_change_session_id", "session_change", ["session_id"])
    op.create_table(
        "checkin",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), sa.ForeignKey("session.id"), nullable=False),
        sa.Column("occurrence", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("action_item.id"), nullable=False),
        sa.Column("owner_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("answered_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("session_id", "occurrence", "item_id", name="uq_checkin"),
    )
    op.create_index("ix_checkin_session_id", "checkin", ["session_id"])


def downgrade() -> None:
    op.drop_index("ix_checkin_session_id", table_name="checkin")
    op.drop_table("checkin")
    op.drop_index("ix_session_change_session_id", table_name="session_change")
    op.drop_table("session_change")
    op.drop_table("session")
