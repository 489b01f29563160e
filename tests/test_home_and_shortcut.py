"""App Home "My action items" and the "Make an action item" message shortcut."""

from __future__ import annotations

from handlers.slack.standin.driver import SlackDriver
from handlers.slack.standin.server import SlackStandIn, blocks_text
from tests.conftest import EVA, JAN, TANAKA, AppUnderTest


def test_home_lists_my_open_items_overdue_first_with_buttons(
    slack: SlackDriver, app: AppUnderTest, standin: SlackStandIn
) -> None:
    slack.command("/action", f"Later task <@{TANAKA}|tanaka> by 2026-12-20", user=JAN)
    slack.command("/action", f"Sooner task <@{TANAKA}|tanaka> by 2026-11-24", user=JAN)
    slack.command("/action", f"Not mine <@{EVA}|eva> by 2026-11-24", user=JAN)
    app.settle()
    standin.clear()
    slack.event({"type": "app_home_opened", "user": TANAKA, "channel": "D0TANAKA", "tab": "home"})
    [published] = standin.wait_for("views.publish")
    assert published.args["user_id"] == TANAKA
    text = blocks_text(published.args["view"]["blocks"])
    assert text.index("Sooner task") < text.index("Later task")
    assert "Not mine" not in text
    assert text.count("Done") == 2


def test_home_refreshes_when_an_item_changes(slack: SlackDriver, app: AppUnderTest, standin: SlackStandIn) -> None:
    slack.command("/action", f"Task <@{TANAKA}|tanaka> by 2026-12-01", user=JAN)
    app.settle()
    standin.clear()
    slack.command("/action", "done A-1", user=TANAKA)
    app.settle()
    [published] = standin.wait_for("views.publish")
    assert "Nothing open" in blocks_text(published.args["view"]["blocks"])


def test_done_from_home_republishes_it(slack: SlackDriver, app: AppUnderTest, standin: SlackStandIn) -> None:
    slack.command("/action", f"Task <@{TANAKA}|tanaka> by 2026-12-01", user=JAN)
    slack.event({"type": "app_home_opened", "user": TANAKA, "channel": "D0TANAKA", "tab": "home"})
    app.settle()
    home = standin.calls_to("views.publish")[-1].args["view"]
    standin.clear()
    slack.click_button_in(home, "item_done", user=TANAKA)
    app.settle()
    assert app.item("A-1").status.value == "done"
    assert "Nothing open" in blocks_text(standin.calls_to("views.publish")[-1].args["view"]["blocks"])


def test_message_shortcut_prefills_the_form_and_links_the_message(
    slack: SlackDriver, app: AppUnderTest, standin: SlackStandIn
) -> None:
    message = {
        "type": "message",
        "user": EVA,
        "ts": "1764000000.000200",
        "text": f"Globex wants the security questionnaire back <@{EVA}|eva> by 2026-12-05",
    }
    slack.message_shortcut("message_to_action", user=JAN, message=message)
    [opened] = standin.wait_for("views.open")
    view = opened.args["view"]
    inputs = {block["block_id"]: block["element"] for block in view["blocks"] if block["type"] == "input"}
    assert inputs["what"]["initial_value"] == "Globex wants the security questionnaire back"
    assert inputs["owner"]["initial_user"] == EVA
    assert inputs["due"]["initial_date"] == "2026-12-05"
    slack.submit_view(
        view,
        {
            "what": {"what_input": {"type": "plain_text_input", "value": "Return security questionnaire"}},
            "owner": {"owner_input": {"type": "users_select", "selected_user": EVA}},
            "due": {"due_input": {"type": "datepicker", "selected_date": "2026-12-05"}},
            "tag": {"tag_input": {"type": "plain_text_input", "value": "globex"}},
        },
        user=JAN,
    )
    app.settle()
    [item] = app.items()
    assert item.source_link and item.source_link.endswith("/p1764000000000200")
    [post] = standin.calls_to("response_url")
    assert post.args["response_type"] == "in_channel"
    assert "from this message" in blocks_text(post.args["blocks"])
