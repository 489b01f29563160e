"""The agenda and check-in messages: grouping, item rows, Slack's limits, splitting, buttons.

Agendas are built with `bot.agenda.compose` from hand-made items, exactly as the app builds them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.agenda import Agenda, AgendaEntry, CheckinAnswer, CheckinStatus, compose
from bot.dates import describe
from bot.model import ActionItem, ItemKind, ItemStatus, Ref
from handlers.slack import ids
from handlers.slack.agenda_blocks import agenda_item_rows, agenda_messages, checkin_message, checkin_status_of

TOKYO = ZoneInfo("Asia/Tokyo")
TODAY = date(2026, 12, 1)  # a Tuesday
STARTS_AT = datetime(2026, 12, 1, 10, 0, tzinfo=TOKYO)
FOLLOWING_AT = datetime(2026, 12, 15, 10, 0, tzinfo=TOKYO)
DONE_SINCE = datetime(2026, 11, 17, 1, 0, tzinfo=UTC)
CHANNEL = "C0SALES"
TITLE = "Account plan session — Tue 2026-12-01 10:00 (Asia/Tokyo)"
TOKEN = "s42:2026-12-01T01:00:00+00:00"


def make(
    number: int,
    *,
    title: str | None = None,
    owner: str = "U0TANAKA",
    due: date = date(2026, 12, 4),
    tag: str | None = "globex",
    kind: ItemKind = ItemKind.ACTION,
    status: ItemStatus = ItemStatus.OPEN,
    moved: int = 0,
    closed_at: datetime | None = None,
    outcome: str | None = None,
) -> ActionItem:
    return ActionItem(
        number=number,
        title=title or f"Task {number}",
        owner_id=owner,
        creator_id="U0JAN",
        due_on=due,
        channel_id=CHANNEL,
        status=status,
        created_at=datetime(2026, 11, 1, tzinfo=UTC),
        tag=tag,
        reschedule_count=moved,
        closed_at=closed_at,
        closed_by=owner if closed_at else None,
        kind=kind,
        outcome=outcome,
    )


def agenda_of(items: list[ActionItem], **extra: Any) -> Agenda:
    return compose(
        items,
        channel_id=CHANNEL,
        starts_at=STARTS_AT,
        following_at=FOLLOWING_AT,
        done_since=DONE_SINCE,
        today=TODAY,
        **extra,
    )


def texts(blocks: list[dict[str, Any]]) -> list[str]:
    """The visible text of each block, in order (a context's elements joined)."""
    found = []
    for block in blocks:
        if "text" in block:
            found.append(block["text"]["text"])
        elif block["type"] == "context":
            found.append(" ".join(element["text"] for element in block["elements"]))
    return found


def walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def assert_within_slack_limits(blocks: list[dict[str, Any]]) -> None:
    json.dumps(blocks)
    assert len(blocks) <= 50
    for node in walk(blocks):
        if isinstance(node.get("text"), str):
            assert len(node["text"]) <= (150 if node["type"] == "plain_text" else 3000)
        if node.get("type") == "button":
            assert len(node["value"]) <= 2000
    block_ids = [block["block_id"] for block in blocks if "block_id" in block]
    assert len(block_ids) == len(set(block_ids))


def block(blocks: list[dict[str, Any]], block_id: str) -> dict[str, Any]:
    return next(b for b in blocks if b.get("block_id") == block_id)


def test_topics_by_tag_untagged_last_and_sections_in_order() -> None:
    agenda = agenda_of(
        [
            make(1, tag=None, due=date(2026, 11, 20)),
            make(2, tag="globex", due=date(2026, 12, 10)),
            make(3, tag="globex", due=date(2026, 11, 28)),
            make(4, tag="Acme", kind=ItemKind.DECISION, due=date(2026, 12, 20)),
            make(5, tag="globex", moved=3, due=date(2026, 12, 3)),
            make(6, tag="globex", status=ItemStatus.DONE, closed_at=datetime(2026, 11, 19, 3, tzinfo=UTC)),
            make(7, tag="globex", kind=ItemKind.DECISION, due=date(2026, 12, 8)),
        ]
    )
    [(blocks, fallback)] = agenda_messages(agenda, title=TITLE)
    assert_within_slack_limits(blocks)
    lines = [t for t in texts(blocks) if not t.startswith(("*A-", "*D-"))]
    assert lines[2:] == [
        "*#Acme*",
        "*Pending decisions*",
        "*#globex*",
        "*Overdue*",
        "*Slipping* (rescheduled 2+ times)",
        "*Due before the next session*",
        "*Pending decisions*",
        "*Done since the last session*",
        "✅ *A-6* Task 6 — <@U0TANAKA>, done Thu 2026-11-19",
        "*No account tag*",
        "*Overdue*",
    ]
    order = [b["block_id"] for b in blocks if b.get("block_id", "").startswith("agenda-item:")]
    assert order == [f"agenda-item:{ref}" for ref in ("D-4", "A-3", "A-5", "A-2", "D-7", "A-6", "A-1")]
    due_by = describe(agenda.due_until)
    assert fallback.startswith(f"Agenda for Tue 2026-12-01: 2 overdue, 1 slipping, 1 due by {due_by},")


def test_an_open_item_is_its_text_then_its_buttons() -> None:
    agenda = agenda_of([make(12, title="Send proposal", due=date(2026, 11, 28), moved=1)])
    [(blocks, _)] = agenda_messages(agenda, title=TITLE)
    position = blocks.index(block(blocks, "agenda-item:A-12"))
    row, actions = blocks[position], blocks[position + 1]
    assert row["text"]["text"] == (
        "*A-12* Send proposal — <@U0TANAKA> · due Sat 2026-11-28 · *3 days overdue* · moved 1×"
    )
    assert actions["block_id"] == "agenda-actions:A-12"
    done, reschedule = actions["elements"]
    assert (done["text"]["text"], done["action_id"], done["value"], done["style"]) == (
        "Done",
        ids.AGENDA_DONE,
        "A-12",
        "primary",
    )
    assert (reschedule["text"]["text"], reschedule["action_id"], reschedule["value"]) == (
        "Reschedule",
        ids.AGENDA_RESCHEDULE,
        "A-12",
    )
    assert "style" not in reschedule


def test_overdue_days_and_due_dates_are_explicit() -> None:
    one = agenda_item_rows(AgendaEntry(make(1, due=date(2026, 11, 30))), TODAY)
    today = agenda_item_rows(AgendaEntry(make(2, due=TODAY)), TODAY)
    later = agenda_item_rows(AgendaEntry(make(3, due=date(2026, 12, 4))), TODAY)
    assert "due Mon 2026-11-30 · *1 day overdue*" in one[0]["text"]["text"]
    assert "due Tue 2026-12-01 (today)" in today[0]["text"]["text"]
    assert later[0]["text"]["text"].endswith("— <@U0TANAKA> · due Fri 2026-12-04")


def test_a_decision_is_decided_not_done() -> None:
    rows = agenda_item_rows(AgendaEntry(make(3, kind=ItemKind.DECISION, due=date(2026, 12, 8))), TODAY)
    assert rows[0]["block_id"] == "agenda-item:D-3"
    assert "decide by Tue 2026-12-08" in rows[0]["text"]["text"]
    closing = rows[1]["elements"][0]
    assert (closing["text"]["text"], closing["action_id"], closing["value"]) == ("Decide", ids.AGENDA_DONE, "D-3")


def test_a_closed_item_is_one_line_without_buttons() -> None:
    # Decided at 23:30 UTC on the 18th: the 19th in Tokyo, the session's zone.
    decided = make(
        9,
        title="Which reseller",
        kind=ItemKind.DECISION,
        status=ItemStatus.DECIDED,
        closed_at=datetime(2026, 11, 18, 23, 30, tzinfo=UTC),
        outcome="Go with Initech",
    )
    rows = agenda_item_rows(AgendaEntry(decided), TODAY, tz=TOKYO)
    assert rows == [
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": "⚖️ *D-9* Which reseller — <@U0TANAKA>, decided Thu 2026-11-19: Go with Initech",
                }
            ],
            "block_id": "agenda-item:D-9",
        }
    ]
    # Without a zone, the day is the one in the zone it was recorded in (UTC), not the server's.
    assert (
        "decided Wed 2026-11-18: Go with Initech"
        in agenda_item_rows(AgendaEntry(decided), TODAY)[0]["elements"][0]["text"]
    )
    escaped = make(10, title="R&amp;D budget " + "q" * 2990, status=ItemStatus.DONE, closed_at=DONE_SINCE)
    line = agenda_item_rows(AgendaEntry(escaped), TODAY)[0]["elements"][0]["text"]
    assert len(line) <= 3000
    assert line.startswith("✅ *A-10* R&amp;D budget qqq")
    assert line.endswith(" … — <@U0TANAKA>, done Tue 2026-11-17")


