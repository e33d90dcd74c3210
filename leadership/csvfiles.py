"""Reading the tables people upload, as their spreadsheets make them.

Every import in the product (teams, question banks, answers) reads through :func:`csv_read`:

- **CSV** in the encoding it was saved in: UTF-8 with or without BOM, UTF-16 with BOM (Excel's
  "Unicode text", tab-separated), or a Windows code page (Excel's default "CSV (Comma
  delimited)": Windows-1252 in Western Europe and the Americas). Anything that is not UTF is
  identified with charset-normalizer; comma, semicolon (Excel where the decimal mark is a comma)
  or tab separated.
- **Excel workbooks (.xlsx)**, recognised by their content, whatever the file's name: the first
  worksheet, read as values (numbers as people typed them, dates as ``2026-05-01``).

Problems are :class:`CsvProblem` rows naming the row (as a spreadsheet numbers it: the header is
row 1) and the column, so a person can find and fix the cell. A file that cannot be read at all
names what it looks like and how to save it so it can.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import charset_normalizer
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

MAX_PROBLEMS = 25
# What a file input offers to pick: CSV and text files as spreadsheets save them, and workbooks.
UPLOAD_ACCEPT = (
    ".csv,.txt,.tsv,.xlsx,text/csv,text/plain,text/tab-separated-values,"
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)
MAX_COLUMNS = 500
# An .xlsx is a zip: refuse one whose parts unpack to more than this many times the upload limit
# (a few kilobytes that unpack to gigabytes would otherwise fill the server's memory).
MAX_XLSX_EXPANSION = 30

# Excel's "CSV (Comma delimited)" on a Western European or American Windows. A file whose bytes
# read the same in this and in another legacy code page is read in this one.
LEGACY_ENCODING = "cp1252"

FIX_UTF8 = gettext_lazy(
    "Save it as CSV UTF-8 in Excel: File → Save As → “CSV UTF-8 (Comma delimited)”, or upload "
    "the .xlsx workbook itself."
)
ERROR_NOT_TEXT = gettext_lazy(
    "The file is not text that can be read: it looks like binary data (an image, a PDF or a "
    "program), not a CSV file."
)
ERROR_NUL = gettext_lazy("The file contains NUL bytes; read as %(encoding)s it is not a CSV file.")
ERROR_XLS = gettext_lazy(
    "This is an Excel 97–2003 workbook (.xls), which cannot be read. Save it as an Excel "
    "workbook (.xlsx) or as CSV UTF-8."
)
ERROR_ODS = gettext_lazy(
    "This is an OpenDocument spreadsheet (.ods), which cannot be read. Save it as an Excel "
    "workbook (.xlsx) or as CSV UTF-8."
)
ERROR_XLSX_BROKEN = gettext_lazy(
    "The file looks like an Excel workbook but cannot be opened (%(error)s). Save it again as "
    "an Excel workbook (.xlsx) or as CSV UTF-8."
)
ERROR_XLSX_TOO_BIG = gettext_lazy(
    "The workbook unpacks to more than %(limit)s bytes; split it or save it as CSV UTF-8."
)
ERROR_TOO_MANY_COLUMNS = gettext_lazy("More than %(limit)s columns.")
NOTE_READ_AS = gettext_lazy(
    "The file was read as %(encoding)s. If names or columns look wrong, it was saved in another "
    "encoding."
)

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97–2003 and other old Office files

# What a person calls the encodings Python names; others are shown by their codec name.
ENCODING_NAMES = {
    "utf_8": gettext_lazy("UTF-8"),
    "utf_8_sig": gettext_lazy("UTF-8 with BOM"),
    "utf_16": gettext_lazy("UTF-16 (Excel’s “Unicode text”)"),
    "utf_16_le": gettext_lazy("UTF-16 LE"),
    "utf_16_be": gettext_lazy("UTF-16 BE"),
    "utf_32": gettext_lazy("UTF-32"),
    "cp1250": gettext_lazy("Windows-1250 (Central European)"),
    "cp1251": gettext_lazy("Windows-1251 (Cyrillic)"),
    "cp1252": gettext_lazy("Windows-1252 (Western European, Excel’s default CSV)"),
    "cp1253": gettext_lazy("Windows-1253 (Greek)"),
    "cp1254": gettext_lazy("Windows-1254 (Turkish)"),
    "cp1257": gettext_lazy("Windows-1257 (Baltic)"),
    "cp932": gettext_lazy("Shift JIS (Japanese, Windows)"),
    "shift_jis": gettext_lazy("Shift JIS (Japanese)"),
    "mac_roman": gettext_lazy("Mac Roman"),
    "latin_1": gettext_lazy("ISO-8859-1 (Latin-1)"),
}
DELIMITER_NAMES = {
    ",": gettext_lazy("commas"),
    ";": gettext_lazy("semicolons"),
    "\t": gettext_lazy("tabs"),
}


def encoding_name(codec: str) -> str:
    """``cp1252`` → "Windows-1252 (Western European, …)"; unknown codecs by their own name."""
    key = codecs.lookup(codec).name.replace("-", "_")
    return str(ENCODING_NAMES.get(key, ENCODING_NAMES.get(codec, codec.upper())))


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
    """One or more problems; nothing was written.

    ``note`` says how the file was read when that was a guess (not UTF-8, not a workbook), with
    the fix, since a wrong guess shows up as problems that make little sense on their own.
    """

    def __init__(self, problems: list[CsvProblem], *, note: str = "") -> None:
        self.problems = problems[:MAX_PROBLEMS]
        self.note = note
        super().__init__("; ".join(str(problem) for problem in self.problems))

    def lines(self) -> list[str]:
        """Every problem, then the note: what a command prints."""
        return [str(problem) for problem in self.problems] + ([self.note] if self.note else [])


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
    # How the file was read, for a person: "UTF-8, separated by commas", "Excel workbook, …".
    source: str = ""
    # Said with every problem when the encoding was a guess (see CsvImportError).
    note: str = ""

    def error(self, problems: list[CsvProblem]) -> CsvImportError:
        """The error to raise for problems found in this table's cells."""
        return CsvImportError(problems, note=self.note)


