"""Configuration errors, the health check and the manifest agreeing with the code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import yaml

from bot.config import ConfigError, Settings
from handlers.slack import ids
from storage.migrate import head_revision
from tests.conftest import AppUnderTest

ROOT = Path(__file__).parent.parent
GOOD = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s3cret"}


def test_defaults() -> None:
    settings = Settings.from_env(GOOD)
    assert settings.api_url == "https://slack.com/api/"
    assert settings.database_url == "sqlite:///tanto.db"
    assert settings.port == 3000
    assert not settings.socket_mode


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({}, ["SLACK_BOT_TOKEN", "OAuth & Permissions"]),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, ["SLACK_SIGNING_SECRET", "Signing Secret"]),
        ({"SLACK_BOT_TOKEN": "xoxp-1", "SLACK_SIGNING_SECRET": "s"}, ["SLACK_BOT_TOKEN", "xoxb-"]),
        ({**GOOD, "SLACK_APP_TOKEN": "xoxb-wrong"}, ["SLACK_APP_TOKEN", "xapp-"]),
        ({**GOOD, "PORT": "http"}, ["PORT"]),
        ({**GOOD, "SLACK_API_URL": "slack.com"}, ["SLACK_API_URL"]),
    ],
)
def test_a_bad_setting_is_named_with_where_to_get_it(env: dict[str, str], names: list[str]) -> None:
    with pytest.raises(ConfigError) as raised:
        Settings.from_env(env)
    message = str(raised.value)
    assert "\n" not in message
    for name in names:
        assert name in message


def test_socket_mode_needs_no_signing_secret() -> None:
    settings = Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"})
    assert settings.socket_mode


def test_tanto_run_without_configuration_says_what_is_missing_in_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"], capture_output=True, text=True, cwd=tmp_path, env={"PATH": ""}, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "SLACK_BOT_TOKEN is not set" in result.stderr


def test_tanto_migrate_creates_the_schema(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "migrate"], capture_output=True, text=True, env={"DATABASE_URL": url}, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert f"revision {head_revision()}" in result.stdout


def test_healthz_answers_when_the_database_is_reachable(app: AppUnderTest) -> None:
    response = httpx.get(app.url + "/healthz")
    assert response.status_code == 200 and response.json() == {"ok": True}


def test_the_manifest_declares_what_the_code_registers() -> None:
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    commands = {c["command"] for c in manifest["features"]["slash_commands"]}
    assert commands == {"/action", "/decision", "/session"}
    assert all(c["should_escape"] for c in manifest["features"]["slash_commands"])
    shortcuts = {s["callback_id"] for s in manifest["features"]["shortcuts"]}
    assert shortcuts == {ids.MESSAGE_TO_ACTION}
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert events == {"app_home_opened", "user_change", "app_uninstalled", "tokens_revoked", "team_access_revoked"}
    assert manifest["settings"]["interactivity"]["is_enabled"]
    assert manifest["settings"]["socket_mode_enabled"]
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == {
        "commands", "chat:write", "chat:write.public", "users:read", "users:read.email", "im:write", "files:write",
        "channels:history", "groups:history", "im:history",
    }  # fmt: skip
