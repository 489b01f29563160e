"""`tanto doctor`: every check in one report, with the Slack ones made here.

The Slack checks ask Slack itself, with the client the app uses: whose bot token this is
(`auth.test`), which scopes it was granted compared with `manifest.yml`, whether the app-level
token opens a Socket Mode connection (`apps.connections.open`), and whether the manifest's
request URLs fit the mode Tanto runs in.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import aiohttp
import yaml
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.doctor import (
    APPS_PAGE,
    WHERE,
    Configuration,
    Finding,
    Report,
    check_configuration,
    check_database,
    check_port,
    ok,
    problem,
    skipped,
    warning,
)
from handlers.slack.server import EVENTS_PATH

MANIFEST_ENV = "TANTO_MANIFEST"
# A source checkout (or editable install) keeps the manifest at the repository root, beside the packages.
REPOSITORY_MANIFEST = Path(__file__).resolve().parents[2] / "manifest.yml"
EXAMPLE_HOST = "tanto.example.com"
_TIMEOUT = 10
_REINSTALL = f"{APPS_PAGE} → OAuth & Permissions → Reinstall to Workspace"

# auth.test's errors, each as (what it means, what to do): https://api.slack.com/methods/auth.test#errors
_BOT_TOKEN_ERRORS = {
    "invalid_auth": (
        "Slack does not know this token (mistyped, or from another app or workspace)",
        f"copy it again from {WHERE['SLACK_BOT_TOKEN']}",
    ),
    "token_revoked": (
        "the token was revoked: the app was uninstalled or its tokens were regenerated",
        f"reinstall the app ({_REINSTALL}) and copy the new token from OAuth & Permissions",
    ),
    "account_inactive": (
        "the token belongs to a deleted or deactivated app, bot user or workspace",
        f"check the app is still installed, then reinstall it ({_REINSTALL}) and copy the new token",
    ),
    "token_expired": (
        "the token expired: the app has token rotation on, and Tanto uses long-lived tokens",
        f"turn token rotation off ({APPS_PAGE} → OAuth & Permissions), reinstall, and copy the new token",
    ),
    "not_authed": ("Slack received no token", "set SLACK_BOT_TOKEN"),
}
_APP_TOKEN_ERRORS = {
    "invalid_auth": ("Slack does not know this app-level token", f"copy it again from {WHERE['SLACK_APP_TOKEN']}"),
    "token_revoked": ("the app-level token was revoked", f"generate a new one at {WHERE['SLACK_APP_TOKEN']}"),
    "not_allowed_token_type": (
        "this is not an app-level token",
        f"copy the xapp- token from {WHERE['SLACK_APP_TOKEN']}",
    ),
    "missing_scope": (
        "the app-level token lacks the connections:write scope",
        f"generate one with connections:write at {WHERE['SLACK_APP_TOKEN']}",
    ),
}


@dataclass(frozen=True)
class Manifest:
    path: Path
    bot_scopes: frozenset[str]
    socket_mode: bool
    request_urls: tuple[str, ...]  # slash commands', interactivity's and events'


def run_doctor(env: Mapping[str, str] | None = None, out: TextIO | None = None) -> int:
    """Check everything, print one line per check, and return 0 when nothing needs fixing, else 1."""
    env = os.environ if env is None else env
    # The report is the output; library log lines (Alembic's, the HTTP client's) would only interleave.
    logging.getLogger().setLevel(logging.WARNING)
    report = Report(out or sys.stdout)

    report.section("Configuration")
    config = check_configuration(env)
    report.add(config.findings)

    report.section("Slack")
    manifest, found = load_manifest(env)
    report.add([found])
    report.add(asyncio.run(check_slack(config, manifest)))

    report.section("Database")
    if config.database_url is None:
        report.add([skipped("database", "DATABASE_URL is not usable")])
    else:
        report.add(check_database(config.database_url))

    report.section("Server")
    report.add([check_port(config.port) if config.port is not None else skipped("port", "PORT is not usable")])
    return report.finish()


def load_manifest(env: Mapping[str, str]) -> tuple[Manifest | None, Finding]:
    """The manifest at $TANTO_MANIFEST, else ./manifest.yml, else the repository's copy."""
    chosen = env.get(MANIFEST_ENV, "").strip()
    if chosen:
        path = Path(chosen).expanduser()
        if not path.is_file():
            return None, problem("manifest", f"{MANIFEST_ENV} names {path}, which is not a file", _MANIFEST_FIX)
    else:
        path = next((p for p in (Path("manifest.yml"), REPOSITORY_MANIFEST) if p.is_file()), None)
        if path is None:
            return None, warning("manifest", "no manifest.yml found; scopes are not compared", _MANIFEST_FIX)
    path = path.absolute()
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        manifest = _read_manifest(path, document)
    except (OSError, yaml.YAMLError, ValueError) as error:
        first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
        return None, problem("manifest", f"cannot read {path}: {first_line}", _MANIFEST_FIX)
    return manifest, ok("manifest", f"{path}: {len(manifest.bot_scopes)} bot scopes")


