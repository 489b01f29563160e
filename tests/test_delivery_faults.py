"""Exactly-once delivery of due nudges under faults, end to end: a real `tanto run` child process,
the real database (SQLite and PostgreSQL), and the Slack stand-in injecting the faults.

Each test seeds one overdue item for each of N owners with the real core (a clock three days in
the past), gives every owner working time around the clock so the nudge is due whenever the test
runs, starts the bot and waits until the outbox is drained. Then every owner must have exactly
one nudge DM. Each test prints a one-line summary (run pytest with -s to see it).
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from bot.clock import ManualClock
from bot.model import Person, Scope
from bot.nudges import Nudges
from bot.outbox import PARALLEL_SENDS
from bot.tracker import Captured, Tracker
from bot.working_time import WorkPrefs
from handlers.slack.standin.server import SlackStandIn
from storage.store import Store
from storage.tables import OutboxRow
from tests.bot_process import BotProcess
from tests.conftest import BOT_TOKEN, SIGNING_SECRET

SCOPE = Scope("slack", "T0001")
METADATA_EVENT = "tanto_outbox"
POST = "chat.postMessage"
ALWAYS_AT_WORK = WorkPrefs(days=frozenset(range(7)), starts=clock_time(0), ends=clock_time(23, 59))


# Seeding, running, counting


def seed_overdue_nudges(standin: SlackStandIn, database_url: str, owners: int) -> list[str]:
    """One item per owner, due yesterday, created three days ago: each owner's nudge is due now."""
    now = datetime.now(UTC)
    clock = ManualClock(now - timedelta(days=3))
    store = Store.open(database_url)
    try:
        nudges, tracker = Nudges(store, clock), Tracker(store, clock)
        author = Person("U0AUTHOR", tz="UTC", locale="en-US")
        ids = []
        for number in range(owners):
            owner = f"U0OWNER{number:03d}"
            standin.add_user(owner, name=f"owner{number}", tz="UTC", locale="en-US")
            nudges.set_prefs(SCOPE, owner, ALWAYS_AT_WORK)
            captured = tracker.complete(
                SCOPE,
                author=author,
                channel_id="C0DEALS",
                title=f"Send the proposal to customer {number}",
                owner_id=owner,
                due_on=now.date() - timedelta(days=1),
                tag=None,
                source_key=f"delivery-faults-{number}",
            )
            assert isinstance(captured, Captured), captured
            ids.append(owner)
        return ids
    finally:
        store.engine.dispose()


def bot_for(
    standin: SlackStandIn, database_url: str, tmp_path: Path, name: str = "bot", env: dict[str, str] | None = None
) -> BotProcess:
    """`tanto run` (not started yet) against the stand-in, logging to `<name>.log`."""
    return BotProcess(
        database_url=database_url,
        api_url=standin.api_url,
        signing_secret=SIGNING_SECRET,
        bot_token=BOT_TOKEN,
        log_path=tmp_path / f"{name}.log",
        env={"TZ": "UTC", **(env or {})},
    )


def nudge_posts(standin: SlackStandIn) -> list[dict[str, Any]]:
    return [
        post
        for post in standin.posts_with_metadata(METADATA_EVENT)
        if str(post["metadata"]["event_payload"]["key"]).startswith("nudge:")
    ]


def owners_reached(standin: SlackStandIn) -> set[str]:
    return {str(post["metadata"]["event_payload"]["key"]).split(":")[1] for post in nudge_posts(standin)}


