"""Listing, completing, rescheduling, reassigning and cancelling items, by text and by button."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers.slack.standin.driver import Reply, SlackDriver
from handlers.slack.standin.server import Call, SlackStandIn, blocks_text
from tests.conftest import BOSS, EVA, JAN, NINA, TANAKA, AppUnderTest


@pytest.fixture
def three_items(slack: SlackDriver, app: AppUnderTest) -> list[Reply]:
    """A-1 for Tanaka (#globex), A-2 for Jan (#initech), A-3 for Tanaka (#initech), created by Jan."""
    return [
        slack.command("/action", f"Send proposal <@{TANAKA}|tanaka> by 2026-11-25 #globex", user=JAN),
        slack.command("/action", f"Demo environment <@{JAN}|jan> by 2026-11-30 #initech", user=JAN),
        slack.command(
            "/action", f"Pricing approval <@{TANAKA}|tanaka> by 2026-12-10 #initech", user=JAN, channel="C0OTHER"
        ),
    ]


def answers_since_capture(standin: SlackStandIn) -> list[Call]:
    """Response URL posts after the three captures' own answers."""
    return standin.calls_to("response_url")[3:]


def refs_in(text: str) -> list[str]:
    return [word for word in text.replace("*", " ").split() if word.startswith("A-")]


def test_list_mine_is_the_default_and_ephemeral(slack: SlackDriver, three_items: list[Reply]) -> None:
    reply = slack.command("/action", "list", user=TANAKA)
    assert reply.response_type == "ephemeral"
    assert refs_in(reply.text) == ["A-1", "A-3"]
    assert "Wed 2026-11-25" in reply.text and "Thu 2026-12-10" in reply.text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (f"<@{JAN}|jan>", ["A-2"]),
        ("#initech", ["A-2", "A-3"]),
        ("all", ["A-1", "A-2", "A-3"]),
        ("here", ["A-1", "A-2"]),
        ("mine", []),
    ],
)
def test_list_filters(slack: SlackDriver, three_items: list[Reply], query: str, expected: list[str]) -> None:
    reply = slack.command("/action", f"list {query}", user=EVA)
    assert refs_in(reply.text) == expected
    if not expected:
        assert "Nothing here" in reply.text


def test_list_overdue_shows_overdue_items_first_with_days_overdue(
    slack: SlackDriver, app: AppUnderTest, three_items: list[Reply]
) -> None:
    app.clock.advance(timedelta(days=7))  # Monday 2026-11-30 in Tokyo
    reply = slack.command("/action", "list overdue", user=TANAKA)
    assert refs_in(reply.text) == ["A-1"]
    assert "5 days overdue" in reply.text
    mine = slack.command("/action", "list", user=TANAKA)
    assert refs_in(mine.text) == ["A-1", "A-3"]


def test_an_unknown_list_filter_says_what_is_possible(slack: SlackDriver) -> None:
    reply = slack.command("/action", "list everything-please", user=TANAKA)
    assert "everything-please" in reply.text and "overdue" in reply.text


def test_done_by_text_is_announced_in_the_channel_and_kept_in_history(
    slack: SlackDriver, app: AppUnderTest, three_items: list[Reply]
) -> None:
    reply = slack.command("/action", "done A-1", user=TANAKA)
    assert reply.response_type == "in_channel"
    assert "A-1 marked done" in reply.text
    assert app.item("A-1").status.value == "done"
    assert [c.kind.value for c in app.history("A-1")] == ["created", "done"]
    again = slack.command("/action", "done A-1", user=TANAKA)
    assert again.response_type == "ephemeral" and "already done" in again.text


def test_reschedule_by_text_keeps_the_reason(slack: SlackDriver, app: AppUnderTest, three_items: list[Reply]) -> None:
    reply = slack.command("/action", "reschedule A-1 next Friday customer asked for more time", user=TANAKA)
    assert reply.response_type == "in_channel", reply.text
    assert "Wed 2026-11-25 → Fri 2026-12-04" in reply.text
    last = app.history("A-1")[-1]
    assert (last.kind.value, last.old_value, last.new_value, last.reason, last.actor_id) == (
        "rescheduled",
        "2026-11-25",
        "2026-12-04",
        "customer asked for more time",
        TANAKA,
    )
    assert app.item("A-1").reschedule_count == 1


def test_reschedule_to_the_past_or_nonsense_is_refused(slack: SlackDriver, three_items: list[Reply]) -> None:
    past = slack.command("/action", "reschedule A-1 2026-11-01", user=TANAKA)
    assert past.response_type == "ephemeral" and "past" in past.text
    nonsense = slack.command("/action", "reschedule A-1 whenever", user=TANAKA)
    assert nonsense.response_type == "ephemeral" and "reschedule A-12" in nonsense.text


def test_reassign_and_cancel_by_text(slack: SlackDriver, app: AppUnderTest, three_items: list[Reply]) -> None:
    reply = slack.command("/action", f"reassign A-2 <@{EVA}|eva>", user=JAN)
    assert f"<@{JAN}> → <@{EVA}>" in reply.text
    cancelled = slack.command("/action", "cancel A-3 customer went with a competitor", user=JAN)
    assert "A-3 cancelled" in cancelled.text and "competitor" in cancelled.text
    by_number = {item.number: item for item in app.items()}
    assert by_number[2].owner_id == EVA
    assert by_number[3].status.value == "cancelled"