def _fail(message: Any, *, row: int | None = None, note: str = "") -> CsvImportError:
    return CsvImportError([CsvProblem(row, None, str(message))], note=note)


# --- Text -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Decoded:
    text: str
    codec: str
    guessed: bool  # not announced by a BOM nor valid UTF-8: charset-normalizer's reading


def _legacy_codec(data: bytes) -> str | None:
    """The legacy code page the bytes are most likely in, or None for binary data.

    charset-normalizer ranks the code pages by how plausible the decoded text is; short files
    often tie, and code pages that give the same text are grouped. Among the most plausible,
    Windows-1252 wins when it is one of them: Excel's default CSV, and identical text anyway.
    """
    matches = list(charset_normalizer.from_bytes(data))
    if not matches:
        return None
    least = min(match.percent_chaos for match in matches)
    plausible = [match for match in matches if match.percent_chaos <= least]
    for match in plausible:
        if LEGACY_ENCODING in match.could_be_from_charset:
            return LEGACY_ENCODING
    return plausible[0].encoding


def _decode(data: bytes) -> _Decoded:
    for bom, codec in (
        (codecs.BOM_UTF8, "utf_8_sig"),
        (codecs.BOM_UTF32_LE, "utf_32"),
        (codecs.BOM_UTF32_BE, "utf_32"),
        (codecs.BOM_UTF16_LE, "utf_16"),
        (codecs.BOM_UTF16_BE, "utf_16"),
    ):
        if data.startswith(bom):
            try:
                return _Decoded(data.decode(codec), codec, guessed=False)
            except UnicodeDecodeError as error:
                raise _fail(
                    _("The file starts like %(encoding)s text but is not (byte %(byte)s).")
                    % {"encoding": encoding_name(codec), "byte": error.start},
                    note=str(FIX_UTF8),
                ) from error
    try:
        return _Decoded(data.decode("utf_8"), "utf_8", guessed=False)
    except UnicodeDecodeError:
        pass
    legacy = _legacy_codec(data)
    if legacy is None:
        raise _fail(ERROR_NOT_TEXT, note=str(FIX_UTF8))
    try:
        return _Decoded(data.decode(legacy), legacy, guessed=True)
    except (UnicodeDecodeError, LookupError) as error:
        raise _fail(ERROR_NOT_TEXT, note=str(FIX_UTF8)) from error


def _delimiter(first_line: str) -> str:
    # A header never quotes a delimiter, so counting is enough and beats csv.Sniffer's guesses.
    counts = {delimiter: first_line.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] > counts[","] else ","


def _csv_records(data: bytes) -> tuple[Iterator[tuple[int, list[str]]], str, str]:
    """Numbered records of a CSV file, how it was read (for a person), and the note to add to
    any problem when the encoding was a guess."""
    decoded = _decode(data)
    name = encoding_name(decoded.codec)
    note = f"{NOTE_READ_AS % {'encoding': name}} {FIX_UTF8}" if decoded.guessed else ""
    text = decoded.text
    if "\x00" in text:
        raise _fail(ERROR_NUL % {"encoding": name}, note=str(FIX_UTF8))
    first = next((line for line in text.splitlines() if line.strip()), "")
    if not first:
        raise _fail(_("The file is empty."))
    delimiter = _delimiter(first)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        records = list(reader)
    except csv.Error as error:
        raise _fail(_("Malformed CSV: %s") % error, row=reader.line_num, note=note) from error
    source = _("%(encoding)s, separated by %(delimiter)s") % {
        "encoding": name,
        "delimiter": DELIMITER_NAMES[delimiter],
    }
    return enumerate(records, start=1), source, note


