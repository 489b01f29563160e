"""What `tanto import`, `tanto export` and `/action export` say, in one place."""

from __future__ import annotations

from collections.abc import Iterable

from bot.model import ItemKind, Ref

IMPORTED_REASON = "imported from {source}, row {row}"

# tanto import
COLUMNS = "{source}: {rows} read; columns: {columns}."
NOT_READ = "Columns not read: {headers}."
INVALID = "{invalid} of {read} rows have problems: nothing was imported. Fix them and run again"
INVALID_SKIP_HINT = ", or add --skip-invalid to import the {valid} without problems."
SKIPPING_INVALID = "Skipping {invalid} with problems (--skip-invalid)."
NOTHING_VALID = "No row can be imported."
IMPORTED = "Imported {what} into channel {channel} of workspace {team}: {refs}."
WOULD_IMPORT = "Dry run: would import {what} into channel {channel} of workspace {team}: {refs}."
NOTHING_NEW = "Nothing new to import into channel {channel} of workspace {team}."
OVERDUE = "{count} of them {verb} open and already overdue: they are on the channel's agenda and nudged from now on."
ALREADY_THERE = "Skipped {count} already in the workspace (imported before, or exported from it): {rows}."
DRY_RUN_DONE = "Nothing was stored (dry run)."
NEW_WORKSPACE = "Workspace {team} is new to this database."

# tanto export
EXPORTED = "Exported {what} from {where} to {target}."
NO_WORKSPACE = "There is no workspace {team} in this database; it has {known}."
NO_WORKSPACES = "There is no workspace {team} in this database; it has none yet (is DATABASE_URL right?)."
SEVERAL_WORKSPACES = (
    "Workspace {team} is stored under several Enterprise Grid organisations ({orgs}); export is per workspace."
)

# /action export
EXPORT_FORMATS = ("csv", "json")
EXPORT_EMPTY = "Nothing to export: this channel has no action items or decisions yet."
EXPORTING = "📤 Exporting {what} from this channel as {format}: the file is on its way to your DM with me."
EXPORT_COMMENT = (
    "{what} from <#{channel}>, exported {when} UTC. The CSV opens in Excel and reads back in with `tanto import`."
)
EXPORT_JSON_COMMENT = "{what} from <#{channel}>, with their history, exported {when} UTC."
EXPORT_FAILED = "The export could not be delivered to your DM ({error}). Please try again in a moment."
EXPORT_TITLE = "Action items and decisions in #{channel}"


def count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def people(number: int) -> str:
    return "1 person" if number == 1 else f"{number} people"


def rows(number: int) -> str:
    return count(number, "row")


def items(actions: int, decisions: int) -> str:
    """`3 action items and 1 decision`, leaving out a kind there is none of (`0 items` if neither)."""
    parts = [count(actions, "action item")] if actions else []
    parts += [count(decisions, "decision")] if decisions else []
    return " and ".join(parts) or "0 items"


def ref_ranges(refs: Iterable[Ref]) -> str:
    """`A-1–A-4, A-7, D-2`: consecutive numbers of a kind as one range."""
    by_kind: dict[ItemKind, list[int]] = {}
    for ref in sorted(set(refs)):
        by_kind.setdefault(ref.kind, []).append(ref.number)
    pieces: list[str] = []
    for kind, numbers in by_kind.items():
        start = previous = numbers[0]
        for number in [*numbers[1:], None]:
            if number is not None and number == previous + 1:
                previous = number
                continue
            first, last = Ref(kind, start), Ref(kind, previous)
            pieces.append(str(first) if start == previous else f"{first}–{last}")
            if number is not None:
                start = previous = number
    return ", ".join(pieces)
