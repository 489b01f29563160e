"""Engines for SQLite (the embedded default) and PostgreSQL (production)."""

from __future__ import annotations

import threading
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
        writer = _Writer()
        event.listen(engine, "connect", _tune_sqlite)
        event.listen(engine, "begin", writer.begin)
        event.listen(engine, "commit", writer.end)
        event.listen(engine, "rollback", writer.end)
        event.listen(engine.pool, "checkin", writer.checked_in)
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


# Execution option marking a transaction that a user's acknowledgement waits on: it takes the
# write lock ahead of background work (`engine.execution_options(**URGENT).begin()`).
URGENT = {"tanto_urgent": True}


class _Writer:
    """Queues this process's transactions for SQLite's single write lock, urgent ones first.

    Every transaction begins IMMEDIATE: a deferred one that reads, then writes, fails at once
    with "database is locked" when another connection wrote in between (busy_timeout does not
    apply to that upgrade). Waiting for the lock inside SQLite means its busy handler, which
    sleeps and retries (up to 100 ms a nap): under load, writers starve for seconds while the
    lock sits free. So threads of this process queue here first, and SQLite's busy handler is
    left for other processes (`tanto import`, a second bot on the same file). SQLAlchemy's commit
    event comes just before the COMMIT itself, so the next transaction may still meet the lock for
    that instant, in SQLite's busy handler.
    """

    def __init__(self) -> None:
        self._turn = threading.Condition()
        self._held = False
        self._urgent_waiting = 0

    def begin(self, connection: Any) -> None:
        urgent = bool(connection.get_execution_options().get("tanto_urgent"))
        with self._turn:
            self._urgent_waiting += urgent
            while self._held or (not urgent and self._urgent_waiting):
                self._turn.wait()
            self._urgent_waiting -= urgent
            self._held = True
        connection.info["holds_write_lock"] = True
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            self.end(connection)
            raise

    def end(self, connection: Any) -> None:
        if connection.info.pop("holds_write_lock", False):
            self._release()

    def checked_in(self, _dbapi_connection: Any, record: Any) -> None:
        # A connection returned without commit or rollback (closed mid-transaction) ends its turn too.
        if record.info.pop("holds_write_lock", False):
            self._release()

    def _release(self) -> None:
        with self._turn:
            self._held = False
            self._turn.notify_all()
