"""Building the Bolt app: client, verification, authorisation, listeners."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    async_default_handlers,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from handlers.slack import register
from handlers.slack.runtime import Runtime


def make_client(settings: Settings, *, retries: bool = True) -> AsyncWebClient:
    # slack_sdk retries connection errors by default; rate limits (HTTP 429 + Retry-After) only
    # when asked. The async handler waits with asyncio.sleep, so the event loop keeps serving.
    # Without `retries` a failure surfaces at once, for callers that retry more carefully.
    handlers = [*async_default_handlers(), AsyncRateLimitErrorRetryHandler(max_retry_count=2)] if retries else []
    return AsyncWebClient(token=settings.bot_token, base_url=settings.api_url, timeout=10, retry_handlers=handlers)


async def build_app(settings: Settings, runtime: Runtime, client: AsyncWebClient) -> AsyncApp:
    """The Bolt app, after one auth.test that checks the token and names the bot.

    Bolt would otherwise call auth.test lazily on the first request, inside its 3-second budget.
    """
    identity = await client.auth_test()
    authorization = AuthorizeResult.from_auth_test_response(auth_test_response=identity, bot_token=settings.bot_token)

    async def authorize(**_: Any) -> AuthorizeResult:
        return authorization

    app = AsyncApp(
        client=client,
        signing_secret=settings.signing_secret or "socket-mode-requests-are-not-signed",
        authorize=authorize,
        # Listeners answer inside the request, so the acknowledgement carries the answer and
        # there is no 10 ms polling for the ack (see SLACK_NOTES).
        process_before_response=True,
        request_verification_enabled=not settings.socket_mode,
        ignoring_self_events_enabled=True,
    )
    register(app, runtime)
    return app