_MANIFEST_FIX = f"set {MANIFEST_ENV} to the manifest.yml your Slack app was created from"


def _read_manifest(path: Path, document: Any) -> Manifest:
    def at(*keys: str) -> Any:
        node = document
        for key in keys:
            node = node.get(key) if isinstance(node, dict) else None
        return node

    scopes = at("oauth_config", "scopes", "bot")
    if not isinstance(scopes, list) or not all(isinstance(scope, str) for scope in scopes):
        raise ValueError("it has no list of bot scopes at oauth_config.scopes.bot")
    commands = at("features", "slash_commands") or []
    urls = [command.get("url") for command in commands if isinstance(command, dict)]
    urls += [at("settings", "interactivity", "request_url"), at("settings", "event_subscriptions", "request_url")]
    return Manifest(
        path,
        frozenset(scopes),
        bool(at("settings", "socket_mode_enabled")),
        tuple(dict.fromkeys(url for url in urls if isinstance(url, str))),
    )


async def check_slack(config: Configuration, manifest: Manifest | None) -> list[Finding]:
    if config.api_url is None:
        return [skipped("Slack", "SLACK_API_URL is not usable")]
    found: list[Finding] = []
    if config.bot_token is not None:
        client = AsyncWebClient(token=config.bot_token, base_url=config.api_url, timeout=_TIMEOUT, retry_handlers=[])
        identity, token_finding = await _check_bot_token(client, config.api_url)
        found.append(token_finding)
        if identity is not None:
            found.append(_check_scopes(identity, manifest))
    elif config.oauth:
        found.append(skipped("bot token", "with OAuth, each workspace's token is checked as it installs"))
    else:
        found.append(skipped("bot token", "SLACK_BOT_TOKEN is not usable"))
    if config.app_token is not None:
        client = AsyncWebClient(base_url=config.api_url, timeout=_TIMEOUT, retry_handlers=[])
        found.append(await _check_app_token(client, config.app_token, config.api_url))
    if manifest is not None:
        found.extend(_check_request_urls(manifest, socket_mode=config.socket_mode))
    return found


async def _check_bot_token(client: AsyncWebClient, api_url: str) -> tuple[AsyncSlackResponse | None, Finding]:
    try:
        identity = await client.auth_test()
    except SlackApiError as error:
        return None, _slack_error("bot token", "auth.test", error, _BOT_TOKEN_ERRORS, api_url)
    except (aiohttp.ClientError, TimeoutError) as error:
        return None, _unreachable("bot token", api_url, error)
    if not identity.get("bot_id"):
        return None, problem(
            "bot token", "Slack says it is not a bot's token", f"copy the bot token from {WHERE['SLACK_BOT_TOKEN']}"
        )
    team = f"workspace {identity.get('team')} ({identity.get('team_id')}, {identity.get('url')})"
    if identity.get("enterprise_id"):
        team += f" of Enterprise Grid {identity.get('enterprise_id')}"
    bot = f"bot @{identity.get('user')} ({identity.get('user_id')}, bot id {identity.get('bot_id')})"
    return identity, ok("bot token", f"valid: {bot} in {team}")


