"""Refreshing a workspace's expiring bot token, one refresh at a time.

With token rotation on, Slack's bot tokens last 12 hours, and each refresh token works once: the
refresh answers with a new token and a new refresh token, and the old refresh token is revoked
(https://api.slack.com/authentication/rotation). A request and an outbox delivery for the same
workspace, or two replicas, may find the same token about to expire at the same moment; if both
refresh it, the second is refused. So refreshes of one installation wait for each other here,
each first reads the installation again (another may have refreshed it meanwhile), and a refused
refresh reads it once more: if another replica has stored a new token, that one is used.
"""

from __future__ import annotations

import asyncio
import logging

from slack_sdk.errors import SlackTokenRotationError
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator
from slack_sdk.web.async_client import AsyncWebClient

from storage.installations import SlackInstallations

log = logging.getLogger(__name__)

# A token is refreshed when it has less than this left (Bolt's default), so no call is made with a
# token that expires on its way to Slack.
REFRESH_MINUTES = 120


class Rotation(AsyncTokenRotator):
    """slack_sdk's token rotator, shared by Bolt's authorisation of requests and by the outbox's
    workspace clients, refreshing each installation once however many ask at the same time."""

    def __init__(
        self, *, client_id: str, client_secret: str, client: AsyncWebClient, installations: SlackInstallations
    ) -> None:
        super().__init__(client_id=client_id, client_secret=client_secret, client=client)
        self.installations = installations
        # One lock per installation (its organisation and workspace); as many as installed workspaces.
        self._locks: dict[tuple[str | None, str | None], asyncio.Lock] = {}

    async def perform_token_rotation(
        self, *, installation: Installation, minutes_before_expiration: int = REFRESH_MINUTES
    ) -> Installation | None:
        """The installation with a fresh token, saved, when `installation`'s is about to expire or
        another refresh has replaced it meanwhile; None when `installation` is still good."""
        key = (installation.enterprise_id, installation.team_id)
        async with self._locks.setdefault(key, asyncio.Lock()):
            current = await self._stored(installation)
            if current is None:
                # Uninstalled meanwhile: saving a refreshed token would bring the installation back.
                return None
            try:
                refreshed = await super().perform_token_rotation(
                    installation=current, minutes_before_expiration=minutes_before_expiration
                )
            except SlackTokenRotationError:
                # Another replica may have used the refresh token first and stored what it got.
                again = await self._stored(installation)
                if again is None or again.bot_token == current.bot_token:
                    raise
                log.info("token of %s was refreshed elsewhere; using the new one", _where(installation))
                return again
            if refreshed is not None:
                # Saved before the lock is let go, so whoever waits reads the new token.
                await self.installations.async_save(refreshed)
                log.info("refreshed the bot token of %s", _where(installation))
                return refreshed
            return current if current.bot_token != installation.bot_token else None

    async def _stored(self, installation: Installation) -> Installation | None:
        return await self.installations.async_find_installation(
            enterprise_id=installation.enterprise_id,
            team_id=installation.team_id,
            is_enterprise_install=installation.is_enterprise_install,
        )


def _where(installation: Installation) -> str:
    if installation.is_enterprise_install:
        return f"organisation {installation.enterprise_id} (org-wide)"
    return f"workspace {installation.team_id}"
