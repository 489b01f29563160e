"""Fixtures: the real app over real HTTP, a stand-in for Slack's Web API, and Slack's side.

The app runs in its own event loop on a background thread, exactly as `tanto run` starts it
(`handlers.slack.server.start`), on SQLite by default and on PostgreSQL when
TANTO_TEST_POSTGRES_URL is set (CI sets it).
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Coroutine, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from bot.clock import ManualClock
from bot.config import Settings
from handlers.slack.server import Running, start
from handlers.slack.standin.driver import SlackDriver
from handlers.slack.standin.server import SlackStandIn
from storage.db import normalise_url

SIGNING_SECRET = "test-signing-secret-0123456789abcdef"
BOT_TOKEN = "xoxb-test"
# Monday 2026-11-23, 12:00 in Tokyo, 04:00 in Amsterdam, 22:00 (Sunday!) in New York.
NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
POSTGRES_ENV = "TANTO_TEST_POSTGRES_URL"

# People in the stand-in workspace T0001.
TANAKA = "U0TANAKA"  # Tokyo, account executive
JAN = "U0JAN"  # Amsterdam, pre-sales
EVA = "U0EVA"  # Stockholm
AYSE = "U0AYSE"  # Istanbul
NINA = "U0NINA"  # New York
BOSS = "U0ADMIN"  # workspace admin


def database_urls() -> list[Any]:
    postgres = os.environ.get(POSTGRES_ENV)
    return [
        pytest.param("sqlite", id="sqlite"),
        pytest.param(
            postgres,
            id="postgresql",
            marks=pytest.mark.skipif(not postgres, reason=f"{POSTGRES_ENV} is not set (CI sets it)"),
        ),
    ]


@pytest.fixture(params=database_urls())
def database_url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'tanto.db'}"
    url = normalise_url(request.param)
    engine = create_engine(url)
    with engine.begin() as connection:  # a clean schema for every test
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn(team_id="T0001", token=BOT_TOKEN) as slack:
        slack.add_user(TANAKA, name="tanaka", tz="Asia/Tokyo", locale="ja-JP")
        slack.add_user(JAN, name="jan", tz="Europe/Amsterdam", locale="nl-NL")
        slack.add_user(EVA, name="eva", tz="Europe/Stockholm", locale="sv-SE")
        slack.add_user(AYSE, name="ayse", tz="Europe/Istanbul", locale="tr-TR")
        slack.add_user(NINA, name="nina", tz="America/New_York", locale="en-US")
        slack.add_user(BOSS, name="boss", tz="Europe/London", locale="en-GB", is_admin=True)
        yield slack


class LoopThread:
    """An event loop on a thread of its own, as the server's home during a test."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, work: Coroutine[Any, Any, Any], timeout: float = 30) -> Any:
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


class AppUnderTest:
    """The running app, and ways to wait for what it does after answering."""

    def __init__(self, running: Running, loop: LoopThread, clock: ManualClock) -> None:
        self.running = running
        self.loop = loop
        self.clock = clock
        self.url = running.url

    def settle(self) -> None:
        """Wait until background work and due deliveries are done."""
        self.loop.run(self._settle())

    async def _settle(self) -> None:
        await self.running.runtime.settle()
        assert self.running.runtime.dispatcher is not None
        await self.running.runtime.dispatcher.drain()
        await self.running.runtime.settle()

    def tick(self) -> None:
        """One planner tick (what the scheduler runs twice a minute), then the deliveries it queued."""
        from bot.scheduler import Planner

        runtime = self.running.runtime
        assert runtime.dispatcher is not None
        self.loop.run(Planner(runtime.sessions, runtime.nudges, runtime.dispatcher).tick())
        self.settle()

    def sweep(self) -> Any:
        assert self.running.runtime.dispatcher is not None
        return self.loop.run(self.running.runtime.dispatcher.sweep())

    def items(self, team_id: str = "T0001", **which: Any) -> list[Any]:
        """What is stored, straight from the database (open and closed)."""
        from bot.model import Scope
        from storage.items import ItemFilter

        store = self.running.store
        with store.transaction() as tx:
            workspace_id = tx.workspaces.ensure(Scope("slack", team_id), self.clock.now())
            found, _ = tx.items.find(workspace_id, ItemFilter(include_closed=True, **which), limit=1000)
        return found

    def item(self, ref: str, team_id: str = "T0001") -> Any:
        """One stored item by its reference (`A-1`, `D-2`)."""
        from bot.model import parse_ref

        parsed = parse_ref(ref)
        assert parsed is not None
        [found] = [i for i in self.items(team_id) if i.kind == parsed.kind and i.number == parsed.number]
        return found

    def history(self, ref: str, team_id: str = "T0001") -> list[Any]:
        from bot.model import Scope, parse_ref

        parsed = parse_ref(ref)
        assert parsed is not None
        return self.running.runtime.tracker.history(Scope("slack", team_id), parsed)


def settings_for(standin: SlackStandIn, database_url: str) -> Settings:
    return Settings.from_env(
        {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": standin.api_url,
            "DATABASE_URL": database_url,
            "PORT": "1",  # replaced below: tests bind a free port
        }
    )


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def app(standin: SlackStandIn, database_url: str, clock: ManualClock) -> Iterator[AppUnderTest]:
    settings = replace(settings_for(standin, database_url), port=0)
    loop = LoopThread()
    running = loop.run(start(settings, clock=clock, host="127.0.0.1", ticks=False))
    try:
        yield AppUnderTest(running, loop, clock)
    finally:
        loop.run(running.stop())
        loop.close()


@pytest.fixture
def slack(app: AppUnderTest, standin: SlackStandIn) -> SlackDriver:
    return SlackDriver(app.url + "/slack/events", SIGNING_SECRET, standin, team_id="T0001", settle=app.settle)
