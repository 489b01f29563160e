"""`tanto doctor` against the Slack stand-in and real databases: what it finds, what it says to fix.

Each test sets the environment as an operator would and runs the real command line; the
stand-in answers `auth.test` and `apps.connections.open` as Slack does.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
import yaml

from bot.cli import main
from handlers.slack.standin.server import SlackStandIn
from storage.db import make_engine
from storage.migrate import current_revision, head_revision, upgrade
from storage.store import Store
from tests.conftest import BOT_TOKEN, AppUnderTest

ROOT = Path(__file__).resolve().parent.parent
MANIFEST_SCOPES = yaml.safe_load((ROOT / "manifest.yml").read_text())["oauth_config"]["scopes"]["bot"]
SIGNING_SECRET = "8f742231b10e8888abcd99e2d8f4a5b3"  # the shape Slack's have: 32 hex characters
APP_TOKEN = "xapp-test"
# Everything the doctor reads; a developer's own settings must not leak into a test.
SETTING_PREFIXES = ("SLACK_", "DATABASE_URL", "PORT", "TANTO_")

Doctor = Callable[[dict[str, str]], tuple[int, str]]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def line(output: str, subject: str) -> str:
    """The report line about `subject`, with the fix line beneath it when there is one."""
    lines = output.splitlines()
    for index, text in enumerate(lines):
        if text.strip()[2:].startswith(f"{subject}:"):
            following = lines[index + 1] if index + 1 < len(lines) else ""
            return text.strip() + ("\n" + following.strip() if following.strip().startswith("→") else "")
    raise AssertionError(f"no line about {subject!r} in:\n{output}")


def marks(output: str) -> list[str]:
    return [text.strip()[0] for text in output.splitlines() if text.startswith("  ") and text.strip()[0] in "✓✗!–"]


@pytest.fixture
def doctor(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Doctor:
    """Run `tanto doctor` in an empty working directory with exactly the given settings."""
    monkeypatch.chdir(tmp_path)

    def run(env: dict[str, str]) -> tuple[int, str]:
        for name in [name for name in os.environ if name.startswith(SETTING_PREFIXES)]:
            monkeypatch.delenv(name)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        code = main(["doctor"])
        return code, capsys.readouterr().out

    return run


@pytest.fixture
def granted(standin: SlackStandIn) -> SlackStandIn:
    """The stand-in workspace with the app installed from the manifest: every declared scope granted."""
    standin.scopes = list(MANIFEST_SCOPES)
    return standin


@pytest.fixture
def migrated(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'migrated.db'}"
    Store.open(url).close()
    yield url


def healthy_env(standin: SlackStandIn, database_url: str, **overrides: str) -> dict[str, str]:
    """Socket Mode against the stand-in, as the repository's manifest (socket_mode_enabled) sets it up."""
    return {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_APP_TOKEN": APP_TOKEN,
        "SLACK_API_URL": standin.api_url,
        "DATABASE_URL": database_url,
        "PORT": str(free_port()),
        "TANTO_MANIFEST": str(ROOT / "manifest.yml"),
        **overrides,
    }


def test_all_good_is_all_ticks_and_exit_0(doctor: Doctor, granted: SlackStandIn, database_url: str) -> None:
    Store.open(database_url).close()
    code, output = doctor(healthy_env(granted, database_url))
    assert code == 0, output
    assert set(marks(output)) == {"✓"}, output
    assert "bot @tanto (U0BOT" in line(output, "bot token") and "workspace Stand-in (T0001" in output
    assert f"all {len(MANIFEST_SCOPES)} bot scopes of the manifest are granted" in line(output, "scopes")
    assert "valid" in line(output, "app-level token")
    assert f"current (revision {head_revision()})" in line(output, "schema")
    assert output.rstrip().endswith("All checks passed.")
    # Asked of Slack itself, with each token where it belongs.
    assert [call.token for call in granted.calls_to("auth.test")] == [BOT_TOKEN]
    assert [call.token for call in granted.calls_to("apps.connections.open")] == [APP_TOKEN]


