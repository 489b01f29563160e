"""The `tanto` command line: every subcommand is declared here, and each runs from its own module.

Modules are imported only when their command runs, so `tanto --help` and `tanto migrate` do not
load the Slack stack or the terminal renderer.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import signal
import sys
import threading
from pathlib import Path

from bot import logs
from bot.config import ConfigError, Settings, database_url


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        logs.configure()
        return _dispatch(args)
    except ConfigError as error:
        print(f"tanto: {error}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tanto", description="Account-plan action items for Slack.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="serve Slack (HTTP on $PORT, or Socket Mode with $SLACK_APP_TOKEN)")
    commands.add_parser("migrate", help="create or upgrade the database schema at $DATABASE_URL")
    commands.add_parser("doctor", help="check configuration, Slack token and scopes, database; say what to fix")

    console = commands.add_parser("console", help="try Tanto in the terminal, with a local stand-in for Slack")
    console.add_argument("--db", type=Path, help="SQLite file to keep (default: a temporary one)")

    importing = commands.add_parser("import", help="bring action items in from a CSV account plan")
    importing.add_argument("file", type=Path, help="the CSV file (UTF-8, with or without BOM)")
    importing.add_argument("--workspace", required=True, help="Slack team id, T…")
    importing.add_argument("--channel", required=True, help="Slack channel id, C…")
    importing.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="FIELD=HEADER",
        help="read FIELD (what, owner, due, tag, status, created) from column HEADER; repeatable",
    )
    importing.add_argument("--skip-invalid", action="store_true", help="import the valid rows, skip the others")
    importing.add_argument("--dry-run", action="store_true", help="validate and report, import nothing")

    exporting = commands.add_parser("export", help="write items, decisions and their history as CSV or JSON")
    exporting.add_argument("--workspace", required=True, help="Slack team id, T…")
    exporting.add_argument("--channel", help="only this channel (default: the whole workspace)")
    exporting.add_argument("--format", choices=("csv", "json"), default="csv")
    exporting.add_argument("--output", "-o", type=Path, help="file to write (default: standard output)")
    return parser


def _dispatch(args: argparse.Namespace) -> int:
    match args.command:
        case "run":
            return asyncio.run(_run(Settings.from_env()))
        case "migrate":
            return _migrate()
        case "doctor":
            from handlers.slack.doctor import run_doctor

            return run_doctor()
        case "console":
            from handlers.slack.console import run_console

            return run_console(args.db)
        case "import":
            from handlers.slack.transfer_cli import import_command

            return import_command(
                args.file,
                workspace=args.workspace,
                channel=args.channel,
                mapping=args.map,
                skip_invalid=args.skip_invalid,
                dry_run=args.dry_run,
                database_url=database_url(),
            )
        case "export":
            from handlers.slack.transfer_cli import export_command

            return export_command(
                workspace=args.workspace,
                channel=args.channel,
                fmt=args.format,
                output=args.output,
                database_url=database_url(),
            )
    raise AssertionError(f"unhandled command {args.command}")


def _migrate() -> int:
    from storage.migrate import current_revision
    from storage.store import Store

    store = Store.open(database_url())
    print(f"tanto: database at revision {current_revision(store.engine)}")
    store.close()
    return 0


async def _run(settings: Settings) -> int:
    # Imported here so `tanto migrate` and `--help` do not load the Slack stack.
    from handlers.slack.server import STOP_DEADLINE, start

    running = await start(settings)
    # What is loaded by now (modules, the app, compiled patterns) lives as long as the process.
    # Frozen, it is out of the collector's reach: a full collection no longer walks some 150,000
    # objects with the interpreter lock held, which paused every request for 70-200 ms under load.
    gc.collect()
    gc.freeze()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    log = logging.getLogger(__name__)
    log.info("stopping: answering the requests and finishing the sends in flight")
    # Nothing stuck (a send, a database call in a thread) may keep the process past the
    # deadline; a second Ctrl-C means now.
    watchdog = threading.Timer(STOP_DEADLINE, _exit_now, [f"still stopping after {STOP_DEADLINE:.1f} s"])
    watchdog.daemon = True
    watchdog.start()
    loop.add_signal_handler(signal.SIGINT, _exit_now, "interrupted again")
    await running.stop()
    return 0


def _exit_now(why: str) -> None:
    logging.getLogger(__name__).error("%s: exiting now; unsent messages are retried by the next start", why)
    logging.shutdown()
    os._exit(1)
