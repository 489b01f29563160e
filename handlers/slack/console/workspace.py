"""The real app, wired to a local stand-in for Slack, on a clock the console moves.

Nothing here is a copy: the app is started by `handlers.slack.server.start` as `tanto run` starts
it, Slack's Web API is the stand-in the tests use, and requests are signed by the tests' driver.
Settings are built in code (a random signing secret, the stand-in's token and URL, a SQLite file),
so the console needs no configuration at all.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.model import Scope
from bot.scheduler import Planner
from handlers.slack.console.team import TEAM_ID, Team
from handlers.slack.console.timetravel import RunningClock
from handlers.slack.runtime import PLATFORM
from handlers.slack.server import EVENTS_PATH, Running, start
from handlers.slack.standin.driver import Reply, SlackDriver
from handlers.slack.standin.server import Call, SlackStandIn

BOT_TOKEN = "xoxb-tanto-console"
# The planner runs twice a minute in production; moving the clock ticks it on this grid and at
# every session moment in between, so each check-in, agenda and nudge fires in its own turn.
TICK_GRID = timedelta(minutes=30)
# A jump of months is still answered in seconds: past this many grid ticks, the grid widens.
MAX_GRID_TICKS = 1500


@dataclass(frozen=True)
class Tick:
    """One planner tick while the clock moved, and the calls the app made during it."""

    at: datetime
    calls: list[Call]


class _LoopThread:
    """The app's event loop, on a thread of its own, so the console can block on input."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="tanto-console-app", daemon=True)
        self.thread.start()

    def run(self, work: Coroutine[Any, Any, Any], timeout: float = 60) -> Any:
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


class LocalWorkspace:
    """The app, the stand-in seeded with the team, the driver playing Slack, and the clock."""

    def __init__(self, database: Path, now: datetime, team: Team) -> None:
        self.team = team
        self.clock = RunningClock(now)
        self.standin = SlackStandIn(team_id=TEAM_ID, token=BOT_TOKEN).start()
        self._loop: _LoopThread | None = None
        try:
            for member in team.members:
                self.standin.add_user(
                    member.user_id,
                    name=member.name,
                    tz=member.tz,
                    locale=member.locale,
                    is_admin=member.is_admin,
                    real_name=member.real_name,
                )
            for channel in team.channels:
                self.standin.add_channel(channel.channel_id, name=channel.name)
            signing_secret = secrets.token_hex(16)
            settings = Settings(
                bot_token=BOT_TOKEN,
                signing_secret=signing_secret,
                app_token=None,
                api_url=self.standin.api_url,
                database_url=f"sqlite:///{database}",
                port=0,
            )
            self._loop = _LoopThread()
            self.running: Running = self._loop.run(start(settings, clock=self.clock, host="127.0.0.1", ticks=False))
        except BaseException:
            self.stop()
            raise
        self.driver = SlackDriver(
            self.running.url + EVENTS_PATH, signing_secret, self.standin, team_id=TEAM_ID, settle=self.settle
        )

    def stop(self) -> None:
        if self._loop is not None:
            if hasattr(self, "running"):
                self._loop.run(self.running.stop())
                self.driver.close()
            self._loop.close()
            self._loop = None
        self.standin.stop()

    # What the driver sends, each followed by the work the app does after answering

    def command(self, command: str, text: str, *, user: str, channel: str, response_url: str) -> Reply:
        found = self.team.channel(channel)
        name = found.name if found else channel.lower()
        reply = self.driver.command(
            command, text, user=user, channel=channel, channel_name=name, response_url=response_url
        )
        self.settle()
        return reply

    def click(
        self, source: dict[str, Any], action_id: str, *, nth: int, user: str, option: str | None, response_url: str
    ) -> Reply:
        reply = self.driver.click_button_in(
            source, action_id, user=user, option=option, nth=nth, response_url=response_url
        )
        self.settle()
        return reply

    def submit(self, view: dict[str, Any], values: dict[str, Any], *, user: str) -> Reply:
        reply = self.driver.submit_view(view, values, user=user)
        self.settle()
        return reply

    def open_home(self, user: str) -> dict[str, Any] | None:
        """The user opens Tanto's Home tab: the event Slack sends, then the tab the app published."""
        self.driver.event({"type": "app_home_opened", "user": user, "channel": "D" + user, "tab": "home"})
        self.settle()
        return self.standin.home_of(user)

    # Time

    def advance(self, target: datetime) -> list[Tick]:
        """Move the clock to `target`, ticking the planner on the way; the ticks that did something."""
        ticks = []
        for moment in self._tick_moments(target):
            self.clock.set(max(moment, self.clock.now()))  # a slow tick must not turn the clock back
            mark = self.mark()
            self._tick()
            calls = self.calls_since(mark)
            if calls:
                ticks.append(Tick(moment, calls))
        return ticks

    def _tick_moments(self, target: datetime) -> list[datetime]:
        now = self.clock.now()
        grid = max(TICK_GRID, (target - now) / MAX_GRID_TICKS)
        moments = {target}
        step = now - (now - datetime.min.replace(tzinfo=now.tzinfo)) % TICK_GRID + grid
        while step < target:
            moments.add(step)
            step += grid
        moments.update(self._session_moments(now, target))
        return sorted(moments)

    def _session_moments(self, now: datetime, target: datetime) -> set[datetime]:
        """When check-ins and agendas go out and sessions end, between now and `target`."""
        found: set[datetime] = set()
        for view in self.running.runtime.sessions.in_workspace(Scope(PLATFORM, TEAM_ID)):
            schedule, after = view.schedule, now
            while len(found) < MAX_GRID_TICKS and (starts := schedule.next_session(after)) is not None:
                moments = (schedule.checkin_at(starts), schedule.agenda_at(starts), starts, schedule.ends_at(starts))
                found.update(m for m in moments if now < m <= target)
                if starts > target:
                    break
                after = starts
        return found

    def _tick(self) -> None:
        runtime = self.running.runtime
        assert runtime.dispatcher is not None
        self._run(Planner(runtime.sessions, runtime.nudges, runtime.dispatcher).tick())
        self.settle()

    def settle(self) -> None:
        """Wait until the work the app does after answering, and the deliveries due, are done."""
        self._run(self._settle())

    async def _settle(self) -> None:
        runtime = self.running.runtime
        await runtime.settle()
        assert runtime.dispatcher is not None
        await runtime.dispatcher.sweep()
        await runtime.settle()

    def _run(self, work: Coroutine[Any, Any, Any]) -> Any:
        assert self._loop is not None
        return self._loop.run(work)

    # What Slack saw

    def mark(self) -> int:
        return len(self.standin.calls)

    def calls_since(self, mark: int) -> list[Call]:
        return self.standin.calls[mark:]
