"""CSV written the way spreadsheets open it safely, and read back the same way.

UTF-8 with a byte-order mark: without one Excel (notably in Japan) guesses a legacy encoding and
shows mojibake. A cell that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, a tab or a
carriage return first) is written after an apostrophe, so text typed in Slack can never become a
formula on someone's machine (OWASP: CSV injection); `unguard_formula` undoes it on import.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_GUARD = "'"
BYTE_ORDER_MARK = "\ufeff"


def excel_csv(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    """The header and rows as CSV bytes, every cell guarded (lines end in CRLF, as Excel writes them)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([guard_formula(cell) for cell in row] for row in rows)
    return (BYTE_ORDER_MARK + out.getvalue()).encode()


def guard_formula(value: str) -> str:
    """The cell as exported: a value a spreadsheet would run as a formula gets a leading apostrophe."""
    return FORMULA_GUARD + value if value.startswith(FORMULA_STARTS) else value


def unguard_formula(value: str) -> str:
    """The cell as it was before `guard_formula`."""
    if value.startswith(FORMULA_GUARD) and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value
