"""Running in production: readiness, metrics, log lines, and stopping without losing anything.

Readiness and metrics are read from the real app over HTTP (the `app` fixture). Log lines and
shutdown are those of a real `tanto run` child process: its stderr goes to a file (so, not a
terminal, JSON lines), and it is stopped with SIGTERM as an orchestrator stops it.
"""

from __future__ import annotations

import json
import re
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web
from prometheus_client.parser import text_string_to_metric_families
from sqlmodel import col, select

import storage.migrate
from handlers.slack.server import SHUTDOWN_GRACE, web_app
from handlers.slack.standin.driver import SlackDriver
from handlers.slack.standin.server import SlackStandIn
from storage.db import make_engine
from storage.migrate import head_revision, upgrade
from storage.store import Store
from storage.tables import OutboxRow
from tests.bot_process import BotProcess
from tests.conftest import BOT_TOKEN, JAN, SIGNING_SECRET, AppUnderTest
from tests.test_delivery_faults import bot_for, nudge_posts, seed_overdue_nudges, wait_until

POST = "chat.postMessage"
MONTHLY = "every first Tuesday of the month at 10:00 Asia/Tokyo"
# What seed_overdue_nudges names the items: text people wrote, which no log line may repeat.
ITEM_TEXT = "Send the proposal to customer"


# Helpers


