"""`/session`: a channel's account-plan session rhythm, its agenda and its minutes.

As with `/action`, the answer travels in the acknowledgement and is computed from the database
alone; posting the agenda or the minutes goes through the outbox after the answer.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncRespond
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import session_messages as say
from bot.dates import read_phrase
from bot.lead_time import read_lead_time
from bot.minutes import minutes_csv
from bot.model import Person, Scope, UserError
from bot.nudge_settings import describe_ladder, read_ladder_change
from bot.sessions import AGENDA, MINUTES, Occasion, SessionError
from handlers.slack import session_blocks
from handlers.slack.agenda_blocks import agenda_messages
from handlers.slack.commands import HELP_WORDS
from handlers.slack.runtime import Runtime, scope_of
from handlers.slack.session_blocks import agenda_title, moment

log = logging.getLogger(__name__)

_MOVE_SEPARATOR = re.compile(r"\s+(?:to|naar|till|→|->|へ|に)\s+|\s*(?:→|->)\s*", re.IGNORECASE)
_LENGTH = re.compile(r"^(\d{1,3})\s*(m|min|mins|minutes|h|hours?|分|時間)?$", re.IGNORECASE)


class SessionCommand:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.sessions = runtime.sessions

    async def __call__(
        self, ack: AsyncAck, command: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient,
        respond: AsyncRespond,
    ) -> None:  # fmt: skip
        text = " ".join((command.get("text") or "").split())
        verb, _, rest = text.partition(" ")
        verb = verb.lower()
        if verb in HELP_WORDS:
            blocks, fallback = session_blocks.help_message()
            await ack(response_type="ephemeral", blocks=blocks, text=fallback)
            return
        scope = scope_of(context)
        channel = command["channel_id"]
        actor = await self.runtime.person(context, client)
        try:
            if verb == "preview":
                await self._preview(ack, scope, channel, respond)
                return
            if verb == "export":
                occasion = await asyncio.to_thread(self.sessions.last_occasion, scope, channel)
                await ack(response_type="ephemeral", text=say.EXPORTING.format(when=moment(occasion.starts_at)))
                self.runtime.spawn(self._export(scope, occasion, actor, client, respond))
                return
            answer = await self._answer(verb, rest.strip(), text, scope, channel, actor, command)
        except UserError as error:  # a rhythm, date or lead time that cannot be read; no session
            await ack(response_type="ephemeral", text=error.message)
            return
        blocks, fallback, visible = answer
        await ack(response_type="in_channel" if visible else "ephemeral", blocks=blocks, text=fallback)

    async def _answer(
        self, verb: str, rest: str, text: str, scope: Scope, channel: str, actor: Person, command: dict[str, Any]
    ) -> tuple[list[dict[str, Any]], str, bool]:  # fmt: skip
        """The answer's blocks, fallback text and whether the whole channel should see it."""
        sessions = self.sessions
        if verb == "list":
            views = await asyncio.to_thread(sessions.in_workspace, scope)
            return (*session_blocks.session_list(views), False)
        if verb in ("next", "show", "status"):
            view = await asyncio.to_thread(sessions.view, scope, channel)
            if view is None:
                raise SessionError(say.NO_SESSION)
            return (*session_blocks.schedule_message(view, say.CURRENT), False)
        if verb in ("agenda", "minutes"):
            kind = AGENDA if verb == "agenda" else MINUTES
            request = f"{command.get('trigger_id') or command.get('response_url')}"
            occasion = await asyncio.to_thread(sessions.post_now, scope, channel, kind, request)
            self.runtime.deliver_soon()
            note = say.AGENDA_QUEUED if kind == AGENDA else say.MINUTES_QUEUED
            return [], note.format(when=moment(occasion.starts_at)), False
        if verb in ("lead", "checkin"):
            if not rest:
                raise SessionError(say.USAGE_LEAD)
            lead = read_lead_time(rest)
            view = await asyncio.to_thread(sessions.set_lead, scope, channel, lead, checkin=verb == "checkin")
            return (*session_blocks.schedule_message(view, say.LEAD_SET), True)
        if verb in ("length", "duration"):
            view = await asyncio.to_thread(sessions.set_duration, scope, channel, _minutes(rest))
            return (*session_blocks.schedule_message(view, say.LENGTH_SET), True)
        if verb == "tag":
            tag = rest.lstrip("#").strip().lower()
            if not tag or " " in tag:
                raise SessionError(say.USAGE_TAG)
            cleared = tag in ("none", "-", "off")
            await asyncio.to_thread(sessions.set_tag, scope, channel, None if cleared else tag)
            note = say.TAG_CLEARED if cleared else say.TAG_SET.format(tag=tag)
            return [], note, True
        if verb == "nudges":
            return [], await self._nudges(scope, channel, rest), False
        if verb == "off":
            view = await asyncio.to_thread(sessions.turn_off, scope, channel)
            return (*session_blocks.schedule_message(view, say.TURNED_OFF), True)
        today = self.runtime.tracker.today_for(actor)
        if verb == "skip":
            if not rest:
                raise SessionError(say.USAGE_SKIP)
            day, _ = read_phrase(rest, today=today, locale=actor.locale)
            view = await asyncio.to_thread(sessions.skip, scope, channel, day, actor)
            return (*session_blocks.schedule_message(view, say.SKIPPED.format(day=day.isoformat())), True)
        if verb == "move":
            parts = _MOVE_SEPARATOR.split(rest, maxsplit=1)
            if len(parts) != 2:
                raise SessionError(say.USAGE_MOVE)
            day, _ = read_phrase(parts[0], today=today, locale=actor.locale)
            to_day, at = read_phrase(parts[1], today=today, locale=actor.locale)
            view = await asyncio.to_thread(sessions.move, scope, channel, day, to_day, at, actor)
            return (*session_blocks.schedule_message(view, say.MOVED.format(day=day.isoformat())), True)
        view = await asyncio.to_thread(sessions.set_rhythm, scope, channel, text, actor)
        return (*session_blocks.schedule_message(view, say.SET), True)

    async def _nudges(self, scope: Scope, channel: str, rest: str) -> str:
        """The channel's nudge ladder in words; with words, changed first (only to the one who asked:
        it changes reminders, not the session, so the channel need not hear of it)."""
        nudges = self.runtime.nudges
        ladder = await asyncio.to_thread(nudges.ladder, scope, channel)
        if not rest:
            return say.NUDGES_NOW.format(ladder=describe_ladder(ladder))
        changed = await asyncio.to_thread(nudges.set_ladder, scope, channel, read_ladder_change(rest, ladder))
        return say.NUDGES_SET.format(ladder=describe_ladder(changed))

    async def _preview(self, ack: AsyncAck, scope: Scope, channel: str, respond: AsyncRespond) -> None:
        occasion = await asyncio.to_thread(self.sessions.next_occasion, scope, channel)
        if occasion is None:
            view = await asyncio.to_thread(self.sessions.view, scope, channel)
            raise SessionError(say.NO_SESSION if view is None else say.NO_UPCOMING)
        agenda = await asyncio.to_thread(self.sessions.agenda, scope, occasion)
        assert agenda is not None
        pages = agenda_messages(agenda, title=agenda_title(occasion.starts_at), preview=True)
        blocks, fallback = pages[0]
        await ack(response_type="ephemeral", blocks=blocks, text=fallback)
        if len(pages) > 1:
            # The acknowledgement carries one message; a long agenda continues through the response URL,
            # in order, after the answer.
            self.runtime.spawn(_continue(respond, pages[1:]))

    async def _export(
        self, scope: Scope, occasion: Occasion, actor: Person, client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        """Upload the minutes as CSV to the channel (after the answer: an upload takes a while)."""
        minutes = await asyncio.to_thread(self.sessions.minutes, scope, occasion)
        try:
            await client.files_upload_v2(
                channel=occasion.channel_id,
                filename=f"minutes-{occasion.starts_at:%Y-%m-%d}.csv",
                content=minutes_csv(minutes),
                title=f"Minutes of the {moment(occasion.starts_at)} session",
                initial_comment=say.EXPORTED.format(user=actor.user_id, when=moment(occasion.starts_at)),
            )
        except SlackApiError as error:
            log.warning("minutes export failed: %s", error.response.get("error"))
            await respond(response_type="ephemeral", replace_original=False, text=say.EXPORT_FAILED)


async def _continue(respond: AsyncRespond, pages: list[tuple[list[dict[str, Any]], str]]) -> None:
    for blocks, fallback in pages:
        await respond(response_type="ephemeral", replace_original=False, blocks=blocks, text=fallback)


def _minutes(text: str) -> int:
    found = _LENGTH.match(text.strip())
    if not found:
        raise SessionError(say.USAGE_LENGTH)
    amount, unit = int(found.group(1)), (found.group(2) or "m").lower()
    minutes = amount * 60 if unit.startswith("h") or unit == "時間" else amount
    if not 5 <= minutes <= 8 * 60:
        raise SessionError(say.USAGE_LENGTH)
    return minutes
