"""Reading Slack's escaped text: mentions, channel links and entities.

With `should_escape: true` Slack sends `<@U123|name>` for people, `<!subteam^S1|@sales>` and
`<!here>` for groups and `<#C123|name>` for channels
(https://api.slack.com/reference/surfaces/formatting#retrieving-messages).
"""

from __future__ import annotations

import re

from bot.intake import Mention

_CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)(?:\|([^>]*))?>")
_PERSON = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")
_GROUP = re.compile(r"<!(subteam\^[A-Z0-9]+|here|channel|everyone)(?:\|([^>]*))?>")


def normalise(text: str) -> str:
    """Turn channel links into `#name` tags, the way the user typed them."""
    return _CHANNEL.sub(lambda m: "#" + (m.group(2) or m.group(1)), text).strip()


def find_mentions(text: str) -> list[Mention]:
    people = [Mention(m.start(), m.end(), m.group(1), "@" + (m.group(2) or m.group(1))) for m in _PERSON.finditer(text)]
    groups = [
        Mention(m.start(), m.end(), None, m.group(2) or "@" + m.group(1).split("^")[0]) for m in _GROUP.finditer(text)
    ]
    return sorted(people + groups, key=lambda m: m.start)


def first_person(text: str) -> str | None:
    """The user id of the first person mentioned, if any (`reassign A-12 @tanaka`)."""
    match = _PERSON.search(text)
    return match.group(1) if match else None


def plain(text: str) -> str:
    """Mentions as `@name`, for places that show raw text (a form's text input)."""
    text = _PERSON.sub(lambda m: "@" + (m.group(2) or m.group(1)), text)
    text = _GROUP.sub(lambda m: m.group(2) or "@" + m.group(1).split("^")[0], text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
