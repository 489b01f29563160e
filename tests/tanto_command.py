"""`tanto import` and `tanto export` as typed in a shell, run in this process by `bot.cli.main`:
the environment they read, what they print, and what they stored."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.model import ActionItem, ItemChange
from handlers.slack.standin.driver import DEFAULT_CHANNEL
from handlers.slack.standin.server import SlackStandIn
from storage.items import ItemFilter
from storage.store import Store
from tests.conftest import BOT_TOKEN, NOW

TEAM = "T0001"


@dataclass
class Ran:
    status: int
    out: str
    err: str


class Tanto:
    """`tanto …` as typed in a shell: the environment it reads, what it prints, what it stored."""

    def __init__(self, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
        self.database_url = database_url
        self.tmp_path = tmp_path
        self.monkeypatch = monkeypatch
        self.capsys = capsys
        monkeypatch.setenv("DATABASE_URL", database_url)
        monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
        monkeypatch.delenv("SLACK_API_URL", raising=False)

    def use_slack(self, standin: SlackStandIn) -> None:
        self.monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
        self.monkeypatch.setenv("SLACK_API_URL", standin.api_url)

    def file(self, text: str | bytes, name: str = "plan.csv") -> Path:
        path = self.tmp_path / name
        path.write_bytes(text.encode() if isinstance(text, str) else text)
        return path

    def __call__(self, *args: str | Path) -> Ran:
        self.capsys.readouterr()
        status = main([str(arg) for arg in args])
        captured = self.capsys.readouterr()
        return Ran(status, captured.out, captured.err)

    def imports(self, path: Path, *more: str, team: str = TEAM, channel: str = DEFAULT_CHANNEL) -> Ran:
        return self("import", path, "--workspace", team, "--channel", channel, *more)

    def exports(self, *more: str | Path, team: str = TEAM) -> Ran:
        return self("export", "--workspace", team, *more)

    def items(self, team: str = TEAM) -> list[ActionItem]:
        store = Store.open(self.database_url)
        try:
            with store.transaction() as tx:
                scopes = tx.transfer.scopes("slack", team)
                if not scopes:
                    return []
                workspace_id = tx.workspaces.ensure(scopes[0], NOW)
                found, _ = tx.items.find(workspace_id, ItemFilter(include_closed=True), limit=1000)
        finally:
            store.close()
        return sorted(found, key=lambda item: item.ref)

    def history(self, ref: str, team: str = TEAM) -> list[ItemChange]:
        [item] = [i for i in self.items(team) if str(i.ref) == ref]
        store = Store.open(self.database_url)
        try:
            with store.transaction() as tx:
                [scope] = tx.transfer.scopes("slack", team)
                return tx.items.history(tx.workspaces.ensure(scope, NOW), item.ref)
        finally:
            store.close()
