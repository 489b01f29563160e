"""`/action export [csv|json]`: this channel's items and decisions as a file, sent to the asker's DM.

The file goes to the DM between the asker and Tanto rather than to the channel: a file posted in
the channel would be seen by everyone in it, while the asker may only want it for themselves.
The answer says how many items are on their way; the upload (Slack's files upload v2 flow:
files.getUploadURLExternal, the upload, files.completeUploadExternal) runs after it, since it
takes longer than Slack's 3 seconds allow, and a failure is told through the response URL.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from aiohttp import ClientError
from slack_bolt.async_app import AsyncAck, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import transfer_messages as say
from bot.model import ItemKind, Person, Scope
from bot.plan_export import PlanExport, PlanExporter, export_csv, export_json
from handlers.slack.runtime import Runtime

log = logging.getLogger(__name__)

_FILE_NAME_UNSAFE = re.compile(r"[^\w.-]+")


class ExportCommand:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.exporter = PlanExporter(runtime.tracker.store, runtime.tracker.clock)

    @staticmethod
    def wants(rest: str) -> bool:
        """`export`, `export csv`, `export json`; anything longer is an item that starts with "export"."""
        return rest.strip().lower() in ("", *say.EXPORT_FORMATS)

    async def __call__(
        self, ack: AsyncAck, scope: Scope, actor: Person, rest: str, command: dict[str, Any],
        client: AsyncWebClient, respond: AsyncRespond,
    ) -> None:  # fmt: skip
        fmt = rest.strip().lower() or "csv"
        export = await asyncio.to_thread(self.exporter.read, scope, command["channel_id"])
        if not export.rows:
            await ack(response_type="ephemeral", text=say.EXPORT_EMPTY)
            return
        await ack(response_type="ephemeral", text=say.EXPORTING.format(what=_what(export), format=fmt.upper()))
        channel_name = _FILE_NAME_UNSAFE.sub("-", command.get("channel_name") or command["channel_id"])
        self.runtime.spawn(self._upload(export, fmt, channel_name, actor, client, respond))

    async def _upload(
        self, export: PlanExport, fmt: str, channel_name: str, actor: Person, client: AsyncWebClient,
        respond: AsyncRespond,
    ) -> None:  # fmt: skip
        when = f"{export.exported_at:%Y-%m-%d %H:%M}"
        comment = say.EXPORT_COMMENT if fmt == "csv" else say.EXPORT_JSON_COMMENT
        try:
            opened = await client.conversations_open(users=actor.user_id)
            await client.files_upload_v2(
                channel=opened["channel"]["id"],
                filename=f"tanto-{channel_name}-{export.exported_at:%Y-%m-%d}.{fmt}",
                content=export_csv(export) if fmt == "csv" else export_json(export),
                title=say.EXPORT_TITLE.format(channel=channel_name),
                initial_comment=comment.format(what=_what(export), channel=export.channel_id, when=when),
            )
        except (SlackApiError, ClientError, TimeoutError) as error:
            reason = str(error.response.get("error")) if isinstance(error, SlackApiError) else type(error).__name__
            log.warning("export to %s's DM failed: %s", actor.user_id, reason)
            await respond(
                response_type="ephemeral", replace_original=False, text=say.EXPORT_FAILED.format(error=reason)
            )


def _what(export: PlanExport) -> str:
    return say.items(export.count(ItemKind.ACTION), export.count(ItemKind.DECISION))
