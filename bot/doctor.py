"""`tanto doctor`, the checks that need no chat platform: configuration, database, port.

Each check yields a Finding: a mark, what was checked, what was found, and for anything wrong
what to do about it and where. `tanto run` stops at the first bad setting; the doctor reads the
environment itself so it can list every problem at once, and never changes anything it looks at.
"""

from __future__ import annotations

import errno
import os
import re
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TextIO

import httpx

from bot.config import DATABASE_DEFAULT, SLACK_API_DEFAULT, ConfigError, Settings
from storage.inspection import DatabaseUnreachable, InvalidDatabaseURL, describe, inspect_schema, sqlite_file

APPS_PAGE = "https://api.slack.com/apps → your app"
WHERE = {
    "SLACK_BOT_TOKEN": f"{APPS_PAGE} → OAuth & Permissions → Bot User OAuth Token (xoxb-…)",
    "SLACK_SIGNING_SECRET": f"{APPS_PAGE} → Basic Information → App Credentials → Signing Secret",
    "SLACK_APP_TOKEN": f"{APPS_PAGE} → Basic Information → App-Level Tokens (xapp-…, scope connections:write)",
    "SLACK_CLIENT_ID": f"{APPS_PAGE} → Basic Information → App Credentials → Client ID",
    "SLACK_CLIENT_SECRET": f"{APPS_PAGE} → Basic Information → App Credentials → Client Secret",
}
# Slack's signing secrets are 32 lowercase hexadecimal characters; a shorter one was cut when copied.
_SIGNING_SECRET = re.compile(r"[0-9a-f]{32}")
_HEALTH_TIMEOUT = 2.0


class Mark(StrEnum):
    OK = "✓"
    PROBLEM = "✗"
    WARNING = "!"
    SKIPPED = "–"


# For terminals that cannot show the marks (a legacy code page): words instead of a crash.
_PLAIN_MARKS = {Mark.OK: "[ok]", Mark.PROBLEM: "[fail]", Mark.WARNING: "[warn]", Mark.SKIPPED: "[skip]"}


@dataclass(frozen=True)
class Finding:
    mark: Mark
    subject: str
    detail: str
    fix: str = ""  # what to do and where; set for problems and warnings


def ok(subject: str, detail: str) -> Finding:
    return Finding(Mark.OK, subject, detail)


def problem(subject: str, detail: str, fix: str) -> Finding:
    return Finding(Mark.PROBLEM, subject, detail, fix)


def warning(subject: str, detail: str, fix: str) -> Finding:
    return Finding(Mark.WARNING, subject, detail, fix)


def skipped(subject: str, reason: str) -> Finding:
    return Finding(Mark.SKIPPED, subject, f"not checked: {reason}")


@dataclass
class Configuration:
    """What the later checks may rely on: each value is None unless its setting passed."""

    findings: list[Finding] = field(default_factory=list)
    bot_token: str | None = None
    app_token: str | None = None
    api_url: str | None = None
    database_url: str | None = None
    port: int | None = None
    socket_mode: bool = False  # SLACK_APP_TOKEN is set, even if malformed: the mode asked for
    oauth: bool = False  # SLACK_CLIENT_ID/SECRET: each workspace's token comes from its installation


def check_configuration(env: Mapping[str, str]) -> Configuration:
    """Every setting `tanto run` reads, each with its own line."""

    def value(name: str) -> str:
        return env.get(name, "").strip()

    found = Configuration()
    found.oauth = bool(value("SLACK_CLIENT_ID") or value("SLACK_CLIENT_SECRET"))
    app_token = value("SLACK_APP_TOKEN")
    found.socket_mode = bool(app_token)

    found.findings.append(_bot_token(value("SLACK_BOT_TOKEN"), oauth=found.oauth))
    if found.findings[-1].mark is Mark.OK and value("SLACK_BOT_TOKEN"):
        found.bot_token = value("SLACK_BOT_TOKEN")
    found.findings.append(_signing_secret(value("SLACK_SIGNING_SECRET"), socket_mode=found.socket_mode))
    found.findings.append(_app_token(app_token))
    if found.findings[-1].mark is Mark.OK and app_token:
        found.app_token = app_token
    if found.oauth:
        found.findings.extend(_oauth_credentials(value("SLACK_CLIENT_ID"), value("SLACK_CLIENT_SECRET")))

    api_url = value("SLACK_API_URL")
    if not api_url:
        found.api_url = SLACK_API_DEFAULT
        found.findings.append(ok("SLACK_API_URL", f"{SLACK_API_DEFAULT} (default)"))
    elif api_url.startswith(("http://", "https://")):
        found.api_url = api_url if api_url.endswith("/") else api_url + "/"
        found.findings.append(ok("SLACK_API_URL", found.api_url))
    else:
        found.findings.append(
            problem(
                "SLACK_API_URL",
                f"{api_url!r} is not an http(s) URL",
                f"unset it to use {SLACK_API_DEFAULT}, or set the full URL of your Slack Web API",
            )
        )

    database_url = value("DATABASE_URL") or DATABASE_DEFAULT
    try:
        shown = describe(database_url)
    except InvalidDatabaseURL as error:
        found.findings.append(problem("DATABASE_URL", str(error), "set DATABASE_URL to a URL of that form"))
    else:
        found.database_url = database_url
        found.findings.append(ok("DATABASE_URL", shown + ("" if value("DATABASE_URL") else " (default)")))

    port_text = value("PORT") or "3000"
    if port_text.isdigit() and 0 < int(port_text) < 65536:
        found.port = int(port_text)
        found.findings.append(ok("PORT", port_text + ("" if value("PORT") else " (default)")))
    else:
        found.findings.append(
            problem("PORT", f"{port_text!r} is not a TCP port", "set PORT to a number from 1 to 65535, or unset it")
        )

    if all(finding.mark is not Mark.PROBLEM for finding in found.findings):
        # The doctor's reading of each setting must never be kinder than `tanto run`'s.
        try:
            Settings.from_env(env)
        except ConfigError as error:
            found.findings.append(problem("configuration", "`tanto run` refuses it", str(error)))
    return found


