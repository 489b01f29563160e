"""The `tanto` command line: run the bot, migrate its database."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

from bot.config import ConfigError, Settings, database_url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tanto", description="Account-plan action items for Slack.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="serve Slack (HTTP on $PORT, or Socket Mode with $SLACK_APP_TOKEN)")
    commands.add_parser("migrate", help="create or upgrade the database schema at $DATABASE_URL")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        if args.command == "migrate":
            return _migrate()
        return asyncio.run(_run(Settings.from_env()))
    except ConfigError as error:
        print(f"tanto: {error}", file=sys.stderr)
        return 2


def _migrate() -> int:
    from storage.migrate import current_revision
    from storage.store import Store

    store = Store.open(database_url())
    print(f"tanto: database at revision {current_revision(store.engine)}")
    store.close()
    return 0


async def _run(settings: Settings) -> int:
    # Imported here so `tanto migrate` and `--help` do not load the Slack stack.
    from handlers.slack.server import start

    running = await start(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    logging.getLogger(__name__).info("stopping")
    await running.stop()
    return 0
