"""Delivery after the answer: retried when Slack fails, never twice, given up only when hopeless."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.model import Outgoing, Scope
from handlers.slack.standin.driver import SlackDriver
from handlers.slack.standin.server import SlackStandIn
from storage.store import Store
from tests.conftest import JAN, TANAKA, AppUnderTest


def open_the_form(slack: SlackDriver, standin: SlackStandIn) -> dict[str, object]:
    """A refused capture (answered by response URL) and its completion form, opened."""
    refusal = slack.command("/action", f"Send proposal <@{TANAKA}|tanaka>", user=JAN)
    slack.click_button_in(refusal.body, "draft_open_form", user=JAN)
    [opened] = standin.wait_for("views.open")
    return opened.args["view"]


def finish_in_form(slack: SlackDriver, view: dict[str, object]) -> None:
    slack.submit_view(
        view,
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
    view = open_the_form(slack, standin)
    standin.fail_next("response_url", status=503, times=2)
    finish_in_form(slack, view)
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
    view = open_the_form(slack, standin)
    standin.fail_next("response_url", status=429, retry_after=20)
    finish_in_form(slack, view)
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
    view = open_the_form(slack, standin)
    standin.fail_next("response_url", status=404, times=5)
    finish_in_form(slack, view)
    app.settle()
    for _ in range(3):
        app.clock.advance(timedelta(minutes=10))
        app.sweep()
    assert len(channel_posts(standin)) == 1
    with app.running.store.transaction() as tx:
        assert tx.outbox.pending_count() == 0


def test_a_claim_takes_the_first_due_message_of_each_conversation_and_the_rest_in_order(database_url: str) -> None:
    """Ten messages to one busy channel must not hold up the others: a claim takes one per
    conversation; the channel's next one is claimed once its predecessor is settled."""
    store = Store.open(database_url)
    scope, now = Scope("slack", "T0001"), datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
    with store.transaction() as tx:
        workspace_id = tx.workspaces.ensure(scope, now)
        for number in range(10):
            tx.outbox.put(
                workspace_id, Outgoing(f"busy:{number}", "x", "channel:CBUSY", {}, now + timedelta(seconds=number))
            )
        for number in range(3):
            tx.outbox.put(workspace_id, Outgoing(f"quiet:{number}", "x", f"channel:C{number}", {}, now))
    later = now + timedelta(minutes=1)
    settled: list[str] = []
    for _ in range(10):
        with store.transaction() as tx:
            claimed = tx.outbox.claim_due(later, worker="w", lease=timedelta(seconds=60), limit=20)
            for entry in claimed:
                tx.outbox.mark_sent(entry.id, message_id=None, now=later)
        targets = [entry.message.target for entry in claimed]
        assert len(targets) == len(set(targets))  # never two of one conversation in a claim
        settled += [entry.message.key for entry in claimed]
    assert settled[:4] == ["busy:0", "quiet:0", "quiet:1", "quiet:2"]
    assert [key for key in settled if key.startswith("busy")] == [f"busy:{n}" for n in range(10)]
    store.close()
