"""teams: conversation references for proactive messages, and ids long enough for Teams

Teams user ids (`29:…`, about 90 characters), personal-chat conversation ids (`a:…`, 130 and
more) and tenant ids (GUIDs, 36) do not fit the columns sized for Slack's `U…`/`C…`/`T…` ids.
On PostgreSQL a longer varchar is a catalogue change; on SQLite, which enforces no length, batch
mode rebuilds the tables so that the declared types match (foreign keys are off meanwhile:
`storage.migrate.upgrade`). The expression index on action_item cannot be reflected by SQLite,
so it is dropped before the rebuild and made again after it.

Revision ID: 0007_teams
Revises: 0006_hot_indexes
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0007_teams"
down_revision = "0006_hot_indexes"
branch_labels = None
depends_on = None

ID = 255
# table: [(column, width before, nullable)]
WIDENED: dict[str, list[tuple[str, int, bool]]] = {
    "workspace": [("enterprise_id", 32, False), ("team_id", 32, False)],
    "person": [("user_id", 64, False)],
    "channel": [("channel_id", 64, False)],
    "action_item": [
        ("owner_id", 64, False),
        ("creator_id", 64, False),
        ("channel_id", 64, False),
        ("closed_by", 64, True),
    ],
    "item_change": [("actor_id", 64, False)],
    "draft": [("author_id", 64, False), ("channel_id", 64, False), ("owner_id", 64, True)],
    "session": [("channel_id", 64, False), ("owner_id", 64, False)],
    "session_change": [("actor_id", 64, False)],
    "checkin": [("owner_id", 64, False)],
    "prefs": [("user_id", 64, False)],
}
TENANT_WIDTH = 64  # workspace.team_id and enterprise_id: a tenant GUID where Slack has T…


def upgrade() -> None:
    _resize(grow=True)
    op.create_table(
        "conversation_ref",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("workspace_id", sa.Integer(), sa.ForeignKey("workspace.id"), nullable=False),
        sa.Column("conversation_id", sa.String(length=ID), nullable=False),
        sa.Column("user_id", sa.String(length=ID), nullable=True),
        sa.Column("aad_object_id", sa.String(length=64), nullable=True),
        sa.Column("reference", sa.Text(), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("workspace_id", "conversation_id", name="uq_conversation_ref"),
    )
    op.create_index("ix_conversation_ref_user", "conversation_ref", ["workspace_id", "user_id"])


def downgrade() -> None:
    op.drop_index("ix_conversation_ref_user", table_name="conversation_ref")
    op.drop_table("conversation_ref")
    _resize(grow=False)


def _resize(*, grow: bool) -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.drop_index("ix_item_tag_folded", table_name="action_item")
    for table, columns in WIDENED.items():
        with op.batch_alter_table(table) as batch:
            for column, old, nullable in columns:
                wide, narrow = sa.String(length=TENANT_WIDTH if table == "workspace" else ID), sa.String(length=old)
                batch.alter_column(
                    column,
                    type_=wide if grow else narrow,
                    existing_type=narrow if grow else wide,
                    existing_nullable=nullable,
                )
    if sqlite:
        op.create_index(
            "ix_item_tag_folded", "action_item", ["workspace_id", sa.func.lower(sa.column("tag")), "status"]
        )
