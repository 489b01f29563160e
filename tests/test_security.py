"""Signatures, replays, retries and workspace isolation."""

from __future__ import annotations

import time
import urllib.parse

from handlers.slack.standin.driver import SlackDriver
from handlers.slack.standin.server import RESPONSE_URL_METHOD, SlackStandIn
from tests.conftest import JAN, SIGNING_SECRET, TANAKA, AppUnderTest


def command_body(
    text: str, *, team: str = "T0001", user: str = JAN, trigger: str = "13345224609.738474920.8088930838d88f008e0"
) -> bytes:
    return urllib.parse.urlencode(
        {
            "command": "/action",
            "text": text,
            "team_id": team,
            "user_id": user,
            "channel_id": "C0ACCT",
            "trigger_id": trigger,
            "response_url": "http://127.0.0.1:9/nowhere",
        }
    ).encode()


def test_a_forged_signature_is_refused_and_nothing_is_stored(slack: SlackDriver, app: AppUnderTest) -> None:
    body = command_body(f"Forged <@{TANAKA}|tanaka> by 2026-12-01")
    response = slack.raw(body, "application/x-www-form-urlencoded", secret="not-the-secret")
    assert response.status_code == 401
    assert app.items() == []


def test_an_unsigned_request_is_refused(slack: SlackDriver, app: AppUnderTest) -> None:
    response = slack.raw(
        command_body(f"Unsigned <@{TANAKA}|t> by 2026-12-01"), "application/x-www-form-urlencoded", sign=False
    )
    assert response.status_code == 401
    assert app.items() == []


def test_a_replayed_old_request_is_refused(slack: SlackDriver, app: AppUnderTest) -> None:
    body = command_body(f"Replayed <@{TANAKA}|tanaka> by 2026-12-01")
    stale = int(time.time()) - 6 * 60
    response = slack.raw(body, "application/x-www-form-urlencoded", timestamp=stale)
    assert response.status_code == 401
    assert app.items() == []
    fresh = slack.raw(body, "application/x-www-form-urlencoded")
    assert fresh.status_code == 200
    app.settle()
    assert len(app.items()) == 1
    assert SIGNING_SECRET  # the driver signs with the app's secret unless told otherwise


def test_a_retried_command_creates_one_item_answered_once(
    slack: SlackDriver, app: AppUnderTest, standin: SlackStandIn
) -> None:
    text = f"Send proposal <@{TANAKA}|tanaka> by 2026-12-01"
    url = standin.new_response_url()  # a redelivery is the same payload: same trigger, same response URL
    first = slack.command("/action", text, user=JAN, trigger_id="111.222.abc", response_url=url)
    retry = slack.command("/action", text, user=JAN, trigger_id="111.222.abc", response_url=url, retry_num=1)
    assert first.response_type == "in_channel"
    assert retry.status == 200
    app.settle()
    assert len(app.items()) == 1
    assert len(standin.calls_to(RESPONSE_URL_METHOD)) == 1  # the redelivery is not answered again


def test_the_same_command_typed_again_soon_is_recognised(slack: SlackDriver, app: AppUnderTest) -> None:
    text = f"Send proposal <@{TANAKA}|tanaka> by 2026-12-01"
    slack.command("/action", text, user=JAN)
    again = slack.command("/action", text, user=JAN)
    assert "Already recorded as A-1" in again.text
    assert len(app.items()) == 1


def test_workspaces_never_see_each_others_items(slack: SlackDriver, app: AppUnderTest, standin: SlackStandIn) -> None:
    slack.command("/action", f"Globex secret plan <@{TANAKA}|tanaka> by 2026-12-01", user=JAN)
    other = SlackDriver(app.url + "/slack/events", SIGNING_SECRET, standin, team_id="T0002", settle=app.settle)
    listing = other.command("/action", "list all", user="U0OTHER")
    assert "Globex" not in listing.text and "Nothing here" in listing.text
    attempt = other.command("/action", "done A-1", user="U0OTHER")
    assert "no action item A-1" in attempt.text
    own = other.command("/action", "Their task @me by 2026-12-02", user="U0OTHER")
    assert "A-1" in own.text  # numbering is per workspace too
    assert [item.title for item in app.items()] == ["Globex secret plan"]
    assert [item.title for item in app.items(team_id="T0002")] == ["Their task"]
    assert app.item("A-1").status.value == "open"


def test_the_ack_does_not_wait_for_slack(slack: SlackDriver, app: AppUnderTest, standin: SlackStandIn) -> None:
    # Warm the profile cache, then make every Web API call slow: the answer must not care.
    slack.command("/action", "list", user=JAN)
    standin.set_delay("users.info", 2.0)
    standin.set_delay("views.publish", 2.0)
    reply = slack.command("/action", f"Quick one <@{TANAKA}|tanaka> by 2026-12-01", user=JAN)
    assert reply.response_type == "in_channel"
    assert reply.elapsed_ms < 1000
