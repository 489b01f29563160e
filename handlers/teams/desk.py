"""Teams messages to the bot: `action …`, `decision …`, `session …`, `list`, `help`.

The words mean what they mean in Slack (bot.verbs, bot.session_desk); only the way in and the
way out differ. Teams gives a request 15 s, not Slack's 3, so a capture is stored in the turn
itself, before the reply is sent: nothing is answered that is not stored. Teams has no
ephemeral messages: what only the sender should see (refusals, lists) is a targeted message in
a channel or group chat, and a plain reply in the 1:1 chat.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from microsoft_agents.activity import Activity, ActivityTypes
from microsoft_agents.hosting.core import CardFactory, ConnectorClientBase, MessageFactory, TurnContext

from bot import messages as say
from bot.change_answers import change_answer
from bot.conversations import Conversations
from bot.model import ItemKind, Scope, UserError
from bot.prefs_desk import PrefsCommand
from bot.session_desk import SessionAnswer, SessionDesk, moment
from bot.tracker import Captured, Tracker
from bot.verbs import Intent, apply_change, read_command, read_list_query
from handlers.teams import cards
from handlers.teams.cards import Card, Names
from handlers.teams.markup import person_ids, to_teams
from handlers.teams.turns import Turn, read_turn, reference_json, request_key

log = logging.getLogger(__name__)

KINDS = {"action": ItemKind.ACTION, "decision": ItemKind.DECISION}
UNKNOWN = "I did not understand “{word}”. Start with `action`, `decision`, `session`, `list` or `help`."
NO_EXPORT = "Exports are written by `tanto export` (CSV or JSON), or by `/action export` in Slack."


class Desk:
    def __init__(self, tracker: Tracker, sessions: SessionDesk, prefs: PrefsCommand, conversations: Conversations,
                 deliver_soon: Any) -> None:  # fmt: skip
        self.tracker = tracker
        self.sessions = sessions
        self.prefs = prefs
        self.conversations = conversations
        self.deliver_soon = deliver_soon

    async def on_message(self, context: TurnContext, _state: Any) -> None:
        turn = await asyncio.to_thread(self.remember, read_turn(context.activity), context.activity)
        verb = turn.text.split(maxsplit=1)[0] if turn.text else ""
        word = verb.lower()
        if word in ("", "help", "?", "ヘルプ", "hjälp", "yardım"):
            await self.reply(context, turn, cards.help_card(), private=True)
        elif word in KINDS:
            await self.item_command(context, turn.words_after(verb), KINDS[word])
        elif word == "list":
            await self.item_command(context, turn, ItemKind.ACTION)
        elif word == "session":
            await self.session_command(context, turn, turn.words_after(verb).text)
        else:
            await self.reply(context, turn, cards.note_card(UNKNOWN.format(word=word)), private=True)

    def remember(self, turn: Turn, activity: Activity) -> Turn:
        """The sender's profile (zone and language come with each message), the names of the
        people they mention, and where this conversation can be reached later; the turn with
        the sender as now known."""
        known = self.tracker.cached_people(turn.scope, [turn.person.user_id, *(p.user_id for p in turn.mentioned)])
        if not turn.zone_given and turn.person.user_id in known:
            stored = known[turn.person.user_id][0]
            turn = replace(turn, person=replace(turn.person, tz=stored.tz, locale=turn.person.locale or stored.locale))
        self.tracker.remember_person(turn.scope, turn.person)
        for person in turn.mentioned:
            if person.user_id not in known:  # their zone is unknown until they write: not overwritten
                self.tracker.remember_person(turn.scope, person)
        self.conversations.remember(
            turn.scope, turn.conversation_id, reference_json(activity),
            user_id=turn.person.user_id if turn.personal else None, aad_object_id=turn.aad_object_id,
        )  # fmt: skip
        return turn

    # Items

    async def item_command(self, context: TurnContext, turn: Turn, kind: ItemKind) -> None:
        """`turn.text` is what follows `action` or `decision` (or the whole of `list …`)."""
        text = turn.text
        reading = read_command(text, kind, export_wanted=lambda rest: rest.strip().lower() in ("", "csv", "json"))
        scope, actor = turn.scope, turn.person
        first_person = next((m.user_id for m in turn.mentions if m.user_id), None)
        if reading.intent is Intent.HELP:
            await self.reply(context, turn, cards.help_card(), private=True)
        elif reading.intent is Intent.USAGE:
            await self.reply(context, turn, cards.note_card(say.usage_ref(kind, reading.verb)), private=True)
        elif reading.intent is Intent.EXPORT:
            await self.reply(context, turn, cards.note_card(NO_EXPORT), private=True)
        elif reading.intent is Intent.CAPTURE:
            await self.capture(context, turn, kind, text)
        elif reading.intent is Intent.LIST:
            query = read_list_query(reading.rest, turn.conversation_id, kind, first_person=first_person)
            if query is None:
                usage = say.USAGE_LIST.format(command=say.COMMAND[kind], what=reading.rest)
                await self.reply(context, turn, cards.note_card(usage), private=True)
                return
            listing = await asyncio.to_thread(self.tracker.list_items, scope, query, actor)
            names = await self.names(scope, (item.owner_id for item in listing.items), [query.user_id or ""])
            title = to_teams(say.list_title(query), names)
            await self.reply(context, turn, cards.listing_card(listing, title, names), private=True)
        elif reading.intent in (Intent.PREFS, Intent.AWAY):
            answer = await self.prefs.answer(reading.verb, scope, actor, reading.rest)
            await self.reply(context, turn, cards.note_card(answer), private=True)
        else:
            today = self.tracker.today_for(actor)
            result = await asyncio.to_thread(
                apply_change, self.tracker, scope, actor, kind, reading, new_owner=first_person, today=today
            )
            if isinstance(result, str):
                await self.reply(context, turn, cards.note_card(result), private=True)
                return
            assert reading.ref is not None
            answer = change_answer(result, reading.ref, actor, today)
            item = result.item
            names = await self.names(scope, person_ids(answer), [item.owner_id if item else ""])
            if not result.ok or item is None:
                await self.reply(context, turn, cards.note_card(answer, names), private=True)
                return
            await self.reply(context, turn, cards.item_card(item, today, names, headline=answer))

    async def capture(self, context: TurnContext, turn: Turn, kind: ItemKind, text: str) -> None:
        scope, author = turn.scope, turn.person
        result = await asyncio.to_thread(
            self.tracker.capture, scope, author=author, channel_id=turn.conversation_id, text=text,
            mentions=list(turn.mentions), source_key=request_key(context.activity), kind=kind,
        )  # fmt: skip
        today = self.tracker.today_for(author)
        if isinstance(result, Captured):
            item = result.item
            names = await self.names(scope, [item.owner_id, item.creator_id])
            noun = say.NOUN[kind].capitalize()
            headline = f"{noun} already recorded as {item.ref}." if result.duplicate else f"{noun} recorded."
            await self.reply(context, turn, cards.item_card(item, today, names, headline=headline))
            self.deliver_soon()  # its nudges are planned; an overdue import may already be due
            return
        understood = result.understood
        members = await self.members(context, turn)
        names = await self.names(scope, [understood.owner_id or ""], [user_id for user_id, _ in members])
        form = cards.refusal_card(
            understood, kind=kind, draft_id=result.draft_id, today=today, names=names, members=members
        )
        await self.reply(context, turn, form, private=True)

    async def members(self, context: TurnContext, turn: Turn) -> list[tuple[str, str]]:
        """Who can own the item, for the form's picker: the conversation's members as Teams
        lists them, else the people this conversation has shown us."""
        people: dict[str, str] = {}
        try:
            client = context.services.get(ConnectorClientBase)
            for member in await client.conversations.get_conversation_members(turn.conversation_id) or []:
                people[member.id] = member.name or member.id
        except Exception as error:  # the emulator and some clients cannot list members
            log.info("could not list the conversation's members: %s", error)
        for person in (turn.person, *turn.mentioned):
            people.setdefault(person.user_id, person.display_name or person.user_id)
        return list(people.items())

    # Sessions

    async def session_command(self, context: TurnContext, turn: Turn, text: str) -> None:
        verb, _, rest = text.partition(" ")
        verb = verb.lower()
        if verb in ("", "help", "?"):
            await self.reply(context, turn, cards.note_card(SESSION_HELP), private=True)
            return
        try:
            answer = await asyncio.to_thread(
                self.sessions.answer, verb, rest.strip(), text, scope=turn.scope, channel=turn.conversation_id,
                actor=turn.person, request_key=request_key(context.activity),
                today=self.tracker.today_for(turn.person),
            )  # fmt: skip
        except UserError as error:
            await self.reply(context, turn, cards.note_card(error.message), private=True)
            return
        if verb in ("agenda", "minutes"):
            self.deliver_soon()
        await self.reply(context, turn, session_card(answer), private=not answer.visible)

    # Replies

    async def names(self, scope: Scope, *groups: Iterable[str]) -> Names:
        wanted = list(dict.fromkeys(user_id for group in groups for user_id in group if user_id))
        found = await asyncio.to_thread(self.tracker.cached_people, scope, wanted)
        return {user_id: person.display_name or user_id for user_id, (person, _) in found.items()}

    async def reply(self, context: TurnContext, turn: Turn, card: Card, *, private: bool = False) -> None:
        """Send the card; `private`: only the sender sees it (a targeted message outside 1:1 chats)."""
        activity = MessageFactory.attachment(CardFactory.adaptive_card(card))
        if private and not turn.personal:
            activity = Activity(type=ActivityTypes.message, attachments=activity.attachments)
            activity.with_targeted_recipient(context.activity.from_property)
        await context.send_activity(activity)


SESSION_HELP = (
    "**Account plan sessions**\n\n`session first Tuesday 10:00 Asia/Tokyo` sets this conversation's rhythm; "
    "`session next` shows it; `session agenda` posts the agenda now; `session skip 2026-12-01`, "
    "`session move 2026-12-01 to 2026-12-03 14:00`, `session lead 2 days`, `session length 90m`, "
    "`session tag globex`, `session off`."
)


def session_card(answer: SessionAnswer) -> Card:
    body = [cards.text(answer.headline, weight="Bolder")] if answer.headline else []
    views = answer.views or ([answer.view] if answer.view else [])
    for view in views:
        upcoming = ", ".join(moment(when) for when in view.upcoming[:3]) or "none planned"
        line = f"{view.schedule.rhythm.describe()} ({view.schedule.rhythm.tz}) · next: {upcoming}"
        body.append(cards.text(line))
    if not body:
        body.append(cards.text("No sessions yet: `session first Tuesday 10:00 Asia/Tokyo` sets one up."))
    return cards.card(body)
