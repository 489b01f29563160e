"""`/session`: a channel's account-plan session rhythm, its agenda and its minutes.

As with `/action`, the answer travels in the acknowledgement and is computed from the database
alone; posting the agenda or the minutes goes through the outbox after the answer.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncRespond
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import session_messages as say
from bot.minutes import minutes_csv
from bot.model import Person, Scope, UserError
from bot.session_desk import SessionDesk, moment
from bot.sessions import Occasion, SessionError
from bot.verbs import HELP_WORDS
from handlers.slack import session_blocks
from handlers.slack.agenda_blocks import agenda_messages
from handlers.slack.runtime import Runtime, scope_of
from handlers.slack.session_blocks import agenda_title

log = logging.getLogger(__name__)


class SessionCommand:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.sessions = runtime.sessions
        self.desk = SessionDesk(runtime.sessions, runtime.nudges)

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
            answer = await asyncio.to_thread(
                self.desk.answer, verb, rest.strip(), text, scope=scope, channel=channel, actor=actor,
                request_key=f"{command.get('trigger_id') or command.get('response_url')}",
                today=self.runtime.tracker.today_for(actor),
            )  # fmt: skip
        except UserError as error:  # a rhythm, date or lead time that cannot be read; no session
            await ack(response_type="ephemeral", text=error.message)
            return
        if verb in ("agenda", "minutes"):
            self.runtime.deliver_soon()
        if verb == "list":
            blocks, fallback = session_blocks.session_list(answer.views)
        elif answer.view is not None:
            blocks, fallback = session_blocks.schedule_message(answer.view, answer.headline)
        else:
            blocks, fallback = [], answer.headline
        await ack(response_type="in_channel" if answer.visible else "ephemeral", blocks=blocks, text=fallback)

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
