"""The migrations build exactly the schema the tables describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

import storage.tables  # noqa: F401  (registers the tables)
from storage.db import make_engine
from storage.migrate import current_revision, head_revision, is_current, upgrade


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
