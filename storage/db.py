"""Engines for SQLite (the embedded default) and PostgreSQL (production)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event


def normalise_url(url: str) -> str:
    """Accept the URLs people paste (`postgres://`, `postgresql://`) and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _tune_sqlite)
        event.listen(engine, "begin", _begin_immediate)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # Foreign keys are off in SQLite unless asked for on every connection; WAL lets readers
    # proceed while one writer writes; busy_timeout makes a second writer wait instead of failing.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()
    # Let SQLAlchemy's "begin" event open transactions instead of the driver (see below).
    dbapi_connection.isolation_level = None


def _begin_immediate(connection: Any) -> None:
    # A deferred transaction that reads, then writes, fails at once with "database is locked"
    # when another connection wrote in between (busy_timeout does not apply to that upgrade).
    # Taking the write lock up front makes concurrent writers queue instead: SQLite's one writer.
    connection.exec_driver_sql("BEGIN IMMEDIATE")
