"""The capture inbox: a capture is written durably before Slack gets its acknowledgement, and
worked after it. Nothing acknowledged is lost, nothing is worked or answered twice, and a request
that cannot be worked is answered with an apology quoting it, not retried forever.
"""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import select

from bot.inbox import Received
from bot.model import ItemKind, Scope
from handlers.slack.mentions import find_mentions
from handlers.slack.standin.driver import Reply, SlackDriver
from handlers.slack.standin.server import RESPONSE_URL_METHOD, SlackStandIn
from storage.inbox import add_received
from storage.store import Store
from storage.tables import ActionItemRow, InboxRow
from tests.conftest import JAN, NOW, SIGNING_SECRET, TANAKA, AppUnderTest
from tests.test_delivery_faults import bot_for

SCOPE = Scope("slack", "T0001")
CAPTURES = 12


def stored(database_url: str) -> tuple[int, int]:
    """Items stored, and requests still waiting in the inbox."""
    store = Store.open(database_url, migrate=False)
    try:
        with store.transaction() as tx:
            items = tx.session.exec(select(func.count()).select_from(ActionItemRow)).one()
            waiting = tx.session.exec(select(func.count()).select_from(InboxRow)).one()
        return int(items), int(waiting)
    finally:
        store.engine.dispose()


def answers_by_url(standin: SlackStandIn) -> Counter[str]:
    return Counter(call.path for call in standin.calls_to(RESPONSE_URL_METHOD) if not call.failed)


def wait_until(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)


def test_captures_acknowledged_before_a_crash_are_stored_and_answered_after_the_restart(
    standin: SlackStandIn, database_url: str, tmp_path: Path
) -> None:
    # The worker looks up a first-time author's profile before storing: while Slack is slow to
    # answer, every acknowledged capture is in the inbox and nowhere else. Then the host dies.
    standin.set_delay("users.info", 30)
    bot = bot_for(standin, database_url, tmp_path).start()
    try:
        slack = SlackDriver(bot.url + "/slack/events", SIGNING_SECRET, standin)
        urls = [standin.new_response_url() for _ in range(CAPTURES)]

        def capture(number: int) -> Reply:
            text = f"Send proposal {number} to Globex <@{TANAKA}|tanaka> by 2026-12-01"
            return slack.command("/action", text, user=JAN, response_url=urls[number], follow_up=False)

        with ThreadPoolExecutor(max_workers=4) as pool:
            acks = list(pool.map(capture, range(CAPTURES)))
        bot.kill()
        assert [(ack.status, ack.body) for ack in acks] == [(200, {})] * CAPTURES  # empty: the answer follows
        assert stored(database_url) == (0, CAPTURES), "the crash was meant to come before any capture was worked"

        standin.set_delay("users.info", 0)
        bot.start()
        paths = {url.removeprefix(standin.base_url) for url in urls}
        wait_until(lambda: set(answers_by_url(standin)) >= paths, 20, "every capture's answer")
        bot.stop()
    finally:
        bot.kill()
    assert stored(database_url) == (CAPTURES, 0)
    answers = answers_by_url(standin)
    assert {path: answers[path] for path in paths} == dict.fromkeys(paths, 1)  # each answered once
    cards = [call.args for call in standin.calls_to(RESPONSE_URL_METHOD) if not call.failed]
    assert all(card["response_type"] == "in_channel" for card in cards)
    assert all("Tue 2026-12-01" in card["text"] for card in cards), cards[0]["text"]


def test_the_same_capture_received_twice_is_stored_and_answered_once(
    slack: SlackDriver, app: AppUnderTest, standin: SlackStandIn
) -> None:
    url = standin.new_response_url()
    text = f"Demo for Initech <@{TANAKA}|tanaka> by 2026-12-02"
    with ThreadPoolExecutor(max_workers=2) as pool:  # Slack's redelivery racing the original
        acks = list(
            pool.map(
                lambda retry: slack.command(
                    "/action", text, user=JAN, trigger_id="42.42.x", response_url=url, retry_num=retry,
                    follow_up=False,
                ),
                (None, 1),
            )
        )  # fmt: skip
    assert [ack.status for ack in acks] == [200, 200]
    app.settle()
    assert len(app.items()) == 1
    assert len(standin.calls_to(RESPONSE_URL_METHOD)) == 1


def test_a_request_that_cannot_be_worked_is_answered_with_an_apology_and_does_not_block_others(
    slack: SlackDriver, app: AppUnderTest, standin: SlackStandIn
) -> None:
    # What an older or newer release might have left in the inbox: a kind this one does not know.
    broken_url = standin.new_response_url()
    broken = {"kind": "memo", "user_id": JAN, "text": "Call Globex back Friday", "answer_to": f"reply:{broken_url}"}
    add_received(app.running.store.engine, [(SCOPE, "command:from-another-release", broken, NOW)])

    reply = slack.command("/action", f"Send proposal <@{TANAKA}|tanaka> by 2026-12-01", user=JAN)

    assert reply.response_type == "in_channel"
    assert [item.title for item in app.items()] == ["Send proposal"]
    [apology] = [c for c in standin.calls_to(RESPONSE_URL_METHOD) if broken_url.endswith(c.path)]
    assert apology.args["response_type"] == "ephemeral"
    assert "nothing was stored" in apology.args["text"]
    assert "Call Globex back" in apology.args["text"]  # what they typed, to send again
    with app.running.store.transaction() as tx:
        assert tx.inbox.waiting() == 0


def test_a_capture_left_in_the_inbox_is_worked_when_the_app_starts(app: AppUnderTest, standin: SlackStandIn) -> None:
    url = standin.new_response_url()
    text = f"Security review <@{TANAKA}|tanaka> by 2026-12-03"
    left_behind = Received(
        SCOPE, "command:left-behind", ItemKind.ACTION, JAN, "C0ACCT", text, tuple(find_mentions(text)), f"reply:{url}"
    )
    add_received(app.running.store.engine, [(SCOPE, left_behind.key, left_behind.payload(), NOW)])
    app.loop.run(app.running.runtime.work_inbox())  # what start() does first, and the sweep every 5 s
    app.settle()
    [item] = app.items()
    assert item.title == "Security review" and str(item.due_on) == "2026-12-03"
    [answer] = standin.calls_to(RESPONSE_URL_METHOD)
    assert answer.args["response_type"] == "in_channel"
