"""Slack's mrkdwn as terminal text: *bold*, _italic_, ~strike~, `code`, quotes, emoji, and the
escaped entities (`<@U…>`, `<#C…>`, `<!here>`, `<!date^…>`, links) shown as Slack shows them.

The emphasis rules follow Slack's (https://api.slack.com/reference/surfaces/formatting): a marker
opens only before a non-space and after a non-word character, and closes only the other way round,
on the same line, so `snake_case_name` and `2*3*4` stay as typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from rich.emoji import Emoji
from rich.style import Style
from rich.text import Text

from bot.clock import zone
from handlers.slack.console.team import Team

MARKER_STYLES = {"*": "bold", "_": "italic", "~": "strike"}
CODE_STYLE = "bold magenta"
MENTION_STYLE = Style(bold=True, color="cyan")
# Emoji codes are tokens of their own, so `:palm_tree:` is not read as the start of _italic_.
_TOKEN = re.compile(r"```|`[^`\n]+`|<[^<>\n]+>|:[\w+-]+:|[*_~]")
_ESCAPES = {"&lt;": "<", "&gt;": ">", "&amp;": "&"}
# <!date^…> tokens, as strftime in the reader's zone (https://api.slack.com/reference/surfaces/formatting#date-formatting).
_DATE_TOKENS = {
    "{date_num}": "%Y-%m-%d",
    "{date}": "%B %d, %Y",
    "{date_pretty}": "%B %d, %Y",
    "{date_short}": "%b %d, %Y",
    "{date_short_pretty}": "%b %d, %Y",
    "{date_long}": "%A, %B %d, %Y",
    "{date_long_pretty}": "%A, %B %d, %Y",
    "{time}": "%H:%M",
    "{time_secs}": "%H:%M:%S",
}


@dataclass(frozen=True)
class Reader:
    """Who reads: names come from the team, dates are shown in the reader's timezone."""

    team: Team
    tz: str


def to_text(mrkdwn: str, reader: Reader, *, style: str = "") -> Text:
    out = Text(style=style)
    in_block_code = False
    for number, line in enumerate(mrkdwn.split("\n")):
        if number:
            out.append("\n")
        if not in_block_code and line.startswith(("&gt;", ">")):
            out.append("▎ ", "dim")
            line = line.removeprefix("&gt;").removeprefix(">").removeprefix(" ")
        in_block_code = _line(out, line, reader, in_block_code)
    return out


def plain_to_text(text: str, *, style: str = "") -> Text:
    return Text(_unescape(Emoji.replace(text)), style=style)


def _line(out: Text, line: str, reader: Reader, in_block_code: bool) -> bool:
    """Append one line; returns whether a ``` block is still open at its end."""
    active: list[str] = []
    position = 0
    for match in _TOKEN.finditer(line):
        token, start = match.group(), match.start()
        if start < position:
            continue
        _plain(out, line[position:start], active, in_block_code)
        position = match.end()
        if token == "```":
            in_block_code = not in_block_code
        elif in_block_code:
            out.append(token, CODE_STYLE)
        elif token.startswith("`"):
            out.append(_unescape(token[1:-1]), CODE_STYLE)
        elif token.startswith("<"):
            shown, style = _entity(token[1:-1], reader)
            out.append(shown, _style(active) + style)
        elif token.startswith(":"):
            _plain(out, token, active, in_block_code)
        elif token in active and _closes(line, start):
            active.remove(token)
        elif token not in active and _opens(line, start) and _closer_after(line, start, token):
            active.append(token)
        else:
            _plain(out, token, active, in_block_code)
    _plain(out, line[position:], active, in_block_code)
    return in_block_code


def _plain(out: Text, text: str, active: list[str], in_block_code: bool) -> None:
    if not text:
        return
    if in_block_code:
        out.append(_unescape(text), CODE_STYLE)
    else:
        out.append(_unescape(Emoji.replace(text)), _style(active))


def _style(active: list[str]) -> Style:
    return sum((Style.parse(MARKER_STYLES[marker]) for marker in active), Style())


def _opens(line: str, at: int) -> bool:
    before = line[at - 1] if at else " "
    after = line[at + 1] if at + 1 < len(line) else " "
    return not before.isalnum() and not after.isspace()


def _closes(line: str, at: int) -> bool:
    before = line[at - 1] if at else " "
    after = line[at + 1] if at + 1 < len(line) else " "
    return not before.isspace() and not after.isalnum()


def _closer_after(line: str, at: int, marker: str) -> bool:
    return any(line[i] == marker and _closes(line, i) for i in range(at + 2, len(line)))


def _entity(inside: str, reader: Reader) -> tuple[str, Style]:
    """What Slack shows for `<…>`, and how to style it."""
    target, _, label = inside.partition("|")
    if target.startswith("@"):
        member = reader.team.member(target[1:])
        return "@" + (member.name if member else label or target[1:]), MENTION_STYLE
    if target.startswith("#"):
        channel = reader.team.channel(target[1:])
        return "#" + (channel.name if channel else label or target[1:]), MENTION_STYLE
    if target.startswith("!date^"):
        return _date(target, label, reader.tz), Style(bold=True)
    if target.startswith("!subteam^"):
        return label or "@group", MENTION_STYLE
    if target.startswith("!"):
        return "@" + target[1:], MENTION_STYLE
    return _unescape(label or target), Style(underline=True, color="blue", link=target)


def _date(target: str, fallback: str, tz: str) -> str:
    """`!date^<unix seconds>^<format>[^<link>]` in the reader's zone; the fallback if unreadable."""
    parts = target.split("^")
    try:
        moment = datetime.fromtimestamp(int(parts[1]), UTC).astimezone(zone(tz))
    except (IndexError, ValueError, OverflowError):
        return fallback
    shown = parts[2] if len(parts) > 2 else "{date_num}"
    for token, pattern in _DATE_TOKENS.items():
        shown = shown.replace(token, moment.strftime(pattern))
    return shown if "{" not in shown else fallback or shown


def _unescape(text: str) -> str:
    for escaped, plain in _ESCAPES.items():
        text = text.replace(escaped, plain)
    return text
