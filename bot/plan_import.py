"""Importing an account plan: the checked rows of a spreadsheet become items, all or none.

The rows are stored in one transaction, numbered like any other item (A-12, D-3 per workspace),
each with a "created" history line saying where it came from (and, when the file says when it was
closed, the line that closed it: by the person in "closed by", else the owner), and the open ones
join the nudge plan exactly as captured ones do. Past and overdue dates are kept as written: an account plan
has a history, and the "no past dates" rule of `/action` is about new promises.

Running the same file again does not double anything. Each row gets an import key (a hash of the
channel and of what identifies the item: kind, what, owner, due date; identical rows in one file
are counted apart), stored as the item's source key, so a second run finds the rows it already
imported and skips them, and an edited file adds only its new rows. A row carrying a Tanto id
(`A-12`, as Tanto's export writes) whose item is in this workspace with the same text is skipped
too, so importing an export back into its own workspace changes nothing.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from bot.clock import Clock
from bot.model import ActionItem, ChangeKind, ItemChange, ItemStatus, Ref, Scope
from bot.nudges import replan
from bot.plan_csv import PlanRow
from bot.transfer_messages import IMPORTED_REASON
from storage.store import Store, Tx
from storage.transfer import NewItem

KEY_PREFIX = "import:"
CLOSING_CHANGE = {ItemStatus.DONE: ChangeKind.DONE, ItemStatus.DECIDED: ChangeKind.DECIDED,
                  ItemStatus.CANCELLED: ChangeKind.CANCELLED}  # fmt: skip


@dataclass(frozen=True)
class ImportedRow:
    row: int
    item: ActionItem


@dataclass(frozen=True)
class SkippedRow:
    """A row already in the workspace, as `ref`."""

    row: int
    ref: Ref


@dataclass(frozen=True)
class ImportResult:
    imported: tuple[ImportedRow, ...]
    skipped: tuple[SkippedRow, ...]
    dry_run: bool
    today: date  # UTC, for counting what is overdue

    @property
    def overdue(self) -> int:
        return sum(1 for entry in self.imported if entry.item.is_open and entry.item.due_on < self.today)


class _DryRun(Exception):
    """Raised to roll back a dry run's transaction once its result is known."""

    def __init__(self, result: ImportResult) -> None:
        super().__init__("dry run")
        self.result = result


class PlanImporter:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def run(
        self, scope: Scope, channel_id: str, rows: Sequence[PlanRow], *, source: str, dry_run: bool = False
    ) -> ImportResult:
        """Store the rows' items in `channel_id`; a dry run does all of it and then rolls it back,
        so what it reports (numbers included) is what a real run would do."""
        now = self.clock.now()
        try:
            with self.store.transaction() as tx:
                result = self._import(tx, scope, channel_id, rows, source, now, dry_run)
                if dry_run:
                    raise _DryRun(result)
                return result
        except _DryRun as done:
            return done.result

    def _import(
        self, tx: Tx, scope: Scope, channel_id: str, rows: Sequence[PlanRow], source: str, now: datetime,
        dry_run: bool,
    ) -> ImportResult:  # fmt: skip
        workspace_id = tx.workspaces.ensure(scope, now)
        # Serialises with captures and other imports: numbering and the duplicate checks below
        # must see a settled workspace.
        tx.workspaces.lock(workspace_id)
        keys = import_keys(channel_id, rows)
        earlier = tx.transfer.imported(workspace_id, list(keys.values()))
        default_tag = tx.workspaces.default_tag(workspace_id, channel_id)
        new: list[NewItem] = []
        imported_rows: list[int] = []
        skipped: list[SkippedRow] = []
        for row in rows:
            found = earlier.get(keys[row.row]) or _exported_here(tx, workspace_id, row)
            if found is not None:
                skipped.append(SkippedRow(row.row, found))
                continue
            number = tx.workspaces.take_number(workspace_id, row.kind)
            item = _item(row, number, channel_id, default_tag, now)
            new.append(NewItem(item, keys[row.row], _history(item, IMPORTED_REASON.format(source=source, row=row.row))))
            imported_rows.append(row.row)
        placed = tx.transfer.add(workspace_id, new)
        for entry in placed:
            replan(tx, entry, now, reset=True)
        imported = tuple(ImportedRow(row, entry.item) for row, entry in zip(imported_rows, placed, strict=True))
        return ImportResult(imported, tuple(skipped), dry_run, now.date())


def import_keys(channel_id: str, rows: Sequence[PlanRow]) -> dict[int, str]:
    """Each row's import key, by row number: the same item in the same channel gets the same key."""
    seen: Counter[str] = Counter()
    keys: dict[int, str] = {}
    for row in rows:
        identity = "\x1f".join((channel_id, row.kind.value, row.title, row.owner.key, row.due_on.isoformat()))
        digest = hashlib.sha256(identity.encode()).hexdigest()[:40]
        seen[digest] += 1
        keys[row.row] = KEY_PREFIX + digest + (f":{seen[digest]}" if seen[digest] > 1 else "")
    return keys


def _exported_here(tx: Tx, workspace_id: int, row: PlanRow) -> Ref | None:
    if row.ref is None:
        return None
    item = tx.items.get(workspace_id, row.ref)
    return item.ref if item is not None and item.title == row.title else None


def _history(item: ActionItem, reason: str) -> tuple[ItemChange, ...]:
    """Its "created" line and, for an item closed at a known time, the line that closed it, as
    closing it in Slack would have written it."""
    created = ItemChange(item.ref, ChangeKind.CREATED, item.creator_id, item.created_at, reason=reason)
    if item.is_open or item.closed_at is None:
        return (created,)
    closing = CLOSING_CHANGE[item.status]
    closed_by = item.closed_by or item.owner_id
    return created, ItemChange(item.ref, closing, closed_by, item.closed_at, new_value=item.outcome, reason=reason)


def _item(row: PlanRow, number: int, channel_id: str, default_tag: str | None, now: datetime) -> ActionItem:
    assert row.owner.user_id is not None, "owners are resolved to user ids before import"
    creator = row.creator.user_id if row.creator is not None else None
    closed_by = row.closed_by.user_id if row.closed_by is not None else None
    if row.closed_at is not None and closed_by is None:
        closed_by = row.owner.user_id  # closed at a known time by no one named: the owner, as in Slack
    return ActionItem(
        number=number,
        kind=row.kind,
        title=row.title,
        owner_id=row.owner.user_id,
        creator_id=creator or row.owner.user_id,
        due_on=row.due_on,
        channel_id=channel_id,
        status=row.status,
        created_at=row.created_at or now,
        tag=row.tag or default_tag,
        source_link=row.source_link,
        closed_at=row.closed_at,
        closed_by=closed_by,
        outcome=row.outcome,
    )