def test_check_in_answers_show_on_the_agenda() -> None:
    answer = CheckinAnswer(CheckinStatus.AT_RISK, datetime(2026, 11, 30, tzinfo=UTC), "waiting for legal")
    agenda = agenda_of([make(1), make(2, owner="U0JAN")], checkins={Ref(ItemKind.ACTION, 1): answer})
    [(blocks, _)] = agenda_messages(agenda, title=TITLE)
    assert block(blocks, "agenda-item:A-1")["text"]["text"].endswith("\nCheck-in: 🟠 At risk — “waiting for legal”")
    assert "Check-in" not in block(blocks, "agenda-item:A-2")["text"]["text"]


def test_summary_shows_every_count_zeros_too() -> None:
    agenda = agenda_of(
        [
            make(1, due=date(2026, 11, 20)),
            make(2, due=date(2026, 11, 25)),
            make(3, due=date(2026, 12, 3)),
            make(4, due=date(2027, 1, 20)),
            make(5, due=date(2027, 2, 20)),
            make(6, kind=ItemKind.DECISION),
            make(7, status=ItemStatus.DONE, closed_at=datetime(2026, 11, 20, tzinfo=UTC)),
            make(8, status=ItemStatus.DONE, closed_at=datetime(2026, 11, 1, tzinfo=UTC)),  # before the last session
            make(9, status=ItemStatus.CANCELLED),
        ]
    )
    [(blocks, fallback)] = agenda_messages(agenda, title=TITLE)
    due_by = describe(agenda.due_until)
    assert blocks[0] == {"type": "header", "text": {"type": "plain_text", "text": TITLE, "emoji": True}}
    assert texts(blocks)[1] == (
        f"2 overdue · 0 slipping · 1 due by {due_by} · 1 decision pending · 1 done since last session"
        " · 2 more open later"
    )
    assert fallback == (
        f"Agenda for Tue 2026-12-01: 2 overdue, 0 slipping, 1 due by {due_by}, 1 decision pending,"
        " 1 done since last session, 2 more open later"
    )


