"""Delivery after the answer: retried when Slack fails, never twice, given up only when hopeless."""

from __future__ import annotations

from datetime import timedelta

from handlers.slack.standin.driver import SlackDriver
from handlers.slack.standin.server import SlackStandIn
from tests.conftest import JAN, TANAKA, AppUnderTest


def finish_in_form(slack: SlackDriver, standin: SlackStandIn) -> None:
    refusal = slack.command("/action", f"Send proposal <@{TANAKA}|tanaka>", user=JAN)
    slack.click_button_in(refusal.body, "draft_open_form", user=JAN)
    [opened] = standin.wait_for("views.open")
    slack.submit_view(
        opened.args["view"],
        {
            "what": {"what_input": {"type": "plain_text_input", "value": "Send proposal"}},
            "owner": {"owner_input": {"type": "users_select", "selected_user": TANAKA}},
            "due": {"due_input": {"type": "datepicker", "selected_date": "2026-12-01"}},
            "tag": {"tag_input": {"type": "plain_text_input", "value": None}},
        },
        user=JAN,
    )


def channel_posts(standin: SlackStandIn) -> list[object]:
    return [c for c in standin.calls_to("response_url") if c.args.get("response_type") == "in_channel"]


def test_a_failed_post_is_retried_later_and_sent_once(
    slack: SlackDriver, app: AppUnderTest, standin: SlackStandIn
) -> None:
    standin.fail_next("response_url", status=503, times=2)
    finish_in_form(slack, standin)
    app.settle()
    assert len(app.items()) == 1  # the item is stored whatever happens to the post
    assert len(channel_posts(standin)) == 1  # first attempt, refused
    for _ in range(5):  # time passes; the sweep comes back for it
        app.clock.advance(timedelta(minutes=1))
        app.sweep()
    assert len(channel_posts(standin)) == 3  # two refused by Slack, one accepted, nothing after


def test_a_rate_limited_post_waits_for_retry_after(
    slack: SlackDriver, app: AppUnderTest, standin: SlackStandIn
) -> None:
    standin.fail_next("response_url", status=429, retry_after=20)
    finish_in_form(slack, standin)
    app.settle()
    assert len(channel_posts(standin)) == 1  # the refused attempt
    app.clock.advance(timedelta(seconds=10))
    app.sweep()
    assert len(channel_posts(standin)) == 1  # too early: Slack asked for 20 s
    app.clock.advance(timedelta(seconds=15))
    app.sweep()
    assert len(channel_posts(standin)) == 2


def test_an_expired_reply_url_is_given_up_not_retried_forever(
    slack: SlackDriver, app: AppUnderTest, standin: SlackStandIn
) -> None:
    standin.fail_next("response_url", status=404, times=5)
    finish_in_form(slack, standin)
    app.settle()
    for _ in range(3):
        app.clock.advance(timedelta(minutes=10))
        app.sweep()
    assert len(channel_posts(standin)) == 1
    with app.running.store.transaction() as tx:
        assert tx.outbox.pending_count() == 0
