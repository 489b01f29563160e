"""`tanto console`, end to end: lines typed as a chosen person in a chosen channel go to the real
app (its Bolt listeners, core and SQLite storage) wired to the same Slack stand-in the other tests
use, and what each person would see comes back rendered as text.

Nothing here is mocked: a session is a `ConsoleSession` over a `LocalWorkspace`, exactly what
`tanto console` runs; one test runs the installed `tanto console` command itself.
"""

from __future__ import annotations

import io
import itertools
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from bot.model import Scope
from handlers.slack.console import ScriptedLines, run_console
from handlers.slack.console.session import ConsoleSession
from handlers.slack.console.team import TEAM_ID, Team
from handlers.slack.console.workspace import LocalWorkspace
from storage.items import ItemFilter

# Monday 2026-11-23: 17:00 in Tokyo, 09:00 in Amsterdam, 03:00 in New York — Monday for everyone.
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
WIDTH = 100
WIDE = 300
PROCESS_TIMEOUT = 60
CASES = itertools.count(1)


class Typist:
    """Types lines into a console session and reads back what was printed, as plain text."""

    def __init__(self, session: ConsoleSession) -> None:
        self.session = session

    def type(self, *lines: str) -> str:
        """Every line in turn; the text shown for the last one."""
        shown = ""
        for line in lines:
            shown = self._type(line)
        return shown

    def _type(self, line: str) -> str:
        out = Console(record=True, width=WIDTH, color_system=None, file=io.StringIO())
        for renderable in self.session.handle(line):
            out.print(renderable)
        return out.export_text()

    def items(self) -> list[Any]:
        """What the app stored, straight from its database (open and closed)."""
        workspace = self.session.workspace
        store = workspace.running.store
        with store.transaction() as tx:
            workspace_id = tx.workspaces.ensure(Scope("slack", TEAM_ID), workspace.clock.now())
            found, _ = tx.items.find(workspace_id, ItemFilter(include_closed=True), limit=100)
        return found


@pytest.fixture
def console(tmp_path: Path) -> Iterator[Typist]:
    workspace = LocalWorkspace(tmp_path / "tanto.db", NOW, Team())
    try:
        yield Typist(ConsoleSession(workspace))
    finally:
        workspace.stop()


@pytest.fixture(scope="module")
def shared_workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalWorkspace]:
    """One app for the many small mistakes: each gets a fresh session, and none changes the clock."""
    workspace = LocalWorkspace(tmp_path_factory.mktemp("mistakes") / "tanto.db", NOW, Team())
    try:
        yield workspace
    finally:
        workspace.stop()


def test_a_capture_is_posted_for_the_whole_channel_with_its_explicit_date(console: Typist) -> None:
    shown = console.type("/action Send revised proposal to Globex @jan by next Friday")

    # The capture is acknowledged empty and answered by response URL: the console shows that answer.
    assert "posted in #acct-globex" in shown
    assert "A-1 · Send revised proposal to Globex" in shown
    assert "@jan" in shown
    assert "Fri 2026-12-04 (in 11 days)" in shown  # "next Friday" on a Monday is in next week
    assert "[1 Done]  [2 Reschedule]  [3 Reassign]" in shown
    [item] = console.items()
    assert (item.title, item.owner_id, item.creator_id, str(item.due_on)) == (
        "Send revised proposal to Globex",
        "U0JAN",
        "U0TANAKA",
        "2026-12-04",
    )