# --- Workbooks ------------------------------------------------------------------------------


def _cell_text(value: Any) -> str:
    """A cell as the text a person typed: 4 not 4.0, a date as 2026-05-01, TRUE as true."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _xlsx_records(data: bytes, *, max_bytes: int) -> tuple[Iterator[tuple[int, list[str]]], str]:
    from openpyxl import load_workbook

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as error:
        raise _fail(ERROR_XLSX_BROKEN % {"error": error}) from error
    if "xl/workbook.xml" not in names:
        raise _fail(ERROR_ODS if "mimetype" in names else ERROR_NOT_TEXT)
    limit = max_bytes * MAX_XLSX_EXPANSION
    if unpacked > limit:
        raise _fail(ERROR_XLSX_TOO_BIG % {"limit": limit})
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise _fail(ERROR_XLSX_BROKEN % {"error": type(error).__name__}) from error

    def records() -> Iterator[tuple[int, list[str]]]:
        try:
            for number, values in enumerate(
                sheet.iter_rows(max_col=MAX_COLUMNS + 1, values_only=True), start=1
            ):
                cells = [_cell_text(value) for value in values]
                while cells and not cells[-1].strip():
                    cells.pop()
                yield number, cells
        finally:
            workbook.close()

    source = _("Excel workbook, sheet “%(sheet)s”") % {"sheet": sheet.title}
    return records(), source


# --- Tables ---------------------------------------------------------------------------------


def csv_read(
    *,
    data: bytes,
    required: tuple[str, ...] = (),
    max_rows: int | None = None,
    max_bytes: int | None = None,
) -> CsvTable:
    """Parse a CSV file or an .xlsx workbook into a table with stripped, lower-case column names.

    Raises :class:`CsvImportError` for a file that is too big, unreadable, empty, ragged, has
    duplicate or missing required columns.
    """
    max_bytes = max_bytes or settings.PILLARS_MAX_IMPORT_BYTES
    max_rows = max_rows or settings.PILLARS_MAX_IMPORT_ROWS
    if len(data) > max_bytes:
        raise _fail(
            _("The file is %(size)s bytes; the limit is %(limit)s bytes.")
            % {"size": len(data), "limit": max_bytes}
        )
    if data.startswith(OLE_MAGIC):
        raise _fail(ERROR_XLS)
    note = ""
    if data.startswith(ZIP_MAGIC):
        records, source = _xlsx_records(data, max_bytes=max_bytes)
        workbook = True
    else:
        records, source, note = _csv_records(data)
        workbook = False
    try:
        return _table(
            records, source=source, required=required, max_rows=max_rows, ragged=not workbook
        )
    except CsvImportError as error:
        error.note = error.note or note
        raise


def _table(
    records: Iterable[tuple[int, list[str]]],
    *,
    source: str,
    required: tuple[str, ...],
    max_rows: int,
    ragged: bool,
) -> CsvTable:
    """The header (the first row that is not empty) and the rows under it.

    ``ragged``: a CSV row with fewer or more cells than the header is an error; a worksheet row
    simply ends at its last filled cell.
    """
    records = iter(records)
    header: list[str] = []
    at = 1
    for at, record in records:  # noqa: B007 (the header's row number is used below)
        if any(cell.strip() for cell in record):
            header = [name.strip().lower() for name in record]
            break
    if not header:
        raise _fail(_("The file is empty."))
    problems: list[CsvProblem] = []
    if len(header) > MAX_COLUMNS:
        raise _fail(ERROR_TOO_MANY_COLUMNS % {"limit": MAX_COLUMNS}, row=at)
    seen: set[str] = set()
    for name in header:
        if not name:
            problems.append(CsvProblem(at, None, _("A column has no name.")))
        elif name in seen:
            problems.append(CsvProblem(at, name, _("This column appears twice.")))
        seen.add(name)
    for name in required:
        if name not in seen:
            problems.append(CsvProblem(at, name, _("This required column is missing.")))
    if problems:
        raise CsvImportError(problems)
    table = CsvTable(columns=header, source=source)
    for number, record in records:
        if not any(cell.strip() for cell in record):
            continue
        if len(record) != len(header) and (ragged or len(record) > len(header)):
            problems.append(
                CsvProblem(
                    number,
                    None,
                    _("Expected %(expected)s cells, found %(found)s.")
                    % {"expected": len(header), "found": len(record)},
                )
            )
            continue
        cells = record + [""] * (len(header) - len(record))
        table.rows.append(CsvRow(number=number, values=dict(zip(header, cells, strict=True))))
        if len(table.rows) > max_rows:
            problems.append(
                CsvProblem(number, None, _("More than %s rows; split the file.") % max_rows)
            )
            break
    if problems:
        raise CsvImportError(problems)
    if not table.rows:
        raise _fail(_("The file has a header but no rows."))
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
