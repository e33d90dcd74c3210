"""The one way Pillars writes CSV: every text cell a spreadsheet would run as a formula is made
text (OWASP ASVS 1.2.10, "CSV injection").

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab, a carriage return or NUL gets a
leading ``'``, so Excel, LibreOffice and Google Sheets show it instead of evaluating it (a team
called ``=HYPERLINK("http://…")`` stays a name). Numbers and booleans pass unchanged, ``None``
becomes an empty cell. Every CSV the app writes — HR's exports, ``export_scores``, a question
bank's CSV — goes through :func:`csv_text`; a test fails if another module calls the csv
module's writers. :func:`cell_restore` undoes the mark when the app reads back a file it wrote.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\x00")


def cell_safe(value: Any) -> Any:
    """One cell made safe for a spreadsheet (also for XLSX cells)."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float | Decimal):
        return value
    text = str(value)
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def cell_restore(text: str) -> str:
    """A cell of a CSV the app wrote, as it was before :func:`cell_safe` marked it."""
    if text.startswith("'") and text[1:].startswith(FORMULA_TRIGGERS):
        return text[1:]
    return text


def csv_text(rows: Iterable[Sequence[Any]], *, lineterminator: str = "\r\n") -> str:
    """CSV text of ``rows`` (the header first), every cell passed through :func:`cell_safe`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=lineterminator)
    for row in rows:
        writer.writerow([cell_safe(value) for value in row])
    return buffer.getvalue()
