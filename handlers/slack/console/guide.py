"""What the console says about itself: the welcome, `:help`, and the team and channel lists.

The commands' help lives in `COMMANDS`, next to nothing else, so `:help` and the README list the
same things.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.console import RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from handlers.slack.console.team import Channel, Member, Team
from handlers.slack.console.timetravel import moment_text

SLASH_COMMANDS = ("/action", "/decision", "/session")
FIRST_COMMAND = "/action Send revised proposal to Globex @jan by next Friday"
SLASH_EXAMPLES = (
    (FIRST_COMMAND, "record an action item: what, one owner, a due date"),
    ("/action Call the CFO me tomorrow", "`me` makes you the owner"),
    ("/action Think about pricing", "refused: no owner, no date; then :click its form button"),
    ("/action list all", "the open items, overdue first, each with a menu"),
    ("/decision Do we bid on the ERP RFP? @tanaka by Friday", "a decision to be made"),
    ("/session every first Tuesday of the month at 10:00", "this channel's session rhythm"),
    ("/session preview", "the next agenda as it stands"),
    ("/action help", "Tanto's own help, in every language it reads"),
)
QUIT = (":quit", ":q", ":exit")
CANCEL = ":cancel"
NOTE = "dim"


@dataclass(frozen=True)
class ConsoleCommand:
    names: tuple[str, ...]
    example: str
    does: str


COMMANDS = (
    ConsoleCommand((":as",), ":as @jan", "act as someone else (:who lists the team)"),
    ConsoleCommand((":in",), ":in #acct-initech", "type in another channel (:channels lists them)"),
    ConsoleCommand((":click",), ":click 2   :click 3 2", "press button 2; choose option 2 of menu 3"),
    ConsoleCommand(
        (":time",),
        ":time +3d   :time +2h   :time 09:00   :time 2026-12-01 09:00",
        "move the clock (your timezone); check-ins, agendas and nudges fire on the way",
    ),
    ConsoleCommand((":home",), ":home", "open your Home tab in Tanto"),
    ConsoleCommand((":who", ":users"), ":who", "the team, their timezones and local time"),
    ConsoleCommand((":channels",), ":channels", "the channels"),
    ConsoleCommand((":help", ":h", ":?"), ":help", "this list"),
    ConsoleCommand(QUIT, ":quit", "stop the app and leave (Ctrl-D too)"),
)


def welcome(whoami: str, channel: Channel, now: str, storage: str) -> RenderableType:
    lines = Text.assemble(
        "Tanto runs here against a local stand-in for Slack: nothing leaves this machine.\n",
        f"You are {whoami} in #{channel.name}; it is {now} for you.\n",
        (f"Data: {storage}.\n\n", NOTE),
        "Try:   ",
        (FIRST_COMMAND, "bold"),
        "\nThen   ",
        (":help", "bold"),
        " lists the console's commands (:as, :in, :click, :time …).",
    )
    return Panel(lines, title="Tanto console", title_align="left", border_style="green")


def help_tables() -> list[RenderableType]:
    console = Table(title="Console commands", title_justify="left")
    for column in ("command", "example", "what it does"):
        console.add_column(column)
    for command in COMMANDS:
        console.add_row(" ".join(command.names), command.example, command.does)
    slash = Table(title="Tanto's commands (mention people as @jan, channels as #acct-initech)", title_justify="left")
    for column in ("type", "what happens"):
        slash.add_column(column)
    for example, does in SLASH_EXAMPLES:
        slash.add_row(example, does)
    forms = Text(
        "Forms are asked field by field: Enter keeps the value in [brackets], - clears an optional one, "
        f"{CANCEL} closes the form.",
        NOTE,
    )
    return [console, slash, forms]


def team_table(team: Team, you: Member, now: datetime) -> RenderableType:
    table = Table(title="The team", title_justify="left")
    table.add_column("person")
    # Timezones and times are what this table is for: they are never cut, the names wrap instead.
    for column in ("timezone", "local time", "locale", ""):
        table.add_column(column, no_wrap=True)
    for member in team.members:
        notes = [note for note, yes in (("you", member == you), ("admin", member.is_admin)) if yes]
        table.add_row(
            Text.assemble(f"@{member.name} ", (f"{member.real_name}, {member.role}", NOTE)),
            member.tz,
            moment_text(now, member.tz),
            member.locale,
            ", ".join(notes),
        )
    return table


def channel_table(team: Team, here: Channel) -> RenderableType:
    table = Table(title="Channels", title_justify="left")
    for column in ("channel", "topic", ""):
        table.add_column(column)
    for channel in team.channels:
        table.add_row(f"#{channel.name}", channel.topic, "you are here" if channel == here else "")
    return table
