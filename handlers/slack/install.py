"""Installing Tanto in any workspace (Slack's OAuth flow, run by Bolt), and what happens when a
workspace uninstalls it.

GET /slack/install sends the installer to Slack's consent screen with a one-time `state` (also
set as a cookie, so the install must finish in the browser that started it). Slack sends them
back to GET /slack/oauth_redirect with a code, which Bolt exchanges for the workspace's bot
token (oauth.v2.access) and saves as its installation. From then on Bolt finds each request's
token by the workspace, or the Enterprise Grid organisation, it comes from.
https://api.slack.com/authentication/oauth-v2
"""

from __future__ import annotations

import asyncio
import html
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.oauth.async_callback_options import AsyncCallbackOptions, AsyncFailureArgs, AsyncSuccessArgs
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk.http_retry.builtin_async_handlers import async_default_handlers
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import REDIRECT_PATH, OAuth, OnUninstall, Settings
from handlers.slack.runtime import PLATFORM
from handlers.slack.token_rotation import REFRESH_MINUTES, Rotation
from storage.installations import InstallStates, SlackInstallations
from storage.store import Store

log = logging.getLogger(__name__)

# How long an install link works (Bolt's default); the page for a stale one says so.
STATE_SECONDS = 600
INSTALL_PATH = "/slack/install"

_INSTALLED = "Tanto is installed in {where}. Type <code>/action help</code> in any channel to start."
_INSTALLED_ORG = (
    "Tanto is installed for {where}. "
    '<a href="{workspaces}">Choose the workspaces it may join</a>, then type <code>/action help</code> in one.'
)
_START_AGAIN = ' <a href="{install}">Start the install again</a>.'
# Why an install was refused, by the reason Bolt gives; anything else is an error code from Slack.
_REFUSED = {
    "invalid_state": "This install link has expired or was already used: each one works once, "
    f"within {STATE_SECONDS // 60} minutes.",
    "invalid_browser": "This install was started in another browser, or its cookie was lost "
    "(the install pages must be served over https).",
    "access_denied": "The install was cancelled on Slack's screen, so nothing was installed.",
    "missing_code": "Slack sent no install code back, so nothing was installed.",
    "invalid_code": "Slack did not accept the install code, so nothing was installed.",
    "storage_error": "Tanto could not save the installation; the server's log says why.",
}
_REFUSED_BY_SLACK = "Slack answered “{reason}”, so nothing was installed."
# What someone sees who uses Tanto in a workspace without an installation (never installed,
# uninstalled, or its token revoked), instead of Bolt's generic apology.
_NOT_INSTALLED = "Tanto is not installed in this workspace (any more), so nothing was done."
_INSTALL_AT = " A workspace admin can install it at {url}"
_ASK_ADMIN = " Ask whoever runs Tanto for the install link."


@dataclass(frozen=True)
class OAuthMode:
    """Installing in any workspace: the app's credentials, and the stores over our database."""

    config: OAuth
    installations: SlackInstallations
    states: InstallStates
    # Refreshes expiring tokens for requests and deliveries alike (see token_rotation).
    rotation: Rotation


def oauth_mode(settings: Settings, store: Store) -> OAuthMode | None:
    """OAuth mode's parts when SLACK_CLIENT_ID is set; None with a single SLACK_BOT_TOKEN."""
    if settings.oauth is None:
        return None
    installations = SlackInstallations(store.engine, settings.oauth.client_id)
    # Refreshes go to SLACK_API_URL like every other call; a lost connection is retried, as
    # slack_sdk does by default.
    client = AsyncWebClient(base_url=settings.api_url, timeout=10, retry_handlers=async_default_handlers())
    rotation = Rotation(
        client_id=settings.oauth.client_id,
        client_secret=settings.oauth.client_secret,
        client=client,
        installations=installations,
    )
    return OAuthMode(settings.oauth, installations, InstallStates(store.engine, STATE_SECONDS), rotation)


def oauth_settings(settings: Settings, mode: OAuthMode) -> AsyncOAuthSettings:
    return AsyncOAuthSettings(
        client_id=mode.config.client_id,
        client_secret=mode.config.client_secret,
        scopes=list(mode.config.scopes),
        user_scopes=[],  # Tanto acts as its bot only
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        redirect_uri=mode.config.redirect_uri,
        # Straight to Slack's consent screen; an intermediate page would only say "click here".
        install_page_rendering_enabled=False,
        # Slack's authorisation page lives beside its Web API (slack.com, slack-gov.com, the stand-in).
        authorization_url=urljoin(settings.api_url, "/oauth/v2/authorize"),
        callback_options=AsyncCallbackOptions(success=_installed, failure=_refused),
        installation_store=mode.installations,
        token_rotation_expiration_minutes=REFRESH_MINUTES,
        state_store=mode.states,
        state_expiration_seconds=STATE_SECONDS,
    )


def not_installed_message(oauth: OAuth) -> str:
    """The answer to a request from a workspace Tanto is not installed in, with the install link
    when TANTO_PUBLIC_URL says where Tanto is."""
    if oauth.redirect_uri is None:
        return _NOT_INSTALLED + _ASK_ADMIN
    return _NOT_INSTALLED + _INSTALL_AT.format(url=oauth.redirect_uri.removesuffix(REDIRECT_PATH) + INSTALL_PATH)


