"""hot indexes: open items by due date, and by tag whatever its case

`/action list overdue` and `list all` filter on the workspace, the status and the due date only;
the owner and channel indexes cannot serve that. `/action list #globex` compares lower(tag), which
an index on the tag as written cannot serve. Both read every item the workspace ever had.
Building them takes a second or two per million items, during which writes to action_item wait.

Revision ID: 0006_hot_indexes
Revises: 0005_inbox
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_hot_indexes"
down_revision = "0005_inbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_item_open_due", "action_item", ["workspace_id", "status", "due_on"])
    op.drop_index("ix_item_tag", table_name="action_item")
    op.create_index("ix_item_tag_folded", "action_item", ["workspace_id", sa.func.lower(sa.column("tag")), "status"])


def downgrade() -> None:
    op.drop_index("ix_item_tag_folded", table_name="action_item")
    op.create_index("ix_item_tag", "action_item", ["workspace_id", "tag", "status"])
    op.drop_index("ix_item_open_due", table_name="action_item")
