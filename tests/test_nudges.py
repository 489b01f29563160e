"""Nudges end to end: the owner's reminder DMs on their ladder, in their working time, and the
buttons and commands that steer them.

The clock starts Monday 2026-11-23 03:00 UTC. Jan works in Amsterdam, where 09:00 is 08:00 UTC;
Tanaka in Tokyo, where 09:00 is 00:00 UTC and Monday 2026-11-23 is a public holiday. The default
ladder: 2 business days before, on the due day, then every 2 business days; escalation after 5.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest

from handlers.slack.standin.driver import DEFAULT_CHANNEL, SlackDriver
from handlers.slack.standin.server import SlackStandIn, blocks_text
from tests.conftest import EVA, JAN, TANAKA, AppUnderTest


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def outbox_key(post: dict[str, Any]) -> str:
    return str(((post.get("metadata") or {}).get("event_payload") or {}).get("key", ""))


def nudges_to(standin: SlackStandIn, user: str) -> list[dict[str, Any]]:
    """The nudge DMs posted to `user`."""
    return [
        c.args
        for c in standin.calls_to("chat.postMessage")
        if c.args.get("channel") == user and outbox_key(c.args).startswith("nudge:")
    ]


def escalations(standin: SlackStandIn) -> list[dict[str, Any]]:
    return [c.args for c in standin.calls_to("chat.postMessage") if outbox_key(c.args).startswith("escalation:")]


def text_of(message: dict[str, Any]) -> str:
    return f"{message.get('text') or ''}\n{blocks_text(message.get('blocks'))}"


def capture(slack: SlackDriver, owner: str, due: str, title: str = "Send the revised proposal") -> None:
    """An item the owner records for themselves (so the app knows their zone and locale)."""
    reply = slack.command("/action", f"{title} <@{owner}|someone> by {due}", user=owner)
    assert reply.response_type == "in_channel", reply.text


def tick_at(app: AppUnderTest, moment: datetime) -> None:
    app.clock.set(moment)
    app.tick()


def picked(day: str) -> dict[str, Any]:
    """The snooze form's state with `day` picked."""
    return {"snooze_until": {"snooze_until_input": {"type": "datepicker", "selected_date": day}}}


def redraws(standin: SlackStandIn) -> list[dict[str, Any]]:
    return [c.args for c in standin.calls_to("response_url") if c.args.get("replace_original")]


def test_the_ladder_fires_before_and_on_the_due_day_at_nine_and_skips_the_weekend(
    slack: SlackDriver, app: AppUnderTest, standin: SlackStandIn
) -> None:
    capture(slack, JAN, "2026-11-28")  # a Saturday
    tick_at(app, at(26, 7, 59))  # Thursday, two business days before, 08:59 in Amsterdam
    assert nudges_to(standin, JAN) == []
    tick_at(app, at(26, 8))
    [first] = nudges_to(standin, JAN)
    assert "A-1" in text_of(first)
    tick_at(app, at(28, 8))  # the due day is a Saturday: nothing
    tick_at(app, at(29, 12))
    assert len(nudges_to(standin, JAN)) == 1
    tick_at(app, at(30, 7, 59))
    assert len(nudges_to(standin, JAN)) == 1
    tick_at(app, at(30, 8))  # Monday 09:00 instead
    assert len(nudges_to(standin, JAN)) == 2
    tick_at(app, at(30, 8, 30))  # a step is taken once
    assert len(nudges_to(standin, JAN)) == 2


def test_a_public_holiday_is_no_business_day(slack: SlackDriver, app: AppUnderTest, standin: SlackStandIn) -> None:
    app.clock.set(at(22, 20))  # Monday 05:00 in Tokyo
    capture(slack, TANAKA, "2026-11-25")
    # Two business days before Wednesday would be Monday, but Monday is a holiday in Japan: it is
    # the Friday before, already past; so no reminder on Monday.
    tick_at(app, at(23, 0, 30))
    tick_at(app, at(24, 3))
    assert nudges_to(standin, TANAKA) == []
    tick_at(app, at(25, 0))  # Wednesday 09:00 in Tokyo: the due day
    [due] = nudges_to(standin, TANAKA)
    assert "A-1" in text_of(due)