def test_every_bad_setting_is_listed_with_where_to_fix_it(doctor: Doctor, tmp_path: Path) -> None:
    code, output = doctor(
        {
            "SLACK_BOT_TOKEN": "xoxp-123-user-token",
            "SLACK_SIGNING_SECRET": "xoxb-pasted-in-the-wrong-place",
            "SLACK_APP_TOKEN": "xoxb-not-an-app-token",
            "SLACK_API_URL": "slack.com/api",
            "DATABASE_URL": "mysql://tanto@db/tanto",
            "PORT": "http",
        }
    )
    assert code == 1
    assert "user token" in line(output, "SLACK_BOT_TOKEN") and "OAuth & Permissions" in line(output, "SLACK_BOT_TOKEN")
    assert "holds a token" in line(output, "SLACK_SIGNING_SECRET")
    assert "App-Level Tokens" in line(output, "SLACK_APP_TOKEN")
    assert "'slack.com/api' is not an http(s) URL" in line(output, "SLACK_API_URL")
    assert "SQLite and PostgreSQL, not mysql" in line(output, "DATABASE_URL")
    assert "'http' is not a TCP port" in line(output, "PORT")
    for subject in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL", "DATABASE_URL"):
        assert line(output, subject).startswith("✗")
    # Nothing that depends on a broken setting is attempted, and each says why.
    assert "not checked: SLACK_API_URL is not usable" in output
    assert "not checked: DATABASE_URL is not usable" in line(output, "database")
    assert "6 problems" in output
    assert list(tmp_path.iterdir()) == []


def test_no_configuration_names_both_secrets_and_creates_no_database(doctor: Doctor, tmp_path: Path) -> None:
    code, output = doctor({})
    assert code == 1
    assert line(output, "SLACK_BOT_TOKEN").startswith("✗ SLACK_BOT_TOKEN: not set")
    assert "Bot User OAuth Token" in line(output, "SLACK_BOT_TOKEN")
    assert line(output, "SLACK_SIGNING_SECRET").startswith("✗ SLACK_SIGNING_SECRET: not set")
    assert "or set SLACK_APP_TOKEN to use Socket Mode" in line(output, "SLACK_SIGNING_SECRET")
    assert "sqlite:///tanto.db (default)" in line(output, "DATABASE_URL")
    assert line(output, "database").startswith(f"! database: no database file at {tmp_path / 'tanto.db'} yet")
    assert not (tmp_path / "tanto.db").exists()


def test_a_signing_secret_cut_short_is_a_warning(doctor: Doctor, granted: SlackStandIn, migrated: str) -> None:
    code, output = doctor(healthy_env(granted, migrated, SLACK_SIGNING_SECRET=SIGNING_SECRET[:20]))
    assert code == 0
    assert line(output, "SLACK_SIGNING_SECRET").startswith("! SLACK_SIGNING_SECRET: set, but")
    assert "has 20" in line(output, "SLACK_SIGNING_SECRET") and "copied whole" in line(output, "SLACK_SIGNING_SECRET")
    assert "Ready to run, with 1 warning." in output


@pytest.mark.parametrize(
    ("error", "explained"),
    [
        ("invalid_auth", "copy it again from"),
        ("token_revoked", "Reinstall to Workspace"),
        ("account_inactive", "deleted or deactivated"),
    ],
)
def test_a_rejected_bot_token_is_explained(
    doctor: Doctor, granted: SlackStandIn, migrated: str, error: str, explained: str
) -> None:
    if error == "invalid_auth":
        env = healthy_env(granted, migrated, SLACK_BOT_TOKEN="xoxb-from-another-app")  # the stand-in does not know it
    else:
        env = healthy_env(granted, migrated)
        granted.fail_next("auth.test", error=error)
    code, output = doctor(env)
    assert code == 1
    found = line(output, "bot token")
    assert found.startswith("✗") and f"({error})" in found and explained in found
    assert "scopes:" not in output  # nothing to compare without a token Slack accepts


