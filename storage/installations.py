"""Slack installations: the workspaces (and Enterprise Grid organisations) that installed Tanto
through OAuth, with their bot tokens, and the one-time `state` of each install in progress.

slack_sdk's SQLAlchemy stores do the reading and writing, on our engine and on the tables
declared here (created by migration 0004). Those stores are synchronous and Bolt's AsyncApp
asks for asynchronous ones, so every call runs on a worker thread, as the rest of our storage
does; slack_sdk's own async variants would need an AsyncEngine, a second set of drivers.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from functools import partial

from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine
from sqlmodel import SQLModel

log = logging.getLogger(__name__)

INSTALLATIONS = SQLAlchemyInstallationStore.build_installations_table(SQLModel.metadata, "slack_installations")
BOTS = SQLAlchemyInstallationStore.build_bots_table(SQLModel.metadata, "slack_bots")
STATES = SQLAlchemyOAuthStateStore.build_oauth_states_table(SQLModel.metadata, "slack_oauth_states")


class SlackInstallations(AsyncInstallationStore):
    """Bolt's installation store over our database: one row per install, updated in place when its
    token is refreshed; a reinstall adds a row, and the latest is the one used."""

    def __init__(self, engine: Engine, client_id: str) -> None:
        self._store = SQLAlchemyInstallationStore(client_id=client_id, engine=engine, logger=log)
        # Our tables, not the private copies the store declares on a metadata of its own.
        self._store.metadata, self._store.installations, self._store.bots = SQLModel.metadata, INSTALLATIONS, BOTS

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_save(self, installation: Installation) -> None:
        await asyncio.to_thread(self._store.save, installation)

    async def async_save_bot(self, bot: Bot) -> None:
        await asyncio.to_thread(self._store.save_bot, bot)

    async def async_find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        find = partial(
            self._store.find_bot, enterprise_id=enterprise_id, team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )  # fmt: skip
        return await asyncio.to_thread(find)

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        find = partial(
            self._store.find_installation, enterprise_id=enterprise_id, team_id=team_id, user_id=user_id,
            is_enterprise_install=is_enterprise_install,
        )  # fmt: skip
        return await asyncio.to_thread(find)

    async def serving(self, enterprise_id: str | None, team_id: str) -> Installation | None:
        """The installation that speaks for a workspace: its own, or else its Enterprise Grid
        organisation's org-wide one (stored without a team, found by the enterprise id)."""
        found = await self.async_find_installation(enterprise_id=enterprise_id, team_id=team_id)
        if found is None and enterprise_id:
            found = await self.async_find_installation(
                enterprise_id=enterprise_id, team_id=None, is_enterprise_install=True
            )
        return found

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await asyncio.to_thread(partial(self._store.delete_bot, enterprise_id=enterprise_id, team_id=team_id))

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        delete = partial(self._store.delete_installation, enterprise_id=enterprise_id, team_id=team_id, user_id=user_id)
        await asyncio.to_thread(delete)

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await asyncio.to_thread(partial(self._store.delete_all, enterprise_id=enterprise_id, team_id=team_id))


class InstallStates(AsyncOAuthStateStore):
    """The `state` of each install in progress: issued with the link to Slack's consent screen,
    consumed (once, before it expires) when Slack sends the installer back."""

    def __init__(self, engine: Engine, expiration_seconds: int) -> None:
        self._store = SQLAlchemyOAuthStateStore(expiration_seconds=expiration_seconds, engine=engine, logger=log)
        self._store.metadata, self._store.oauth_states = SQLModel.metadata, STATES

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: object, **kwargs: object) -> str:
        return await asyncio.to_thread(self._issue)

    async def async_consume(self, state: str) -> bool:
        return await asyncio.to_thread(self._store.consume, state)

    def _issue(self) -> str:
        # Installs abandoned on Slack's consent screen leave their state behind; clear the expired
        # ones here, so the table holds only installs in progress.
        with self._store.engine.begin() as connection:
            now = datetime.now(UTC).replace(tzinfo=None)  # the store keeps naive UTC
            connection.execute(STATES.delete().where(STATES.c.expire_at <= now))
        return self._store.issue()
