"""The console's workspace: a small account team across timezones, and its channels.

Everything the console shows by name (`@jan`, `#acct-globex`) and everything typed by name is
looked up here, so typed text can be escaped the way Slack sends it to the app.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TEAM_ID = "T0TANTO"


@dataclass(frozen=True)
class Member:
    user_id: str
    name: str
    real_name: str
    tz: str
    locale: str
    role: str
    is_admin: bool = False


@dataclass(frozen=True)
class Channel:
    channel_id: str
    name: str
    topic: str


MEMBERS = (
    Member("U0TANAKA", "tanaka", "Tanaka Yuki", "Asia/Tokyo", "ja-JP", "account executive"),
    Member("U0JAN", "jan", "Jan de Vries", "Europe/Amsterdam", "nl-NL", "pre-sales engineer"),
    Member("U0EVA", "eva", "Eva Lindqvist", "Europe/Stockholm", "sv-SE", "customer success"),
    Member("U0AYSE", "ayse", "Ayşe Demir", "Europe/Istanbul", "tr-TR", "solutions architect"),
    Member("U0NINA", "nina", "Nina Brooks", "America/New_York", "en-US", "sales manager"),
    Member("U0ADMIN", "admin", "Sam Admin", "Europe/London", "en-GB", "workspace admin", is_admin=True),
)
CHANNELS = (
    Channel("C0GLOBEX", "acct-globex", "the Globex account team"),
    Channel("C0INITECH", "acct-initech", "the Initech account team"),
)
FIRST_MEMBER = MEMBERS[0]
FIRST_CHANNEL = CHANNELS[0]

# Slack links a name only where it stands alone: `@jan,` yes, `mail@jan.nl` no.
_TYPED_PERSON = re.compile(r"(?<![\w@<|])@([\w.-]*\w)")
_TYPED_CHANNEL = re.compile(r"(?<![\w#<|])#([\w-]*\w)")


class Team:
    """Lookups by id and by name (case-insensitive, with or without the leading @ or #)."""

    def __init__(self, members: tuple[Member, ...] = MEMBERS, channels: tuple[Channel, ...] = CHANNELS) -> None:
        self.members = members
        self.channels = channels
        self._members = {m.user_id: m for m in members}
        self._channels = {c.channel_id: c for c in channels}

    def member(self, user_id: str) -> Member | None:
        return self._members.get(user_id)

    def channel(self, channel_id: str) -> Channel | None:
        return self._channels.get(channel_id)

    def member_named(self, typed: str) -> Member | None:
        wanted = typed.strip().removeprefix("@").lower()
        return next((m for m in self.members if wanted in (m.name, m.user_id.lower())), None)

    def channel_named(self, typed: str) -> Channel | None:
        wanted = typed.strip().removeprefix("#").lower()
        return next((c for c in self.channels if wanted in (c.name, c.channel_id.lower())), None)

    def person_label(self, user_id: str) -> str:
        member = self.member(user_id)
        return "@" + (member.name if member else user_id)

    def channel_label(self, channel_id: str) -> str:
        channel = self.channel(channel_id)
        return "#" + (channel.name if channel else channel_id)

    def dm_partner(self, channel_id: str) -> Member | None:
        """Whose DM with the app a conversation is: a user id, or the stand-in's `D<user id>`."""
        return self.member(channel_id) or (self.member(channel_id[1:]) if channel_id.startswith("D") else None)

    def escape(self, typed: str) -> str:
        """Typed text as Slack sends it with `should_escape`: `@jan` → `<@U0JAN|jan>`, and `&`, `<`,
        `>` as `&amp;`, `&lt;`, `&gt;` (https://api.slack.com/reference/surfaces/formatting#escaping).

        Names that are nobody's (`@somebody`, `@me`) and tags that are no channel (`#globex`)
        stay as typed, as Slack leaves them.
        """

        def person(match: re.Match[str]) -> str:
            member = self.member_named(match.group(1))
            return f"<@{member.user_id}|{member.name}>" if member else match.group(0)

        def channel(match: re.Match[str]) -> str:
            found = self.channel_named(match.group(1))
            return f"<#{found.channel_id}|{found.name}>" if found else match.group(0)

        escaped = typed.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return _TYPED_CHANNEL.sub(channel, _TYPED_PERSON.sub(person, escaped))