def test_an_empty_agenda_says_so() -> None:
    agenda = agenda_of([])
    [(blocks, fallback)] = agenda_messages(agenda, title=TITLE)
    assert_within_slack_limits(blocks)
    assert [b["type"] for b in blocks] == ["header", "context", "section"]
    due_by = describe(agenda.due_until)
    assert (
        texts(blocks)[1]
        == f"0 overdue · 0 slipping · 0 due by {due_by} · 0 decisions pending · 0 done since last session"
    )
    assert texts(blocks)[2] == (
        "Nothing to review: no open items or decisions in this channel. Add one with `/action`."
    )
    assert fallback.startswith("Agenda for Tue 2026-12-01: 0 overdue")


def test_preview_and_silent_owners_lines() -> None:
    answer = CheckinAnswer(CheckinStatus.ON_TRACK, datetime(2026, 11, 30, tzinfo=UTC))
    agenda = agenda_of(
        [make(1, owner="U0A"), make(2, owner="U0B"), make(3, owner="U0C")],
        checkins={Ref(ItemKind.ACTION, 2): answer},
        asked=["U0C", "U0A", "U0B"],
    )
    [(blocks, _)] = agenda_messages(agenda, title=TITLE, preview=True)
    assert texts(blocks)[2:4] == [
        "Preview — only you can see this.",
        "No check-in answer yet from <@U0A>, <@U0C>",
    ]
    [(plain, _)] = agenda_messages(agenda, title=TITLE)
    assert "Preview — only you can see this." not in texts(plain)
    # The same rows and buttons either way: buttons work in ephemeral messages too.
    assert [b for b in blocks if b["type"] == "actions"] == [b for b in plain if b["type"] == "actions"]


def test_a_long_title_is_shortened_visibly_never_the_facts() -> None:
    title = "Prepare the renewal deck for <@U0JAN> " + "x" * 3100
    rows = agenda_item_rows(AgendaEntry(make(5, title=title, due=date(2026, 11, 27), moved=4)), TODAY)
    text = rows[0]["text"]["text"]
    assert len(text) <= 3000
    assert text.startswith("*A-5* Prepare the renewal deck for <@U0JAN> xxx")
    assert text.endswith(" … — <@U0TANAKA> · due Fri 2026-11-27 · *4 days overdue* · moved 4×")
    # A cut never leaves half a mention behind.
    cut = agenda_item_rows(AgendaEntry(make(6, title="y" * 2950 + " <@U0JAN> done")), TODAY)[0]["text"]["text"]
    assert len(cut) <= 3000
    assert "<@U0J" not in cut
    assert cut.endswith(" … — <@U0TANAKA> · due Fri 2026-12-04")
    long_header = agenda_messages(agenda_of([]), title="T" * 200)[0][0][0]
    assert len(long_header["text"]["text"]) == 150
    assert long_header["text"]["text"].endswith(" …")


