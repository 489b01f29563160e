"""Events API: the App Home tab and profile changes."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from handlers.slack.runtime import Runtime, scope_of


class Events:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    async def app_home_opened(self, event: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient) -> None:
        if event.get("tab") == "home":
            await self.runtime.publish_home(scope_of(context), client, event["user"])

    async def user_change(self, event: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient) -> None:
        """A user changed timezone or role: refresh the cached profile now rather than tomorrow."""
        user = event.get("user") or {}
        if user.get("id"):
            self.runtime.spawn(self.runtime.directory.refresh(scope_of(context), user["id"], client))
