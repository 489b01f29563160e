"""`/action` capture, end to end: signed slash commands in, what users see out, what is stored."""

from __future__ import annotations

from handlers.slack.standin.driver import SlackDriver
from handlers.slack.standin.server import SlackStandIn, blocks_text
from tests.conftest import AYSE, EVA, JAN, TANAKA, AppUnderTest


def test_a_complete_item_is_stored_and_posted_in_the_channel_with_its_explicit_date(
    slack: SlackDriver, app: AppUnderTest
) -> None:
    reply = slack.command(
        "/action", f"Send revised proposal to Globex <@{TANAKA}|tanaka> by 2026-11-27 #globex", user=JAN
    )

    assert reply.status == 200
    assert reply.response_type == "in_channel"
    assert "A-1" in reply.text
    assert "Send revised proposal to Globex" in reply.text
    assert f"<@{TANAKA}>" in reply.text
    assert "Fri 2026-11-27" in reply.text
    assert "#globex" in reply.text
    buttons = [e["text"]["text"] for b in reply.body["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons == ["Done", "Reschedule", "Reassign"]
    [item] = app.items()
    assert (item.title, item.owner_id, item.creator_id, str(item.due_on), item.tag) == (
        "Send revised proposal to Globex",
        TANAKA,
        JAN,
        "2026-11-27",
        "globex",
    )
    assert [change.kind.value for change in app.history("A-1")] == ["created"]


def test_relative_dates_count_from_the_authors_own_today(slack: SlackDriver, app: AppUnderTest) -> None:
    # At 03:00 UTC it is already Monday in Tokyo but still Sunday evening in New York.
    slack.command("/action", f"Call the CFO <@{TANAKA}|tanaka> tomorrow", user=TANAKA)
    slack.command("/action", "Call the CFO @me tomorrow", user="U0NINA")
    tokyo, new_york = sorted(app.items(), key=lambda item: item.number)
    assert str(tokyo.due_on) == "2026-11-24"
    assert str(new_york.due_on) == "2026-11-23"


def test_the_users_timezone_is_fetched_once_and_then_cached(
    slack: SlackDriver, app: AppUnderTest, standin: SlackStandIn
) -> None:
    for day in ("2026-12-01", "2026-12-02", "2026-12-03"):
        slack.command("/action", f"Step on {day} <@{JAN}|jan> by {day}", user=TANAKA)
    lookups = [call.args.get("user") for call in standin.calls_to("users.info")]
    assert lookups.count(TANAKA) == 1


def test_me_makes_the_author_the_owner(slack: SlackDriver, app: AppUnderTest) -> None:
    reply = slack.command("/action", "Book the workshop room me by Dec 1st", user=EVA)
    assert reply.response_type == "in_channel"
    [item] = app.items()
    assert item.owner_id == EVA
    assert item.title == "Book the workshop room"
    assert str(item.due_on) == "2026-12-01"


def test_items_are_numbered_per_workspace(slack: SlackDriver, app: AppUnderTest) -> None:
    for n in range(3):
        slack.command("/action", f"Task {n} <@{JAN}|jan> by 2026-12-0{n + 1}", user=JAN)
    assert sorted(item.number for item in app.items()) == [1, 2, 3]


def test_our_users_languages_are_understood(slack: SlackDriver, app: AppUnderTest) -> None:
    sentences = {
        TANAKA: f"見積書を再提出する <@{TANAKA}|tanaka> 来週金曜日まで",
        JAN: f"Offerte naar Globex sturen <@{JAN}|jan> uiterlijk volgende week vrijdag",
        EVA: f"Boka workshop <@{EVA}|eva> senast fredag nästa vecka",
        AYSE: f"Teklifi gönder <@{AYSE}|ayse> haftaya cuma",
    }
    for user, sentence in sentences.items():
        reply = slack.command("/action", sentence, user=user)
        assert reply.response_type == "in_channel", reply.text
        assert "Fri 2026-12-04" in reply.text
    titles = sorted(item.title for item in app.items())
    assert titles == sorted(["見積書を再提出する", "Offerte naar Globex sturen", "Boka workshop", "Teklifi gönder"])


# Refusals: nothing stored, an ephemeral answer that says what is missing and what was understood.


def refused(reply_text: str, app: AppUnderTest) -> None:
    assert "Not recorded yet" in reply_text
    assert app.items() == []


def test_no_owner_is_refused_saying_so_and_showing_the_date_it_understood(
    slack: SlackDriver, app: AppUnderTest
) -> None:
    reply = slack.command("/action", "Send revised proposal to Globex by next Friday", user=JAN)
    assert reply.response_type == "ephemeral"
    refused(reply.text, app)
    assert "Owner* is missing" in reply.text
    assert "Fri 2026-12-04" in reply.text  # what was understood
    assert "Send revised proposal to Globex" in reply.text
    assert "Finish in a form" in reply.text


def test_no_date_is_refused(slack: SlackDriver, app: AppUnderTest) -> None:
    reply = slack.command("/action", f"Send revised proposal <@{TANAKA}|tanaka>", user=JAN)
    refused(reply.text, app)
    assert "Due date* is missing" in reply.text
    assert f"<@{TANAKA}>" in reply.text


def test_neither_owner_nor_date_lists_both(slack: SlackDriver, app: AppUnderTest) -> None:
    reply = slack.command("/action", "Think about pricing", user=JAN)
    refused(reply.text, app)
    assert "Owner* is missing" in reply.text and "Due date* is missing" in reply.text


def test_a_past_date_is_refused(slack: SlackDriver, app: AppUnderTest) -> None:
    reply = slack.command("/action", f"Send proposal <@{TANAKA}|tanaka> by 2026-11-01", user=JAN)
    refused(reply.text, app)
    assert "past" in reply.text


def test_an_impossible_date_is_refused(slack: SlackDriver, app: AppUnderTest) -> None:
    reply = slack.command("/action", f"Send proposal <@{TANAKA}|tanaka> by Feb 30", user=JAN)
    refused(reply.text, app)
    assert "Feb 30" in reply.text


def test_an_unresolved_name_is_not_an_owner(slack: SlackDriver, app: AppUnderTest) -> None:
    reply = slack.command("/action", "Send proposal @somebody by 2026-12-01", user=JAN)
    refused(reply.text, app)
    assert "@somebody" in reply.text


def test_a_group_cannot_own_an_item(slack: SlackDriver, app: AppUnderTest) -> None:
    reply = slack.command("/action", "Send proposal <!subteam^S0SALES|@sales> by 2026-12-01", user=JAN)
    refused(reply.text, app)
    assert "one person" in reply.text


def test_two_people_are_one_too_many(slack: SlackDriver, app: AppUnderTest) -> None:
    reply = slack.command("/action", f"Intro <@{EVA}|eva> to <@{JAN}|jan> by 2026-12-01", user=JAN)
    refused(reply.text, app)
    assert "@eva" in reply.text and "@jan" in reply.text


def test_help_explains_the_grammar_in_every_language(slack: SlackDriver) -> None:
    for text in ("", "help"):
        reply = slack.command("/action", text, user=JAN)
        assert reply.response_type == "ephemeral"
        for word in ("English", "日本語", "Nederlands", "Svenska", "Türkçe", "まで", "uiterlijk", "senast", "haftaya"):
            assert word in reply.text


# Completing a refused item in the form


def test_the_form_finishes_a_refused_item_and_posts_it(
    slack: SlackDriver, app: AppUnderTest, standin: SlackStandIn
) -> None:
    refusal = slack.command("/action", "Send revised proposal to Globex by next Friday #globex", user=JAN)
    slack.click_button_in(refusal.body, "draft_open_form", user=JAN)
    [opened] = standin.wait_for("views.open")
    view = opened.args["view"]
    assert view["callback_id"] == "capture_form"
    inputs = {block["block_id"]: block for block in view["blocks"] if block["type"] == "input"}
    assert inputs["what"]["element"]["initial_value"] == "Send revised proposal to Globex"
    assert inputs["due"]["element"]["initial_date"] == "2026-12-04"
    assert inputs["tag"]["element"]["initial_value"] == "globex"
    assert not inputs["owner"]["optional"] and not inputs["due"]["optional"]

    reply = slack.submit_view(
        view,
        {
            "what": {"what_input": {"type": "plain_text_input", "value": "Send revised proposal to Globex"}},
            "owner": {"owner_input": {"type": "users_select", "selected_user": TANAKA}},
            "due": {"due_input": {"type": "datepicker", "selected_date": "2026-12-04"}},
            "tag": {"tag_input": {"type": "plain_text_input", "value": "globex"}},
        },
        user=JAN,
    )
    assert reply.status == 200 and not reply.body  # the modal closes
    app.settle()
    [item] = app.items()
    assert (item.owner_id, str(item.due_on), item.tag) == (TANAKA, "2026-12-04", "globex")
    posts = [c for c in standin.calls_to("response_url") if c.args.get("response_type") == "in_channel"]
    assert len(posts) == 1
    assert "Fri 2026-12-04" in blocks_text(posts[0].args["blocks"])
    assert "A-1" in blocks_text(posts[0].args["blocks"])


def test_the_form_validates_again(slack: SlackDriver, app: AppUnderTest, standin: SlackStandIn) -> None:
    refusal = slack.command("/action", "Send proposal", user=JAN)
    slack.click_button_in(refusal.body, "draft_open_form", user=JAN)
    [opened] = standin.wait_for("views.open")
    reply = slack.submit_view(
        opened.args["view"],
        {
            "what": {"what_input": {"type": "plain_text_input", "value": "Send proposal"}},
            "owner": {"owner_input": {"type": "users_select", "selected_user": TANAKA}},
            "due": {"due_input": {"type": "datepicker", "selected_date": "2026-11-02"}},
            "tag": {"tag_input": {"type": "plain_text_input", "value": None}},
        },
        user=JAN,
    )
    assert reply.body["response_action"] == "errors"
    assert "past" in reply.body["errors"]["due"]
    assert app.items() == []


def test_submitting_the_form_twice_stores_one_item(
    slack: SlackDriver, app: AppUnderTest, standin: SlackStandIn
) -> None:
    refusal = slack.command("/action", f"Send proposal <@{TANAKA}|tanaka>", user=JAN)
    slack.click_button_in(refusal.body, "draft_open_form", user=JAN)
    [opened] = standin.wait_for("views.open")
    values = {
        "what": {"what_input": {"type": "plain_text_input", "value": "Send proposal"}},
        "owner": {"owner_input": {"type": "users_select", "selected_user": TANAKA}},
        "due": {"due_input": {"type": "datepicker", "selected_date": "2026-12-01"}},
        "tag": {"tag_input": {"type": "plain_text_input", "value": None}},
    }
    slack.submit_view(opened.args["view"], values, user=JAN)
    slack.submit_view(opened.args["view"], values, user=JAN)
    app.settle()
    assert len(app.items()) == 1
    assert len([c for c in standin.calls_to("response_url") if c.args.get("response_type") == "in_channel"]) == 1