def test_items_due_together_share_one_dm_and_a_second_step_waits_for_the_next_day(
    slack: SlackDriver, app: AppUnderTest, standin: SlackStandIn
) -> None:
    capture(slack, JAN, "2026-11-26", "Book the workshop")
    capture(slack, JAN, "2026-11-26", "Send the agenda")
    capture(slack, JAN, "2026-11-27", "Call legal")
    tick_at(app, at(24, 8))  # Tuesday: two business days before Thursday, both in one message
    [tuesday] = nudges_to(standin, JAN)
    assert "A-1" in text_of(tuesday) and "A-2" in text_of(tuesday) and "A-3" not in text_of(tuesday)
    tick_at(app, at(25, 8))  # Wednesday: A-3's step (two before Friday) alone
    [_, wednesday] = nudges_to(standin, JAN)
    assert "A-3" in text_of(wednesday) and "A-1" not in text_of(wednesday)
    tick_at(app, at(26, 8))  # Thursday: are due
    [*_, thursday] = nudges_to(standin, JAN)
    assert "A-1" in text_of(thursday) and "A-2" in text_of(thursday) and "A-3" not in text_of(thursday)
    # Now the channel wants a reminder one business day before: A-3's comes due today, but today's DM went.
    app.clock.set(at(26, 10))
    assert "1 business day before" in slack.command("/session", "nudges before 1,0", user=JAN).text
    app.tick()
    assert len(nudges_to(standin, JAN)) == 3
    tick_at(app, at(27, 8))  # Friday: the next working day
    assert len(nudges_to(standin, JAN)) == 4
    assert "A-3" in text_of(nudges_to(standin, JAN)[-1])


def test_done_in_the_dm_closes_the_item_and_redraws_its_row(
    slack: SlackDriver, app: AppUnderTest, standin: SlackStandIn
) -> None:
    capture(slack, JAN, "2026-12-01")
    tick_at(app, at(27, 8))  # Friday: two business days before Tuesday
    [dm] = nudges_to(standin, JAN)
    slack.click_button_in(dm, "nudge_done", user=EVA)  # not hers
    app.settle()
    assert app.item("A-1").status.value == "open"
    assert "Only the owner" in text_of(standin.calls_to("response_url")[-1].args)
    slack.click_button_in(dm, "nudge_done", user=JAN)
    app.settle()
    assert app.item("A-1").status.value == "done"
    [redraw] = redraws(standin)
    assert "✅ Done" in text_of(redraw) and "nudge_done" not in str(redraw["blocks"])
    tick_at(app, at(1, 8, month=12))  # the due day: nothing more
    tick_at(app, at(3, 8, month=12))
    assert len(nudges_to(standin, JAN)) == 1
    slack.click_button_in(dm, "nudge_done", user=JAN)
    app.settle()
    assert "already" in text_of(standin.calls_to("response_url")[-1].args)


def test_snooze_holds_back_the_next_step(slack: SlackDriver, app: AppUnderTest, standin: SlackStandIn) -> None:
    capture(slack, JAN, "2026-11-26")
    tick_at(app, at(24, 8))  # Tuesday: two business days before
    [dm] = nudges_to(standin, JAN)
    slack.click_button_in(dm, "nudge_snooze", user=JAN, option="A-1|3")
    app.settle()
    [redraw] = redraws(standin)
    assert "😴 Snoozed until Fri 2026-11-27 09:00" in text_of(redraw)
    tick_at(app, at(26, 8))  # the due day, snoozed
    assert len(nudges_to(standin, JAN)) == 1
    tick_at(app, at(27, 8))
    assert len(nudges_to(standin, JAN)) == 2


def test_snooze_one_day_and_until_a_date(slack: SlackDriver, app: AppUnderTest, standin: SlackStandIn) -> None:
    capture(slack, JAN, "2026-11-25")
    tick_at(app, at(23, 8))  # Monday: two business days before Wednesday
    [dm] = nudges_to(standin, JAN)
    slack.click_button_in(dm, "nudge_snooze", user=JAN, option="A-1|1")
    app.settle()
    assert "Snoozed until Tue 2026-11-24 09:00" in text_of(redraws(standin)[-1])
    slack.click_button_in(dm, "nudge_snooze", user=JAN, option="A-1|date")
    app.settle()
    form = standin.calls_to("views.open")[-1].args["view"]
    refused = slack.submit_view(form, picked("2026-11-23"), user=JAN)  # today: not a snooze
    assert "snooze_until" in (refused.body or {}).get("errors", {})
    slack.submit_view(form, picked("2026-11-30"), user=JAN)
    app.settle()
    assert "before Mon 2026-11-30 09:00" in text_of(standin.calls_to("response_url")[-1].args)
    tick_at(app, at(25, 8))  # the due day, snoozed
    tick_at(app, at(27, 8))
    assert len(nudges_to(standin, JAN)) == 1
    tick_at(app, at(30, 8))
    assert len(nudges_to(standin, JAN)) == 2


