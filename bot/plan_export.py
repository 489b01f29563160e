"""Account plans out: a workspace's or a channel's items and decisions with their history, as CSV
for spreadsheets and JSON for other tools. The CSV reads back in with `tanto import` as it is.

CSV is UTF-8 with a byte-order mark (Excel, notably in Japan, guesses a legacy encoding without
one), one row per item, times in UTC. A cell that a spreadsheet would run as a formula (starting
with `=`, `+`, `-`, `@`) is written with a leading apostrophe, which the import removes again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.clock import Clock
from bot.excel_csv import excel_csv
from bot.model import ItemChange, ItemKind, Scope
from storage.store import Store
from storage.transfer import ExportRow

FORMAT_NAME = "tanto-plan"
FORMAT_VERSION = 1
CSV_COLUMNS = (
    "ref", "kind", "what", "owner", "owner name", "due", "tag", "status", "created (UTC)", "created by",
    "closed at (UTC)", "closed by", "outcome", "channel", "rescheduled", "link",
)  # fmt: skip


@dataclass(frozen=True)
class PlanExport:
    scope: Scope
    channel_id: str | None  # None: the whole workspace
    exported_at: datetime
    rows: tuple[ExportRow, ...]

    def count(self, kind: ItemKind) -> int:
        return sum(1 for row in self.rows if row.item.kind is kind)


class PlanExporter:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def read(self, scope: Scope, channel_id: str | None = None) -> PlanExport:
        now = self.clock.now()
        with self.store.transaction() as tx:
            rows = tx.transfer.export(tx.workspaces.ensure(scope, now), channel_id)
        return PlanExport(scope, channel_id, now, tuple(rows))

    def scopes(self, platform: str, team_id: str) -> tuple[list[Scope], list[str]]:
        """The stored workspaces with this team id, and every team id stored (to name them when none match)."""
        with self.store.transaction() as tx:
            return tx.transfer.scopes(platform, team_id), tx.transfer.team_ids(platform)


def export_csv(export: PlanExport) -> bytes:
    return excel_csv(CSV_COLUMNS, (_csv_cells(row) for row in export.rows))


def _csv_cells(row: ExportRow) -> tuple[str, ...]:
    """One item in the order of CSV_COLUMNS."""
    item = row.item
    return (
        str(item.ref), item.kind.value, item.title, item.owner_id, row.owner_name or "", item.due_on.isoformat(),
        item.tag or "", item.status.value, _csv_time(item.created_at), item.creator_id, _csv_time(item.closed_at),
        item.closed_by or "", item.outcome or "", item.channel_id, str(item.reschedule_count), item.source_link or "",
    )  # fmt: skip


def export_json(export: PlanExport) -> bytes:
    document = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "workspace": {
            "platform": export.scope.platform,
            "team_id": export.scope.team_id,
            "enterprise_id": export.scope.enterprise_id or None,
        },
        "channel": export.channel_id,
        "exported_at": export.exported_at.astimezone(UTC).isoformat(),
        "action_items": [_item_json(row) for row in export.rows if row.item.kind is ItemKind.ACTION],
        "decisions": [_item_json(row) for row in export.rows if row.item.kind is ItemKind.DECISION],
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode() + b"\n"


def _csv_time(at: datetime | None) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if at is not None else ""


def _iso(at: datetime | None) -> str | None:
    return at.astimezone(UTC).isoformat() if at is not None else None


def _item_json(row: ExportRow) -> dict[str, Any]:
    item = row.item
    return {
        "ref": str(item.ref),
        "kind": item.kind.value,
        "what": item.title,
        "owner": item.owner_id,
        "owner_name": row.owner_name,
        "due": item.due_on.isoformat(),
        "tag": item.tag,
        "status": item.status.value,
        "created_at": _iso(item.created_at),
        "created_by": item.creator_id,
        "closed_at": _iso(item.closed_at),
        "closed_by": item.closed_by,
        "outcome": item.outcome,
        "channel": item.channel_id,
        "reschedule_count": item.reschedule_count,
        "link": item.source_link,
        "nudges_off": item.nudges_off,
        "history": [_change_json(change) for change in row.history],
    }


def _change_json(change: ItemChange) -> dict[str, Any]:
    return {
        "event": change.kind.value,
        "by": change.actor_id,
        "at": _iso(change.at),
        "from": change.old_value,
        "to": change.new_value,
        "reason": change.reason,
    }
