"""The core's light markup in Teams: `*bold*` and `<@user>` as Slack writes them, as Markdown and names.

The core's sentences (bot.messages) mark emphasis with single asterisks and people as `<@id>`;
Teams' text blocks read Markdown, and a person is shown by name (a mention would ping them).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_PERSON = re.compile(r"<@([^>|]+)(?:\|([^>]*))?>")
_LINK = re.compile(r"<(https?://[^>|]+)\|([^>]+)>")
# Teams has no slash commands: the same words are sent to the bot as a message.
_COMMAND = re.compile(r"(?<![\w/])/(action|decision|session)\b")
_BOLD = re.compile(r"(?<![*\w])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![*\w])")


def to_teams(text: str, names: Mapping[str, str]) -> str:
    text = _PERSON.sub(lambda m: names.get(m.group(1)) or m.group(2) or "someone", text)
    text = _LINK.sub(lambda m: f"[{m.group(2)}]({m.group(1)})", text)
    text = _COMMAND.sub(r"\1", text)
    return _BOLD.sub(r"**\1**", text)


def person_ids(text: str) -> set[str]:
    """The people a sentence names, to look their names up before rendering it."""
    return {m.group(1) for m in _PERSON.finditer(text)}