def test_stop_ends_the_nudges_and_undo_brings_them_back(
    slack: SlackDriver, app: AppUnderTest, standin: SlackStandIn
) -> None:
    capture(slack, JAN, "2026-11-26")
    tick_at(app, at(24, 8))
    [dm] = nudges_to(standin, JAN)
    slack.click_button_in(dm, "nudge_stop", user=JAN)
    app.settle()
    [stopped] = redraws(standin)
    assert "🔕 No more nudges about this one" in text_of(stopped)
    tick_at(app, at(26, 8))
    assert len(nudges_to(standin, JAN)) == 1
    app.clock.set(at(26, 9))
    slack.click_button_in(stopped, "nudge_undo_stop", user=JAN)
    app.settle()
    assert "nudge_done" in str(redraws(standin)[-1]["blocks"])  # the row with its buttons again
    tick_at(app, at(27, 8))  # the next step: the next business day after the due day
    assert len(nudges_to(standin, JAN)) == 2


def test_an_overdue_item_is_escalated_once_in_its_channel(
    slack: SlackDriver, app: AppUnderTest, standin: SlackStandIn
) -> None:
    capture(slack, JAN, "2026-11-26")
    tick_at(app, at(2, 8, month=12))  # 4 business days overdue
    assert escalations(standin) == []
    tick_at(app, at(3, 8, month=12))  # 5
    [escalation] = escalations(standin)
    assert escalation["channel"] == DEFAULT_CHANNEL and "5 business days overdue" in text_of(escalation)
    tick_at(app, at(4, 8, month=12))
    tick_at(app, at(10, 8, month=12))
    assert len(escalations(standin)) == 1


def test_away_means_no_nudges_until_the_first_day_back(
    slack: SlackDriver, app: AppUnderTest, standin: SlackStandIn
) -> None:
    capture(slack, JAN, "2026-11-26")
    reply = slack.command("/action", "away until 2026-12-03", user=JAN)
    assert reply.response_type == "ephemeral" and "Thu 2026-12-03 09:00" in reply.text
    assert "after today" in slack.command("/action", "away 2026-11-23", user=JAN).text
    for day, month in ((24, 11), (26, 11), (27, 11), (1, 12), (2, 12)):
        tick_at(app, at(day, 8, month=month))
    assert nudges_to(standin, JAN) == []
    tick_at(app, at(3, 8, month=12))
    assert len(nudges_to(standin, JAN)) == 1
    assert "Welcome back" in slack.command("/action", "away off", user=JAN).text


def test_working_hours_move_the_nudge(slack: SlackDriver, app: AppUnderTest, standin: SlackStandIn) -> None:
    capture(slack, JAN, "2026-11-26")
    reply = slack.command("/action", "prefs hours 07:00-15:00", user=JAN)
    assert reply.response_type == "ephemeral" and "07:00–15:00 (Europe/Amsterdam)" in reply.text
    assert "start before it ends" in slack.command("/action", "prefs hours 17:00-08:00", user=JAN).text
    tick_at(app, at(24, 6))  # 07:00 in Amsterdam
    assert len(nudges_to(standin, JAN)) == 1


def test_prefs_show_and_change_days_country_and_digest(slack: SlackDriver) -> None:
    shown = slack.command("/action", "prefs", user=TANAKA).text
    assert "Mon, Tue, Wed, Thu, Fri" in shown and "09:00–18:00 (Asia/Tokyo)" in shown
    assert "JP, from your Slack language" in shown and "Not away" in shown
    assert "Mon, Tue, Wed, Thu" in slack.command("/action", "prefs days mon-thu", user=TANAKA).text
    assert "Mon, Tue, Wed, Thu, Sun" in slack.command("/action", "prefs days sun-thu", user=TANAKA).text
    assert "NL, your choice" in slack.command("/action", "prefs country nl", user=TANAKA).text
    assert "no public holidays" in slack.command("/action", "prefs country XX", user=TANAKA).text
    assert "JP, from your" in slack.command("/action", "prefs country auto", user=TANAKA).text
    assert "as each step comes due" in slack.command("/action", "prefs digest off", user=TANAKA).text
    assert "workspace admin" in slack.command("/action", "prefs team-country SE", user=TANAKA).text
    assert "not a day" in slack.command("/action", "prefs days funday", user=TANAKA).text


