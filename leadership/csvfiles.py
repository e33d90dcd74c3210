"""Reading the CSV files people upload: UTF-8 with or without BOM, comma or semicolon.

Every import in the product reads through :func:`csv_read` and reports problems as
:class:`CsvProblem` rows naming the row (as a spreadsheet numbers it: the header is row 1) and the
column, so a person can find and fix the cell.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

MAX_PROBLEMS = 25


@dataclass(frozen=True)
class CsvProblem:
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(_("row %(row)s") % {"row": self.row})
        if self.column:
            where.append(_("column “%(column)s”") % {"column": self.column})
        prefix = ", ".join(where)
        return f"{prefix[:1].upper()}{prefix[1:]}: {self.message}" if prefix else self.message


class CsvImportError(Exception):
    """One or more problems; nothing was written."""

    def __init__(self, problems: list[CsvProblem]) -> None:
        self.problems = problems[:MAX_PROBLEMS]
        super().__init__("; ".join(str(problem) for problem in self.problems))


@dataclass(frozen=True)
class CsvRow:
    number: int
    values: dict[str, str]

    def get(self, column: str, default: str = "") -> str:
        return (self.values.get(column) or default).strip()


@dataclass
class CsvTable:
    columns: list[str]
    rows: list[CsvRow] = field(default_factory=list)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CsvImportError(
            [CsvProblem(None, None, _("The file is not UTF-8 text (byte %s).") % error.start)]
        ) from error


def _delimiter(first_line: str) -> str:
    # A header never quotes a delimiter, so counting is enough and beats csv.Sniffer's guesses.
    return ";" if first_line.count(";") > first_line.count(",") else ","


def csv_read(
    *,
    data: bytes,
    required: tuple[str, ...] = (),
    max_rows: int | None = None,
    max_bytes: int | None = None,
) -> CsvTable:
    """Parse ``data`` into a table with stripped, lower-case column names.

    Raises :class:`CsvImportError` for a file that is too big, not UTF-8, empty, ragged, has
    duplicate or missing required columns.
    """
    max_bytes = max_bytes or settings.PILLARS_MAX_IMPORT_BYTES
    max_rows = max_rows or settings.PILLARS_MAX_IMPORT_ROWS
    if len(data) > max_bytes:
        raise CsvImportError(
            [
                CsvProblem(
                    None,
                    None,
                    _("The file is %(size)s bytes; the limit is %(limit)s bytes.")
                    % {"size": len(data), "limit": max_bytes},
                )
            ]
        )
    text = _decode(data)
    if "\x00" in text:
        raise CsvImportError([CsvProblem(None, None, _("The file contains NUL bytes."))])
    text = text.lstrip("\r\n")
    first = text.splitlines()[0] if text.strip() else ""
    if not first:
        raise CsvImportError([CsvProblem(None, None, _("The file is empty."))])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first), strict=True)
    try:
        records = list(reader)
    except csv.Error as error:
        raise CsvImportError(
            [CsvProblem(reader.line_num, None, _("Malformed CSV: %s") % error)]
        ) from error
    header = [name.strip().lower() for name in records[0]]
    problems: list[CsvProblem] = []
    seen: set[str] = set()
    for name in header:
        if not name:
            problems.append(CsvProblem(1, None, _("A column has no name.")))
        elif name in seen:
            problems.append(CsvProblem(1, name, _("This column appears twice.")))
        seen.add(name)
    for name in required:
        if name not in seen:
            problems.append(CsvProblem(1, name, _("This required column is missing.")))
    if problems:
        raise CsvImportError(problems)
    table = CsvTable(columns=header)
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue
        if len(record) != len(header):
            problems.append(
                CsvProblem(
                    number,
                    None,
                    _("Expected %(expected)s cells, found %(found)s.")
                    % {"expected": len(header), "found": len(record)},
                )
            )
            continue
        table.rows.append(CsvRow(number=number, values=dict(zip(header, record, strict=True))))
        if len(table.rows) > max_rows:
            problems.append(
                CsvProblem(number, None, _("More than %s rows; split the file.") % max_rows)
            )
            break
    if problems:
        raise CsvImportError(problems)
    if not table.rows:
        raise CsvImportError([CsvProblem(None, None, _("The file has a header but no rows."))])
    return table


def parse_int(row: CsvRow, column: str, problems: list[CsvProblem]) -> int | None:
    """The cell as an integer, or None after recording a problem."""
    raw = row.get(column)
    try:
        return int(raw)
    except ValueError:
        problems.append(CsvProblem(row.number, column, _("“%s” is not a whole number.") % raw))
        return None


def parse_bool(row: CsvRow, column: str, problems: list[CsvProblem]) -> bool:
    raw = row.get(column).lower()
    if raw in {"", "0", "false", "no", "n"}:
        return False
    if raw in {"1", "true", "yes", "y", "x"}:
        return True
    problems.append(CsvProblem(row.number, column, _("“%s” is not yes or no.") % raw))
    return False
