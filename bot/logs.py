"""Log lines that say whose request they belong to: JSON for log collectors, plain text on a terminal.

Every line carries what is known about the work in progress — the request id, the workspace
(team and enterprise id), the user, the item, the outbox key — from a context variable that the
platform adapter sets per request and the outbox dispatcher per delivery. Tasks and threads
started from there (`asyncio.create_task`, `asyncio.to_thread`) copy it, so their lines carry it too.

What people wrote (item titles, comments, message text) and tokens never go into lines at
info level or above; debug lines may show request bodies.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, TextIO

from bot.config import ConfigError

LEVELS = ("debug", "info", "warning", "error")
FORMATS = ("json", "text")

_NOTHING: Mapping[str, str] = MappingProxyType({})
_context: ContextVar[Mapping[str, str]] = ContextVar("tanto_log_context", default=_NOTHING)
# Attributes every LogRecord has; anything else on a record came in through `extra=` and is logged.
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime", "taskName"}


def current() -> Mapping[str, str]:
    """The fields every line written here and now carries."""
    return _context.get()


@contextmanager
def context(**fields: object) -> Iterator[None]:
    """Add `fields` (None and empty values left out) to every line written inside the block."""
    token = _context.set(_merged(fields))
    try:
        yield
    finally:
        _context.reset(token)


def begin(**fields: object) -> None:
    """Start afresh for one request or delivery: only `fields`, nothing left from earlier work."""
    _context.set(_NOTHING)
    bind(**fields)


def bind(**fields: object) -> None:
    """Add `fields` for the rest of the current request or delivery, e.g. the item it created."""
    _context.set(_merged(fields))


def _merged(fields: Mapping[str, object]) -> Mapping[str, str]:
    added = {name: str(value) for name, value in fields.items() if value not in (None, "")}
    return MappingProxyType({**_context.get(), **added}) if added else _context.get()


def configure(env: Mapping[str, str] | None = None, stream: TextIO | None = None) -> None:
    """Send log lines to `stream` (stderr): JSON lines unless it is a terminal.

    LOG_FORMAT (json, text) and LOG_LEVEL (debug, info, warning, error) override; a value
    outside those raises ConfigError naming the setting.
    """
    env = os.environ if env is None else env
    stream = sys.stderr if stream is None else stream
    level_name = env.get("LOG_LEVEL", "").strip().lower() or "info"
    if level_name not in LEVELS:
        raise ConfigError(f"LOG_LEVEL must be one of {', '.join(LEVELS)}; got {level_name!r}.")
    chosen = env.get("LOG_FORMAT", "").strip().lower() or ("text" if _is_terminal(stream) else "json")
    if chosen not in FORMATS:
        raise ConfigError(f"LOG_FORMAT must be json or text; got {chosen!r}.")
    level = logging.getLevelNamesMapping()[level_name.upper()]
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLines() if chosen == "json" else TextLines())
    logging.basicConfig(level=level, handlers=[handler], force=True)
    # APScheduler reports each run of every tick at info, several lines a minute, and Alembic
    # each of its plugins at every start; their warnings are what matter.
    for chatty in ("apscheduler", "alembic.runtime.plugins"):
        logging.getLogger(chatty).setLevel(logging.DEBUG if level <= logging.DEBUG else logging.WARNING)


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # not a real file, or already closed
        return False


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    """The context of the line, then anything passed with `extra=`."""
    extra = {name: value for name, value in record.__dict__.items() if name not in _STANDARD}
    return {**current(), **extra}


class JsonLines(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, then the context fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **_fields(record),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextLines(logging.Formatter):
    """`time LEVEL logger: message [field=value …]`, for people reading a terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        text = super().formatMessage(record)
        fields = _fields(record)
        if fields:
            text += " [" + " ".join(f"{name}={value}" for name, value in fields.items()) + "]"
        return text