def _bot_token(token: str, *, oauth: bool) -> Finding:
    name, where = "SLACK_BOT_TOKEN", WHERE["SLACK_BOT_TOKEN"]
    if not token:
        if oauth:
            return ok(name, "not set: with SLACK_CLIENT_ID each workspace's token comes from its installation")
        return problem(name, "not set", f"copy it from {where}")
    if token.startswith("xoxb-"):
        return ok(name, "set (xoxb-…)")
    if token.startswith("xoxp-"):
        return problem(name, "is a user token (xoxp-…); Tanto acts as its bot", f"copy the bot token from {where}")
    if token.startswith("xapp-"):
        return problem(
            name, "is an app-level token (xapp-…)", f"put it in SLACK_APP_TOKEN; copy the bot token from {where}"
        )
    return problem(name, "does not start with xoxb-", f"copy it from {where}")


def _signing_secret(secret: str, *, socket_mode: bool) -> Finding:
    name, where = "SLACK_SIGNING_SECRET", WHERE["SLACK_SIGNING_SECRET"]
    if not secret:
        if socket_mode:
            return ok(name, "not set: not needed in Socket Mode (its requests are not signed)")
        return problem(
            name,
            "not set: over HTTP every request from Slack is verified with it",
            f"copy it from {where} (or set SLACK_APP_TOKEN to use Socket Mode)",
        )
    if secret.startswith(("xox", "xapp-")):
        return problem(name, "holds a token, not the signing secret", f"copy the signing secret from {where}")
    if not _SIGNING_SECRET.fullmatch(secret):
        return warning(
            name,
            f"set, but Slack's signing secrets are 32 hexadecimal characters and this has {len(secret)}",
            f"check it was copied whole from {where}",
        )
    return ok(name, "set")


def _app_token(token: str) -> Finding:
    name = "SLACK_APP_TOKEN"
    if not token:
        return ok(name, "not set: HTTP mode, Slack sends requests to /slack/events")
    if token.startswith("xapp-"):
        return ok(name, "set (xapp-…): Socket Mode")
    return problem(name, "does not start with xapp-", f"copy it from {WHERE[name]}, or unset it for HTTP mode")


def _oauth_credentials(client_id: str, client_secret: str) -> list[Finding]:
    found = []
    for name, text in (("SLACK_CLIENT_ID", client_id), ("SLACK_CLIENT_SECRET", client_secret)):
        if text:
            found.append(ok(name, "set: installs over OAuth"))
        else:
            found.append(
                problem(
                    name, "not set, but the other OAuth credential is", f"copy it from {WHERE[name]}, or unset both"
                )
            )
    return found