def wait_until(condition: Any, timeout: float, what: Any) -> float:
    """Poll `condition` until true; the seconds it took. `what` may be a callable, described on failure."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"timed out after {timeout}s waiting for {what() if callable(what) else what}")
        time.sleep(0.1)
    return time.monotonic() - started


def outbox_state(database_url: str) -> tuple[int, int, dict[str, int]]:
    """Nudge rows still pending, given up, and sent per worker."""
    store = Store.open(database_url, migrate=False)
    try:
        with store.transaction() as tx:
            nudge_rows = col(OutboxRow.kind) == "nudge"
            pending = tx.session.exec(
                select(func.count()).where(
                    nudge_rows, col(OutboxRow.sent_at).is_(None), col(OutboxRow.gave_up_at).is_(None)
                )
            ).one()
            given_up = tx.session.exec(
                select(func.count()).where(nudge_rows, col(OutboxRow.gave_up_at).is_not(None))
            ).one()
            by_worker = tx.session.exec(
                select(OutboxRow.claimed_by, func.count())
                .where(nudge_rows, col(OutboxRow.sent_at).is_not(None))
                .group_by(col(OutboxRow.claimed_by))
            ).all()
        return int(pending), int(given_up), {str(worker): int(count) for worker, count in by_worker}
    finally:
        store.engine.dispose()


def wait_until_delivered(standin: SlackStandIn, database_url: str, owners: list[str], timeout: float) -> float:
    """Every owner reached and the outbox drained (nothing left that could still post)."""
    return wait_until(
        lambda: owners_reached(standin) >= set(owners) and outbox_state(database_url)[:2] == (0, 0),
        timeout,
        lambda: (
            f"{len(owners)} nudge DMs and an empty outbox: reached {len(owners_reached(standin))} owners, "
            f"outbox (pending, given up, sent per worker) {outbox_state(database_url)}"
        ),
    )


def assert_exactly_once(standin: SlackStandIn, database_url: str, owners: list[str], label: str) -> str:
    posts = nudge_posts(standin)
    per_key = Counter(str(post["metadata"]["event_payload"]["key"]) for post in posts)
    per_owner = Counter(key.split(":")[1] for key in per_key.elements())
    duplicates = len(posts) - len(per_key)
    summary = f"{label}: {len(owners)} owners, {len(posts)} DMs, {duplicates} duplicates"
    print(summary)
    assert duplicates == 0, {key: n for key, n in per_key.items() if n > 1}
    assert per_owner == Counter(owners), "every owner gets exactly one nudge DM"
    for post in posts:  # each in the owner's own DM
        assert post["channel"] == "D" + str(post["metadata"]["event_payload"]["key"]).split(":")[1]
    pending, given_up, _ = outbox_state(database_url)
    assert (pending, given_up) == (0, 0)
    return summary


def failed_posts(standin: SlackStandIn) -> int:
    return sum(1 for call in standin.calls_to(POST) if call.failed)


# The tests


def test_a_bot_killed_mid_send_and_restarted_delivers_each_nudge_once(
    standin: SlackStandIn, database_url: str, tmp_path: Path
) -> None:
    owners = seed_overdue_nudges(standin, database_url, 30)
    # Each post takes 1 s at Slack; the kill comes half a second after the 5th landed, while the
    # next ones (up to PARALLEL_SENDS at once) are on their way: the stand-in still carries them
    # out, but the bot never hears back.
    standin.set_delay(POST, 1.0)
    bot = bot_for(standin, database_url, tmp_path)
    try:
        started = time.monotonic()
        bot.start()
        wait_until(lambda: len(nudge_posts(standin)) >= 5, 30, "the first nudge DMs")
        time.sleep(0.5)
        bot.kill()
        at_kill = len(nudge_posts(standin))
        time.sleep(1.0)  # the post in flight lands after the bot is gone
        after_kill = len(nudge_posts(standin))
        assert after_kill < len(owners)
        standin.set_delay(POST, 0)

        bot.start()  # a fresh process on the same database and log
        # Rows claimed by the dead process wait out their 60 s lease.
        wait_until_delivered(standin, database_url, owners, 100)
        drained = time.monotonic() - started
        assert bot.stop() == 0
    finally:
        bot.kill()
    assert_exactly_once(standin, database_url, owners, "kill -9")
    print(
        f"  {at_kill} DMs when killed, {after_kill} once the post in flight landed (never recorded by the bot); "
        f"all delivered {drained:.1f}s after the first start; "
        f"{len(standin.calls_to('conversations.history'))} history checks by retried rows"
    )
    assert 1 <= after_kill - at_kill <= PARALLEL_SENDS, "the kill should land mid-send"


def test_answers_lost_after_posting_are_not_posted_again(
    standin: SlackStandIn, database_url: str, tmp_path: Path
) -> None:
    owners = seed_overdue_nudges(standin, database_url, 30)
    standin.drop_next(POST, times=6, after_effect=True)  # posted, but the answer is lost
    started = time.monotonic()
    with bot_for(standin, database_url, tmp_path):
        wait_until_delivered(standin, database_url, owners, 60)
    drained = time.monotonic() - started
    assert_exactly_once(standin, database_url, owners, "lost answers")
    print(
        f"  {failed_posts(standin)} answers lost after posting, "
        f"{len(standin.calls_to('conversations.history'))} history checks, {len(standin.calls_to(POST))} posts "
        f"requested, drained in {drained:.1f}s"
    )
    assert failed_posts(standin) == 6
    assert len(standin.calls_to(POST)) == len(owners)  # the lost ones were found in history, not re-posted


def test_two_bots_on_one_postgresql_database_deliver_each_nudge_once(
    standin: SlackStandIn, database_url: str, tmp_path: Path
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("several replicas need PostgreSQL (SKIP LOCKED); SQLite is one process")
    owners = seed_overdue_nudges(standin, database_url, 60)
    # Long enough a drain for both to take part: about 12 s for one process sending PARALLEL_SENDS at once.
    standin.set_delay(POST, 0.2 * PARALLEL_SENDS)
    first = bot_for(standin, database_url, tmp_path, "first")
    second = bot_for(standin, database_url, tmp_path, "second")
    started = time.monotonic()
    try:
        first.start()
        second.start()
        wait_until_delivered(standin, database_url, owners, 60)
        drained = time.monotonic() - started
        assert first.stop() == 0
        assert second.stop() == 0
    finally:
        first.kill()
        second.kill()
    assert_exactly_once(standin, database_url, owners, "two processes")
    _, _, by_worker = outbox_state(database_url)
    workers = {f"{first.pid}", f"{second.pid}"}
    sent_by = {worker.rpartition(":")[2]: count for worker, count in by_worker.items()}
    print(f"  sent per process {sent_by}, drained in {drained:.1f}s")
    assert set(sent_by) == workers, "both processes delivered"


def test_a_429_storm_delays_but_neither_drops_nor_doubles_nudges(
    standin: SlackStandIn, database_url: str, tmp_path: Path
) -> None:
    owners = seed_overdue_nudges(standin, database_url, 40)
    standin.limit_rate(POST, 1.0, retry_after=1)
    standin.fail_next(POST, times=20, status=429, retry_after=1)
    started = time.monotonic()
    with bot_for(standin, database_url, tmp_path):
        wait_until_delivered(standin, database_url, owners, 60)
    drained = time.monotonic() - started
    assert_exactly_once(standin, database_url, owners, "429 storm")
    rate_limited = failed_posts(standin)
    print(f"  {rate_limited} posts answered 429, drained in {drained:.1f}s")
    assert rate_limited >= 20


def test_requests_lost_on_the_network_are_retried_until_each_nudge_arrives_once(
    standin: SlackStandIn, database_url: str, tmp_path: Path
) -> None:
    owners = seed_overdue_nudges(standin, database_url, 30)
    standin.drop_next(POST, times=8, after_effect=False)  # lost on the way in: nothing posted
    started = time.monotonic()
    with bot_for(standin, database_url, tmp_path):
        wait_until_delivered(standin, database_url, owners, 60)
    drained = time.monotonic() - started
    assert_exactly_once(standin, database_url, owners, "network errors")
    print(
        f"  {failed_posts(standin)} posts lost on the way in, "
        f"{len(standin.calls_to(POST))} posts requested, drained in {drained:.1f}s"
    )
    assert failed_posts(standin) == 8
    assert len(standin.calls_to(POST)) == len(owners) + 8