def test_a_big_agenda_is_split_never_cut() -> None:
    items = []
    for number in range(1, 81):
        tag = ("acme", "globex", None)[number % 3]
        title = f"Item {number} " + ("z" * 2900 if number % 7 == 0 else "with a normal title")
        if number % 5 == 0:
            items.append(make(number, title=title, tag=tag, kind=ItemKind.DECISION, due=date(2026, 12, 9)))
        elif number % 11 == 0:
            closed = datetime(2026, 11, 25, tzinfo=UTC)
            items.append(make(number, title=title, tag=tag, status=ItemStatus.DONE, closed_at=closed))
        else:
            items.append(make(number, title=title, tag=tag, due=TODAY + timedelta(days=number % 13 - 6)))
    agenda = agenda_of(items)
    messages = agenda_messages(agenda, title=TITLE)
    total = len(messages)
    assert total >= 3

    seen: list[str] = []
    for page, (blocks, fallback) in enumerate(messages, start=1):
        assert_within_slack_limits(blocks)
        # Under Slack's undocumented total for a message's text (msg_blocks_too_long).
        assert sum(len(n["text"]) for n in walk(blocks) if isinstance(n.get("text"), str)) <= 8000
        if page > 1:
            assert texts(blocks)[0] == f"Agenda continued ({page}/{total})"
            assert fallback == f"Agenda continued ({page}/{total})"
            # Every page says which topic and which part it is in.
            assert re.fullmatch(r"\*(#\w+|No account tag)\*( \(continued\))?", texts(blocks)[1])
        else:
            assert fallback.endswith(f"(1/{total})")
        for position, each in enumerate(blocks):
            block_id = each.get("block_id", "")
            if block_id.startswith("agenda-item:"):
                ref = block_id.removeprefix("agenda-item:")
                seen.append(ref)
                if each["type"] == "section":
                    assert blocks[position + 1]["block_id"] == f"agenda-actions:{ref}"
        # No page ends on a topic or part line whose entries are all on the next page.
        assert blocks[-1]["type"] == "actions" or blocks[-1].get("block_id", "").startswith("agenda-item:")

    expected = [str(item.ref) for item in items if item.status is not ItemStatus.CANCELLED]
    assert sorted(seen) == sorted(expected)
    assert len(seen) == len(set(seen))
    all_texts = [t for blocks, _ in messages for t in texts(blocks)]
    assert any(t.endswith("(continued)") for t in all_texts)
    long_rows = [t for t in all_texts if "zzz" in t]
    assert long_rows and all(len(t) <= 3000 for t in long_rows)


def test_many_short_items_fill_each_message_up_to_fifty_blocks() -> None:
    items = [make(n, tag=("acme", "globex")[n % 2], due=TODAY + timedelta(days=n % 9)) for n in range(1, 81)]
    messages = agenda_messages(agenda_of(items), title=TITLE)
    assert len(messages) == 4
    for blocks, _ in messages:
        assert_within_slack_limits(blocks)
    # Full pages: a page breaks only when the next entry (with its topic and part lines) would not fit.
    assert all(len(blocks) >= 46 for blocks, _ in messages[:-1])
    refs = [b["block_id"] for blocks, _ in messages for b in blocks if b.get("block_id", "").startswith("agenda-item:")]
    assert refs == [f"agenda-item:{e.item.ref}" for t in agenda_of(items).topics for e in t.due_soon]


def checkin_entries(count: int) -> list[AgendaEntry]:
    return [AgendaEntry(make(n, due=TODAY + timedelta(days=n % 5 - 2))) for n in range(1, count + 1)]


