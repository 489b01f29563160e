"""Configuration from the environment, checked once at start with one clear line per problem."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

SLACK_API_DEFAULT = "https://slack.com/api/"
DATABASE_DEFAULT = "sqlite:///tanto.db"


class ConfigError(Exception):
    """A setting is missing or wrong; the message names it and says where to get it."""


_WHERE = {
    "SLACK_BOT_TOKEN": "your Slack app's page → OAuth & Permissions → Bot User OAuth Token (xoxb-…)",
    "SLACK_SIGNING_SECRET": "your Slack app's page → Basic Information → App Credentials → Signing Secret",
    "SLACK_APP_TOKEN": "your Slack app's page → Basic Information → App-Level Tokens (xapp-…, scope connections:write)",
}


@dataclass(frozen=True)
class Settings:
    bot_token: str
    signing_secret: str | None
    app_token: str | None
    api_url: str
    database_url: str
    port: int

    @property
    def socket_mode(self) -> bool:
        return bool(self.app_token)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        app_token = env.get("SLACK_APP_TOKEN", "").strip() or None
        bot_token = _required(env, "SLACK_BOT_TOKEN", prefix="xoxb-")
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
        return cls(
            bot_token=bot_token,
            signing_secret=signing_secret,
            app_token=app_token,
            api_url=api_url if api_url.endswith("/") else api_url + "/",
            database_url=env.get("DATABASE_URL", "").strip() or DATABASE_DEFAULT,
            port=int(port_text),
        )


def database_url(env: Mapping[str, str] | None = None) -> str:
    """The database alone, for commands that need nothing else (`tanto migrate`)."""
    env = os.environ if env is None else env
    return env.get("DATABASE_URL", "").strip() or DATABASE_DEFAULT


def _required(env: Mapping[str, str], name: str, *, prefix: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise ConfigError(f"{name} is not set: copy it from {_WHERE[name]}.")
    if not value.startswith(prefix):
        raise ConfigError(f"{name} should start with {prefix}: copy it from {_WHERE[name]}.")
    return value
