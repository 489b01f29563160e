"""Reading an account plan from a CSV file: which column holds what, and every row checked.

The header row names the columns in English (`what`, `owner`, `due`, `tag`, `status`, `created`,
and optionally `kind`, `created by`, `closed at`, `closed by`, `outcome`, `link`, `ref`), in any
order, with common variants (`Due date`, `Assignee`, `Created (UTC)`); `--map due=Deadline` names a
column of any other name. Every row is checked before anything is stored, and each problem is
reported with its row and column as the spreadsheet numbers them, the value, what was understood
and how to fix it. Nothing here touches the database or a chat platform: owners given by email
are resolved by the adapter and handed back through `resolve_people`.
"""

from __future__ import annotations

import codecs
import csv
import enum
import io
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from bot.dates import FURTHEST_YEARS
from bot.excel_csv import unguard_formula
from bot.intake import MAX_TITLE_LENGTH, clean_title, normalise_tag
from bot.model import ItemKind, ItemStatus, Ref, UserError
from bot.plan_cells import (
    CellError,
    PersonCell,
    read_day,
    read_kind,
    read_moment,
    read_person,
    read_ref,
    read_status,
)

EARLIEST_YEAR = 1970


class Field(enum.StrEnum):
    WHAT = "what"
    OWNER = "owner"
    DUE = "due"
    TAG = "tag"
    STATUS = "status"
    CREATED = "created"
    KIND = "kind"
    CREATED_BY = "created by"
    CLOSED_AT = "closed at"
    CLOSED_BY = "closed by"
    OUTCOME = "outcome"
    LINK = "link"
    REF = "ref"


REQUIRED = (Field.WHAT, Field.OWNER, Field.DUE)
# Header names each field is found under (compared lower-case, `_`/`-` read as spaces, a trailing
# "(…)" such as "(UTC)" dropped). Tanto's own export uses the first name of each.
HEADER_NAMES: dict[Field, tuple[str, ...]] = {
    Field.WHAT: ("what", "title", "item", "action", "action item", "task", "description", "summary", "question"),
    Field.OWNER: ("owner", "assignee", "assigned to", "responsible", "who", "owner id", "owner email"),
    Field.DUE: ("due", "due date", "due on", "due by", "deadline", "target date", "by"),
    Field.TAG: ("tag", "tags", "account"),
    Field.STATUS: ("status", "state"),
    Field.CREATED: ("created", "created at", "created on", "created date", "date created", "opened"),
    Field.KIND: ("kind", "type"),
    Field.CREATED_BY: ("created by", "creator", "raised by", "author"),
    Field.CLOSED_AT: ("closed at", "closed on", "completed at", "completed on", "done at", "closed date"),
    Field.CLOSED_BY: ("closed by", "completed by", "done by"),
    Field.OUTCOME: ("outcome", "resolution"),
    Field.LINK: ("link", "url", "source link"),
    Field.REF: ("ref", "tanto id"),
}
_FIELD_OF = {name: field for field, names in HEADER_NAMES.items() for name in names}
_TRAILING_NOTE = re.compile(r"\s*\([^)]*\)\s*$")
_DELIMITERS = (",", ";", "\t")
_LINK = re.compile(r"^https?://\S+$")


class PlanFormatError(UserError):
    """The file as a whole cannot be read (encoding, header, mapping): no row is looked at."""


@dataclass(frozen=True)
class Column:
    field: Field
    index: int
    header: str

    @property
    def name(self) -> str:
        """As a person finds it in the spreadsheet: `C "Due date"`."""
        return f'{column_letter(self.index)} "{self.header}"'


@dataclass(frozen=True)
class PlanRow:
    """One valid row, ready to become an item. `row` is the spreadsheet's row number (header: 1)."""

    row: int
    kind: ItemKind
    title: str
    owner: PersonCell
    due_on: date
    status: ItemStatus = ItemStatus.OPEN
    tag: str | None = None
    created_at: datetime | None = None
    creator: PersonCell | None = None
    closed_at: datetime | None = None
    closed_by: PersonCell | None = None
    outcome: str | None = None
    source_link: str | None = None
    ref: Ref | None = None

    def people(self) -> list[tuple[Field, PersonCell]]:
        named = ((Field.OWNER, self.owner), (Field.CREATED_BY, self.creator), (Field.CLOSED_BY, self.closed_by))
        return [(field, cell) for field, cell in named if cell is not None]