def test_a_refused_capture_is_finished_in_the_form_its_button_opens(console: Typist) -> None:
    refused = console.type("/action Think about pricing")
    assert "only you see this · in #acct-globex" in refused
    assert "Owner is missing" in refused and "Due date is missing" in refused
    assert "[1 Finish in a form]" in refused
    assert console.items() == []

    opened = console.type(":click 1")
    assert "form: New action item · opened for you (@tanaka)" in opened
    assert console.session.prompt == "  What is to be done [Think about pricing]: "

    console.type("", "@nina")  # Enter keeps the prefilled text
    assert console.session.prompt == "  Due date (YYYY-MM-DD): "
    refused_date = console.type("2020-01-01", "#globex")
    assert "Tanto did not accept the form" in refused_date
    assert "Wed 2020-01-01 is in the past" in refused_date
    assert console.session.prompt == "  Due date (YYYY-MM-DD) [2020-01-01]: "  # only that field is asked again

    sent = console.type("2026-12-20")
    assert "✓ “New action item” sent." in sent
    assert "posted in #acct-globex" in sent
    assert "A-1 · Think about pricing" in sent
    assert "Sun 2026-12-20 (in 27 days)" in sent
    assert "removed the message only you saw in #acct-globex" in sent  # the refusal goes away
    assert console.session.prompt == "tanaka in #acct-globex › "
    [item] = console.items()
    assert (item.title, item.owner_id, str(item.due_on), item.tag) == (
        "Think about pricing",
        "U0NINA",
        "2026-12-20",
        "globex",  # typed with its #, stored without
    )


def test_who_you_are_and_where_decide_what_you_see_and_what_you_can_click(console: Typist) -> None:
    console.type("/action Think about pricing")  # refused: only @tanaka sees it

    assert "You are now @jan (Jan de Vries" in console.type(":as @jan")
    assert "Only @tanaka sees that message, so only they can click in it" in console.type(":click 1")

    assert "You are now in #acct-initech" in console.type(":in #acct-initech")
    assert console.session.prompt == "jan in #acct-initech › "
    posted = console.type("/action Book the workshop @eva by Friday")
    assert "posted in #acct-initech" in posted  # in the channel: everyone there sees it
    assert "Fri 2026-11-27" in posted

    listed = console.type("/action list all")
    assert "only you see this · in #acct-initech" in listed  # a list is for the one who asked
    assert "A-1 Book the workshop" in listed

    # A menu left open is closed by typing a command, which then runs.
    console.type(":click 1")
    assert console.session.prompt.startswith("  Choose 1–3")
    moved = console.type(":as @eva")
    assert "Nothing chosen." in moved and "You are now @eva" in moved

    console.type(":in #acct-initech", "/action list")
    done = console.type(":click 1 Done")
    assert "✅ A-1 marked done by @eva." in done
    assert [item.status.value for item in console.items()] == ["done"]


def test_moving_the_clock_sends_the_owner_a_nudge_and_the_channel_its_agenda(console: Typist) -> None:
    console.type("/action Call the CFO @jan tomorrow")  # tomorrow for @tanaka in Tokyo: Tue 2026-11-24
    console.type("/session every Wednesday at 10:00")
    console.type(":as @jan")

    shown = console.type(":time +3d")

    assert "⏩ Mon 2026-11-23 09:00 → Thu 2026-11-26 09:00 (Europe/Amsterdam)" in shown
    assert "DM to you" in shown
    assert "Reminder: one of your items needs you" in shown
    assert "Reminder: one of your items is overdue" in shown
    assert "A-1 Call the CFO" in shown
    assert "posted in #acct-globex" in shown and "Account plan session — Wed 2026-11-25 10:00" in shown
    assert "Minutes — session of Wed 2026-11-25 10:00 to 11:00" in shown  # both ends in the session's zone
    assert "It is now Thu 2026-11-26 09:00 for you." in shown
    # Buttons are numbered across everything that fired on the way; the last nudge's Done works.
    *_, done = re.findall(r"\[(\d+) Done\]", shown)
    clicked = console.type(f":click {done}")
    assert "updated DM to you" in clicked and "✅ Done" in clicked
    assert [item.status.value for item in console.items()] == ["done"]


