"""Files as people have them: Excel's CSV flavours and .xlsx workbooks, for teams, banks and
answers; a file that cannot be read names what it looks like and how to save it."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.core.management import CommandError, call_command

from assessments.hr.teams import teams_import
from assessments.models import Answer, Cycle, Team, TeamMember
from leadership.csvfiles import CsvImportError, csv_read
from leadership.models import Question
from tests.builders import excel_csv, excel_csv_utf8, excel_unicode_text, tiny_bank_make, xlsx

TEAM_ROWS = [
    ["team", "department", "leader_email", "member_email"],
    ["Plateforme", "Ingénierie", "zoe@example.com", "sam@example.com"],
    ["Plateforme", "Ingénierie", "zoe@example.com", "munoz@example.com"],
    ["Données", "Ingénierie & Ñandú", "", "asa@example.com"],
]
FIX = "File → Save As → “CSV UTF-8"


def _teams() -> list[tuple[str, str]]:
    return sorted(
        Team.objects.filter(is_department=False).values_list("name", "parent__name"),
    )


@pytest.mark.parametrize(
    ("maker", "source"),
    [
        (
            excel_csv,
            "Windows-1252 (Western European, Excel’s default CSV), separated by semicolons",
        ),
        (excel_unicode_text, "UTF-16 (Excel’s “Unicode text”), separated by tabs"),
        (excel_csv_utf8, "UTF-8 with BOM, separated by commas"),
    ],
)
def test_each_csv_flavour_excel_saves_is_read_with_its_accents(maker, source):
    table = csv_read(data=maker(TEAM_ROWS))
    assert table.source == source
    assert [row.get("team") for row in table.rows] == ["Plateforme", "Plateforme", "Données"]
    assert table.rows[2].get("department") == "Ingénierie & Ñandú"


def test_utf16_without_a_bom_is_read_too():
    data = "team\tmember_email\r\nÉquipe\ta@example.com\r\n".encode("utf-16-le")
    assert csv_read(data=data).rows[0].get("team") == "Équipe"


@pytest.mark.django_db
def test_a_teams_file_from_excels_default_csv_imports_its_accented_names():
    teams_import(data=excel_csv(TEAM_ROWS), actor=None)
    assert _teams() == [("Données", "Ingénierie & Ñandú"), ("Plateforme", "Ingénierie")]
    assert TeamMember.objects.filter(team__name="Plateforme").count() == 2


@pytest.mark.django_db
def test_a_teams_workbook_reads_numbers_and_dates_as_people_typed_them():
    data = xlsx(
        [
            ["team", "department", "member_email"],
            [2026, "Sales", "a@example.com"],  # a number cell
            [dt.date(2026, 5, 1), "Sales", "b@example.com"],  # Excel made a date of "2026-05-01"
            ["Ops", dt.datetime(2026, 5, 1, 9, 30), "c@example.com"],
        ],
        title="Teams",
    )
    table = csv_read(data=data)
    assert table.source == "Excel workbook, sheet “Teams”"
    teams_import(data=data, actor=None)
    assert _teams() == [("2026", "Sales"), ("2026-05-01", "Sales"), ("Ops", "2026-05-01 09:30")]


def test_a_workbook_row_is_named_by_its_number_in_the_sheet():
    data = xlsx([[], ["team", "member_email"], ["A", "a@example.com"], [None, None], ["", "x"]])
    table = csv_read(data=data)
    assert [row.number for row in table.rows] == [3, 5]


def test_a_workbook_cell_right_of_the_header_is_an_error_naming_its_row():
    data = xlsx([["team", "member_email"], ["A", "a@example.com", "stray"]])
    with pytest.raises(CsvImportError, match=r"Row 2: Expected 2 cells, found 3"):
        csv_read(data=data)


@pytest.mark.django_db
def test_a_bank_workbook_with_number_cells_imports_through_the_command(tmp_path):
    path = tmp_path / "bank.xlsx"
    path.write_bytes(
        xlsx(
            [
                ["pillar", "code", "text", "reverse", "scale_min", "scale_max", "pillar_name"],
                ["focus", "F1", "We know the goal.", "no", 1, 5, "Focus"],
                ["focus", "F2", "We drift.", True, 1.0, 5.0, "Focus"],
            ]
        )
    )
    call_command("import_bank", str(path), name="From Excel", stdout=io.StringIO())
    questions = Question.objects.filter(bank__name="From Excel").order_by("code")
    assert [(q.code, q.reverse_scored, q.scale_min, q.scale_max) for q in questions] == [
        ("F1", False, 1, 5),
        ("F2", True, 1, 5),
    ]


@pytest.mark.django_db
def test_an_answers_workbook_imports_through_the_command(tmp_path):
    tiny_bank_make()
    path = tmp_path / "answers.xlsx"
    path.write_bytes(
        xlsx(
            [
                ["team", "role", "Q1", "Q2", "Q3"],
                ["Alpha", "member", 4, 2, 3],
                ["Alpha", "member", 5.0, None, 4],
                ["Alpha", "member", 3, 3, 2],
            ]
        )
    )
    call_command("import_responses", str(path), bank="Tiny", cycle="Imported", stdout=io.StringIO())
    cycle = Cycle.objects.get(name="Imported")
    values = sorted(
        v
        for v in Answer.objects.filter(submission__cycle=cycle).values_list("value", flat=True)
        if v is not None
    )
    assert values == [2, 2, 3, 3, 3, 4, 4, 5]


@pytest.mark.django_db
def test_a_fraction_in_an_answers_workbook_is_named_by_row_and_column(tmp_path):
    tiny_bank_make()
    path = tmp_path / "answers.xlsx"
    path.write_bytes(xlsx([["team", "Q1", "Q2", "Q3"], ["Alpha", 4.5, 2, 3]]))
    with pytest.raises(CommandError, match=r"Row 2, column “q1”: “4.5” is not a whole number"):
        call_command("import_responses", str(path), bank="Tiny", cycle="X", stdout=io.StringIO())
    assert not Cycle.objects.exists()


def test_binary_data_is_refused_naming_what_it_looks_like_and_the_fix():
    with pytest.raises(CsvImportError) as caught:
        csv_read(data=b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    assert "not text" in str(caught.value)
    assert FIX in caught.value.note


def test_an_opendocument_spreadsheet_is_refused_with_the_fix():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    with pytest.raises(CsvImportError, match=r"OpenDocument spreadsheet \(\.ods\)"):
        csv_read(data=buffer.getvalue())


def test_a_damaged_workbook_is_refused_with_the_fix():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "not xml at all")
    with pytest.raises(CsvImportError, match="looks like an Excel workbook but cannot be opened"):
        csv_read(data=buffer.getvalue())


def test_a_workbook_that_unpacks_to_far_more_than_the_limit_is_refused_unopened():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/sharedStrings.xml", b"\0" * 2_000_000)
    data = buffer.getvalue()
    assert len(data) < 10_000
    with pytest.raises(CsvImportError, match="unpacks to more than 300000 bytes"):
        csv_read(data=data, max_bytes=10_000)


def test_a_guessed_encoding_is_named_with_the_fix_beside_the_problems():
    data = excel_csv([["équipe", "membre"], ["Données", "a@example.com"]])
    with pytest.raises(CsvImportError) as caught:
        csv_read(data=data, required=("team",))
    assert [str(p) for p in caught.value.problems] == [
        "Row 1, column “team”: This required column is missing."
    ]
    assert "read as Windows-1252" in caught.value.note
    assert FIX in caught.value.note


def test_a_utf8_file_has_no_note():
    with pytest.raises(CsvImportError) as caught:
        csv_read(data="équipe\nx\n".encode(), required=("team",))
    assert caught.value.note == ""
