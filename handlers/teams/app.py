"""The Teams endpoint: the Agents SDK application, its routes in one place, and its credentials.

`POST /api/messages` is served by the same `tanto run` process as Slack when Teams is configured:
with the Entra app's credentials in the SDK's own variables
(`CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID`, `…CLIENTSECRET`, `…TENANTID`), every
request's token is checked; with none and `TANTO_TEAMS=local`, requests without a token are
accepted (the Agents Playground, the emulator), and the log says so.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from microsoft_agents.activity import ActivityTypes, load_configuration_from_env
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.aiohttp import CloudAdapter, jwt_authorization_decorator
from microsoft_agents.hosting.core import (
    AgentApplication,
    AgentAuthConfiguration,
    AnonymousTokenProvider,
    ApplicationOptions,
    ConnectionManager,
    MemoryStorage,
    TurnContext,
    TurnState,
)

from bot.clock import Clock
from bot.config import TEAMS_CLIENT_ID as CLIENT_ID
from bot.conversations import Conversations
from bot.nudges import Nudges
from bot.prefs_desk import PrefsCommand
from bot.session_desk import SessionDesk
from bot.sessions import Sessions
from bot.tracker import Tracker
from handlers.teams import cards
from handlers.teams.card_actions import CardActions
from handlers.teams.courier import TeamsCourier
from handlers.teams.desk import Desk
from handlers.teams.turns import read_turn, reference_json

log = logging.getLogger(__name__)

MESSAGES_PATH = "/api/messages"


@dataclass
class TeamsEndpoint:
    handle: Callable[[web.Request], Any]  # the aiohttp handler for POST /api/messages
    agent: AgentApplication[TurnState]  # its routes; tests drive it with the SDK's TestAdapter
    auth: AgentAuthConfiguration
    courier: TeamsCourier

    def mount(self, app: web.Application) -> None:
        app["agent_configuration"] = self.auth  # the SDK's token check reads it under this name
        app.router.add_post(MESSAGES_PATH, jwt_authorization_decorator(self.handle))


def build_teams(
    env: Mapping[str, str], *, tracker: Tracker, sessions: Sessions, nudges: Nudges, clock: Clock,
    deliver_soon: Callable[[], None],
) -> TeamsEndpoint:  # fmt: skip
    connections, auth, app_id = _connections(env)
    adapter = CloudAdapter(connection_manager=connections)
    # State lives in our database, never in the SDK's storage: this one only satisfies its API.
    agent = AgentApplication[TurnState](
        ApplicationOptions(storage=MemoryStorage(), start_typing_timer=False), connection_manager=connections
    )
    conversations = Conversations(tracker.store, clock)
    desk = Desk(tracker, SessionDesk(sessions, nudges), PrefsCommand(tracker, nudges), conversations, deliver_soon)
    buttons = CardActions(tracker, nudges, conversations)

    async def installed(context: TurnContext, _state: TurnState) -> None:
        """The app was added to a chat or team: keep the conversation reachable for agendas and nudges."""
        turn = read_turn(context.activity)
        await asyncio.to_thread(
            conversations.remember, turn.scope, turn.conversation_id, reference_json(context.activity),
            user_id=turn.person.user_id if turn.personal else None, aad_object_id=turn.aad_object_id,
        )  # fmt: skip
        if turn.personal and context.activity.type == ActivityTypes.installation_update:
            await desk.reply(context, turn, cards.help_card())

    # Every route, in one place.
    agent.message()(desk.on_message)
    agent.activity([ActivityTypes.installation_update, ActivityTypes.conversation_update])(installed)
    agent.adaptive_card.action_execute(cards.DONE)(buttons.done)
    agent.adaptive_card.action_execute(cards.DECIDE)(buttons.decide)
    agent.adaptive_card.action_execute(cards.SNOOZE)(buttons.snooze)
    agent.adaptive_card.action_execute(cards.RESCHEDULE)(buttons.reschedule)
    agent.adaptive_card.action_execute(cards.COMPLETE)(buttons.complete)

    async def handle(request: web.Request) -> web.Response:
        return await adapter.process(request, agent)

    courier = TeamsCourier(adapter, app_id, tracker, nudges, sessions, conversations, clock)
    return TeamsEndpoint(handle, agent, auth, courier)


def _connections(env: Mapping[str, str]) -> tuple[ConnectionManager, AgentAuthConfiguration, str | None]:
    # The SDK's Teams client warns on every turn that its bot client is deprecated; it is the SDK's own.
    warnings.filterwarnings("ignore", "The bot client is deprecated", DeprecationWarning)
    if env.get(CLIENT_ID):
        manager = MsalConnectionManager(**load_configuration_from_env(dict(env)))
        log.info("Teams endpoint on %s, checking every request's token", MESSAGES_PATH)
        return manager, manager.get_default_connection_configuration(), env[CLIENT_ID]
    log.warning(
        "Teams endpoint on %s WITHOUT authentication (TANTO_TEAMS=local, no credentials): for the Agents "
        "Playground and local tests only; set %s and the secret and tenant to serve real Teams",
        MESSAGES_PATH, CLIENT_ID,
    )  # fmt: skip
    # Without credentials nothing has a token: the SDK logs that at each turn, which says nothing new.
    logging.getLogger("microsoft_agents.hosting.core.connector.client.user_token_client").setLevel(logging.ERROR)
    anonymous = AgentAuthConfiguration(anonymous_allowed=True)
    manager = ConnectionManager(
        provider_factory=lambda _config: AnonymousTokenProvider(),
        connections_configurations={"SERVICE_CONNECTION": anonymous},
    )
    return manager, anonymous, None
