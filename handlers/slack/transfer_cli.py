"""`tanto import` and `tanto export`: a Slack workspace's account plan in and out of a file.

Reading and checking the file is the core's (bot.plan_csv); what is Slack's is here: workspace
and channel ids, and the people a plan names. Owners may be written as Slack member ids or as
emails; an email is turned into a member id with Slack's users.lookupByEmail (scope
users:read.email), which needs SLACK_BOT_TOKEN. With a token, everyone the plan names is also
checked with users.info and their profile cached, as when they first use Tanto, so reminders
follow their time zone from the start.

Exit status: 0 done, 1 rows with problems (nothing imported), 2 the command could not run.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
from collections.abc import Awaitable, Sequence
from pathlib import Path

from aiohttp import ClientError
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler, async_default_handlers
from slack_sdk.web.async_client import AsyncWebClient

from bot import transfer_messages as say
from bot.clock import SystemClock
from bot.config import SLACK_API_DEFAULT
from bot.model import ItemKind, Scope, UserError
from bot.nudges import Nudges
from bot.plan_csv import Plan, read_plan, resolve_people
from bot.plan_export import PlanExporter, export_csv, export_json
from bot.plan_import import ImportResult, PlanImporter
from bot.sessions import Sessions
from bot.tracker import Tracker
from handlers.slack.runtime import PLATFORM, Runtime
from storage.store import Store

_TEAM_ID = re.compile(r"^T[A-Z0-9]{2,}$")
_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")
# users.lookupByEmail is Tier 3 (about 50 a minute): a long plan waits out Slack's Retry-After.
RATE_LIMIT_RETRIES = 10
NOT_FOUND_ERRORS = ("users_not_found", "user_not_found")

EMAILS_NEED_TOKEN = (
    "The file gives {count} by email, and finding their Slack member IDs needs SLACK_BOT_TOKEN (and "
    "SLACK_API_URL, if not Slack's own) in the environment. Set it, or write member IDs (U…) instead of emails."
)
NO_TOKEN_NOTE = (
    "SLACK_BOT_TOKEN is not set: member IDs were not checked with Slack, and owners' time zones are learned "
    "when they next use Tanto (until then their reminders follow UTC)."
)
MISSING_SCOPE = (
    "Slack refused {method}: the app lacks the {scope} scope. Add it under OAuth & Permissions (or in "
    "manifest.yml) and reinstall the app, or write member IDs (U…) instead of emails."
)
WRONG_WORKSPACE_TOKEN = (
    "SLACK_BOT_TOKEN belongs to workspace {token_team}, not {team}: people would be looked up in the wrong "
    "workspace. Set the bot token of {team} (its app page → OAuth & Permissions), or write member IDs without it."
)
SLACK_REFUSED = "Slack answered {error} to {method}: check SLACK_BOT_TOKEN and SLACK_API_URL."
SLACK_UNREACHABLE = "Slack could not be reached at {url} ({error})."
BAD_TEAM = "--workspace {value!r} is not a Slack team ID (T…): find it in Slack under your workspace name → Settings."
BAD_CHANNEL = (
    "--channel {value!r} is not a Slack channel ID (C…): in Slack, open the channel's details; the ID is at the bottom."
)
NO_FILE = "Cannot read {path}: {error}."


class _Stop(Exception):
    """The command cannot go on: a message for standard error, and the exit status."""

    def __init__(self, message: str, status: int = 2) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def import_command(
    file: Path, *, workspace: str, channel: str, mapping: Sequence[str], skip_invalid: bool, dry_run: bool,
    database_url: str,
) -> int:  # fmt: skip
    try:
        return asyncio.run(_import(file, workspace, channel, mapping, skip_invalid, dry_run, database_url))
    except _Stop as stop:
        print(f"tanto import: {stop.message}", file=sys.stderr)
        return stop.status


def export_command(*, workspace: str, channel: str | None, fmt: str, output: Path | None, database_url: str) -> int:
    try:
        _check_ids(workspace, channel)
        store = Store.open(database_url)
        try:
            exporter = PlanExporter(store, SystemClock())
            export = exporter.read(_existing_scope(exporter, workspace), channel)
        finally:
            store.close()
        data = export_csv(export) if fmt == "csv" else export_json(export)
        if output is None:
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        else:
            output.write_bytes(data)
    except (_Stop, OSError) as error:
        message = error.message if isinstance(error, _Stop) else str(error)
        print(f"tanto export: {message}", file=sys.stderr)
        return 2
    what = say.items(export.count(ItemKind.ACTION), export.count(ItemKind.DECISION))
    where = f"channel {channel} of workspace {workspace}" if channel else f"workspace {workspace}"
    print(say.EXPORTED.format(what=what, where=where, target=output or "standard output"), file=sys.stderr)
    return 0


async def _import(
    file: Path, team: str, channel: str, mapping: Sequence[str], skip_invalid: bool, dry_run: bool,
    database_url: str,
) -> int:  # fmt: skip
    _check_ids(team, channel)
    try:
        data = file.read_bytes()
    except OSError as error:
        raise _Stop(NO_FILE.format(path=file, error=error.strerror or error)) from None
    clock = SystemClock()
    try:
        plan = read_plan(data, mapping, now=clock.now())
    except UserError as error:
        raise _Stop(error.message) from None
    store = await asyncio.to_thread(Store.open, database_url)
    try:
        tracker = Tracker(store, clock)
        runtime = Runtime(tracker, Sessions(store, clock), Nudges(store, clock))
        _report_columns(plan, file.name)
        scope = _import_scope(PlanExporter(store, clock), team)
        plan = await _resolve(plan, scope, runtime, remember=not dry_run)
        status = _report_problems(plan, skip_invalid)
        if status is not None:
            return status
        result = await asyncio.to_thread(
            PlanImporter(store, clock).run, scope, channel, plan.rows, source=file.name, dry_run=dry_run
        )
        _report_result(result, team, channel)
        await runtime.settle()
        return 0
    finally:
        await asyncio.to_thread(store.close)


async def _resolve(plan: Plan, scope: Scope, runtime: Runtime, *, remember: bool) -> Plan:
    """The plan with emails turned into member ids and, with a token, every id checked with Slack
    (and, unless `remember` is off for a dry run, their profiles cached)."""
    emails = plan.emails()
    client = _client()
    if client is None:
        if emails:
            raise _Stop(EMAILS_NEED_TOKEN.format(count=say.people(len(emails))))
        if plan.user_ids():
            print(NO_TOKEN_NOTE)
        return plan
    if not emails and not plan.user_ids():
        return plan
    await _check_token_workspace(client, scope)
    found: dict[str, str | None] = {}
    for email in emails:
        response = await _ask(client, "users.lookupByEmail", client.users_lookupByEmail(email=email))
        found[email] = response["user"]["id"] if response is not None else None
    tracker = runtime.tracker
    for user_id in dict.fromkeys([*plan.user_ids(), *(found_id for found_id in found.values() if found_id)]):
        if await asyncio.to_thread(tracker.cached_person, scope, user_id) is not None:
            continue
        # Cached the way a first contact caches them (users.info), so nudges know their zone.
        lookup = runtime.directory.refresh(scope, user_id, client) if remember else client.users_info(user=user_id)
        if await _ask(client, "users.info", lookup) is None:
            found[user_id] = None
    return resolve_people(plan, found)


async def _check_token_workspace(client: AsyncWebClient, scope: Scope) -> None:
    """Stop unless the token speaks for this workspace: Slack answers lookups with the people of
    the token's own workspace, so another one's token would file items under strangers."""
    identity = await _ask(client, "auth.test", client.auth_test()) or {}
    if identity.get("is_enterprise_install") and scope.enterprise_id:
        speaks_for = identity.get("enterprise_id") == scope.enterprise_id
    else:
        speaks_for = identity.get("team_id") == scope.team_id
    if not speaks_for:
        owner = identity.get("team_id") or identity.get("enterprise_id")
        raise _Stop(WRONG_WORKSPACE_TOKEN.format(token_team=owner, team=scope.team_id))


async def _ask[T](client: AsyncWebClient, method: str, call: Awaitable[T]) -> T | None:
    """The answer to one Slack call; None when Slack knows no such user; _Stop for anything else."""
    try:
        return await call
    except SlackApiError as error:
        code = str(error.response.get("error"))
        if code in NOT_FOUND_ERRORS:
            return None
        if code == "missing_scope":
            needed = str(error.response.get("needed") or "users:read.email")
            raise _Stop(MISSING_SCOPE.format(method=method, scope=needed)) from None
        raise _Stop(SLACK_REFUSED.format(error=code, method=method)) from None
    except (ClientError, OSError, TimeoutError) as error:
        raise _Stop(SLACK_UNREACHABLE.format(url=client.base_url, error=error or type(error).__name__)) from None


def _client() -> AsyncWebClient | None:
    token = os.environ.get("SLACK_BOT_TOKEN", "").strip()
    if not token:
        return None
    if not token.startswith("xoxb-"):
        raise _Stop("SLACK_BOT_TOKEN should start with xoxb-: it is the app's Bot User OAuth Token.")
    api_url = os.environ.get("SLACK_API_URL", "").strip() or SLACK_API_DEFAULT
    handlers = [*async_default_handlers(), AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)]
    return AsyncWebClient(
        token=token, base_url=api_url if api_url.endswith("/") else api_url + "/", timeout=10, retry_handlers=handlers
    )


def _report_columns(plan: Plan, source: str) -> None:
    columns = ", ".join(f"{column.field.value} = {column.name}" for column in plan.columns)
    print(say.COLUMNS.format(source=source, rows=say.rows(plan.read), columns=columns))
    if plan.ignored:
        print(say.NOT_READ.format(headers=", ".join(f'"{header}"' for header in plan.ignored)))


def _report_problems(plan: Plan, skip_invalid: bool) -> int | None:
    """Say every problem; the exit status when nothing is to be imported."""
    for error in plan.errors:
        print(error)
    if plan.errors and not skip_invalid:
        hint = say.INVALID_SKIP_HINT.format(valid=say.rows(len(plan.rows))) if plan.rows else "."
        print(say.INVALID.format(invalid=plan.invalid, read=plan.read) + hint)
        return 1
    if plan.errors:
        print(say.SKIPPING_INVALID.format(invalid=say.rows(plan.invalid)))
    if not plan.rows:
        print(say.NOTHING_VALID)
        return 1 if plan.errors else 0
    return None


def _report_result(result: ImportResult, team: str, channel: str) -> None:
    refs = [entry.item.ref for entry in result.imported]
    if refs:
        actions = sum(1 for ref in refs if ref.kind is ItemKind.ACTION)
        what = say.items(actions, len(refs) - actions)
        template = say.WOULD_IMPORT if result.dry_run else say.IMPORTED
        print(template.format(what=what, channel=channel, team=team, refs=say.ref_ranges(refs)))
        if result.overdue:
            verb = "are" if result.overdue > 1 else "is"
            print(say.OVERDUE.format(count=result.overdue, verb=verb))
    else:
        print(say.NOTHING_NEW.format(channel=channel, team=team))
    if result.skipped:
        rows = ", ".join(f"row {entry.row} ({entry.ref})" for entry in result.skipped)
        print(say.ALREADY_THERE.format(count=say.rows(len(result.skipped)), rows=rows))
    if result.dry_run:
        print(say.DRY_RUN_DONE)


def _check_ids(team: str, channel: str | None) -> None:
    if not _TEAM_ID.match(team):
        raise _Stop(BAD_TEAM.format(value=team))
    if channel is not None and not _CHANNEL_ID.match(channel):
        raise _Stop(BAD_CHANNEL.format(value=channel))


def _import_scope(exporter: PlanExporter, team: str) -> Scope:
    """The stored workspace with this team id; a new one (outside Enterprise Grid) when there is none."""
    scopes, _ = exporter.scopes(PLATFORM, team)
    if not scopes:
        print(say.NEW_WORKSPACE.format(team=team))
        return Scope(PLATFORM, team)
    return _one(scopes, team)


def _existing_scope(exporter: PlanExporter, team: str) -> Scope:
    scopes, known = exporter.scopes(PLATFORM, team)
    if not scopes:
        if known:
            raise _Stop(say.NO_WORKSPACE.format(team=team, known=", ".join(sorted(set(known)))))
        raise _Stop(say.NO_WORKSPACES.format(team=team))
    return _one(scopes, team)


def _one(scopes: list[Scope], team: str) -> Scope:
    if len(scopes) > 1:
        raise _Stop(say.SEVERAL_WORKSPACES.format(team=team, orgs=", ".join(s.enterprise_id for s in scopes)))
    return scopes[0]
