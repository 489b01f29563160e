"""`tanto import`: an account plan from a spreadsheet, every row checked first, all or nothing.

The first half reads files without a database (what each problem report says); the second runs
the real command line (`bot.cli.main`) against a database file, with the Slack stand-in answering
users.lookupByEmail and users.info, and checks what was stored.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.model import ItemKind, ItemStatus
from bot.plan_csv import PlanFormatError, read_plan
from handlers.slack.standin.driver import DEFAULT_CHANNEL, SlackDriver
from handlers.slack.standin.server import SlackStandIn, blocks_text
from storage.store import Store
from tests.conftest import JAN, NOW, TANAKA, AppUnderTest
from tests.tanto_command import TEAM, Tanto

TANAKA_EMAIL = "tanaka@acme.example"
JAN_EMAIL = "Jan.de.Vries@acme.example"


def plan(text: str, *mapping: str) -> Any:
    return read_plan(text.encode(), mapping, now=NOW)


def problems(text: str, *mapping: str) -> list[str]:
    return [str(error) for error in plan(text, *mapping).errors]


# Reading and checking a file


def test_every_problem_names_its_row_column_value_and_the_fix() -> None:
    found = problems(
        "what,owner,due,status\n"
        "Send proposal,U0TANAKA,2026-12-01,open\n"
        ",U0TANAKA,2026-12-01,open\n"  # row 3: no what
        "Call the CFO,tanaka,2026-12-01,open\n"  # row 4: owner neither id nor email
        "Book workshop,U0JAN,01/02/2026,open\n"  # row 5: day and month could swap
        "Renewal,U0JAN,2026-02-30,maybe\n"  # row 6: no such day, and an unknown status
    )
    assert found[0] == 'row 3, column A "what": what is to be done is missing: every row needs it.'
    assert found[1].startswith('row 4, column B "owner", “tanaka”: ')
    assert "not a Slack member ID (like U0123ABCD) or an email address" in found[1]
    assert found[2].startswith('row 5, column C "due", “01/02/2026”: ')
    assert "2026-01-02 (month first) or 2026-02-01 (day first)" in found[2] and "year-month-day" in found[2]
    assert found[3].startswith('row 6, column C "due", “2026-02-30”: ') and "not a date in the calendar" in found[3]
    assert found[4].startswith('row 6, column D "status", “maybe”: ') and "open, done or cancelled" in found[4]
    assert len(found) == 5
    assert [row.row for row in plan("what,owner,due\nA,U0JAN,2026-12-01\n\n\nB,U0JAN,2026-12-02\n").rows] == [2, 5]


@pytest.mark.parametrize(
    ("written", "day"),
    [
        ("2026-12-01", date(2026, 12, 1)),
        ("2026/12/1", date(2026, 12, 1)),  # Excel in Japan
        ("2026.12.01", date(2026, 12, 1)),
        ("2026-12-01 00:00:00", date(2026, 12, 1)),  # a date cell saved with its time
        ("2026-12-01T17:30:00+09:00", date(2026, 12, 1)),
        ("2026年12月1日", date(2026, 12, 1)),
        ("13/02/2026", date(2026, 2, 13)),  # only day first is possible
        ("02/13/2026", date(2026, 2, 13)),  # only month first is possible
        ("05/05/2026", date(2026, 5, 5)),  # both orders agree
        ("1-Dec-2026", date(2026, 12, 1)),
        ("Dec 1, 2026", date(2026, 12, 1)),
    ],
)
def test_spreadsheet_dates_are_read_when_they_are_unambiguous(written: str, day: date) -> None:
    [row] = plan(f'what,owner,due\nSend proposal,U0JAN,"{written}"\n').rows
    assert row.due_on == day


@pytest.mark.parametrize(
    ("written", "says"),
    [
        ("01/02/2026", "could be 2026-01-02 (month first) or 2026-02-01 (day first)"),
        ("1.2.2026", "could be 2026-01-02 (month first) or 2026-02-01 (day first)"),
        ("01/02/26", "the year has two digits"),
        ("46357", "spreadsheet's day number (2026-12-01?)"),
        ("next Friday", "not a date I can read"),
        ("2062-12-01", "read as 2062-12-01, which looks like a typo"),
        ("2026-12-01 25:00", "is not a time"),
    ],
)
def test_dates_that_could_be_misread_are_refused_with_what_was_understood(written: str, says: str) -> None:
    [problem] = problems(f"what,owner,due\nSend proposal,U0JAN,{written}\n")
    assert says in problem and f"“{written}”" in problem


def test_statuses_kinds_and_their_synonyms() -> None:
    read = plan(
        "what,owner,due,status,kind,outcome\n"
        "A,U0JAN,2026-12-01,In progress,,\n"
        "B,U0JAN,2026-12-01,完了,,\n"
        "C,U0JAN,2026-12-01,Canceled,action,\n"
        "D,U0JAN,2026-12-01,,decision,\n"
        "E,U0JAN,2026-12-01,done,decision,We bid\n"  # a decision is closed by deciding it
    )
    assert [(r.status, r.kind) for r in read.rows] == [
        (ItemStatus.OPEN, ItemKind.ACTION),
        (ItemStatus.DONE, ItemKind.ACTION),
        (ItemStatus.CANCELLED, ItemKind.ACTION),
        (ItemStatus.OPEN, ItemKind.DECISION),
        (ItemStatus.DECIDED, ItemKind.DECISION),
    ]
    assert read.rows[-1].outcome == "We bid"
    [undecided, decided_action] = problems(
        "what,owner,due,status,kind,outcome\nF,U0JAN,2026-12-01,decided,decision,\nG,U0JAN,2026-12-01,decided,,\n"
    )
    assert "a decided decision needs its outcome" in undecided
    assert "“decided” is for decisions" in decided_action


def test_open_items_cannot_carry_a_closing_and_nothing_is_created_in_the_future() -> None:
    [closed, future] = problems(
        "what,owner,due,status,closed at,created\n"
        "A,U0JAN,2026-12-01,open,2026-11-01,\n"
        "B,U0JAN,2026-12-01,open,,2026-12-24\n"
    )
    assert closed.startswith('row 2, column E "closed at"') and "the status is open" in closed
    assert future.startswith('row 3, column F "created"') and "in the future" in future


def test_header_names_vary_and_map_names_any_other_column() -> None:
    read = plan("Task,Assignee,Due date,Account,Notes\nSend proposal,U0JAN,2026-12-01,#globex,call first\n")
    assert [(c.field.value, c.header) for c in read.columns] == [
        ("what", "Task"),
        ("owner", "Assignee"),
        ("due", "Due date"),
        ("tag", "Account"),
    ]
    assert read.ignored == ("Notes",)
    assert read.rows[0].tag == "globex"
    japanese = plan("内容,担当,期限\n見積書を再提出する,U0TANAKA,2026/12/01\n", "what=内容", "owner=担当", "due=期限")
    [row] = japanese.rows
    assert (row.title, row.owner.user_id, row.due_on) == ("見積書を再提出する", TANAKA, date(2026, 12, 1))
    # A mapping wins over a header that would be read by its name.
    [mapped] = plan("what,summary,owner,due\nshort,the long text,U0JAN,2026-12-01\n", "what=summary").rows
    assert mapped.title == "the long text"


@pytest.mark.parametrize(
    ("text", "mapping", "says"),
    [
        ("what,owner\nA,U0JAN\n", (), 'No column for due. The header row has "what", "owner".'),
        ("内容,担当,期限\n", (), "--map what=HEADER"),
        ("what,owner,deadline\n", ("due=Deadline", "due=deadline"), "names the column for due twice"),
        ("what,owner,deadline\n", ("when=deadline",), "FIELD one of: what, owner, due"),
        ("what,owner,deadline\n", ("due=Termin",), '--map due=Termin: the header row has no column "Termin"'),
        ("what,owner,due,deadline\n", (), 'Both C "due" and D "deadline" could be the due column'),
        ("", (), "The file is empty"),
    ],
)
def test_a_file_that_cannot_be_read_says_why_before_any_row(text: str, mapping: tuple[str, ...], says: str) -> None:
    with pytest.raises(PlanFormatError) as refused:
        plan(text, *mapping)
    assert says in refused.value.message


def test_utf8_with_or_without_bom_utf16_semicolons_and_excel_quoting() -> None:
    body = 'what;owner;due\n"Quote; revised, ""final""\nsecond line";U0JAN;2026-12-01\n見積書;U0TANAKA;2026-12-02\n'
    for data in (body.encode(), codecs.BOM_UTF8 + body.encode(), body.encode("utf-16")):
        read = read_plan(data, (), now=NOW)
        assert [row.title for row in read.rows] == ['Quote; revised, "final" second line', "見積書"]
        assert read.rows[1].row == 3  # a value spanning two lines is still one spreadsheet row
    with pytest.raises(PlanFormatError) as refused:
        read_plan("what,owner,due\nMitarbeiter für Größe,U0JAN,2026-12-01\n".encode("cp1252"), (), now=NOW)
    assert "not UTF-8" in refused.value.message and "CSV UTF-8" in refused.value.message


# The command line, against a database


@pytest.fixture
def tanto(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> Iterator[Tanto]:
    yield Tanto(database_url, tmp_path, monkeypatch, capsys)


GOOD = (
    "what,owner,due,tag,status,created\n"
    "Send revised proposal,U0TANAKA,2026-12-04,globex,open,2026-10-01\n"
    "Book the workshop,U0JAN,2026-12-11,,in progress,\n"
    "Pricing approval,U0JAN,2026-12-15,initech,,\n"
)


def test_one_invalid_row_and_nothing_is_imported_unless_asked_to_skip(tanto: Tanto) -> None:
    path = tanto.file(GOOD + "Renewal plan,U0JAN,03/04/2026,,,\n")
    refused = tanto.imports(path)
    assert refused.status == 1
    assert 'row 5, column C "due", “03/04/2026”: could be 2026-03-04 (month first)' in refused.out
    assert "1 of 4 rows have problems: nothing was imported" in refused.out
    assert "--skip-invalid to import the 3 rows without problems" in refused.out
    assert tanto.items() == []

    skipped = tanto.imports(path, "--skip-invalid")
    assert skipped.status == 0
    assert "Skipping 1 row with problems" in skipped.out
    assert f"Imported 3 action items into channel {DEFAULT_CHANNEL} of workspace {TEAM}: A-1–A-3." in skipped.out
    assert [(str(i.ref), i.title, i.owner_id, i.due_on.isoformat(), i.tag) for i in tanto.items()] == [
        ("A-1", "Send revised proposal", TANAKA, "2026-12-04", "globex"),
        ("A-2", "Book the workshop", JAN, "2026-12-11", None),
        ("A-3", "Pricing approval", JAN, "2026-12-15", "initech"),
    ]


def test_a_dry_run_reports_what_would_happen_and_stores_nothing(tanto: Tanto) -> None:
    ran = tanto.imports(tanto.file(GOOD), "--dry-run")
    assert ran.status == 0
    assert "Dry run: would import 3 action items" in ran.out and "A-1–A-3" in ran.out
    assert "Nothing was stored (dry run)." in ran.out
    assert tanto.items() == []
    assert tanto.imports(tanto.file(GOOD + ",U0JAN,2026-12-01,,,\n"), "--dry-run").status == 1


def test_running_the_same_file_again_imports_nothing_twice(tanto: Tanto) -> None:
    twice = GOOD + "Book the workshop,U0JAN,2026-12-11,,,\n"  # the same row twice is two items
    assert tanto.imports(tanto.file(twice)).status == 0
    again = tanto.imports(tanto.file(twice))
    assert again.status == 0
    assert f"Nothing new to import into channel {DEFAULT_CHANNEL}" in again.out
    assert "Skipped 4 rows already in the workspace" in again.out and "row 5 (A-4)" in again.out
    # An edited file (a status changed, a row added) adds only its new row.
    edited = twice.replace(
        "Pricing approval,U0JAN,2026-12-15,initech,,", "Pricing approval,U0JAN,2026-12-15,initech,done,"
    )
    added = tanto.imports(tanto.file(edited + "Legal review,U0TANAKA,2027-01-15,,,\n"))
    assert "Imported 1 action item" in added.out and "A-5" in added.out
    assert len(tanto.items()) == 5
    # The same plan into another channel is another channel's plan.
    assert "Imported 4 action items" in tanto.imports(tanto.file(edited), channel="C0OTHER").out


def test_past_and_overdue_items_are_kept_as_written(tanto: Tanto) -> None:
    ran = tanto.imports(
        tanto.file(
            "what,owner,due,status,created,closed at,kind,outcome\n"
            "Kick-off deck,U0JAN,2025-03-01,done,2025-02-10 09:15:00,2025-02-28 17:00:00,,\n"
            "Overdue security questionnaire,U0TANAKA,2025-06-30,open,2025-06-01,,,\n"
            "Which partner for the bid?,U0TANAKA,2025-04-01,decided,2025-03-01,2025-03-30,decision,Partner X\n"
        )
    )
    assert ran.status == 0
    assert "Imported 2 action items and 1 decision" in ran.out and "A-1–A-2, D-1" in ran.out
    assert "1 of them is open and already overdue" in ran.out
    done, overdue, decided = tanto.items()
    assert (done.status, done.due_on, done.closed_at) == (
        ItemStatus.DONE, date(2025, 3, 1), datetime(2025, 2, 28, 17, 0, tzinfo=UTC),
    )  # fmt: skip
    assert done.created_at == datetime(2025, 2, 10, 9, 15, tzinfo=UTC)
    assert (overdue.status, overdue.due_on, overdue.creator_id) == (ItemStatus.OPEN, date(2025, 6, 30), TANAKA)
    assert (str(decided.ref), decided.status, decided.outcome) == ("D-1", ItemStatus.DECIDED, "Partner X")
    [created] = tanto.history("A-2")
    assert (created.kind.value, created.at, created.reason) == (
        "created", datetime(2025, 6, 1, tzinfo=UTC), "imported from plan.csv, row 3",
    )  # fmt: skip
    # A closing time in the file is a closing line in the history, by the owner when no one is named.
    assert [(c.kind.value, c.actor_id, c.at) for c in tanto.history("A-1")] == [
        ("created", JAN, datetime(2025, 2, 10, 9, 15, tzinfo=UTC)),
        ("done", JAN, datetime(2025, 2, 28, 17, 0, tzinfo=UTC)),
    ]
    assert done.closed_by == JAN
    [_, decision] = tanto.history("D-1")
    assert (decision.kind.value, decision.actor_id, decision.new_value) == ("decided", TANAKA, "Partner X")


def test_owners_given_by_email_are_found_in_slack(tanto: Tanto, standin: SlackStandIn) -> None:
    standin.add_user(TANAKA, name="tanaka", tz="Asia/Tokyo", locale="ja-JP", email=TANAKA_EMAIL)
    standin.add_user(JAN, name="jan", tz="Europe/Amsterdam", locale="nl-NL", email=JAN_EMAIL.lower())
    path = tanto.file(
        f"what,owner,due,created by\n"
        f"Send revised proposal,{TANAKA_EMAIL},2026-12-04,{JAN_EMAIL}\n"
        f"Book the workshop,{JAN_EMAIL},2026-12-11,\n"
        f"Ask legal,nobody@acme.example,2026-12-11,\n"
    )
    without_token = tanto.imports(path)
    assert without_token.status == 2
    assert "The file gives 3 people by email" in without_token.err
    assert "SLACK_BOT_TOKEN" in without_token.err and "SLACK_API_URL" in without_token.err

    tanto.use_slack(standin)
    refused = tanto.imports(path)
    assert refused.status == 1
    assert (
        'row 4, column B "owner", “nobody@acme.example”: no one in this Slack workspace has this email' in refused.out
    )
    assert tanto.items() == []
    asked = {call.args["email"] for call in standin.calls_to("users.lookupByEmail")}
    assert asked == {TANAKA_EMAIL, JAN_EMAIL.lower(), "nobody@acme.example"}

    assert tanto.imports(path, "--skip-invalid").status == 0
    proposal, workshop = tanto.items()
    assert (proposal.owner_id, proposal.creator_id, workshop.owner_id, workshop.creator_id) == (TANAKA, JAN, JAN, JAN)


def cached_profile(tanto: Tanto, user_id: str) -> Any:
    store = Store.open(tanto.database_url)
    try:
        with store.transaction() as tx:
            scopes = tx.transfer.scopes("slack", TEAM)
            return tx.workspaces.person(tx.workspaces.ensure(scopes[0], NOW), user_id) if scopes else None
    finally:
        store.close()


def test_with_a_token_member_ids_are_checked_and_profiles_cached(tanto: Tanto, standin: SlackStandIn) -> None:
    tanto.use_slack(standin)
    path = tanto.file("what,owner,due\nSend revised proposal,U0TANAKA,2026-12-04\nAsk legal,U0NOBODY,2026-12-11\n")
    dry = tanto.imports(path, "--dry-run", "--skip-invalid")
    assert dry.status == 0 and "there is no such user" in dry.out and "Dry run: would import 1 action item" in dry.out
    assert cached_profile(tanto, TANAKA) is None  # a dry run leaves the database as it was
    refused = tanto.imports(path)
    assert refused.status == 1
    assert 'row 3, column B "owner", “U0NOBODY”: there is no such user in this Slack workspace' in refused.out
    assert tanto.imports(path, "--skip-invalid").status == 0
    # Tanaka's profile is cached as on a first contact, so reminders know it is Tokyo.
    found = cached_profile(tanto, TANAKA)
    assert found is not None and (found[0].tz, found[0].locale) == ("Asia/Tokyo", "ja-JP")


def test_a_token_of_another_workspace_is_refused(tanto: Tanto, standin: SlackStandIn) -> None:
    tanto.use_slack(standin)  # the stand-in's token is workspace T0001's
    path = tanto.file(f"what,owner,due\nSend revised proposal,{TANAKA_EMAIL},2026-12-04\n")
    standin.add_user(TANAKA, name="tanaka", tz="Asia/Tokyo", email=TANAKA_EMAIL)
    refused = tanto.imports(path, team="T0OTHER")
    assert refused.status == 2
    assert "SLACK_BOT_TOKEN belongs to workspace T0001, not T0OTHER" in refused.err
    assert standin.calls_to("users.lookupByEmail") == [] and tanto.items(team="T0OTHER") == []
    assert tanto.imports(path).status == 0


def test_bad_ids_and_files_stop_the_command_with_a_clear_line(tanto: Tanto) -> None:
    path = tanto.file(GOOD)
    assert "is not a Slack team ID" in tanto.imports(path, team="acme").err
    assert "is not a Slack channel ID" in tanto.imports(path, channel="#acct").err
    missing = tanto.imports(tanto.tmp_path / "nowhere.csv")
    assert missing.status == 2 and "Cannot read" in missing.err
    header = tanto.imports(tanto.file("task,who\nx,y\n"))
    assert header.status == 2 and "No column for due" in header.err and "--map" in header.err


def test_an_imported_overdue_item_is_on_the_agenda_and_nudged(
    tanto: Tanto, app: AppUnderTest, slack: SlackDriver, standin: SlackStandIn
) -> None:
    ran = tanto.imports(
        tanto.file("what,owner,due,tag,created\nOverdue security questionnaire,U0TANAKA,2026-11-02,globex,2026-10-01\n")
    )
    assert ran.status == 0
    slack.command("/session", "every first Tuesday of the month at 10:00 Asia/Tokyo", user=JAN)
    preview = slack.command("/session", "preview", user=JAN)
    assert "Overdue security questionnaire" in preview.text and "A-1" in preview.text
    assert "overdue" in preview.text.lower()
    # The importer's clock is the machine's: a week after it, the owner has been reminded.
    app.clock.set(datetime.now(UTC) + timedelta(days=7))
    app.tick()
    nudges = [
        call.args for call in standin.calls_to("chat.postMessage") if str(call.args.get("channel", "")).endswith(TANAKA)
    ]
    assert any("Overdue security questionnaire" in blocks_text(n.get("blocks")) for n in nudges)
