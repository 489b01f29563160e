"""Building the Bolt app: client, verification, authorisation, listeners."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    async_default_handlers,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from handlers.slack import observe, register
from handlers.slack.install import OAuthMode, Uninstall, not_installed_message, oauth_settings
from handlers.slack.runtime import Runtime
from handlers.slack.token_rotation import REFRESH_MINUTES

log = logging.getLogger(__name__)

# Authorisations remembered in OAuth mode, one per bot token; a rotated token's ages out.
REMEMBERED_TOKENS = 10_000


def make_client(settings: Settings, *, retries: bool = True) -> AsyncWebClient:
    # slack_sdk retries connection errors by default; rate limits (HTTP 429 + Retry-After) only
    # when asked. The async handler waits with asyncio.sleep, so the event loop keeps serving.
    # Without `retries` a failure surfaces at once, for callers that retry more carefully.
    handlers = [*async_default_handlers(), AsyncRateLimitErrorRetryHandler(max_retry_count=2)] if retries else []
    return AsyncWebClient(token=settings.bot_token, base_url=settings.api_url, timeout=10, retry_handlers=handlers)


async def build_app(
    settings: Settings, runtime: Runtime, client: AsyncWebClient, *, oauth: OAuthMode | None = None
) -> AsyncApp:
    """The Bolt app. With one SLACK_BOT_TOKEN, after one auth.test that checks the token and
    names the bot; in OAuth mode each request's token comes from its workspace's installation."""
    app = AsyncApp(
        client=client,
        signing_secret=settings.signing_secret or "socket-mode-requests-are-not-signed",
        authorize=await _single_token(settings, client) if oauth is None else _installed(oauth, client),
        oauth_settings=None if oauth is None else oauth_settings(settings, oauth),
        before_authorize=_org_wide_workspace,
        # Listeners answer inside the request, so the acknowledgement carries the answer and
        # there is no 10 ms polling for the ack (see SLACK_NOTES).
        process_before_response=True,
        request_verification_enabled=not settings.socket_mode,
        ignoring_self_events_enabled=True,
        user_facing_authorize_error_message=None if oauth is None else not_installed_message(oauth.config),
    )
    app.use(observe.middleware())
    installations = None if oauth is None else oauth.installations
    register(app, runtime, Uninstall(runtime.tracker.store, installations, settings.on_uninstall))
    return app


async def _single_token(settings: Settings, client: AsyncWebClient) -> Callable[..., Awaitable[AuthorizeResult]]:
    # Checked once here: Bolt would otherwise call auth.test lazily on the first request,
    # inside its 3-second budget.
    identity = await client.auth_test()
    authorization = AuthorizeResult.from_auth_test_response(auth_test_response=identity, bot_token=settings.bot_token)

    async def authorize(**_: Any) -> AuthorizeResult:
        return authorization

    return authorize


def _installed(oauth: OAuthMode, client: AsyncWebClient) -> AsyncInstallationStoreAuthorize:
    """Bolt's authorisation from the installation store, refreshing expiring tokens with the
    rotation the outbox uses too (one refresh per token, however many ask), and remembering each
    token's auth.test so that a request waits on Slack only for a token it has not seen."""
    authorize = AsyncInstallationStoreAuthorize(
        logger=log,
        installation_store=oauth.installations,
        client_id=oauth.config.client_id,
        client_secret=oauth.config.client_secret,
        token_rotation_expiration_minutes=REFRESH_MINUTES,
        cache_enabled=True,
        client=client,
    )
    authorize.token_rotator = oauth.rotation
    authorize.authorize_result_cache = _Recent()
    return authorize


class _Recent(OrderedDict[str, AuthorizeResult]):
    """The most recently stored authorisations; the oldest goes when there are too many."""

    def __setitem__(self, token: str, result: AuthorizeResult) -> None:
        super().__setitem__(token, result)
        self.move_to_end(token)
        while len(self) > REMEMBERED_TOKENS:
            self.popitem(last=False)


async def _org_wide_workspace(
    context: AsyncBoltContext, body: dict[str, Any], next_: Callable[[], Awaitable[None]]
) -> None:
    """Events to an org-wide installation name the organisation's installation (their
    `authorizations` have no team), so Bolt leaves the team unset; the workspace the event
    happened in is the envelope's team_id. Without it every workspace of the organisation would
    share one scope. (Commands and clicks carry their workspace themselves.)"""
    if context.team_id is None and context.is_enterprise_install and isinstance(body.get("team_id"), str):
        context["team_id"] = body["team_id"]
    await next_()
