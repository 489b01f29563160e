"""Web API clients that speak for one workspace, for what Tanto sends outside a request.

Inside a request Bolt hands each listener a client holding that workspace's token. Outbox
deliveries and the capture inbox know only the workspace, so they ask here: with one
SLACK_BOT_TOKEN every workspace is that one; when Tanto is installed over OAuth, each
workspace's token comes from its installation (or its Enterprise Grid organisation's), refreshed
first if it is about to expire (https://api.slack.com/authentication/rotation).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from slack_sdk.web.async_client import AsyncWebClient

from bot.model import Scope
from handlers.slack.token_rotation import REFRESH_MINUTES, Rotation
from storage.installations import SlackInstallations

if TYPE_CHECKING:
    from handlers.slack.install import OAuthMode


class NotInstalled(Exception):
    """Tanto is no longer installed in the workspace: it was uninstalled, or its token revoked."""

    def __init__(self, scope: Scope) -> None:
        where = f"{scope.team_id} of {scope.enterprise_id}" if scope.enterprise_id else scope.team_id
        super().__init__(f"Tanto is not installed in workspace {where} any more")


class WorkspaceClients(Protocol):
    async def client_for(self, scope: Scope) -> AsyncWebClient:
        """A client with the workspace's bot token; raises NotInstalled, or SlackTokenRotationError
        when Slack refused to refresh an expiring token."""
        ...


@dataclass(frozen=True)
class OneWorkspace:
    """SLACK_BOT_TOKEN: one client, holding the one token, for everything."""

    client: AsyncWebClient

    async def client_for(self, scope: Scope) -> AsyncWebClient:
        return self.client


class InstalledWorkspaces:
    """OAuth mode: each workspace's token from its installation (or its organisation's)."""

    def __init__(self, base: AsyncWebClient, installations: SlackInstallations, rotation: Rotation) -> None:
        self.base = base
        self.installations = installations
        self.rotation = rotation

    async def client_for(self, scope: Scope) -> AsyncWebClient:
        installation = await self.installations.serving(scope.enterprise_id or None, scope.team_id)
        if installation is None or not installation.bot_token:
            raise NotInstalled(scope)
        refreshed = await self.rotation.perform_token_rotation(
            installation=installation, minutes_before_expiration=REFRESH_MINUTES
        )
        installation = refreshed or installation
        return AsyncWebClient(
            token=installation.bot_token,
            base_url=self.base.base_url,
            timeout=self.base.timeout,
            retry_handlers=list(self.base.retry_handlers),
            # An org-wide token acts in many workspaces; some methods must be told which one.
            team_id=scope.team_id if installation.is_enterprise_install else None,
        )


def workspace_clients(oauth: OAuthMode | None, client: AsyncWebClient) -> WorkspaceClients:
    """Clients like `client` (its base URL, timeout and retries) for each workspace."""
    if oauth is None:
        return OneWorkspace(client)
    return InstalledWorkspaces(client, oauth.installations, oauth.rotation)
