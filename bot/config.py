"""Configuration from the environment, checked once at start with one clear line per problem.

Two ways to run: in one workspace with its bot token (`SLACK_BOT_TOKEN`), or installable in any
workspace through Slack's OAuth flow (`SLACK_CLIENT_ID` and `SLACK_CLIENT_SECRET`), where each
workspace's token comes from its installation.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

SLACK_API_DEFAULT = "https://slack.com/api/"
DATABASE_DEFAULT = "sqlite:///tanto.db"
# The app's manifest, whose bot scopes an install asks for unless SLACK_SCOPES says otherwise.
MANIFEST = Path(__file__).resolve().parent.parent / "manifest.yml"
REDIRECT_PATH = "/slack/oauth_redirect"


class ConfigError(Exception):
    """A setting is missing or wrong; the message names it and says where to get it."""


_WHERE = {
    "SLACK_BOT_TOKEN": "your Slack app's page → OAuth & Permissions → Bot User OAuth Token (xoxb-…)",
    "SLACK_SIGNING_SECRET": "your Slack app's page → Basic Information → App Credentials → Signing Secret",
    "SLACK_APP_TOKEN": "your Slack app's page → Basic Information → App-Level Tokens (xapp-…, scope connections:write)",
    "SLACK_CLIENT_ID": "your Slack app's page → Basic Information → App Credentials → Client ID",
    "SLACK_CLIENT_SECRET": "your Slack app's page → Basic Information → App Credentials → Client Secret",
}


class OnUninstall(enum.StrEnum):
    """What happens to a workspace's data when it uninstalls Tanto (its tokens are always deleted)."""

    KEEP = "keep"  # a reinstall finds everything as it was
    PURGE = "purge"  # every item, session, setting and queued message of the workspace is deleted


@dataclass(frozen=True)
class OAuth:
    """Installing Tanto in any workspace: the app's credentials and what an install asks for."""

    client_id: str
    client_secret: str
    scopes: tuple[str, ...]
    # Where Slack sends the installer back; None: the one redirect URL set in the app's config.
    redirect_uri: str | None


TEAMS_CLIENT_ID = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID"
TEAMS_PREFIXES = ("CONNECTIONS__", "CONNECTIONSMAP", "AGENTAPPLICATION__", "TANTO_TEAMS")


@dataclass(frozen=True)
class Settings:
    bot_token: str | None  # None when each workspace's token comes from its installation (`oauth`)
    signing_secret: str | None
    app_token: str | None
    api_url: str
    database_url: str
    port: int
    oauth: OAuth | None = None
    on_uninstall: OnUninstall = OnUninstall.KEEP
    # The Agents SDK's own settings (CONNECTIONS__…) and TANTO_TEAMS, read by the Teams adapter.
    teams: Mapping[str, str] = field(default_factory=dict)

    @property
    def teams_enabled(self) -> bool:
        """Teams is served with credentials, or without them when TANTO_TEAMS=local."""
        return bool(self.teams.get(TEAMS_CLIENT_ID)) or self.teams.get("TANTO_TEAMS", "").strip().lower() == "local"

    @property
    def socket_mode(self) -> bool:
        return bool(self.app_token)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        app_token = env.get("SLACK_APP_TOKEN", "").strip() or None
        oauth = _oauth(env)
        bot_token = None if oauth else _bot_token(env)
        # Socket Mode connections are not signed; over HTTP every request must be.
        signing_secret = env.get("SLACK_SIGNING_SECRET", "").strip() or None
        if not app_token and not signing_secret:
            raise ConfigError(
                f"SLACK_SIGNING_SECRET is not set: copy it from {_WHERE['SLACK_SIGNING_SECRET']} "
                "(or set SLACK_APP_TOKEN to use Socket Mode)."
            )
        if app_token and not app_token.startswith("xapp-"):
            raise ConfigError(f"SLACK_APP_TOKEN should start with xapp-: copy it from {_WHERE['SLACK_APP_TOKEN']}.")
        api_url = env.get("SLACK_API_URL", "").strip() or SLACK_API_DEFAULT
        if not api_url.startswith(("http://", "https://")):
            raise ConfigError(f"SLACK_API_URL must be an http(s) URL such as {SLACK_API_DEFAULT}; got {api_url!r}.")
        port_text = env.get("PORT", "").strip() or "3000"
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ConfigError(f"PORT must be a TCP port number (1–65535); got {port_text!r}.")
        on_uninstall = env.get("TANTO_ON_UNINSTALL", "").strip().lower() or OnUninstall.KEEP
        if on_uninstall not in set(OnUninstall):
            raise ConfigError(
                "TANTO_ON_UNINSTALL must be keep (a workspace's data stays when it uninstalls Tanto) "
                f"or purge (it is deleted); got {on_uninstall!r}."
            )
        return cls(
            bot_token=bot_token,
            signing_secret=signing_secret,
            app_token=app_token,
            api_url=api_url if api_url.endswith("/") else api_url + "/",
            database_url=env.get("DATABASE_URL", "").strip() or DATABASE_DEFAULT,
            port=int(port_text),
            oauth=oauth,
            on_uninstall=OnUninstall(on_uninstall),
            teams=_teams(env),
        )


