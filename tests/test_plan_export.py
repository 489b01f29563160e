"""Account plans out: `/action export` through the running app, and `tanto export` on the command
line; then back in with `tanto import`.

The Slack side is the real app over signed requests: the file travels the files upload v2 flow to
the stand-in, which keeps the bytes, so the tests read exactly what a person would download.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.excel_csv import BYTE_ORDER_MARK
from bot.plan_export import CSV_COLUMNS
from handlers.slack.standin.driver import DEFAULT_CHANNEL, RESPONSE_URL_METHOD, SlackDriver
from handlers.slack.standin.server import UPLOAD_METHOD, SlackStandIn
from tests.conftest import AYSE, JAN, SIGNING_SECRET, TANAKA, AppUnderTest
from tests.tanto_command import TEAM, Tanto

JAPANESE = "見積書を再提出する"
TURKISH = "Teklifi gönder, İstanbul şubesi için"
OTHER_TEAM = "T0002"
TANTO = Path(sys.executable).with_name("tanto")


@pytest.fixture
def tanto(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> Iterator[Tanto]:
    yield Tanto(database_url, tmp_path, monkeypatch, capsys)


@pytest.fixture
def plan(slack: SlackDriver, app: AppUnderTest) -> AppUnderTest:
    """A channel's plan with a history: one item done, one rescheduled, one decision decided."""
    slack.command("/action", f"{JAPANESE} <@{TANAKA}|tanaka> 2026-12-04まで #globex", user=JAN)
    slack.command("/action", f"{TURKISH} <@{AYSE}|ayse> 1 Aralık kadar", user=JAN)
    slack.command("/decision", f"Bid on the ERP tender? <@{TANAKA}|tanaka> by 2026-12-10", user=JAN)
    assert "marked done" in slack.command("/action", "done A-1", user=TANAKA).text
    assert "A-2" in slack.command("/action", "reschedule A-2 2026-12-08 customer asked for a week", user=JAN).text
    assert "D-1" in slack.command("/decision", "decide D-1 We bid, with partner X", user=TANAKA).text
    return app


def export_in_slack(slack: SlackDriver, standin: SlackStandIn, app: AppUnderTest, text: str = "export") -> bytes:
    """`/action <text>` typed by Jan; the bytes of the file that reached the stand-in."""
    before = len(standin.calls_to("files.completeUploadExternal"))
    reply = slack.command("/action", text, user=JAN)
    assert reply.status == 200 and reply.response_type == "ephemeral"
    assert "on its way to your DM" in reply.text
    app.settle()
    [completed] = standin.calls_to("files.completeUploadExternal")[before:]
    assert completed.args["channel_id"] == "D" + JAN  # the asker's DM, not the channel
    [uploaded] = completed.args["files"]
    content = standin.file_content(uploaded["id"])
    assert content is not None
    return content


def csv_rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(BYTE_ORDER_MARK.encode())
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_action_export_sends_the_channels_plan_as_excel_ready_csv(
    slack: SlackDriver, standin: SlackStandIn, plan: AppUnderTest
) -> None:
    data = export_in_slack(slack, standin, plan)
    assert any(call.args["file_id"] for call in standin.calls_to(UPLOAD_METHOD))
    assert b"\r\n" in data  # Excel's line ends
    rows = csv_rows(data)
    assert list(rows[0]) == list(CSV_COLUMNS)
    by_ref = {row["ref"]: row for row in rows}
    assert list(by_ref) == ["A-1", "A-2", "D-1"]
    proposal, offer, bid = by_ref["A-1"], by_ref["A-2"], by_ref["D-1"]
    assert (proposal["what"], proposal["owner"], proposal["owner name"], proposal["due"]) == (
        JAPANESE, TANAKA, "tanaka", "2026-12-04",
    )  # fmt: skip
    assert (proposal["status"], proposal["closed by"], proposal["tag"]) == ("done", TANAKA, "globex")
    assert (offer["what"], offer["owner"], offer["due"], offer["rescheduled"]) == (TURKISH, AYSE, "2026-12-08", "1")
    assert (bid["kind"], bid["status"], bid["outcome"]) == ("decision", "decided", "We bid, with partner X")
    assert {row["channel"] for row in rows} == {DEFAULT_CHANNEL}
    # Decoded as Excel does with the byte-order mark, the text is intact.
    assert JAPANESE.encode() in data and TURKISH.encode() in data