@dataclass(frozen=True)
class RowError:
    row: int
    column: str  # `C "Due date"`, or "" for a problem of the whole row
    value: str
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", column {self.column}" if self.column else "")
        return f"{where}, “{self.value}”: {self.message}" if self.value else f"{where}: {self.message}"


@dataclass(frozen=True)
class Plan:
    rows: tuple[PlanRow, ...]  # the rows without problems
    errors: tuple[RowError, ...]
    columns: tuple[Column, ...]
    ignored: tuple[str, ...]  # headers of columns no field reads
    read: int  # rows with content (blank rows are skipped)

    @property
    def invalid(self) -> int:
        return len({error.row for error in self.errors})

    def emails(self) -> list[str]:
        return list(dict.fromkeys(cell.email for row in self.rows for _, cell in row.people() if cell.email))

    def user_ids(self) -> list[str]:
        return list(dict.fromkeys(cell.user_id for row in self.rows for _, cell in row.people() if cell.user_id))

    def column(self, field: Field) -> Column | None:
        return next((column for column in self.columns if column.field is field), None)


def decode(data: bytes) -> str:
    """The file's text: UTF-8 with or without a byte-order mark (UTF-16 with one, as Excel's "Unicode text")."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise PlanFormatError(
            f"The file is not UTF-8 text (byte 0x{data[error.start]:02x} at position {error.start}). In Excel, "
            "save it with “Save As → CSV UTF-8 (Comma delimited)”; in Google Sheets, “Download → CSV”."
        ) from None


def read_mapping(pairs: Sequence[str]) -> dict[Field, str]:
    """`--map FIELD=HEADER` options, checked: each field known, each given once."""
    mapping: dict[Field, str] = {}
    for pair in pairs:
        name, equals, header = pair.partition("=")
        field = next((f for f in Field if f.value == _header_key(name)), None)
        if not equals or not header.strip() or field is None:
            raise PlanFormatError(
                f"--map {pair!r} is not FIELD=HEADER with FIELD one of: {', '.join(f.value for f in Field)} "
                "(e.g. --map due=Deadline)."
            )
        if field in mapping:
            raise PlanFormatError(f"--map names the column for {field.value} twice.")
        mapping[field] = header.strip()
    return mapping


def read_plan(data: bytes, mapping: Sequence[str] = (), *, now: datetime) -> Plan:
    """Every row of the file, checked; `now` (aware) is when the import runs."""
    text = decode(data)
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)))
    header_at = next((number for number, record in enumerate(records) if any(cell.strip() for cell in record)), None)
    if header_at is None:
        raise PlanFormatError("The file is empty: it needs a header row (what, owner, due, …) and a row per item.")
    headers = [cell.strip() for cell in records[header_at]]
    columns, ignored = _columns(headers, read_mapping(mapping))
    rows: list[PlanRow] = []
    errors: list[RowError] = []
    read = 0
    for number, record in enumerate(records[header_at + 1 :], start=header_at + 2):
        if not any(cell.strip() for cell in record):
            continue
        read += 1
        found = _read_row(number, record, columns, len(headers), now)
        if isinstance(found, PlanRow):
            rows.append(found)
        else:
            errors.extend(found)
    return Plan(tuple(rows), tuple(errors), columns, ignored, read)


def resolve_people(plan: Plan, found: Mapping[str, str | None]) -> Plan:
    """The plan with everyone named by email replaced by their user id.

    `found` maps an email, or a user id that was checked, to the user id (None: no such person);
    ids not in it are kept as written. Rows naming someone who was not found become errors.
    """
    rows: list[PlanRow] = []
    errors = list(plan.errors)
    for row in plan.rows:
        problems = []
        ids: dict[Field, PersonCell] = {}
        for field, cell in row.people():
            user_id = found.get(cell.key, cell.user_id)
            if user_id is None:
                column = plan.column(field)
                problems.append(RowError(row.row, column.name if column else field.value, cell.key, _not_found(cell)))
            else:
                ids[field] = PersonCell(user_id=user_id)
        if problems:
            errors.extend(problems)
            continue
        rows.append(
            replace(row, owner=ids[Field.OWNER], creator=ids.get(Field.CREATED_BY), closed_by=ids.get(Field.CLOSED_BY))
        )
    return replace(plan, rows=tuple(rows), errors=tuple(sorted(errors, key=lambda error: error.row)))


def column_letter(index: int) -> str:
    """A spreadsheet's name for the column at `index` (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _not_found(cell: PersonCell) -> str:
    if cell.email:
        return "no one in this Slack workspace has this email: check the address, or give their member ID (U…)."
    return "there is no such user in this Slack workspace: check the member ID in their Slack profile."


