"""The question bank: the default file, idempotent loading, versioning, CSV import/export."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from assessments.models import Cycle
from leadership.bank.io import bank_export, bank_import, bank_parse
from leadership.csvfiles import CsvImportError
from leadership.models import Pillar, Question, QuestionBank, QuestionInUse

BANK_CSV = (
    "pillar,code,text,reverse,scale_min,scale_max,self_text,pillar_name\n"
    "focus,F1,We know the goal.,no,0,4,I set the goal.,Focus\n"
    "focus,F2,We drift.,yes,0,4,,Focus\n"
    "care,C1,My lead listens.,no,1,6,I listen.,Care\n"
    "care,C2,My lead is distant.,yes,1,6,,Care\n"
    "care,C3,I can speak up.,no,1,6,,Care\n"
)


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_default_bank_has_five_pillars_with_enough_items(bank):
    pillars = list(bank.pillars.order_by("order"))
    assert [p.key for p in pillars] == ["clarity", "trust", "development", "execution", "learning"]
    assert [p.name for p in pillars][:2] == ["Strategic Clarity", "Trust"]
    for pillar in pillars:
        ratings = pillar.questions.current().ratings()
        assert ratings.count() >= 6
        assert ratings.filter(reverse_scored=True).exists()
        assert pillar.questions.current().comments().count() == 1
        assert all(q.self_text for q in ratings)


def test_loading_the_default_bank_twice_changes_nothing(bank):
    before = list(Question.objects.values_list("pk", "code", "version", "text"))
    assert "up to date" in run("load_bank")
    assert list(Question.objects.values_list("pk", "code", "version", "text")) == before
    assert QuestionBank.objects.count() == 1


def test_an_unused_question_is_edited_in_place(bank):
    question = bank.questions.get(code="CL01")
    result = question.revise(text="Where are we heading?")
    assert result.pk == question.pk
    assert bank.questions.filter(code="CL01").count() == 1


def test_a_used_question_gets_a_new_version_and_the_old_keeps_its_wording(bank):
    question = bank.questions.get(code="CL01")
    cycle = Cycle.objects.create(name="C", slug="c", bank=bank)
    cycle.questions.add(question)
    new = question.revise(text="Where are we heading?")
    assert new.pk != question.pk
    assert new.version == 2
    assert new.active
    old = Question.objects.get(pk=question.pk)
    assert not old.active
    assert old.text.startswith("My leader explains")
    assert list(cycle.questions.all()) == [old]


def test_saving_a_used_question_with_new_wording_is_refused(bank):
    question = bank.questions.get(code="TR01")
    Cycle.objects.create(name="C", slug="c", bank=bank).questions.add(question)
    question.text = "Changed"
    with pytest.raises(QuestionInUse):
        question.save()


def test_reloading_a_changed_file_versions_used_questions(bank):
    Cycle.objects.create(name="C", slug="c", bank=bank).questions.add(
        bank.questions.get(code="CL02")
    )
    data = bank_export(bank=bank).replace(
        "I understand why our team's work matters", "I see why our work matters"
    )
    summary = bank_import(name=bank.name, spec=bank_parse(data=data.encode()))
    assert summary.versioned == 1
    assert summary.created == summary.updated == summary.retired == 0
    assert bank.questions.filter(code="CL02").count() == 2


def test_import_bank_reads_any_pillars_and_scales(tmp_path, db):
    path = tmp_path / "bank.csv"
    path.write_text(BANK_CSV, encoding="utf-8")
    run("import_bank", str(path), "--name", "Custom")
    bank = QuestionBank.objects.get(name="Custom")
    assert list(bank.pillars.values_list("key", flat=True)) == ["focus", "care"]
    f2 = bank.questions.get(code="F2")
    assert (f2.scale_min, f2.scale_max, f2.reverse_scored) == (0, 4, True)
    assert bank.questions.get(code="C3").scale_points == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-8", ","), ("utf-8-sig", ","), ("utf-8-sig", ";"), ("utf-8", ";")],
)
def test_import_bank_accepts_bom_and_semicolons(tmp_path, db, encoding, delimiter):
    path = tmp_path / "bank.csv"
    path.write_text(BANK_CSV.replace(",", delimiter), encoding=encoding)
    run("import_bank", str(path), "--name", "Custom")
    assert QuestionBank.objects.get(name="Custom").questions.count() == 5


def test_export_then_import_round_trips(bank, tmp_path):
    path = tmp_path / "out.csv"
    run("export_bank", "--output", str(path))
    run("import_bank", str(path), "--name", "Copy")
    copy = QuestionBank.objects.get(name="Copy")
    original = list(bank.questions.values_list("code", "text", "self_text", "reverse_scored"))
    assert list(copy.questions.values_list("code", "text", "self_text", "reverse_scored")) == (
        original
    )


BAD_FILES = {
    "scale not a number": (
        BANK_CSV.replace("F1,We know the goal.,no,0,4", "F1,We know the goal.,no,zero,4"),
        "Row 2, column “scale_min”",
    ),
    "max below min": (
        BANK_CSV.replace("C1,My lead listens.,no,1,6", "C1,My lead listens.,no,6,1"),
        "Row 4, column “scale_max”",
    ),
    "duplicate code": (BANK_CSV.replace("C3,", "C1,"), "Row 6, column “code”"),
    "missing column": (BANK_CSV.replace("reverse,", "reversed,"), "column “reverse”"),
    "bad reverse flag": (BANK_CSV.replace("We drift.,yes", "We drift.,perhaps"), "Row 3"),
    "empty wording": (BANK_CSV.replace("We drift.", ""), "Row 3, column “text”"),
    "ragged row": (BANK_CSV + "care,C9,Extra\n", "Row 7"),
    "unknown column": (BANK_CSV.replace("pillar_name", "colour"), "column “colour”"),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_a_bad_bank_file_is_refused_naming_row_and_column_and_writes_nothing(tmp_path, db, case):
    text, where = BAD_FILES[case]
    path = tmp_path / "bank.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError) as error:
        run("import_bank", str(path), "--name", "Custom")
    assert where in str(error.value)
    assert not QuestionBank.objects.exists()
    assert not Pillar.objects.exists()


def test_a_file_saved_by_excel_in_windows_1252_is_read_with_its_accents(tmp_path, db):
    path = tmp_path / "bank.csv"
    path.write_bytes(BANK_CSV.replace("listens", "écoute").encode("cp1252"))
    run("import_bank", str(path), "--name", "Custom")
    assert Question.objects.filter(bank__name="Custom", text__contains="écoute").exists()


def test_a_file_that_is_not_text_is_refused_with_the_fix(tmp_path, db):
    path = tmp_path / "bank.csv"
    path.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(CommandError, match="not text") as caught:
        run("import_bank", str(path), "--name", "Custom")
    assert "File → Save As → “CSV UTF-8" in str(caught.value)
    assert not QuestionBank.objects.exists()


def test_an_empty_file_is_refused():
    with pytest.raises(CsvImportError, match="empty"):
        bank_parse(data=b"")


def test_bank_page_lists_questions_by_pillar_for_signed_in_users(client, bank, leader_a):
    assert client.get("/bank/").status_code == 302
    client.force_login(leader_a)
    response = client.get("/bank/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Strategic Clarity" in html
    assert "Continuous Learning" in html
    assert "My leader does what they say they will do." in html
