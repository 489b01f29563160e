"""The migrations build exactly the schema the tables describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel

import storage.tables  # noqa: F401  (registers the tables)
from bot.clock import ManualClock
from bot.model import ActionItem, ChangeKind, Person, Scope
from bot.tracker import Captured, Tracker
from storage.db import make_engine
from storage.migrate import current_revision, head_revision, is_current, upgrade
from storage.store import Store


def test_migrations_reach_head_and_match_the_tables(database_url: str) -> None:
    engine = make_engine(database_url)
    assert not is_current(engine)
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert differences == []
    upgrade(engine)  # running again is a no-op
    assert is_current(engine)
    engine.dispose()


def test_upgrading_a_database_in_use_to_teams_ids_keeps_every_row_and_index(database_url: str) -> None:
    """0007 widens the id columns (SQLite rebuilds the tables): rows, keys and indexes survive,
    and a Teams tenant, user and conversation fit afterwards."""
    engine = make_engine(database_url)
    upgrade(engine, "0006_hot_indexes")  # the tables 0007 leaves untouched but for widths
    tracker = Tracker(Store(engine), ManualClock(datetime(2026, 11, 23, 3, 0, tzinfo=UTC)))
    slack = Scope("slack", "T1")
    stored = complete(tracker, slack, "U1", "C1")
    upgrade(engine)

    assert tracker.item(slack, stored.ref) == stored
    assert [change.kind for change in tracker.history(slack, stored.ref)] == [ChangeKind.CREATED]
    teams = Scope("teams", "00000000-0000-0000-0000-0000000000001")
    user, chat = "29:1" + "x" * 120, "a:1" + "y" * 200  # longer than any column sized for Slack
    assert tracker.item(teams, complete(tracker, teams, user, chat).ref) is not None
    with engine.connect() as connection:
        names = connection.execute(
            text(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'action_item'"
                if engine.dialect.name == "postgresql"
                else "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'action_item'"
            )
        ).scalars()
        assert {"ix_item_owner_open", "ix_item_channel_open", "ix_item_open_due", "ix_item_tag_folded"} <= set(names)
    engine.dispose()


def complete(tracker: Tracker, scope: Scope, user_id: str, channel_id: str) -> ActionItem:
    captured = tracker.complete(
        scope, author=Person(user_id), channel_id=channel_id, title="Send the proposal", owner_id=user_id,
        due_on=date(2026, 12, 1), tag="globex", source_key=f"test:{scope.platform}",
    )  # fmt: skip
    assert isinstance(captured, Captured)
    return captured.item
