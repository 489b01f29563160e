"""Looking at a database without changing it: where it is, whether it answers, which schema it has.

`tanto doctor` uses this. Unlike `Store.open`, nothing here creates a file, tunes SQLite's
journal mode or runs a migration: a check must leave the database exactly as it found it.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import URL, Engine, create_engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from storage.db import normalise_url
from storage.migrate import current_revision, head_revision, known_revisions

_SUPPORTED = "sqlite:///path.db or postgresql://user:password@host:5432/db"


class InvalidDatabaseURL(Exception):
    """The URL cannot be read, or names a database this installation has no driver for."""


class DatabaseUnreachable(Exception):
    """Connecting or reading failed; the message is the driver's first line of explanation."""


@dataclass(frozen=True)
class SchemaState:
    revision: str | None  # None: no Tanto schema yet (an empty database)
    head: str | None
    known: bool  # False: migrated by a newer release than this one

    @property
    def current(self) -> bool:
        return self.revision == self.head


def describe(url: str) -> str:
    """The URL as it is safe to print, password masked; raises InvalidDatabaseURL when unusable."""
    return _parse(url).render_as_string(hide_password=True)


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names, made absolute; None for other databases and in-memory SQLite."""
    parsed = _parse(url)
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).expanduser().absolute()


def inspect_schema(url: str, *, timeout: float = 5.0) -> SchemaState:
    """Connect, read the schema revision, disconnect. Raises DatabaseUnreachable or InvalidDatabaseURL."""
    engine = _read_only_engine(url, timeout)
    try:
        revision = current_revision(engine)
    except SQLAlchemyError as error:
        raise DatabaseUnreachable(_first_line(error)) from error
    finally:
        engine.dispose()
    return SchemaState(revision, head_revision(), revision is None or revision in known_revisions())


def _read_only_engine(url: str, timeout: float) -> Engine:
    parsed = _parse(url)
    path = sqlite_file(url)
    try:
        if path is not None:
            # mode=rw: open an existing file for reading and writing, but never create one.
            rw = URL.create(
                "sqlite", database=f"file:{urllib.parse.quote(str(path))}", query={"mode": "rw", "uri": "true"}
            )
            return create_engine(rw, connect_args={"timeout": timeout})
        if parsed.drivername.startswith("postgresql"):
            return create_engine(parsed, connect_args={"connect_timeout": max(1, round(timeout))})
        return create_engine(parsed)
    except (NoSuchModuleError, ModuleNotFoundError) as error:
        raise InvalidDatabaseURL(f"no driver for {parsed.drivername!r} is installed; use {_SUPPORTED}") from error


def _parse(url: str) -> URL:
    try:
        parsed = make_url(normalise_url(url))
    except ArgumentError as error:
        raise InvalidDatabaseURL(f"not a database URL; use {_SUPPORTED}") from error
    if not parsed.drivername.startswith(("sqlite", "postgresql")):
        raise InvalidDatabaseURL(f"Tanto works with SQLite and PostgreSQL, not {parsed.drivername}; use {_SUPPORTED}")
    return parsed


def _first_line(error: SQLAlchemyError) -> str:
    cause = getattr(error, "orig", None) or error
    return (str(cause).strip().splitlines() or [type(cause).__name__])[0]
