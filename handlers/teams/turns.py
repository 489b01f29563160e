"""Reading a Teams activity: who wrote, where, in which zone and language, and whom they mentioned.

Teams sends mentions as `<at>Name</at>` in the text plus mention entities carrying the person's
`29:` id; the zone comes with every message (`localTimezone`, or the clientInfo entity), since
install events do not carry it, so it is taken, and stored, at each message.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from microsoft_agents.activity import Activity

from bot.intake import Mention
from bot.model import Person, Scope

PLATFORM = "teams"
# An activity without a tenant (the Bot Framework emulator): one workspace for all of them.
NO_TENANT = "no-tenant"


@dataclass(frozen=True)
class Turn:
    scope: Scope
    conversation_id: str
    conversation_type: str  # personal | groupChat | channel
    person: Person
    aad_object_id: str | None
    text: str  # the bot's own mention already removed by the SDK
    mentions: tuple[Mention, ...]
    mentioned: tuple[Person, ...]  # the people mentioned, with the names Teams showed
    zone_given: bool  # card actions and some clients send no zone: the one stored stays

    @property
    def personal(self) -> bool:
        return self.conversation_type == "personal"

    def words_after(self, verb: str) -> Turn:
        """The turn with its text from after `verb` on (`action …` → `…`), mention spans moved along."""
        rest = self.text[len(verb) :].lstrip()
        offset = len(self.text) - len(rest)
        mentions = tuple(
            Mention(m.start - offset, m.end - offset, m.user_id, m.label) for m in self.mentions if m.start >= offset
        )
        return replace(self, text=rest, mentions=mentions)


def read_turn(activity: Activity) -> Turn:
    sender = activity.from_property
    client_info = _client_info(activity)
    zone = _zone(activity.local_timezone or client_info.get("timezone"))
    text = (activity.text or "").strip()
    mentions, mentioned = _mentions(activity, text)
    return Turn(
        scope=Scope(PLATFORM, tenant_of(activity)),
        conversation_id=channel_of(activity.conversation.id),
        conversation_type=activity.conversation.conversation_type or "personal",
        person=Person(
            user_id=sender.id,
            tz=zone or "UTC",
            locale=activity.locale or client_info.get("locale"),
            display_name=sender.name,
        ),
        aad_object_id=sender.aad_object_id,
        text=text,
        mentions=mentions,
        mentioned=mentioned,
        zone_given=zone is not None,
    )


def tenant_of(activity: Activity) -> str:
    if activity.conversation is not None and activity.conversation.tenant_id:
        return activity.conversation.tenant_id
    data = activity.channel_data
    if isinstance(data, dict):
        return (data.get("tenant") or {}).get("id") or NO_TENANT
    return getattr(getattr(data, "tenant", None), "id", None) or NO_TENANT


def request_key(activity: Activity) -> str:
    """Names the message for de-duplication: Teams redelivers a message with the same id, but an
    id is only unique within its conversation (and conversation ids can be long: hashed)."""
    named = f"{activity.conversation.id}\n{activity.id}".encode()
    return "teams:" + hashlib.sha256(named).hexdigest()[:40]


def channel_of(conversation_id: str) -> str:
    """The conversation a message belongs to, without the thread a channel post opens.

    In a Teams channel every post starts a thread, and its replies carry the channel's id plus
    `;messageid=<post>`: the account channel is the part before it, for items and sessions alike.
    """
    return conversation_id.split(";messageid=", 1)[0]


def reference_json(activity: Activity) -> str:
    """The activity's conversation reference as JSON, for sending to the conversation later:
    to the channel itself (a new post), not into the thread the message was in."""
    reference = activity.get_conversation_reference()
    reference.activity_id = None
    reference.conversation.id = channel_of(reference.conversation.id)
    return json.dumps(reference.model_dump(mode="json", by_alias=True, exclude_none=True))


def _mentions(activity: Activity, text: str) -> tuple[tuple[Mention, ...], tuple[Person, ...]]:
    """Each mention's span in `text`, in order; a mention that appears twice is found twice."""
    found: list[Mention] = []
    people: dict[str, Person] = {}
    for entity in activity.get_mentions():
        who, marker = entity.mentioned, entity.text or ""
        if who is None or not marker or who.id == (activity.recipient.id if activity.recipient else None):
            continue
        start = 0
        while (at := text.find(marker, start)) >= 0:
            if not any(m.start == at for m in found):
                found.append(Mention(at, at + len(marker), who.id, "@" + (who.name or who.id)))
                break
            start = at + len(marker)
        people[who.id] = Person(who.id, display_name=who.name)
    return tuple(sorted(found, key=lambda m: m.start)), tuple(people.values())


def _client_info(activity: Activity) -> dict[str, Any]:
    for entity in activity.entities or []:
        if entity.type == "clientInfo":
            return dict(entity.model_extra or {})
    return {}


def _zone(name: str | None) -> str | None:
    if not name:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name