def test_who_lists_the_team_with_their_timezones_and_local_times(console: Typist) -> None:
    shown = console.type(":who")

    for person, tz, local in (
        ("@tanaka", "Asia/Tokyo", "Mon 2026-11-23 17:00"),
        ("@jan", "Europe/Amsterdam", "Mon 2026-11-23 09:00"),
        ("@eva", "Europe/Stockholm", "Mon 2026-11-23 09:00"),
        ("@ayse", "Europe/Istanbul", "Mon 2026-11-23 11:00"),
        ("@nina", "America/New_York", "Mon 2026-11-23 03:00"),
        ("@admin", "Europe/London", "Mon 2026-11-23 08:00"),
    ):
        [row] = [line for line in shown.splitlines() if person + " " in line]
        assert tz in row and local in row, row
    assert console.type(":users") == shown


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        (":frob", "“:frob” is not a console command; these are: :as, :in, :click"),
        (":click 99", "There is no [99]: what was shown last has [1] to [3]."),
        (":click two", "Say which: `:click 2` presses [2 …]"),
        (":click 1 9", "[1 Done] is a button, not a menu: `:click 1` presses it."),
        (":time 2026-02-30", "2026-02-30 is not a date on the calendar."),
        (":time 25:00", "25:00 is not a time of day"),
        (":time next week", "“next week” is not a time to move to. Try `:time +3d`"),
        (":time -1d", "The clock only moves forward"),
        (":as @nobody", "No one here is called “@nobody”"),
        (":in #nowhere", "There is no channel “#nowhere”"),
        ("/frob now", "“/frob” is not one of them"),
        ("hello?", "Tanto listens for slash commands, not chat."),
    ],
)
def test_a_mistake_gets_a_sentence_saying_what_to_type_not_a_traceback(
    shared_workspace: LocalWorkspace, typed: str, answer: str
) -> None:
    console = Typist(ConsoleSession(shared_workspace))
    # Each case its own item: the app takes the same text twice for a retry, not a new item.
    case = next(CASES)
    console.type(f"/action Send proposal {case} to Globex @jan by next Friday")  # [1] to [3]

    shown = console.type(typed)

    assert answer in shown
    assert "Traceback" not in shown
    assert not console.session.finished
    assert "posted in #acct-globex" in console.type(f"/action Call the CFO about {case} me tomorrow")  # still working


def test_a_given_database_file_is_kept_for_the_next_run(tmp_path: Path) -> None:
    database = tmp_path / "plan.db"

    first = _run(database, ["/action Call the CFO me tomorrow", ":quit"])
    second = _run(database, ["/action list all"])  # ends at the end of input, as Ctrl-D does

    assert f"SQLite file {database}, kept when you leave" in first
    assert "A-1 · Call the CFO" in first and "Stopping the app. Bye!" in first
    assert "A-1 Call the CFO — @tanaka · Tue 2026-11-24" in second


def test_tanto_console_runs_without_configuration_and_reads_a_piped_script(tmp_path: Path) -> None:
    tanto = shutil.which("tanto", path=str(Path(sys.executable).parent)) or shutil.which("tanto")
    assert tanto is not None, "the `tanto` command is installed with the package (pip install -e .)"
    script = "/action Send revised proposal to Globex @jan by next Friday\n:as @jan\n:who\n:quit\n"

    # No environment at all and an empty working directory: the quick start on a fresh machine.
    done = subprocess.run(
        [tanto, "console"], input=script, capture_output=True, text=True, env={}, cwd=tmp_path,
        timeout=PROCESS_TIMEOUT, check=False,
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert "Tanto console" in done.stdout
    assert "tanaka in #acct-globex › /action Send revised proposal" in done.stdout  # the script, echoed
    assert "A-1 · Send revised proposal to Globex" in done.stdout
    assert "Europe/Amsterdam" in done.stdout
    assert "Stopping the app. Bye!" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr
    assert list(tmp_path.iterdir()) == []  # the temporary database is not left in the working directory


def _run(database: Path, lines: list[str]) -> str:
    # Wide enough that the temporary folder's long path is not wrapped.
    out = Console(record=True, width=WIDE, color_system=None, file=io.StringIO())
    assert run_console(database, out=out, lines=ScriptedLines(lines, out), now=NOW) == 0
    return out.export_text()
