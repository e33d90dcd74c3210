"""Files made the way spreadsheets make them: Excel's CSV flavours and real .xlsx workbooks."""

from __future__ import annotations

import codecs
import io
from typing import Any

from openpyxl import Workbook


def excel_csv(rows: list[list[str]]) -> bytes:
    """Excel's default "CSV (Comma delimited)" where the decimal mark is a comma: Windows-1252,
    semicolons, CRLF."""
    return "".join(";".join(row) + "\r\n" for row in rows).encode("cp1252")


def excel_unicode_text(rows: list[list[str]]) -> bytes:
    """Excel's "Unicode text": UTF-16 little-endian with a BOM, tab-separated, CRLF."""
    return codecs.BOM_UTF16_LE + "".join("\t".join(row) + "\r\n" for row in rows).encode(
        "utf-16-le"
    )


def excel_csv_utf8(rows: list[list[str]]) -> bytes:
    """Excel's "CSV UTF-8 (Comma delimited)": UTF-8 with a BOM, commas, CRLF."""
    return "".join(",".join(row) + "\r\n" for row in rows).encode("utf-8-sig")


def xlsx(rows: list[list[Any]], *, title: str = "Sheet1") -> bytes:
    """A real workbook written by openpyxl; cells keep their types (numbers, dates, text)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