def metrics(url: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """The /metrics page, parsed as Prometheus parses it: (sample name, labels) → value."""
    response = httpx.get(url + "/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def nudge_rows(database_url: str) -> list[OutboxRow]:
    store = Store.open(database_url, migrate=False)
    try:
        with store.transaction() as tx:
            return list(tx.session.exec(select(OutboxRow).where(col(OutboxRow.kind) == "nudge")).all())
    finally:
        store.close()


def nudge_row(database_url: str) -> OutboxRow:
    [row] = nudge_rows(database_url)
    return row


def sending(database_url: str) -> bool:
    """The nudge is claimed and not yet sent: its post is on its way to Slack.

    Before the planner's first pass there is no row at all, which is simply "not yet"."""
    rows = nudge_rows(database_url)
    return len(rows) == 1 and rows[0].claimed_until is not None and rows[0].sent_at is None


def nudge_sent(database_url: str) -> bool:
    rows = nudge_rows(database_url)
    return len(rows) == 1 and rows[0].sent_at is not None


def wait_until_sending(database_url: str) -> None:
    wait_until(lambda: sending(database_url), 20, "the nudge to be claimed")


def log_records(bot: BotProcess) -> list[dict[str, Any]]:
    """Every line the bot wrote, each parsed as JSON (the markers BotProcess adds left out)."""
    lines = [line for line in bot.log_text().splitlines() if line and not line.startswith("--- tanto run")]
    return [json.loads(line) for line in lines]


def in_background(work: Any) -> tuple[threading.Thread, list[Any]]:
    result: list[Any] = []
    thread = threading.Thread(target=lambda: result.append(work()))
    thread.start()
    return thread, result


# Readiness


def test_readyz_is_ready_on_a_current_schema_and_says_why_not_when_it_is_behind(app: AppUnderTest) -> None:
    ready = httpx.get(app.url + "/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"ok": True, "schema": head_revision()}

    engine = app.running.store.engine
    storage.migrate.downgrade(engine, "-1")  # what an operator's `alembic downgrade -1` does
    try:
        behind = httpx.get(app.url + "/readyz")
    finally:
        upgrade(engine)
    assert behind.status_code == 503
    answer = behind.json()
    assert answer["ok"] is False and answer["failed"] == "migrations"
    assert head_revision() in answer["reason"] and "tanto migrate" in answer["reason"]
    assert httpx.get(app.url + "/healthz").status_code == 200  # alive all the same: no restart needed

    assert httpx.get(app.url + "/readyz").status_code == 200  # migrated again: back in rotation


@pytest.mark.parametrize(
    ("probe", "answer"),
    [
        ("/healthz", {"ok": False, "database": "unreachable"}),
        ("/readyz", {"ok": False, "failed": "database", "reason": "unreachable"}),
    ],
)
def test_the_probes_name_an_unreachable_database(app: AppUnderTest, probe: str, answer: dict[str, object]) -> None:
    # The same web app, over a database nothing listens for.
    unreachable = Store(make_engine("postgresql://nobody@127.0.0.1:9/none"))
    runner = web.AppRunner(web_app(app.running.bolt, unreachable))

    async def serve() -> int:
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        return runner.addresses[0][1]

    port = app.loop.run(serve())
    try:
        response = httpx.get(f"http://127.0.0.1:{port}{probe}")
    finally:
        app.loop.run(runner.cleanup())
    assert response.status_code == 503
    assert response.json() == answer


# Metrics


def test_metrics_show_requests_by_kind_deliveries_rate_limits_and_the_outbox_lag(
    app: AppUnderTest, slack: SlackDriver, standin: SlackStandIn
) -> None:
    assert slack.command("/session", MONTHLY, user=JAN).status == 200
    assert slack.command("/action", "list", user=JAN).status == 200
    slack.click("item_done", value="A-99", user=JAN)
    slack.event({"type": "app_home_opened", "user": JAN, "tab": "home"})

    # The agenda is refused twice before it goes out: a rate limit, then a passing error.
    standin.fail_next(POST, status=429, retry_after=30)
    assert "agenda" in slack.command("/session", "agenda", user=JAN).text.lower()
    app.settle()
    app.clock.advance(timedelta(seconds=90))  # due again 30 s after the 429: a minute late now
    late = metrics(app.url)
    assert value(late, "tanto_outbox_due") == 1
    assert value(late, "tanto_outbox_lag_seconds") == 60
    assert value(late, "tanto_messages_rate_limited_total", kind="agenda") == 1

    standin.fail_next(POST, error="internal_error")
    app.sweep()
    app.clock.advance(timedelta(minutes=5))
    app.sweep()
    samples = metrics(app.url)

    assert value(samples, "tanto_messages_sent_total", kind="agenda") == 1
    assert value(samples, "tanto_messages_rate_limited_total", kind="agenda") == 1
    assert value(samples, "tanto_delivery_errors_total", kind="agenda") == 1
    assert value(samples, "tanto_outbox_due") == 0
    assert value(samples, "tanto_outbox_lag_seconds") == 0
    assert value(samples, "tanto_deliveries_in_flight") == 0
    answered = {
        dict(labels)["kind"]: count
        for (name, labels), count in samples.items()
        if name == "tanto_request_seconds_count"
    }
    assert answered == {
        "command:/session": 2,
        "command:/action": 1,
        "action:item_done": 1,
        "event:app_home_opened": 1,
    }
    assert value(samples, "tanto_request_seconds_sum", kind="command:/session") > 0
    # Labels name kinds of things, never people or conversations.
    page = httpx.get(app.url + "/metrics").text
    assert JAN not in page and "C0ACCT" not in page


# Log lines


def test_log_lines_are_json_naming_request_workspace_and_user_never_the_text_or_token(
    standin: SlackStandIn, database_url: str, tmp_path: Path
) -> None:
    [owner] = seed_overdue_nudges(standin, database_url, 1)
    bot = bot_for(standin, database_url, tmp_path)
    with bot:
        driver = SlackDriver(bot.url + "/slack/events", SIGNING_SECRET, standin)
        reply = driver.command("/action", f"{ITEM_TEXT} 99 <@{owner}|owner0> tomorrow", user=JAN, retry_num=1)
        assert reply.status == 200
        wait_until(lambda: nudge_sent(database_url), 20, "the nudge to be sent")
    records = log_records(bot)  # each line is JSON, or this fails

    [answered] = [r for r in records if r["message"] == "answered command:/action with 200"]
    assert re.fullmatch(r"[0-9a-f]{16}", answered["request_id"])
    assert answered["team_id"] == "T0001" and answered["user_id"] == JAN
    assert answered["kind"] == "command:/action" and answered["status"] == 200
    assert (answered["slack_retry_num"], answered["slack_retry_reason"]) == ("1", "http_timeout")
    [sent] = [r for r in records if r["message"].startswith("sent nudge")]
    assert sent["team_id"] == "T0001" and sent["outbox_key"].startswith(f"nudge:{owner}:")
    assert "request_id" not in sent  # a delivery is not a request

    shown = [r for r in records if r["level"] != "DEBUG"]
    assert shown and all(ITEM_TEXT not in json.dumps(r, ensure_ascii=False) for r in shown)
    assert BOT_TOKEN not in bot.log_text() and SIGNING_SECRET not in bot.log_text()


# Shutdown


def test_sigterm_answers_the_request_in_flight_finishes_the_send_and_exits_promptly(
    standin: SlackStandIn, database_url: str, tmp_path: Path
) -> None:
    seed_overdue_nudges(standin, database_url, 1)
    standin.set_delay(POST, 2.0)
    # A user the bot has never seen is looked up (users.info) inside the request: a slow one.
    standin.add_user("U0NEW", name="newcomer")
    standin.set_delay("users.info", 1.0)
    bot = bot_for(standin, database_url, tmp_path).start()
    try:
        wait_until_sending(database_url)
        driver = SlackDriver(bot.url + "/slack/events", SIGNING_SECRET, standin)
        request, replies = in_background(lambda: driver.command("/action", "list", user="U0NEW"))
        time.sleep(0.3)
        started = time.monotonic()
        stopping, codes = in_background(bot.stop)  # SIGTERM, then wait for the exit
        readiness = []
        while stopping.is_alive() and not readiness:
            try:
                answer = httpx.get(bot.url + "/readyz", timeout=1)
            except httpx.TransportError:
                break  # the listener closed: too late to look
            if answer.status_code == 503:
                readiness.append(answer.json())
            time.sleep(0.05)
        stopping.join(15)
        stopped_after = time.monotonic() - started
        request.join(5)
    finally:
        bot.kill()

    assert codes == [0]
    assert stopped_after < 10
    assert readiness == [{"ok": False, "failed": "shutdown", "reason": "shutting down"}]
    [reply] = replies
    assert reply.status == 200 and reply.text  # answered, not cut off
    assert len(nudge_posts(standin)) == 1  # the send in flight went out, once
    row = nudge_row(database_url)
    assert row.sent_at is not None and row.attempts == 1
    print(f"SIGTERM with a request and a send in flight: exited 0 after {stopped_after:.1f}s")


def test_a_send_stuck_past_the_grace_is_handed_back_and_sent_once_by_the_next_start(
    standin: SlackStandIn, database_url: str, tmp_path: Path
) -> None:
    seed_overdue_nudges(standin, database_url, 1)
    # Slack holds the post for longer than the bot may wait, then loses it: never posted.
    standin.set_delay(POST, SHUTDOWN_GRACE + 2)
    standin.drop_next(POST, after_effect=False)
    bot = bot_for(standin, database_url, tmp_path)
    try:
        first_pid = bot.start().pid
        wait_until_sending(database_url)
        started = time.monotonic()
        code = bot.stop()
        stopped_after = time.monotonic() - started
        handed_back = nudge_row(database_url)

        standin.wait_for(POST, 1, timeout=10)  # the stuck post ends at the stand-in, lost
        standin.set_delay(POST, 0)
        restarted = time.monotonic()
        second_pid = bot.start().pid
        wait_until(lambda: nudge_sent(database_url), 20, "the nudge to be sent by the next start")
        resent_after = time.monotonic() - restarted
        assert bot.stop() == 0
    finally:
        bot.kill()

    assert code == 0
    assert SHUTDOWN_GRACE <= stopped_after < 10
    # Back in the outbox at once, counted as tried (so the retry looks before posting).
    assert handed_back.sent_at is None and handed_back.claimed_until is None and handed_back.attempts == 1
    assert resent_after < 15  # not after the 60 s lease
    posts = nudge_posts(standin)
    assert len(posts) == 1
    row = nudge_row(database_url)
    assert row.claimed_by is not None and row.claimed_by.endswith(f":{second_pid}") and second_pid != first_pid
    assert standin.calls_to("conversations.history"), "the retry checked Slack before posting again"
    print(f"a send stuck past the grace: exited 0 after {stopped_after:.1f}s, sent {resent_after:.1f}s after restart")