def test_json_export_carries_every_history_line_and_the_decisions(
    slack: SlackDriver, standin: SlackStandIn, plan: AppUnderTest
) -> None:
    document = json.loads(export_in_slack(slack, standin, plan, "export json"))
    assert (document["format"], document["version"], document["channel"]) == ("tanto-plan", 1, DEFAULT_CHANNEL)
    assert document["workspace"]["team_id"] == TEAM
    [proposal, offer] = document["action_items"]
    [bid] = document["decisions"]
    assert proposal["what"] == JAPANESE and offer["what"] == TURKISH
    assert [(h["event"], h["by"]) for h in proposal["history"]] == [("created", JAN), ("done", TANAKA)]
    [_, moved] = offer["history"]
    assert (moved["event"], moved["from"], moved["to"], moved["reason"]) == (
        "rescheduled", "2026-12-01", "2026-12-08", "customer asked for a week",
    )  # fmt: skip
    assert [(h["event"], h["to"]) for h in bid["history"]] == [("created", None), ("decided", "We bid, with partner X")]
    assert bid["status"] == "decided" and bid["closed_by"] == TANAKA
    assert all(h["at"].endswith("+00:00") for item in (proposal, offer, bid) for h in item["history"])


def test_export_never_shows_another_workspace_or_channel(
    slack: SlackDriver, standin: SlackStandIn, app: AppUnderTest
) -> None:
    slack.command("/action", f"Our renewal plan <@{TANAKA}|tanaka> by 2026-12-01", user=JAN)
    slack.command("/action", f"Another account's plan <@{TANAKA}|tanaka> by 2026-12-01", user=JAN, channel="C0OTHER")
    standin.add_user("U0OTHER", name="other", team_id=OTHER_TEAM)
    other = SlackDriver(app.url + "/slack/events", SIGNING_SECRET, standin, team_id=OTHER_TEAM, settle=app.settle)
    other.command("/action", "Their secret plan @me by 2026-12-02", user="U0OTHER")  # same channel id, other team
    data = export_in_slack(slack, standin, app)
    assert [row["what"] for row in csv_rows(data)] == ["Our renewal plan"]
    # And from the other side.
    theirs = other.command("/action", "export json", user="U0OTHER")
    assert "1 action item" in theirs.text
    app.settle()
    [*_, completed] = standin.calls_to("files.completeUploadExternal")
    document = json.loads(standin.file_content(completed.args["files"][0]["id"]) or b"")
    assert [item["what"] for item in document["action_items"]] == ["Their secret plan"]
    assert document["workspace"]["team_id"] == OTHER_TEAM


def test_nothing_to_export_and_an_item_about_exporting(
    slack: SlackDriver, standin: SlackStandIn, app: AppUnderTest
) -> None:
    empty = slack.command("/action", "export", user=JAN)
    assert empty.response_type == "ephemeral" and "Nothing to export" in empty.text
    assert "Nothing to export" in slack.command("/decision", "export", user=JAN).text
    # More words after "export" make it an item, not the command.
    slack.command("/action", f"export the slides for Globex <@{TANAKA}|tanaka> by 2026-12-01", user=JAN)
    app.settle()
    assert [item.title for item in app.items()] == ["export the slides for Globex"]
    assert standin.calls_to("files.getUploadURLExternal") == []


def test_a_failed_upload_is_told_to_the_asker(slack: SlackDriver, standin: SlackStandIn, plan: AppUnderTest) -> None:
    standin.fail_next("files.completeUploadExternal", error="not_allowed_token_type")
    reply = slack.command("/action", "export", user=JAN)
    assert "on its way" in reply.text
    plan.settle()
    [told] = [
        call for call in standin.calls_to(RESPONSE_URL_METHOD) if "could not be delivered" in str(call.args.get("text"))
    ]
    assert told.args["response_type"] == "ephemeral" and "not_allowed_token_type" in told.args["text"]


def test_tanto_export_writes_the_workspace_or_one_channel(tanto: Tanto, slack: SlackDriver, plan: AppUnderTest) -> None:
    slack.command("/action", f"Kick-off in the other channel <@{JAN}|jan> by 2026-12-02", user=JAN, channel="C0OTHER")
    plan.settle()
    whole = tanto.exports("-o", tanto.tmp_path / "plan.csv")
    assert whole.status == 0
    assert f"Exported 3 action items and 1 decision from workspace {TEAM} to " in whole.err
    rows = csv_rows((tanto.tmp_path / "plan.csv").read_bytes())
    assert [(row["ref"], row["channel"]) for row in rows] == [
        ("A-1", DEFAULT_CHANNEL), ("A-2", DEFAULT_CHANNEL), ("A-3", "C0OTHER"), ("D-1", DEFAULT_CHANNEL),
    ]  # fmt: skip
    one = tanto.exports("--channel", "C0OTHER", "--format", "json", "-o", tanto.tmp_path / "one.json")
    assert one.status == 0 and f"from channel C0OTHER of workspace {TEAM}" in one.err
    document = json.loads((tanto.tmp_path / "one.json").read_text())
    assert [item["ref"] for item in document["action_items"]] == ["A-3"] and document["decisions"] == []
    unknown = tanto.exports(team="T0NOBODY")
    assert unknown.status == 2 and f"There is no workspace T0NOBODY in this database; it has {TEAM}" in unknown.err