def _delimiter(text: str) -> str:
    """Comma, or the semicolon Excel writes where the decimal mark is a comma (nl, sv, tr), or a tab."""
    first_line = text.split("\n", 1)[0]
    counts = {delimiter: first_line.count(delimiter) for delimiter in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _header_key(text: str) -> str:
    plain = _TRAILING_NOTE.sub("", text.strip().lower())
    return " ".join(plain.replace("_", " ").replace("-", " ").split())


def _columns(headers: list[str], mapping: dict[Field, str]) -> tuple[tuple[Column, ...], tuple[str, ...]]:
    by_key: dict[str, list[int]] = {}
    for index, header in enumerate(headers):
        by_key.setdefault(_header_key(header), []).append(index)
    chosen: dict[Field, int] = {}
    listed = ", ".join(f'"{header}"' for header in headers if header) or "nothing"
    for field, header in mapping.items():
        indexes = by_key.get(_header_key(header), [])
        if len(indexes) != 1:
            problem = "no column" if not indexes else "more than one column"
            raise PlanFormatError(
                f'--map {field.value}={header}: the header row has {problem} "{header}"; it has {listed}.'
            )
        chosen[field] = indexes[0]
    mapped = set(chosen.values())
    for field in Field:
        if field in chosen:
            continue
        indexes = [i for name in HEADER_NAMES[field] for i in by_key.get(name, []) if i not in mapped]
        if len(indexes) > 1:
            names = " and ".join(f'{column_letter(i)} "{headers[i]}"' for i in indexes)
            raise PlanFormatError(
                f"Both {names} could be the {field.value} column: pick one with --map {field.value}=HEADER."
            )
        if indexes:
            chosen[field] = indexes[0]
            mapped.add(indexes[0])
    missing = [field for field in REQUIRED if field not in chosen]
    if missing:
        names = ", ".join(field.value for field in missing)
        raise PlanFormatError(
            f"No column for {names}. The header row has {listed}. Name the columns what, owner and due "
            f"(English), or say which is which, e.g. --map {missing[0].value}=HEADER."
        )
    columns = tuple(sorted((Column(field, index, headers[index]) for field, index in chosen.items()), key=_by_index))
    ignored = tuple(header for index, header in enumerate(headers) if header and index not in mapped)
    return columns, ignored


def _by_index(column: Column) -> int:
    return column.index


class _RowReader:
    """One record's cells by field, and the problems found in them."""

    def __init__(self, number: int, record: list[str], columns: tuple[Column, ...]) -> None:
        self.number = number
        self.cells = {
            column.field: unguard_formula(record[column.index].strip() if column.index < len(record) else "")
            for column in columns
        }
        self.names = {column.field: column.name for column in columns}
        self.errors: list[RowError] = []

    def cell(self, field: Field) -> str:
        return self.cells.get(field, "")

    def fail(self, field: Field, message: str) -> None:
        self.errors.append(RowError(self.number, self.names.get(field, field.value), self.cell(field), message))

    def read[T](self, field: Field, reader: Callable[[str], T]) -> T | None:
        """The cell read by `reader`; None when it is empty or cannot be read (then noted)."""
        if not self.cell(field):
            return None
        try:
            return reader(self.cell(field))
        except CellError as error:
            self.fail(field, error.message)
            return None


def _read_row(
    number: int, record: list[str], columns: tuple[Column, ...], width: int, now: datetime
) -> PlanRow | list[RowError]:
    row = _RowReader(number, record, columns)
    if any(cell.strip() for cell in record[width:]):
        row.errors.append(RowError(number, "", "", f"it has more cells than the header's {width}: a comma "
                                                   "inside a value needs the value in double quotes."))  # fmt: skip
    ref = read_ref(row.cell(Field.REF))
    kind = row.read(Field.KIND, read_kind) or (ref[0] if ref and not row.cell(Field.KIND) else ItemKind.ACTION)
    title = clean_title(row.cell(Field.WHAT))
    if not title:
        row.fail(Field.WHAT, "what is to be done is missing: every row needs it.")
    elif len(title) > MAX_TITLE_LENGTH:
        row.fail(Field.WHAT, f"this is longer than {MAX_TITLE_LENGTH} characters: shorten it.")
    owner = row.read(Field.OWNER, read_person)
    if not row.cell(Field.OWNER):
        row.fail(Field.OWNER, "the owner is missing: give their Slack member ID (U…) or email.")
    due_on = row.read(Field.DUE, read_day)
    if not row.cell(Field.DUE):
        row.fail(Field.DUE, "the due date is missing: write it as year-month-day, e.g. 2026-12-01.")
    elif due_on is not None and not EARLIEST_YEAR <= due_on.year <= now.year + FURTHEST_YEARS:
        row.fail(Field.DUE, f"read as {due_on.isoformat()}, which looks like a typo: check the year.")
    status = (
        row.read(Field.STATUS, lambda value: read_status(value, kind)) if row.cell(Field.STATUS) else ItemStatus.OPEN
    )
    created_at = row.read(Field.CREATED, read_moment)
    if created_at is not None and created_at > now:
        row.fail(Field.CREATED, f"read as {created_at:%Y-%m-%d %H:%M} UTC, which is in the future.")
    closed_at = row.read(Field.CLOSED_AT, read_moment)
    closed_by = row.read(Field.CLOSED_BY, read_person)
    if status is ItemStatus.OPEN:
        for field in (Field.CLOSED_AT, Field.CLOSED_BY):
            if row.cell(field):
                row.fail(field, "the status is open, so it was not closed: clear this cell, or set the status.")
    elif closed_at is not None and (closed_at > now or (created_at is not None and closed_at < created_at)):
        row.fail(Field.CLOSED_AT, f"read as {closed_at:%Y-%m-%d %H:%M} UTC: before it was created, or in the future.")
    outcome = " ".join(row.cell(Field.OUTCOME).split()) or None
    if status is ItemStatus.DECIDED and outcome is None:
        row.fail(Field.OUTCOME, "a decided decision needs its outcome: add it in an outcome column, or set it open.")
    elif outcome is not None and status is not ItemStatus.DECIDED:
        row.fail(Field.OUTCOME, "only a decided decision has an outcome: clear this cell, or set kind and status.")
    link = row.cell(Field.LINK) or None
    if link is not None and not _LINK.match(link):
        row.fail(Field.LINK, "a link must be a web address starting with https://.")
    creator = row.read(Field.CREATED_BY, read_person)
    if row.errors or owner is None or due_on is None or status is None:
        return row.errors
    return PlanRow(
        row=number,
        kind=kind,
        title=title,
        owner=owner,
        due_on=due_on,
        status=status,
        tag=normalise_tag(row.cell(Field.TAG) or None),
        created_at=created_at,
        creator=creator,
        closed_at=closed_at,
        closed_by=closed_by,
        outcome=outcome,
        source_link=link,
        ref=Ref(*ref) if ref else None,
    )