def check_database(url: str) -> list[Finding]:
    """Whether the database answers and its schema is this release's; never creates or migrates it."""
    path = sqlite_file(url)
    if path is not None:
        trouble = _sqlite_file_trouble(path)
        if trouble is not None:
            return [trouble]
    try:
        state = inspect_schema(url)
    except (DatabaseUnreachable, InvalidDatabaseURL) as error:
        return [
            problem(
                "database",
                f"cannot open {describe(url)}: {error}",
                "check that the server is running and DATABASE_URL's host, port, user, password and database name",
            )
        ]
    reached = ok("database", f"{describe(url)} answers")
    if state.revision is None:
        return [
            reached,
            warning("schema", "empty: no Tanto tables yet", "`tanto migrate` (or `tanto run`) creates them"),
        ]
    if not state.known:
        return [
            reached,
            problem(
                "schema",
                f"at revision {state.revision}, which this release does not know (its newest is {state.head})",
                "a newer Tanto migrated it: upgrade this installation to that release",
            ),
        ]
    if not state.current:
        return [
            reached,
            problem(
                "schema",
                f"behind: at revision {state.revision}, this release needs {state.head}",
                "run `tanto migrate` (`tanto run` also migrates on start)",
            ),
        ]
    return [reached, ok("schema", f"current (revision {state.revision})")]


def _sqlite_file_trouble(path: Path) -> Finding | None:
    folder = path.parent
    if not path.exists():
        if not folder.is_dir():
            return problem(
                "database", f"folder {folder} does not exist", "create it, or point DATABASE_URL at an existing folder"
            )
        if not os.access(folder, os.W_OK):
            return problem("database", f"cannot create {path}: {folder} is read-only for this user", _WRITABLE)
        return warning(
            "database",
            f"no database file at {path} yet",
            "`tanto migrate` (or `tanto run`) creates it; if your data is elsewhere, check DATABASE_URL",
        )
    # SQLite writes its -wal and -shm files beside the database, so the folder must be writable too.
    if not os.access(path, os.W_OK) or not os.access(folder, os.W_OK):
        return problem("database", f"{path} or its folder is read-only for this user", _WRITABLE)
    return None


_WRITABLE = "give this user write access (in a container: the owner of the /data volume), or change DATABASE_URL"


def check_port(port: int) -> Finding:
    """Whether `tanto run` can listen on the port, or a Tanto already does."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
            # As the server binds (aiohttp sets it): a closed connection lingering in TIME_WAIT is no obstacle.
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("0.0.0.0", port))
    except PermissionError:
        return problem("port", f"{port} needs privileges this user lacks", "set PORT to 1024 or above")
    except OSError as error:
        if error.errno != errno.EADDRINUSE:
            return problem("port", f"cannot listen on {port}: {error.strerror}", "set PORT to another port")
        return _port_in_use(port)
    return ok("port", f"{port} is free for `tanto run`")


def _port_in_use(port: int) -> Finding:
    url = f"http://127.0.0.1:{port}/healthz"
    try:
        answer = httpx.get(url, timeout=_HEALTH_TIMEOUT)
        body = answer.json()
    except (httpx.HTTPError, ValueError):
        body, answer = None, None
    if isinstance(body, dict) and answer is not None and "ok" in body:
        if answer.status_code == 200 and body["ok"] is True:
            return ok("port", f"{port}: a running Tanto answers /healthz")
        return problem(
            "port",
            f"{port}: a running Tanto answers /healthz with {answer.status_code} {body}",
            "its database is unreachable: see its log",
        )
    return problem("port", f"{port} is taken by another program", "stop that program, or set PORT to a free port")


class Report:
    """Prints findings as they come, one line each with the fix beneath, and adds them up."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._marks: dict[Mark, str] = {mark: mark.value for mark in Mark}
        try:
            "✓✗–→…".encode(getattr(out, "encoding", None) or "utf-8")
        except (UnicodeEncodeError, LookupError):
            self._marks = dict(_PLAIN_MARKS)
            if hasattr(out, "reconfigure"):
                out.reconfigure(errors="replace")
        self.findings: list[Finding] = []

    def section(self, title: str) -> None:
        print(("\n" if self.findings else "") + title, file=self._out, flush=True)

    def add(self, findings: Iterable[Finding]) -> None:
        for finding in findings:
            self.findings.append(finding)
            print(f"  {self._marks[finding.mark]} {finding.subject}: {finding.detail}", file=self._out)
            if finding.fix:
                print(f"      → {finding.fix}", file=self._out)
        self._out.flush()

    def finish(self) -> int:
        """Print the tally; the exit code is 1 when anything must be fixed (warnings alone pass)."""
        problems = sum(finding.mark is Mark.PROBLEM for finding in self.findings)
        warnings = sum(finding.mark is Mark.WARNING for finding in self.findings)
        if problems:
            tally = f"{_count(problems, 'problem')}" + (f", {_count(warnings, 'warning')}" if warnings else "")
            print(f"\n{tally}: fix the {self._marks[Mark.PROBLEM]} lines and run `tanto doctor` again.", file=self._out)
        elif warnings:
            print(f"\nReady to run, with {_count(warnings, 'warning')}.", file=self._out)
        else:
            print("\nAll checks passed.", file=self._out)
        self._out.flush()
        return 1 if problems else 0


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")