def _teams(env: Mapping[str, str]) -> dict[str, str]:
    chosen = {key: value for key, value in env.items() if key.startswith(TEAMS_PREFIXES)}
    mode = chosen.get("TANTO_TEAMS", "").strip().lower()
    if mode not in ("", "local"):
        raise ConfigError(
            f"TANTO_TEAMS=local serves Teams without credentials (the Agents Playground); got {mode!r}. "
            "With credentials, set CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID and leave TANTO_TEAMS unset."
        )
    return chosen


def database_url(env: Mapping[str, str] | None = None) -> str:
    """The database alone, for commands that need nothing else (`tanto migrate`)."""
    env = os.environ if env is None else env
    return env.get("DATABASE_URL", "").strip() or DATABASE_DEFAULT


def _bot_token(env: Mapping[str, str]) -> str:
    value = env.get("SLACK_BOT_TOKEN", "").strip()
    if not value:
        raise ConfigError(
            f"SLACK_BOT_TOKEN is not set: copy it from {_WHERE['SLACK_BOT_TOKEN']} "
            "(or set SLACK_CLIENT_ID and SLACK_CLIENT_SECRET to install Tanto in any workspace over OAuth)."
        )
    if not value.startswith("xoxb-"):
        raise ConfigError(f"SLACK_BOT_TOKEN should start with xoxb-: copy it from {_WHERE['SLACK_BOT_TOKEN']}.")
    return value


def _oauth(env: Mapping[str, str]) -> OAuth | None:
    """OAuth mode's settings when SLACK_CLIENT_ID or SLACK_CLIENT_SECRET is set; else None."""
    client_id = env.get("SLACK_CLIENT_ID", "").strip()
    client_secret = env.get("SLACK_CLIENT_SECRET", "").strip()
    if not client_id and not client_secret:
        return None
    if env.get("SLACK_BOT_TOKEN", "").strip():
        raise ConfigError(
            "SLACK_BOT_TOKEN and SLACK_CLIENT_ID/SLACK_CLIENT_SECRET are both set: keep only SLACK_BOT_TOKEN "
            "to run in one workspace, or only the client id and secret to install Tanto in any workspace."
        )
    for name, value, other in (
        ("SLACK_CLIENT_ID", client_id, "SLACK_CLIENT_SECRET"),
        ("SLACK_CLIENT_SECRET", client_secret, "SLACK_CLIENT_ID"),
    ):
        if not value:
            raise ConfigError(
                f"{name} is not set but {other} is: copy it from {_WHERE[name]} "
                f"(or unset {other} to run in one workspace with SLACK_BOT_TOKEN)."
            )
    return OAuth(client_id, client_secret, _scopes(env), _redirect_uri(env))


def _scopes(env: Mapping[str, str]) -> tuple[str, ...]:
    listed = env.get("SLACK_SCOPES", "").strip()
    if listed:
        return tuple(scope.strip() for scope in listed.split(",") if scope.strip())
    try:
        manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
        scopes = tuple(manifest["oauth_config"]["scopes"]["bot"])
    except (OSError, yaml.YAMLError, KeyError, TypeError) as error:
        raise ConfigError(
            f"SLACK_SCOPES is not set and the bot scopes could not be read from {MANIFEST} ({error}): "
            "set SLACK_SCOPES to the bot scopes of manifest.yml, comma-separated."
        ) from error
    if not scopes:
        raise ConfigError(f"{MANIFEST} lists no bot scopes: set SLACK_SCOPES, comma-separated.")
    return scopes


def _redirect_uri(env: Mapping[str, str]) -> str | None:
    public_url = env.get("TANTO_PUBLIC_URL", "").strip().rstrip("/")
    if not public_url:
        return None
    if not public_url.startswith(("http://", "https://")):
        raise ConfigError(
            f"TANTO_PUBLIC_URL must be the http(s) URL Slack reaches Tanto at, such as "
            f"https://tanto.example.com; got {public_url!r}."
        )
    return public_url + REDIRECT_PATH
