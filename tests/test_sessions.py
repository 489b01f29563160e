"""`/session` end to end: the rhythm as understood, check-ins, the agenda posted once, minutes.

The clock is Monday 2026-11-23 12:00 in Tokyo. The channel's session is the first Tuesday of the
month at 10:00 Tokyo: Tue 2026-12-01 10:00 (01:00 UTC). Its agenda posts one business day before
at 09:00 (Mon 2026-11-30 00:00 UTC); check-ins one business day before that (Fri 2026-11-27).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from handlers.slack.standin.driver import DEFAULT_CHANNEL, SlackDriver
from handlers.slack.standin.server import SlackStandIn, blocks_text
from tests.conftest import EVA, JAN, TANAKA, AppUnderTest

MONTHLY = "every first Tuesday of the month at 10:00 Asia/Tokyo"
CHECKIN_TIME = datetime(2026, 11, 27, 0, 30, tzinfo=UTC)
AGENDA_TIME = datetime(2026, 11, 30, 0, 1, tzinfo=UTC)
SESSION_START = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


def posts_in(standin: SlackStandIn, channel: str) -> list[dict[str, Any]]:
    """Session messages posted to a channel or DM (nudges, which these items also get, left out)."""
    return [
        c.args
        for c in standin.calls_to("chat.postMessage")
        if c.args.get("channel") == channel and not outbox_key(c.args).startswith(("nudge:", "escalation:"))
    ]


def outbox_key(post: dict[str, Any]) -> str:
    """The outbox key a post carries in its message metadata."""
    return str(((post.get("metadata") or {}).get("event_payload") or {}).get("key", ""))


def agenda_posts(standin: SlackStandIn) -> list[dict[str, Any]]:
    """Every page of every agenda posted in the channel."""
    return [p for p in posts_in(standin, DEFAULT_CHANNEL) if outbox_key(p).startswith("agenda:")]


def text_of(message: dict[str, Any]) -> str:
    return f"{message.get('text') or ''}\n{blocks_text(message.get('blocks'))}"


@pytest.fixture
def planned(slack: SlackDriver, app: AppUnderTest) -> None:
    """Four items in the channel and a monthly session."""
    for line, user in (
        (f"Send revised proposal <@{TANAKA}|tanaka> by 2026-11-25", JAN),  # overdue by the session
        (f"Book the workshop #globex <@{JAN}|jan> by 2026-11-27", TANAKA),
        (f"Renewal plan <@{EVA}|eva> by 2027-03-01", TANAKA),  # after the next session: not on this agenda
    ):
        assert slack.command("/action", line, user=user).response_type == "in_channel"
    reply = slack.command("/decision", f"Do we bid on the ERP RFP? <@{TANAKA}|tanaka> by 2026-11-30", user=JAN)
    assert reply.response_type == "in_channel"
    assert slack.command("/session", MONTHLY, user=JAN).response_type == "in_channel"


def test_a_rhythm_is_confirmed_with_the_next_three_sessions_written_out(slack: SlackDriver) -> None:
    reply = slack.command("/session", MONTHLY, user=JAN)
    assert reply.response_type == "in_channel"
    for when in ("Tue 2026-12-01 10:00", "Tue 2027-01-05 10:00", "Tue 2027-02-02 10:00"):
        assert when in reply.text
    assert "Mon 2026-11-30 09:00" in reply.text  # when the agenda posts
    shown = slack.command("/session", "next", user=TANAKA)
    assert shown.response_type == "ephemeral" and "Tue 2026-12-01 10:00" in shown.text


@pytest.mark.parametrize(
    ("rhythm", "first"),
    [
        ("毎月第1火曜 10:00", "Tue 2026-12-01 10:00"),  # the user's zone: Tokyo
        ("every 2 weeks on Thursday 15:00", "Thu 2026-11-26 15:00"),
        ("RRULE:FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=16;BYMINUTE=0 Europe/Amsterdam", "Fri 2026-11-27 16:00"),
    ],
)
def test_rhythms_in_other_forms(slack: SlackDriver, rhythm: str, first: str) -> None:
    reply = slack.command("/session", rhythm, user=TANAKA)
    assert reply.response_type == "in_channel", reply.text
    assert first in reply.text


def test_a_rhythm_that_cannot_be_read_is_refused_and_nothing_is_stored(slack: SlackDriver) -> None:
    reply = slack.command("/session", "whenever the moon is full", user=JAN)
    assert reply.response_type == "ephemeral"
    assert "whenever the moon is full" in reply.text and "RRULE" in reply.text
    assert "no session yet" in slack.command("/session", "next", user=JAN).text


def test_help_and_list(slack: SlackDriver) -> None:
    help_reply = slack.command("/session", "help", user=JAN)
    assert help_reply.response_type == "ephemeral" and "/session skip" in help_reply.text
    assert "No channel has a session" in slack.command("/session", "list", user=JAN).text
    slack.command("/session", MONTHLY, user=JAN)
    slack.command("/session", "every Monday 9:30 Europe/Stockholm", user=EVA, channel="C0INITECH")
    listing = slack.command("/session", "list", user=JAN).text
    assert "<#C0ACCT>" in listing and "<#C0INITECH>" in listing
    assert "Mon 2026-11-23 09:30" in listing  # it is 04:00 in Stockholm


def test_skip_and_move_change_one_occurrence_not_the_rule(slack: SlackDriver) -> None:
    slack.command("/session", MONTHLY, user=JAN)
    skipped = slack.command("/session", "skip 2026-12-01", user=JAN)
    assert skipped.response_type == "in_channel"
    assert "Tue 2026-12-01 10:00" not in skipped.text.split("Skipped")[0]
    assert "Tue 2027-01-05 10:00" in skipped.text
    moved = slack.command("/session", "move 2027-01-05 to 2027-01-07 10:00", user=JAN)
    assert "Thu 2027-01-07 10:00" in moved.text and "Tue 2027-02-02 10:00" in moved.text
    wrong = slack.command("/session", "skip 2026-12-02", user=JAN)
    assert wrong.response_type == "ephemeral" and "no session on 2026-12-02" in wrong.text


def test_lead_length_tag_and_off(slack: SlackDriver, app: AppUnderTest) -> None:
    slack.command("/session", MONTHLY, user=JAN)
    lead = slack.command("/session", "lead 2d", user=JAN)
    assert "2 days before" in lead.text and "Sun 2026-11-29 09:00" in lead.text
    unreadable = slack.command("/session", "lead soonish", user=JAN)
    assert unreadable.response_type == "ephemeral"
    assert "“soonish” is not a lead time" in unreadable.text and "1bd" in unreadable.text
    assert "90 minutes" in slack.command("/session", "length 90m", user=JAN).text
    tagged = slack.command("/session", "tag Globex", user=JAN)
    assert "#globex" in tagged.text
    slack.command("/action", f"Call the CFO <@{TANAKA}|tanaka> by 2026-12-04", user=JAN)
    assert app.item("A-1").tag == "globex"
    off = slack.command("/session", "off", user=JAN)
    assert "Turned off" in off.text
    assert "no upcoming" in slack.command("/session", "preview", user=JAN).text


def test_check_ins_then_the_agenda_each_once(
    slack: SlackDriver, app: AppUnderTest, standin: SlackStandIn, planned: None
) -> None:
    app.clock.set(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    app.tick()
    assert posts_in(standin, TANAKA) == [] and agenda_posts(standin) == []

    app.clock.set(CHECKIN_TIME)
    app.tick()
    app.tick()  # a second tick (or a second replica) queues nothing new
    [tanaka_dm] = posts_in(standin, TANAKA)
    assert len(posts_in(standin, JAN)) == 1
    assert posts_in(standin, EVA) == []  # her item is for a later session
    assert "A-1" in text_of(tanaka_dm) and "D-1" in text_of(tanaka_dm) and "A-2" not in text_of(tanaka_dm)
    slack.click_button_in(tanaka_dm, "checkin_at_risk", user=TANAKA)
    app.settle()

    app.clock.set(AGENDA_TIME)
    app.tick()
    app.tick()
    pages = agenda_posts(standin)
    assert len(pages) == 1
    agenda = text_of(pages[0])
    assert "Overdue" in agenda and "A-1" in agenda and "5 days overdue" in agenda
    assert "#globex" in agenda and "A-2" in agenda
    assert "Pending decisions" in agenda and "D-1" in agenda
    assert "A-3" not in agenda
    assert "At risk" in agenda  # Tanaka's check-in answer
    assert f"<@{JAN}>" in agenda.split("No check-in answer yet")[1].splitlines()[0]

    # After the session started, nothing more for it.
    app.clock.set(datetime(2026, 12, 1, 1, 30, tzinfo=UTC))
    app.tick()
    assert len(agenda_posts(standin)) == 1


def test_done_on_the_agenda_changes_the_item_and_redraws_only_its_row(
    slack: SlackDriver, app: AppUnderTest, standin: SlackStandIn, planned: None
) -> None:
    app.clock.set(AGENDA_TIME)
    app.tick()
    [page] = agenda_posts(standin)
    # The first row is the #globex topic's A-2 (Jan's, created by Tanaka); Eva may not close it.
    first = next(b["block_id"] for b in page["blocks"] if b.get("block_id", "").startswith("agenda-actions:"))
    assert first == "agenda-actions:A-2"
    slack.click_button_in(page, "agenda_done", user=EVA)
    app.settle()
    assert app.item("A-2").status.value == "open"
    assert "Only the owner" in text_of(standin.calls_to("response_url")[-1].args)
    assert slack.click_button_in(page, "agenda_done", user=TANAKA).status == 200
    app.settle()
    assert app.item("A-2").status.value == "done"
    [redraw] = [c.args for c in standin.calls_to("response_url") if c.args.get("replace_original")]
    redrawn = text_of(redraw)
    assert "✅" in redrawn and "A-1" in redrawn and "D-1" in redrawn
    block_ids = [b.get("block_id") for b in redraw["blocks"]]
    assert "agenda-actions:A-2" not in block_ids and "agenda-actions:A-1" in block_ids


def test_a_missed_agenda_is_posted_after_downtime_if_the_session_has_not_started(
    slack: SlackDriver, app: AppUnderTest, standin: SlackStandIn, planned: None
) -> None:
    app.clock.set(datetime(2026, 12, 1, 0, 45, tzinfo=UTC))  # the bot was down since Friday
    app.tick()
    assert len(agenda_posts(standin)) == 1
    assert posts_in(standin, TANAKA) == []  # check-ins are too late now: the agenda speaks


def test_no_agenda_once_the_session_has_started_but_the_minutes_follow(
    slack: SlackDriver, app: AppUnderTest, standin: SlackStandIn, planned: None
) -> None:
    app.clock.set(AGENDA_TIME)
    app.tick()
    assert len(agenda_posts(standin)) == 1
    [agenda_call] = [c for c in standin.calls_to("chat.postMessage") if outbox_key(c.args).startswith("agenda:")]
    agenda_ts = next(
        m["ts"] for m in standin.messages_in(DEFAULT_CHANNEL) if outbox_key(m) == outbox_key(agenda_call.args)
    )
    app.clock.set(datetime(2026, 12, 1, 1, 20, tzinfo=UTC))  # during the session
    slack.command("/action", "done A-2", user=JAN)
    slack.command("/decision", "decide D-1 We bid, with partner X", user=TANAKA)
    slack.command("/action", f"Draft the partner agreement <@{JAN}|jan> by 2026-12-10", user=TANAKA)
    slack.command("/action", "Someone should call legal", user=TANAKA)  # refused: no owner, no date
    app.clock.set(datetime(2026, 12, 1, 2, 5, tzinfo=UTC))  # the session ended at 02:00 UTC
    app.tick()
    app.tick()
    minutes = [p for p in posts_in(standin, DEFAULT_CHANNEL) if outbox_key(p).startswith("minutes:")]
    assert len(minutes) == 1
    assert minutes[0]["thread_ts"] == agenda_ts
    record = text_of(minutes[0])
    assert "We bid, with partner X" in record and "A-2" in record and "A-4" in record
    assert "Someone should call legal" in record and "owner and due date" in record
    assert len(agenda_posts(standin)) == 1


def test_a_post_that_crashed_before_it_was_recorded_is_not_posted_again(
    slack: SlackDriver, app: AppUnderTest, standin: SlackStandIn, planned: None
) -> None:
    from sqlalchemy import update

    from storage.tables import OutboxRow

    app.clock.set(AGENDA_TIME)
    app.tick()
    assert len(agenda_posts(standin)) == 1
    # As if the worker died after Slack took the post but before it wrote that down.
    with app.running.store.transaction() as tx:
        tx.session.execute(update(OutboxRow).where(OutboxRow.kind == "agenda").values(sent_at=None, message_id=None))
    app.sweep()
    app.settle()
    assert len(agenda_posts(standin)) == 1
    with app.running.store.transaction() as tx:
        assert tx.outbox.pending_count() == 0


def test_preview_is_ephemeral_and_agenda_now_posts(
    slack: SlackDriver, app: AppUnderTest, standin: SlackStandIn, planned: None
) -> None:
    preview = slack.command("/session", "preview", user=EVA)
    assert preview.response_type == "ephemeral"
    assert "Preview" in preview.text and "A-1" in preview.text
    assert agenda_posts(standin) == []
    queued = slack.command("/session", "agenda", user=EVA)
    assert "Posting the agenda" in queued.text
    app.settle()
    assert len(agenda_posts(standin)) == 1


def test_a_large_agenda_is_split_within_slack_limits_and_nothing_is_lost(
    slack: SlackDriver, app: AppUnderTest, standin: SlackStandIn
) -> None:
    for number in range(1, 61):
        tag = ("#globex", "#initech", "")[number % 3]
        line = f"Follow-up {number} {'x' * 200} {tag} <@{TANAKA}|tanaka> by 2026-11-2{number % 4 + 4}"
        assert slack.command("/action", line, user=JAN).response_type == "in_channel", number
    slack.command("/session", MONTHLY, user=JAN)
    app.clock.set(AGENDA_TIME)
    app.tick()
    pages = agenda_posts(standin)
    assert len(pages) > 1 and len({outbox_key(page) for page in pages}) == 1
    refs: list[str] = []
    for page in pages:
        assert len(page["blocks"]) <= 50
        for block in page["blocks"]:
            assert len((block.get("text") or {}).get("text", "")) <= 3000
            if block.get("block_id", "").startswith("agenda-item:"):
                refs.append(block["block_id"].split(":")[1])
    assert sorted(refs, key=lambda r: int(r[2:])) == [f"A-{n}" for n in range(1, 61)]


def test_only_one_agenda_with_two_replicas(
    slack: SlackDriver, app: AppUnderTest, standin: SlackStandIn, planned: None, database_url: str
) -> None:
    from dataclasses import replace

    from handlers.slack.server import start
    from tests.conftest import LoopThread, settings_for

    loop = LoopThread()
    other = loop.run(start(replace(settings_for(standin, database_url), port=0), clock=app.clock, ticks=False))
    try:
        app.clock.set(AGENDA_TIME)
        from bot.scheduler import Planner

        for running, runner_loop in ((app.running, app.loop), (other, loop), (app.running, app.loop)):
            runtime = running.runtime
            assert runtime.dispatcher is not None
            runner_loop.run(Planner(runtime.sessions, runtime.nudges, runtime.dispatcher).tick())
            runner_loop.run(runtime.settle())
        assert len(agenda_posts(standin)) == 1
    finally:
        loop.run(other.stop())
        loop.close()


def test_check_in_comment_shows_in_the_agenda(
    slack: SlackDriver, app: AppUnderTest, standin: SlackStandIn, planned: None
) -> None:
    app.clock.set(CHECKIN_TIME)
    app.tick()
    [dm] = posts_in(standin, TANAKA)
    slack.click_button_in(dm, "checkin_comment_open", user=TANAKA)
    [opened] = standin.wait_for("views.open")
    slack.submit_view(
        opened.args["view"],
        {"comment": {"comment_input": {"type": "plain_text_input", "value": "waiting for legal"}}},
        user=TANAKA,
    )
    app.clock.set(AGENDA_TIME)
    app.tick()
    [page] = agenda_posts(standin)
    assert "waiting for legal" in text_of(page)
    assert re.search(r"No check-in answer yet from <@U0JAN>", text_of(page))


def test_export_uploads_the_minutes_as_csv_with_a_bom(
    slack: SlackDriver, app: AppUnderTest, standin: SlackStandIn, planned: None
) -> None:
    assert "no session in this channel yet" in slack.command("/session", "export", user=JAN).text
    app.clock.set(datetime(2026, 12, 1, 1, 20, tzinfo=UTC))
    slack.command("/decision", "decide D-1 We bid, with partner X", user=TANAKA)
    reply = slack.command("/session", "export", user=JAN)
    assert reply.response_type == "ephemeral" and "CSV" in reply.text
    app.settle()
    [completed] = standin.wait_for("files.completeUploadExternal")
    assert completed.args.get("channel_id") == DEFAULT_CHANNEL
    [file] = completed.args["files"] if isinstance(completed.args["files"], list) else []
    content = standin.file_content(file["id"])
    assert content is not None and content.startswith("\ufeff".encode())
    rows = content.decode("utf-8-sig").splitlines()
    assert rows[0].startswith("section,item,title,owner,due")
    assert any(row.startswith("decided,D-1,") and "We bid, with partner X" in row for row in rows)