def test_an_export_imports_back_unchanged_and_not_twice(tanto: Tanto, plan: AppUnderTest) -> None:
    assert tanto.exports("-o", tanto.tmp_path / "plan.csv").status == 0
    exported = tanto.tmp_path / "plan.csv"
    # Into its own workspace, even another channel: every row is recognised by its id.
    again = tanto.imports(exported, channel="C0OTHER")
    assert again.status == 0 and "Nothing new to import" in again.out
    assert "row 2 (A-1), row 3 (A-2), row 4 (D-1)" in again.out
    # Into another workspace: the same plan, closings and outcome included.
    moved = tanto.imports(exported, team="T0NEW")
    assert moved.status == 0 and "Imported 2 action items and 1 decision" in moved.out
    fields = ("ref", "kind", "title", "owner_id", "due_on", "tag", "status", "created_at", "closed_at", "closed_by",
              "outcome", "channel_id")  # fmt: skip
    originals = sorted(plan.items(), key=lambda item: item.ref)
    copies = tanto.items(team="T0NEW")
    assert [[getattr(i, f) for f in fields] for i in copies] == [[getattr(i, f) for f in fields] for i in originals]
    assert tanto.imports(exported, team="T0NEW").out.count("Nothing new to import") == 1


def test_cells_a_spreadsheet_would_run_are_exported_inert_and_read_back_as_typed(tanto: Tanto) -> None:
    risky = ('=HYPERLINK("http://evil.example","click")', "+31 20 555 0100 call back", "@sales follow up")
    rows = "".join(f'"{title.replace(chr(34), chr(34) * 2)}",U0JAN,2026-12-01\n' for title in risky)
    assert tanto.imports(tanto.file("what,owner,due\n" + rows)).status == 0
    assert tanto.exports("-o", tanto.tmp_path / "out.csv").status == 0
    exported = csv_rows((tanto.tmp_path / "out.csv").read_bytes())
    assert [row["what"] for row in exported] == ["'" + title for title in risky]
    assert tanto.imports(tanto.tmp_path / "out.csv", team="T0COPY").status == 0
    assert [item.title for item in tanto.items(team="T0COPY")] == list(risky)


def run_tanto(*args: str | Path, database_url: str) -> subprocess.CompletedProcess[bytes]:
    """The installed `tanto` in a child process, with only the settings given here."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SLACK_", "DATABASE_URL"))}
    env["DATABASE_URL"] = database_url
    return subprocess.run([TANTO, *map(str, args)], env=env, capture_output=True, timeout=60, check=False)


def test_the_installed_commands_exit_with_the_documented_status(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'tanto.db'}"
    plan = tmp_path / "plan.csv"
    plan.write_bytes(
        (BYTE_ORDER_MARK + "what,owner,due,status\n"
         f"{JAPANESE},U0TANAKA,2026/12/04,未着手\n"
         "Book the workshop,U0JAN,04/12/2026,open\n").encode()
    )  # fmt: skip
    refused = run_tanto("import", plan, "--workspace", TEAM, "--channel", DEFAULT_CHANNEL, database_url=database_url)
    assert refused.returncode == 1
    out = refused.stdout.decode()
    assert 'row 3, column C "due", “04/12/2026”: could be 2026-04-12 (month first) or 2026-12-04' in out
    assert "1 of 2 rows have problems: nothing was imported" in out

    plan.write_bytes(plan.read_bytes().replace(b"04/12/2026", b"2026-12-11"))
    done = run_tanto("import", plan, "--workspace", TEAM, "--channel", DEFAULT_CHANNEL, database_url=database_url)
    assert done.returncode == 0, done.stderr.decode()
    said = done.stdout.decode()
    assert f"Imported 2 action items into channel {DEFAULT_CHANNEL} of workspace {TEAM}: A-1–A-2." in said

    exported = run_tanto("export", "--workspace", TEAM, database_url=database_url)
    assert exported.returncode == 0
    assert exported.stdout.startswith(BYTE_ORDER_MARK.encode())
    assert [row["what"] for row in csv_rows(exported.stdout)] == [JAPANESE, "Book the workshop"]
    assert f"Exported 2 action items from workspace {TEAM} to standard output." in exported.stderr.decode()

    bad = run_tanto("export", "--workspace", "acme", database_url=database_url)
    assert bad.returncode == 2 and "is not a Slack team ID" in bad.stderr.decode() and bad.stdout == b""