def test_unknown_items_and_missing_ids_get_a_clear_answer(slack: SlackDriver, three_items: list[Reply]) -> None:
    assert "no action item A-99" in slack.command("/action", "done A-99", user=TANAKA).text
    assert "/action reschedule A-12" in slack.command("/action", "reschedule", user=TANAKA).text


def test_only_owner_creator_or_admin_may_change_an_item(
    slack: SlackDriver, app: AppUnderTest, three_items: list[Reply]
) -> None:
    refusal = slack.command("/action", "done A-1", user=NINA)
    assert refusal.response_type == "ephemeral"
    assert "Only the owner" in refusal.text
    assert app.item("A-1").status.value == "open"
    assert slack.command("/action", "done A-1", user=BOSS).response_type == "in_channel"  # an admin
    assert slack.command("/action", "cancel A-2", user=JAN).response_type == "in_channel"  # owner and creator


# Buttons


def test_done_button_updates_the_card_in_place(
    slack: SlackDriver, app: AppUnderTest, standin: SlackStandIn, three_items: list[Reply]
) -> None:
    card = three_items[0].body
    reply = slack.click_button_in(card, "item_done", user=TANAKA)
    assert reply.status == 200
    app.settle()
    assert app.item("A-1").status.value == "done"
    [update] = answers_since_capture(standin)
    assert update.args["replace_original"] is True
    text = blocks_text(update.args["blocks"])
    assert "Done by" in text and "Reschedule" not in text  # no buttons on a closed item


def test_a_button_press_by_someone_else_is_politely_refused(
    slack: SlackDriver, app: AppUnderTest, standin: SlackStandIn, three_items: list[Reply]
) -> None:
    slack.click_button_in(three_items[0].body, "item_done", user=NINA)
    app.settle()
    assert app.item("A-1").status.value == "open"
    [answer] = answers_since_capture(standin)
    assert answer.args["response_type"] == "ephemeral" and answer.args["replace_original"] is False
    assert "Only the owner" in answer.args["text"]


def test_reschedule_button_opens_a_form_and_the_form_reschedules(
    slack: SlackDriver, app: AppUnderTest, standin: SlackStandIn, three_items: list[Reply]
) -> None:
    slack.click_button_in(three_items[0].body, "item_reschedule", user=TANAKA)
    [opened] = standin.wait_for("views.open")
    assert opened.args["view"]["callback_id"] == "reschedule_form"
    reply = slack.submit_view(
        opened.args["view"],
        {
            "due": {"due_input": {"type": "datepicker", "selected_date": "2026-12-02"}},
            "reason": {"reason_input": {"type": "plain_text_input", "value": "legal review"}},
        },
        user=TANAKA,
    )
    assert not reply.body
    app.settle()
    assert str(app.item("A-1").due_on) == "2026-12-02"
    assert app.history("A-1")[-1].reason == "legal review"
    [update] = answers_since_capture(standin)
    assert "Wed 2026-12-02" in blocks_text(update.args["blocks"])


def test_the_reschedule_form_refuses_a_past_date(
    slack: SlackDriver, app: AppUnderTest, standin: SlackStandIn, three_items: list[Reply]
) -> None:
    slack.click_button_in(three_items[0].body, "item_reschedule", user=TANAKA)
    [opened] = standin.wait_for("views.open")
    reply = slack.submit_view(
        opened.args["view"],
        {"due": {"due_input": {"type": "datepicker", "selected_date": "2026-11-20"}}, "reason": {}},
        user=TANAKA,
    )
    assert reply.body["response_action"] == "errors" and "past" in reply.body["errors"]["due"]


def test_reassign_button_and_form(
    slack: SlackDriver, app: AppUnderTest, standin: SlackStandIn, three_items: list[Reply]
) -> None:
    slack.click_button_in(three_items[1].body, "item_reassign", user=JAN)
    [opened] = standin.wait_for("views.open")
    slack.submit_view(
        opened.args["view"], {"owner": {"owner_input": {"type": "users_select", "selected_user": EVA}}}, user=JAN
    )
    app.settle()
    assert {item.number: item.owner_id for item in app.items()}[2] == EVA
    assert app.history("A-2")[-1].old_value == JAN


def test_list_menu_marks_done(
    slack: SlackDriver, app: AppUnderTest, standin: SlackStandIn, three_items: list[Reply]
) -> None:
    listing = slack.command("/action", "list", user=TANAKA)
    menu_block = next(b for b in listing.body["blocks"] if b.get("accessory", {}).get("type") == "overflow")
    done = next(o for o in menu_block["accessory"]["options"] if o["value"].startswith("done:"))
    slack.click("item_menu", user=TANAKA, selected_option=done, container={"type": "message", "is_ephemeral": True})
    app.settle()
    assert app.item("A-1").status.value == "done"