def test_session_nudges_shows_changes_and_turns_off_the_ladder(
    slack: SlackDriver, app: AppUnderTest, standin: SlackStandIn
) -> None:
    shown = slack.command("/session", "nudges", user=JAN)
    assert shown.response_type == "ephemeral"
    assert (
        "2 business days before and on the due day at the start of the owner's working day; then on the next "
        "business day and every 2 business days; escalated in this channel after 5 business days overdue"
    ) in shown.text
    assert "never escalated" in slack.command("/session", "nudges escalate off", user=JAN).text
    assert "every 3 business days" in slack.command("/session", "nudges every 3", user=JAN).text
    assert "from 1 to 10" in slack.command("/session", "nudges every 11", user=JAN).text
    assert "off: no reminders" in slack.command("/session", "nudges off", user=JAN).text
    capture(slack, JAN, "2026-11-26")
    for day in (24, 26, 27, 30):
        tick_at(app, at(day, 8))
    assert nudges_to(standin, JAN) == []
    assert "/session nudges" in slack.command("/session", "help", user=JAN).text


def test_a_vacation_status_in_slack_holds_the_nudges(
    slack: SlackDriver, app: AppUnderTest, standin: SlackStandIn
) -> None:
    # On vacation until Friday 2026-11-27 evening in Amsterdam: back on Monday.
    standin.set_status(JAN, text="On vacation", emoji=":palm_tree:", expiration=int(at(27, 20).timestamp()))
    capture(slack, JAN, "2026-11-26")
    for day in (24, 26, 27):
        tick_at(app, at(day, 8))
    assert nudges_to(standin, JAN) == []
    assert "Away until Sat 2026-11-28" in slack.command("/action", "prefs", user=JAN).text
    tick_at(app, at(30, 8))
    assert len(nudges_to(standin, JAN)) == 1


@pytest.mark.parametrize("text", ["Lunch", ""])
def test_a_status_that_says_nothing_of_leave_changes_nothing(
    slack: SlackDriver, app: AppUnderTest, standin: SlackStandIn, text: str
) -> None:
    standin.set_status(JAN, text=text, emoji=":sandwich:", expiration=int(time.time()) + 3600)
    capture(slack, JAN, "2026-11-26")
    tick_at(app, at(24, 8))
    assert len(nudges_to(standin, JAN)) == 1


def test_an_owner_who_never_used_tanto_is_nudged_in_their_own_zone(
    slack: SlackDriver, app: AppUnderTest, standin: SlackStandIn
) -> None:
    from tests.conftest import NINA

    # Jan assigns to Nina (New York), whom the app has never met: her profile is fetched after the
    # capture, and her item's nudges are re-planned in her zone (09:00 EST is 14:00 UTC).
    reply = slack.command("/action", f"Send the pricing sheet <@{NINA}|nina> by 2026-12-02", user=JAN)
    assert reply.response_type == "in_channel", reply.text
    app.settle()
    tick_at(app, at(30, 13, 59))  # Monday 08:59 in New York, two business days before
    assert nudges_to(standin, NINA) == []
    tick_at(app, at(30, 14))
    [nudge] = nudges_to(standin, NINA)
    assert "Send the pricing sheet" in text_of(nudge)


def test_a_pending_decision_is_nudged_with_decide_which_asks_for_the_outcome(
    slack: SlackDriver, app: AppUnderTest, standin: SlackStandIn
) -> None:
    import json

    from handlers.slack import ids

    reply = slack.command("/decision", f"Which partner runs the pilot <@{JAN}|jan> by 2026-11-27", user=JAN)
    assert reply.response_type == "in_channel", reply.text
    tick_at(app, at(25, 8))  # two business days before, 09:00 in Amsterdam
    [dm] = nudges_to(standin, JAN)
    elements = json.dumps(dm["blocks"])
    assert ids.NUDGE_DECIDE in elements and ids.NUDGE_DONE not in elements
    slack.click_button_in(dm, ids.NUDGE_DECIDE, user=JAN)
    form = standin.calls_to("views.open")[-1].args["view"]
    assert form["callback_id"] == ids.DECIDE_FORM
    assert app.item("D-1").is_open