def test_checkin_message_structure() -> None:
    answer = CheckinAnswer(CheckinStatus.AT_RISK, datetime(2026, 11, 30, tzinfo=UTC), "waiting for legal")
    entries = [
        AgendaEntry(make(1, title="Send NDA", due=date(2026, 11, 29)), answer),
        AgendaEntry(make(2, title="Book demo", due=date(2026, 12, 3))),
    ]
    blocks, fallback = checkin_message("U0TANAKA", CHANNEL, STARTS_AT, entries, today=TODAY, token=TOKEN)
    assert_within_slack_limits(blocks)
    assert fallback == "Check-in: 2 items before the session on Tue 2026-12-01"
    assert texts(blocks)[:2] == [
        f"*Check-in before the <#{CHANNEL}> session*",
        "Hi <@U0TANAKA>! The session is on Tue 2026-12-01 10:00 (Asia/Tokyo). How are these going? "
        "One click each; add a comment if it helps.",
    ]
    assert block(blocks, "checkin-item:A-1")["text"]["text"] == (
        "*A-1* Send NDA — <@U0TANAKA> · due Sun 2026-11-29 · *2 days overdue*"
    )
    assert texts([block(blocks, "checkin-answer:A-1")]) == ["You said: 🟠 At risk — “waiting for legal”"]
    with pytest.raises(StopIteration):
        block(blocks, "checkin-answer:A-2")

    for ref, chosen in (("A-1", "checkin_at_risk"), ("A-2", None)):
        buttons = block(blocks, f"checkin-actions:{ref}")["elements"]
        assert [b["text"]["text"] for b in buttons] == ["On track", "At risk", "Blocked", "Done", "Comment"]
        assert [b["action_id"] for b in buttons] == [
            "checkin_on_track",
            "checkin_at_risk",
            "checkin_blocked",
            "checkin_done",
            ids.CHECKIN_COMMENT,
        ]
        assert {b["value"] for b in buttons} == {f"{TOKEN}|{ref}"}
        assert [b["action_id"] for b in buttons if b.get("style") == "primary"] == ([chosen] if chosen else [])
        assert all(b.get("style") != "danger" for b in buttons)


def test_checkin_message_caps_at_fifty_blocks() -> None:
    entries = checkin_entries(40)
    blocks, fallback = checkin_message("U0TANAKA", CHANNEL, STARTS_AT, entries, today=TODAY, token="t" * 200)
    assert_within_slack_limits(blocks)
    shown = [b for b in blocks if b.get("block_id", "").startswith("checkin-item:")]
    assert len(blocks) <= 50 and len(shown) == 23
    assert texts(blocks)[-1] == "…and 17 more: see `/action list mine`"
    assert fallback == "Check-in: 40 items before the session on Tue 2026-12-01"
    # Exactly as many as fit: no "more" line when they all do.
    blocks, _ = checkin_message("U0TANAKA", CHANNEL, STARTS_AT, entries[:24], today=TODAY, token=TOKEN)
    assert len(blocks) == 50 and "more" not in texts(blocks)[-1]
    with pytest.raises(ValueError):
        checkin_message("U0TANAKA", CHANNEL, STARTS_AT, entries, today=TODAY, token="t" * 201)


def test_checkin_message_keeps_under_slacks_total_text() -> None:
    entries = [AgendaEntry(make(n, title="w" * 2900)) for n in range(1, 9)]
    blocks, _ = checkin_message("U0TANAKA", CHANNEL, STARTS_AT, entries, today=TODAY, token=TOKEN)
    assert_within_slack_limits(blocks)
    shown = sum(1 for b in blocks if b.get("block_id", "").startswith("checkin-item:"))
    assert 1 <= shown < 8
    assert texts(blocks)[-1] == f"…and {8 - shown} more: see `/action list mine`"


def test_checkin_status_of() -> None:
    for status in CheckinStatus:
        assert checkin_status_of(ids.CHECKIN_PREFIX + status.value) is status
    assert checkin_status_of("checkin_at_risk") is CheckinStatus.AT_RISK
    assert checkin_status_of(ids.CHECKIN_COMMENT) is None
    assert checkin_status_of(ids.AGENDA_DONE) is None
    assert checkin_status_of("checkin_") is None


def test_the_agenda_shows_owners_on_leave_and_items_without_nudges() -> None:
    from dataclasses import replace

    muted = replace(make(1, owner="U0EVA"), nudges_off=True)
    agenda = compose(
        [muted, make(2, owner="U0TANAKA"), make(3, owner="U0JAN")],
        channel_id=CHANNEL, starts_at=STARTS_AT, following_at=FOLLOWING_AT, done_since=DONE_SINCE, today=TODAY,
        away={"U0TANAKA": date(2026, 12, 3), "U0JAN": TODAY},  # Jan is back today: not away
    )  # fmt: skip
    rows = {entry.item.number: entry for entry in agenda.open_entries()}
    assert rows[2].owner_back_on == date(2026, 12, 3) and rows[3].owner_back_on is None
    text = json.dumps([agenda_item_rows(rows[n], TODAY) for n in (1, 2, 3)], ensure_ascii=False)
    assert text.count("🌴 Owner away, back Thu 2026-12-03") == 1
    assert text.count("🔕 Owner asked not to be nudged") == 1