def test_missing_scopes_are_named_with_reinstall(doctor: Doctor, granted: SlackStandIn, migrated: str) -> None:
    granted.scopes = [scope for scope in MANIFEST_SCOPES if scope not in ("files:write", "im:history")]
    code, output = doctor(healthy_env(granted, migrated))
    assert code == 1
    found = line(output, "scopes")
    assert found.startswith("✗ scopes: missing files:write, im:history")
    assert "reinstall the app to grant: files:write, im:history" in found


def test_extra_scopes_are_a_warning(doctor: Doctor, granted: SlackStandIn, migrated: str) -> None:
    granted.scopes = [*MANIFEST_SCOPES, "channels:read", "reactions:read"]
    code, output = doctor(healthy_env(granted, migrated))
    assert code == 0
    found = line(output, "scopes")
    assert found.startswith("! scopes:") and "channels:read, reactions:read, which Tanto does not use" in found


def test_scopes_slack_does_not_list_are_a_warning(doctor: Doctor, granted: SlackStandIn, migrated: str) -> None:
    granted.scopes = None
    code, output = doctor(healthy_env(granted, migrated))
    assert code == 0
    assert line(output, "scopes").startswith("! scopes: Slack did not list the token's scopes")


def test_an_unknown_app_token_is_explained(doctor: Doctor, granted: SlackStandIn, migrated: str) -> None:
    code, output = doctor(healthy_env(granted, migrated, SLACK_APP_TOKEN="xapp-1-revoked"))
    assert code == 1
    found = line(output, "app-level token")
    assert found.startswith("✗") and "(invalid_auth)" in found and "App-Level Tokens" in found


