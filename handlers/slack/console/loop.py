"""The read–answer loop of `tanto console`, and where its lines come from.

Lines come from the keyboard (with line editing), or from a script — piped standard input or a
test's list — echoed after their prompt so the output reads as a transcript.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.text import Text

from handlers.slack.console.session import ConsoleSession
from handlers.slack.console.team import Team
from handlers.slack.console.workspace import LocalWorkspace

LineSource = Callable[[str], str]  # shows the prompt, returns a line; EOFError when there are no more


class ScriptedLines:
    """Lines from a script, each printed after its prompt as if typed."""

    def __init__(self, lines: Iterable[str], out: Console) -> None:
        self._lines = iter(lines)
        self.out = out

    def __call__(self, prompt: str) -> str:
        line = next(self._lines, None)
        if line is None:
            raise EOFError
        line = line.rstrip("\r\n")
        self.out.print(Text(prompt, style="bold") + Text(line))
        return line


def keyboard_lines() -> LineSource:
    # Importing readline gives input() line editing and history; Windows has no readline.
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401

    # The prompt goes to input() itself, unstyled: readline must know its width to edit the line.
    return input


def run_console(
    db: Path | None, *, out: Console | None = None, lines: LineSource | None = None, now: datetime | None = None
) -> int:
    """Start the app against the stand-in and talk to it until :quit or end of input; the exit code."""
    out = out or Console()
    if lines is None:
        lines = keyboard_lines() if sys.stdin.isatty() else ScriptedLines(sys.stdin, out)
    with contextlib.ExitStack() as stack:
        stack.enter_context(_quiet_logs())
        if db is None:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tanto-console-")))
            database, storage = folder / "tanto.db", "a temporary SQLite file, removed when you leave"
        else:
            database = db.expanduser().resolve()
            storage = f"SQLite file {database}, kept when you leave"
        if not database.parent.is_dir():
            out.print(Text(f"tanto console: {database.parent} is not a folder; --db needs a file in one.", "red"))
            return 2
        try:
            workspace = LocalWorkspace(database, now or datetime.now(UTC).replace(second=0, microsecond=0), Team())
        except Exception as error:
            out.print(Text(f"tanto console: the app did not start: {error}", "red"))
            return 1
        stack.callback(workspace.stop)
        _converse(ConsoleSession(workspace), out, lines, storage)
    return 0


def _converse(session: ConsoleSession, out: Console, lines: LineSource, storage: str) -> None:
    _print(out, session.welcome(storage))
    while not session.finished:
        try:
            line = lines(session.prompt)
        except EOFError:
            out.print()
            return
        except KeyboardInterrupt:
            out.print()
            _print(out, session.interrupt())
            continue
        _print(out, session.handle(line))


def _print(out: Console, shown: Iterable[object]) -> None:
    for thing in shown:
        out.print(thing)


@contextlib.contextmanager
def _quiet_logs() -> Iterator[None]:
    """The console is the conversation: only the app's warnings and errors belong on the screen."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(max(level, logging.WARNING))
    # Bolt copies the root's level into its loggers, so its one expected warning needs a filter.
    bolt = logging.getLogger("slack_bolt.AsyncApp")
    bolt.addFilter(_token_notice)
    try:
        yield
    finally:
        bolt.removeFilter(_token_notice)
        root.setLevel(level)


def _token_notice(record: logging.LogRecord) -> bool:
    """False for Bolt's notice that the token is ignored when `authorize` is given: the app means it so."""
    return "`token` (or SLACK_BOT_TOKEN env variable) will be ignored" not in record.getMessage()