def install_routes(bolt: AsyncApp) -> list[web.RouteDef]:
    """GET /slack/install and /slack/oauth_redirect in OAuth mode; none with a single token."""
    flow = bolt.oauth_flow
    if flow is None:
        return []

    async def install(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await flow.handle_installation(await to_bolt_request(request)))

    async def redirect(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await flow.handle_callback(await to_bolt_request(request)))

    return [web.get(flow.install_path, install), web.get(flow.redirect_uri_path, redirect)]


class Uninstall:
    """Slack's app_uninstalled and tokens_revoked events: the workspace's tokens are deleted at
    once; its data is kept or purged as TANTO_ON_UNINSTALL says (team_access_revoked likewise
    for the workspaces an Enterprise Grid organisation takes away from its org-wide install).

    Slack sends app_uninstalled and tokens_revoked both, and retries what was not answered in
    time: every step here can run twice."""

    def __init__(self, store: Store, installations: SlackInstallations | None, on_uninstall: OnUninstall) -> None:
        self.store = store
        self.installations = installations  # None with a single SLACK_BOT_TOKEN: nothing stored
        self.on_uninstall = on_uninstall

    async def app_uninstalled(self, context: AsyncBoltContext) -> None:
        enterprise_id, team_id = _installed_by(context)
        if self.installations is not None:
            await self.installations.async_delete_all(enterprise_id=enterprise_id, team_id=team_id)
        if self.on_uninstall is OnUninstall.PURGE:
            purged = await asyncio.to_thread(self._purge, enterprise_id or "", team_id)
            log.info("uninstalled from %s: tokens and data of %d workspace(s) deleted", _where(context), purged)
        else:
            log.info("uninstalled from %s: tokens deleted, data kept (TANTO_ON_UNINSTALL=keep)", _where(context))

    async def tokens_revoked(self, event: dict[str, Any], context: AsyncBoltContext) -> None:
        # Tanto asks for no user tokens; without its bot token it can do nothing in the workspace.
        if not (event.get("tokens") or {}).get("bot"):
            return
        enterprise_id, team_id = _installed_by(context)
        if self.installations is not None:
            await self.installations.async_delete_all(enterprise_id=enterprise_id, team_id=team_id)
        log.info("bot token revoked in %s: its installation is deleted, its data kept", _where(context))

    async def team_access_revoked(self, event: dict[str, Any], context: AsyncBoltContext) -> None:
        """An Enterprise Grid organisation took workspaces away from its org-wide installation:
        the organisation's token still serves its other workspaces, so it stays; the data of the
        workspaces taken away is kept or purged as TANTO_ON_UNINSTALL says."""
        enterprise_id = context.enterprise_id or ""
        team_ids = [team for team in event.get("team_ids") or [] if isinstance(team, str)]
        if self.on_uninstall is OnUninstall.PURGE:
            for team_id in team_ids:
                await asyncio.to_thread(self._purge, enterprise_id, team_id)
        kept = "purged" if self.on_uninstall is OnUninstall.PURGE else "kept"
        log.info("organisation %s removed Tanto from %s: their data %s", enterprise_id, ", ".join(team_ids), kept)

    def _purge(self, enterprise_id: str, team_id: str | None) -> int:
        with self.store.transaction() as tx:
            return tx.workspaces.purge(PLATFORM, enterprise_id, team_id)


def _installed_by(context: AsyncBoltContext) -> tuple[str | None, str | None]:
    """The installation an event is about: an org-wide one is stored without a team."""
    return context.enterprise_id, None if context.is_enterprise_install else context.team_id


def _where(context: AsyncBoltContext) -> str:
    if context.is_enterprise_install:
        return f"organisation {context.enterprise_id} (org-wide)"
    return f"workspace {context.team_id}" + (f" of {context.enterprise_id}" if context.enterprise_id else "")


async def _installed(args: AsyncSuccessArgs) -> BoltResponse:
    installation = args.installation
    if installation.is_enterprise_install:
        workspaces = (
            f"{installation.enterprise_url or 'https://app.slack.com/'}"
            f"manage/organization/apps/profile/{installation.app_id}/workspaces/add"
        )
        where = html.escape(installation.enterprise_name or installation.enterprise_id or "your organisation")
        text = _INSTALLED_ORG.format(where=where, workspaces=html.escape(workspaces))
    else:
        text = _INSTALLED.format(where=html.escape(installation.team_name or installation.team_id or "your workspace"))
    return _page(args.settings, 200, "Tanto is installed", text)


async def _refused(args: AsyncFailureArgs) -> BoltResponse:
    if args.error is not None:
        log.warning("install refused (%s): %r", args.reason, args.error)
    reason = _REFUSED.get(args.reason) or _REFUSED_BY_SLACK.format(reason=html.escape(args.reason))
    text = reason + _START_AGAIN.format(install=html.escape(args.settings.install_path))
    return _page(args.settings, args.suggested_status_code, "Tanto was not installed", text)


def _page(settings: AsyncOAuthSettings, status: int, title: str, text: str) -> BoltResponse:
    body = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>'
        f'<body style="font-family: sans-serif; max-width: 36em; margin: 3em auto">'
        f"<h1>{title}</h1><p>{text}</p></body></html>"
    )
    # The state cookie has done its work either way.
    headers = {
        "Content-Type": "text/html; charset=utf-8",
        "Set-Cookie": settings.state_utils.build_set_cookie_for_deletion(),
    }
    return BoltResponse(status=status, body=body, headers=headers)