def test_slack_out_of_reach_is_explained_quickly(doctor: Doctor, migrated: str) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}/api/"
    started = time.monotonic()
    code, output = doctor(
        {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": APP_TOKEN, "SLACK_API_URL": nowhere, "DATABASE_URL": migrated}
    )
    assert time.monotonic() - started < 5
    assert code == 1
    for subject in ("bot token", "app-level token"):
        found = line(output, subject)
        assert found.startswith(f"✗ {subject}: cannot reach Slack at {nowhere}") and "firewall" in found


def test_a_database_behind_says_migrate_and_stays_behind(doctor: Doctor, granted: SlackStandIn, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    upgrade(engine, "0002")
    code, output = doctor(healthy_env(granted, url))
    assert code == 1
    assert line(output, "database").startswith("✓")
    found = line(output, "schema")
    assert found.startswith(f"✗ schema: behind: at revision 0002, this release needs {head_revision()}")
    assert "run `tanto migrate`" in found
    assert current_revision(engine) == "0002"  # looked at, not migrated
    engine.dispose()


def test_a_database_from_a_newer_release_says_upgrade(doctor: Doctor, granted: SlackStandIn, migrated: str) -> None:
    engine = make_engine(migrated)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0099_future'")
    engine.dispose()
    code, output = doctor(healthy_env(granted, migrated))
    assert code == 1
    assert "0099_future, which this release does not know" in line(output, "schema")
    assert "upgrade this installation" in line(output, "schema")


def test_an_unreachable_postgresql_is_reported_without_its_password(doctor: Doctor, granted: SlackStandIn) -> None:
    started = time.monotonic()
    code, output = doctor(healthy_env(granted, "postgresql://tanto:hunter2@127.0.0.1:1/tanto"))
    assert time.monotonic() - started < 5
    assert code == 1
    found = line(output, "database")
    assert found.startswith("✗ database: cannot open postgresql+psycopg://tanto:***@127.0.0.1:1/tanto")
    assert "refused" in found and "check that the server is running" in found
    assert "hunter2" not in output
    assert "schema:" not in output


def test_a_missing_sqlite_folder_is_a_problem(doctor: Doctor, granted: SlackStandIn, tmp_path: Path) -> None:
    code, output = doctor(healthy_env(granted, f"sqlite:///{tmp_path / 'nowhere' / 'tanto.db'}"))
    assert code == 1
    assert line(output, "database").startswith(f"✗ database: folder {tmp_path / 'nowhere'} does not exist")
    assert not (tmp_path / "nowhere").exists()


def test_http_mode_with_the_example_manifest_warns_about_its_urls(
    doctor: Doctor, granted: SlackStandIn, migrated: str
) -> None:
    env = healthy_env(granted, migrated)
    del env["SLACK_APP_TOKEN"]
    code, output = doctor(env)
    assert code == 0
    urls = [text for text in output.splitlines() if " public URL: " in text]
    assert any("turns Socket Mode on, but SLACK_APP_TOKEN is not set" in text for text in urls)
    assert any("still sends Slack to https://tanto.example.com" in text for text in urls)
    assert not granted.calls_to("apps.connections.open")


def test_the_manifest_in_the_working_directory_is_read(
    doctor: Doctor, granted: SlackStandIn, migrated: str, tmp_path: Path
) -> None:
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    manifest["settings"]["socket_mode_enabled"] = False
    for place in [*manifest["features"]["slash_commands"], manifest["settings"]["interactivity"]]:
        place["url" if "command" in place else "request_url"] = "https://tanto.acme.test/slack/events"
    manifest["settings"]["event_subscriptions"]["request_url"] = "https://tanto.acme.test/slack/events"
    manifest["oauth_config"]["scopes"]["bot"].append("reactions:write")
    (tmp_path / "manifest.yml").write_text(yaml.safe_dump(manifest))
    env = healthy_env(granted, migrated)
    del env["SLACK_APP_TOKEN"], env["TANTO_MANIFEST"]
    code, output = doctor(env)
    assert line(output, "manifest") == f"✓ manifest: {tmp_path / 'manifest.yml'}: {len(MANIFEST_SCOPES) + 1} bot scopes"
    assert line(output, "public URL") == "✓ public URL: Slack sends requests to https://tanto.acme.test/slack/events"
    assert "missing reactions:write" in line(output, "scopes")
    assert code == 1


def test_a_manifest_named_but_absent_is_a_problem(doctor: Doctor, granted: SlackStandIn, migrated: str) -> None:
    code, output = doctor(healthy_env(granted, migrated, TANTO_MANIFEST="/nonexistent/manifest.yml"))
    assert code == 1
    assert line(output, "manifest").startswith("✗ manifest: TANTO_MANIFEST names /nonexistent/manifest.yml")
    assert line(output, "scopes").startswith("– scopes: not checked")


def test_a_port_taken_by_another_program(doctor: Doctor, granted: SlackStandIn, migrated: str) -> None:
    other = ThreadingHTTPServer(("0.0.0.0", 0), BaseHTTPRequestHandler)  # a web server that knows no /healthz
    threading.Thread(target=other.serve_forever, daemon=True).start()
    port = other.server_address[1]
    try:
        code, output = doctor(healthy_env(granted, migrated, PORT=str(port)))
    finally:
        other.shutdown()
        other.server_close()
    assert code == 1
    assert line(output, "port").startswith(f"✗ port: {port} is taken by another program")


def test_a_port_taken_by_a_running_tanto_is_fine(
    doctor: Doctor, app: AppUnderTest, standin: SlackStandIn, migrated: str
) -> None:
    assert httpx.get(app.url + "/healthz").status_code == 200
    standin.scopes = list(MANIFEST_SCOPES)
    code, output = doctor(healthy_env(standin, migrated, PORT=str(app.running.port)))
    assert code == 0, output
    assert line(output, "port") == f"✓ port: {app.running.port}: a running Tanto answers /healthz"


@pytest.mark.parametrize(("encoding", "tick"), [("utf-8", "✓ "), ("ascii", "[ok] ")])
def test_tanto_doctor_as_a_command(
    granted: SlackStandIn, migrated: str, tmp_path: Path, encoding: str, tick: str
) -> None:
    env = {name: value for name, value in os.environ.items() if not name.startswith(SETTING_PREFIXES)}
    env.update(healthy_env(granted, migrated), PYTHONIOENCODING=encoding)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "doctor"], capture_output=True, cwd=tmp_path, env=env, timeout=60, check=False
    )
    output = result.stdout.decode(encoding)
    assert result.returncode == 0, output + result.stderr.decode(errors="replace")
    assert f"{tick}bot token: valid" in output
    assert output.rstrip().endswith("All checks passed.")
    assert b"Traceback" not in result.stderr