def _check_scopes(identity: AsyncSlackResponse, manifest: Manifest | None) -> Finding:
    header = identity.headers.get("x-oauth-scopes")  # aiohttp's headers ignore case
    if header is None:
        return warning(
            "scopes",
            "Slack did not list the token's scopes (no x-oauth-scopes header)",
            f"compare {APPS_PAGE} → OAuth & Permissions → Scopes with manifest.yml by hand",
        )
    if manifest is None:
        return skipped("scopes", "no manifest to compare with")
    granted = frozenset(scope.strip() for scope in header.split(",") if scope.strip())
    missing = sorted(manifest.bot_scopes - granted)
    extra = sorted(granted - manifest.bot_scopes)
    if missing:
        return problem(
            "scopes",
            f"missing {', '.join(missing)}" + (f" (and granted unneeded {', '.join(extra)})" if extra else ""),
            f"reinstall the app to grant: {', '.join(missing)} ({APPS_PAGE} → App Manifest must list them "
            "under oauth_config.scopes.bot; then OAuth & Permissions → Reinstall to Workspace)",
        )
    if extra:
        return warning(
            "scopes",
            f"all {len(manifest.bot_scopes)} needed are granted, and also {', '.join(extra)}, which Tanto does not use",
            f"remove them at {APPS_PAGE} → App Manifest and reinstall: a token should hold no more than it needs",
        )
    return ok("scopes", f"all {len(manifest.bot_scopes)} bot scopes of the manifest are granted, and no others")


async def _check_app_token(client: AsyncWebClient, app_token: str, api_url: str) -> Finding:
    # Opening a connection hands out a one-time WebSocket URL; leaving it unused costs nothing.
    try:
        await client.apps_connections_open(app_token=app_token)
    except SlackApiError as error:
        return _slack_error("app-level token", "apps.connections.open", error, _APP_TOKEN_ERRORS, api_url)
    except (aiohttp.ClientError, TimeoutError) as error:
        return _unreachable("app-level token", api_url, error)
    return ok("app-level token", "valid: Slack opens Socket Mode connections with it")


def _check_request_urls(manifest: Manifest, *, socket_mode: bool) -> list[Finding]:
    """Whether the manifest sends Slack where this mode listens (compared with the file: Slack's copy may differ)."""
    edit = f"in {manifest.path} and at {APPS_PAGE} → App Manifest"
    if socket_mode:
        if not manifest.socket_mode:
            return [
                warning(
                    "public URL",
                    "SLACK_APP_TOKEN is set, but the manifest turns Socket Mode off",
                    f"set socket_mode_enabled: true {edit}, or unset SLACK_APP_TOKEN to serve HTTP",
                )
            ]
        return [ok("public URL", "none needed: Socket Mode")]
    found = []
    if manifest.socket_mode:
        found.append(
            warning(
                "public URL",
                "the manifest turns Socket Mode on, but SLACK_APP_TOKEN is not set: Slack would send nothing here",
                f"set SLACK_APP_TOKEN, or set socket_mode_enabled: false and your public URLs {edit}",
            )
        )
    wrong = [url for url in manifest.request_urls if not _serves_events(url)]
    if any(urllib.parse.urlsplit(url).hostname == EXAMPLE_HOST for url in manifest.request_urls):
        found.append(
            warning(
                "public URL", f"the manifest still sends Slack to https://{EXAMPLE_HOST}", f"put your URL there {edit}"
            )
        )
    elif wrong:
        found.append(
            warning(
                "public URL",
                f"Slack must send to an https URL ending in {EVENTS_PATH}; the manifest has {', '.join(wrong)}",
                f"fix them {edit}",
            )
        )
    elif not found:
        found.append(ok("public URL", f"Slack sends requests to {', '.join(manifest.request_urls)}"))
    return found


def _serves_events(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme == "https" and parts.path == EVENTS_PATH


def _slack_error(
    subject: str, method: str, error: SlackApiError, explained: dict[str, tuple[str, str]], api_url: str
) -> Finding:
    response = error.response
    if not isinstance(response, AsyncSlackResponse) or not isinstance(response.data, dict):
        # No JSON came back: whatever answered is not Slack's Web API.
        return problem(subject, f"{api_url}{method} did not answer as Slack does", "check SLACK_API_URL, or unset it")
    code = str(response.data.get("error") or f"HTTP {response.status_code}")
    meaning, fix = explained.get(code, (f"Slack answered {code}", f"see https://api.slack.com/methods/{method}"))
    return problem(subject, f"{meaning} ({code})", fix)


def _unreachable(subject: str, api_url: str, error: BaseException) -> Finding:
    reason = str(error) or type(error).__name__
    return problem(
        subject,
        f"cannot reach Slack at {api_url}: {reason}",
        "check this machine's network, DNS, firewall and proxy (HTTPS_PROXY), and SLACK_API_URL",
    )
