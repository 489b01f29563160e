"""The fault-test tools themselves: the stand-in's rate limits, lost connections and user statuses,
and a real `tanto run` that can be killed. Checked through real clients over real HTTP, so a fault
test that passes means the fault was really there."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import ClientConnectionError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from handlers.slack.standin.driver import SlackDriver
from handlers.slack.standin.server import SlackStandIn
from tests.bot_process import BotProcess
from tests.conftest import BOT_TOKEN, JAN, SIGNING_SECRET, TANAKA

REMINDER = "tanto_reminder"


def bare_client(standin: SlackStandIn) -> WebClient:
    """No retry handlers: every fault reaches the test instead of being retried away."""
    return WebClient(token=BOT_TOKEN, base_url=standin.api_url, retry_handlers=[])


def metadata(key: str, event_type: str = REMINDER) -> dict[str, Any]:
    return {"event_type": event_type, "event_payload": {"key": key}}


# Rate limits


def test_a_rate_limited_post_is_answered_429_with_retry_after_and_not_posted(standin: SlackStandIn) -> None:
    client = bare_client(standin)
    standin.limit_rate("chat.postMessage", 1, retry_after=2.5)

    client.chat_postMessage(channel="C0ONE", text="first")
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C0ONE", text="second")
    client.chat_postMessage(channel="C0TWO", text="another channel has a window of its own")

    response = raised.value.response
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "3"  # whole seconds, rounded up, as Slack sends them
    assert response.data == {"ok": False, "error": "ratelimited"}
    assert [m["text"] for m in standin.messages_in("C0ONE")] == ["first"]
    assert len(standin.messages_in("C0TWO")) == 1
    assert [call.failed for call in standin.calls_to("chat.postMessage")] == [False, True, False]


def test_a_user_id_and_their_dm_share_one_window(standin: SlackStandIn) -> None:
    client = bare_client(standin)
    standin.limit_rate("chat.postMessage", 1)

    client.chat_postMessage(channel=TANAKA, text="by user id")
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="D" + TANAKA, text="by DM id")

    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "1"
    assert [m["text"] for m in standin.messages_in("D" + TANAKA)] == ["by user id"]


def test_the_window_reopens_and_a_zero_rate_removes_the_limit(standin: SlackStandIn) -> None:
    client = bare_client(standin)
    standin.limit_rate("chat.postMessage", 20)  # one per 50 ms

    client.chat_postMessage(channel="C0ONE", text="1")
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C0ONE", text="too soon")
    time.sleep(0.06)
    client.chat_postMessage(channel="C0ONE", text="2")
    standin.limit_rate("chat.postMessage", 0)
    for n in range(3, 6):
        client.chat_postMessage(channel="C0ONE", text=str(n))

    assert [m["text"] for m in standin.messages_in("C0ONE")] == ["1", "2", "3", "4", "5"]


def test_methods_without_a_channel_share_one_bucket(standin: SlackStandIn) -> None:
    client = bare_client(standin)
    standin.limit_rate("users.info", 1)

    assert client.users_info(user=TANAKA)["user"]["id"] == TANAKA
    with pytest.raises(SlackApiError) as raised:
        client.users_info(user=JAN)

    assert raised.value.response.status_code == 429


def test_slack_sdks_rate_limit_handler_waits_out_retry_after(standin: SlackStandIn) -> None:
    standin.limit_rate("chat.postMessage", 1)

    async def post_twice() -> None:
        client = AsyncWebClient(
            token=BOT_TOKEN,
            base_url=standin.api_url,
            retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=2)],
        )
        await client.chat_postMessage(channel="C0ONE", text="1")
        await client.chat_postMessage(channel="C0ONE", text="2")

    asyncio.run(post_twice())

    calls = standin.calls_to("chat.postMessage")
    assert [call.failed for call in calls] == [False, True, False]
    assert calls[2].at - calls[1].at >= 1.0  # slept for Retry-After before trying again
    assert [m["text"] for m in standin.messages_in("C0ONE")] == ["1", "2"]


# Lost connections


def test_a_request_lost_on_its_way_in_is_a_connection_error_and_posts_nothing(standin: SlackStandIn) -> None:
    client = bare_client(standin)
    standin.drop_next("chat.postMessage")

    with pytest.raises(ConnectionError):
        client.chat_postMessage(channel="C0ONE", text="lost", metadata=metadata("k1"))
    client.chat_postMessage(channel="C0ONE", text="only the next call was dropped")

    assert [m["text"] for m in standin.messages_in("C0ONE")] == ["only the next call was dropped"]
    assert standin.posts_with_metadata(REMINDER) == []
    assert [call.failed for call in standin.calls_to("chat.postMessage")] == [True, False]


def test_an_answer_lost_after_posting_leaves_the_message_posted(standin: SlackStandIn) -> None:
    client = bare_client(standin)
    standin.drop_next("chat.postMessage", after_effect=True)

    with pytest.raises(ConnectionError):
        client.chat_postMessage(channel="C0ONE", text="sent, never acknowledged", metadata=metadata("k1"))

    history = client.conversations_history(channel="C0ONE", include_all_metadata=True)["messages"]
    assert [(m["text"], m["metadata"]["event_payload"]) for m in history] == [
        ("sent, never acknowledged", {"key": "k1"})
    ]
    assert [call.failed for call in standin.calls_to("chat.postMessage")] == [True]


def test_the_async_client_sees_a_dropped_answer_as_a_connection_error(standin: SlackStandIn) -> None:
    standin.drop_next("chat.postMessage", times=2)

    async def post() -> None:
        client = AsyncWebClient(token=BOT_TOKEN, base_url=standin.api_url, retry_handlers=[])
        for _ in range(2):
            with pytest.raises(ClientConnectionError):
                await client.chat_postMessage(channel="C0ONE", text="lost")
        await client.chat_postMessage(channel="C0ONE", text="through")

    asyncio.run(post())

    assert [m["text"] for m in standin.messages_in("C0ONE")] == ["through"]


def test_a_default_client_retrying_a_lost_answer_posts_twice(standin: SlackStandIn) -> None:
    """slack_sdk retries connection errors by default: without a guard, a lost answer is a duplicate."""
    standin.drop_next("chat.postMessage", after_effect=True)

    async def post() -> None:
        client = AsyncWebClient(token=BOT_TOKEN, base_url=standin.api_url)
        await client.chat_postMessage(channel=TANAKA, text="remind", metadata=metadata("k1"))

    asyncio.run(post())

    posts = standin.posts_with_metadata(REMINDER)
    assert [(p["channel"], p["metadata"]["event_payload"]["key"]) for p in posts] == [("D" + TANAKA, "k1")] * 2


def test_posts_with_metadata_spans_conversations_in_posting_order(standin: SlackStandIn) -> None:
    client = bare_client(standin)
    client.chat_postMessage(channel="C0ONE", text="a", metadata=metadata("k1"))
    client.chat_postMessage(channel=JAN, text="b", metadata=metadata("k2"))
    client.chat_postMessage(channel="C0ONE", text="other kind", metadata=metadata("x", event_type="tanto_other"))
    client.chat_postMessage(channel="C0ONE", text="no metadata")
    parent = client.chat_postMessage(channel="C0ONE", text="c", metadata=metadata("k3"))
    client.chat_postMessage(channel="C0ONE", text="d", thread_ts=parent["ts"], metadata=metadata("k4"))
    deleted = client.chat_postMessage(channel="C0TWO", text="gone", metadata=metadata("k5"))
    client.chat_delete(channel="C0TWO", ts=deleted["ts"])

    posts = standin.posts_with_metadata(REMINDER)

    assert [(p["channel"], p["text"]) for p in posts] == [
        ("C0ONE", "a"),
        ("D" + JAN, "b"),
        ("C0ONE", "c"),
        ("C0ONE", "d"),
    ]


# User status


def test_set_status_shows_in_users_info_and_users_list(standin: SlackStandIn) -> None:
    client = bare_client(standin)
    untouched = client.users_info(user=JAN)["user"]["profile"]
    assert (untouched["status_text"], untouched["status_emoji"], untouched["status_expiration"]) == ("", "", 0)

    standin.set_status(TANAKA, text="On vacation", emoji=":palm_tree:", expiration=1_796_000_000)

    profile = client.users_info(user=TANAKA)["user"]["profile"]
    assert (profile["status_text"], profile["status_emoji"], profile["status_expiration"]) == (
        "On vacation",
        ":palm_tree:",
        1_796_000_000,
    )
    [listed] = [m for m in client.users_list()["members"] if m["id"] == TANAKA]
    assert listed["profile"]["status_text"] == "On vacation"
    standin.set_status(TANAKA)
    assert client.users_info(user=TANAKA)["user"]["profile"]["status_text"] == ""
    with pytest.raises(KeyError):
        standin.set_status("U0NOBODY", text="?")


# A real bot process


def bot_for(standin: SlackStandIn, tmp_path: Path, **overrides: str) -> BotProcess:
    settings = {
        "database_url": f"sqlite:///{tmp_path / 'tanto.db'}",
        "api_url": standin.api_url,
        "signing_secret": SIGNING_SECRET,
        "bot_token": BOT_TOKEN,
        **overrides,
    }
    return BotProcess(**settings, log_path=tmp_path / "bot.log", env={"TZ": "UTC"})


def test_a_killed_bot_leaves_no_process_and_restarts_on_the_same_database(
    standin: SlackStandIn, tmp_path: Path
) -> None:
    bot = bot_for(standin, tmp_path)
    try:
        bot.start()
        assert httpx.get(bot.url + "/healthz").status_code == 200
        with SlackDriver(bot.url + "/slack/events", SIGNING_SECRET, standin, team_id="T0001") as slack:
            first = slack.command("/action", f"Call the CFO <@{TANAKA}|tanaka> tomorrow", user=JAN)
        assert first.status == 200
        assert "A-1" in first.text
        assert "Call the CFO" in first.text

        pid = bot.pid
        assert pid is not None
        bot.kill()
        assert not bot.running
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
        with pytest.raises(httpx.ConnectError):
            httpx.get(bot.url + "/healthz")

        bot.start()
        with SlackDriver(bot.url + "/slack/events", SIGNING_SECRET, standin, team_id="T0001") as slack:
            second = slack.command("/action", f"Send the proposal <@{TANAKA}|tanaka> by Friday", user=JAN)
        assert second.status == 200
        assert "A-2" in second.text  # A-1 survived the kill in the database
        assert bot.stop() == 0
        assert bot.log_text().count("listening for Slack") == 2
    finally:
        bot.kill()


def test_a_bot_that_cannot_start_reports_its_log(standin: SlackStandIn, tmp_path: Path) -> None:
    bot = bot_for(standin, tmp_path, bot_token="not-a-bot-token")

    with pytest.raises(RuntimeError, match="SLACK_BOT_TOKEN should start with xoxb-"):
        bot.start()
    assert not bot.running
