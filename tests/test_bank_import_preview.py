"""Question bank → Import in the browser: the preview says which questions are added, changed in
place, versioned (the cycles that used them keep the old wording) and retired; applying does
exactly that, all or nothing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments.hr.cycles import cycle_open
from assessments.models import AuditEvent
from leadership.bank.io import (
    bank_export,
    bank_import_preview,
    bank_parse,
    translated_columns,
)
from leadership.models import Question
from tests.builders import draft_cycle_make, roster_team_make, xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_root_own(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _edited_export(bank) -> bytes:
    """The bank's own file, edited as HR would: one rewording, one new question, one left out."""
    lines = bank_export(bank=bank).splitlines()
    lines = [line for line in lines if not line.startswith("clarity,CL05,")]
    lines = [
        line.replace(
            "My leader explains where our team is heading", "My leader tells us where we go"
        )
        for line in lines
    ]
    # Its direction and translated columns (text_de, …) left empty.
    empty = "," * len(translated_columns())
    lines.append("trust,TR99,I can admit a mistake to my leader.,no,1,5,,Trust,,rating,,," + empty)
    return ("\n".join(lines) + "\n").encode()


def _upload(client, data: bytes, name: str = "Pillars", filename: str = "bank.csv"):
    upload = SimpleUploadedFile(filename, data, content_type="text/csv")
    return client.post(
        reverse("leadership:bank-import"), {"name": name, "file": upload}, follow=True
    )


def test_the_preview_tells_versions_from_in_place_changes_and_names_the_cycles_that_keep(bank):
    cycle_open(
        cycle=draft_cycle_make(bank, [roster_team_make("Platform")], name="2027 Q1"), actor=None
    )
    preview = bank_import_preview(name="Pillars", spec=bank_parse(data=_edited_export(bank)))
    assert [p.code for p in preview.added] == ["TR99"]
    assert [p.code for p in preview.versioned] == ["CL01"]
    assert preview.versioned[0].before.startswith("My leader explains where our team is heading")
    assert preview.versioned[0].field_names == "wording"
    assert [p.code for p in preview.retired] == ["CL05"]
    assert preview.cycles_keeping == ["2027 Q1"]
    assert preview.updated == []
    assert preview.reordered > 0  # the questions after CL05 move up one place


def test_the_bank_file_as_it_is_changes_nothing(bank):
    preview = bank_import_preview(
        name="Pillars", spec=bank_parse(data=bank_export(bank=bank).encode())
    )
    assert not preview.changes_anything


def test_hr_previews_and_applies_a_bank_file(client, hr_user, bank):
    cycle = draft_cycle_make(bank, [roster_team_make("Platform")], name="2027 Q1")
    cycle_open(cycle=cycle, actor=None)
    old = bank.questions.get(code="CL01", active=True)
    client.force_login(hr_user)
    response = _upload(client, _edited_export(bank))
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("leadership:bank-import-preview")
    assert "Cycles that used the old wording keep it: 2027 Q1." in page
    assert 'id="count-versioned">1<' in page
    assert bank.questions.current().filter(code="TR99").count() == 0  # nothing yet
    applied = client.post(
        reverse("leadership:bank-import-apply"),
        {"digest": response.context["preview"].digest},
        follow=True,
    )
    message = applied.content.decode()
    assert "1 questions added, 1 new versions," in message
    assert "1 retired." in message
    assert bank.questions.get(code="CL01", active=True).version == 2
    assert cycle.questions.filter(pk=old.pk).exists()
    assert not bank.questions.current().filter(code="CL05").exists()
    assert AuditEvent.objects.get(action="bank.import").actor == hr_user


def test_a_bank_change_between_preview_and_apply_shows_the_new_preview(client, hr_user, bank):
    client.force_login(hr_user)
    digest = _upload(client, _edited_export(bank)).context["preview"].digest
    Question.objects.filter(bank=bank, code="CL02", active=True).update(text="Edited meanwhile.")
    response = client.post(reverse("leadership:bank-import-apply"), {"digest": digest})
    assert response.status_code == 409
    assert not bank.questions.filter(code="TR99").exists()


def test_a_new_name_makes_a_new_bank_from_a_workbook(client, hr_user, bank):
    client.force_login(hr_user)
    data = xlsx(
        [
            ["pillar", "code", "text", "reverse", "scale_min", "scale_max", "pillar_name"],
            ["focus", "F1", "We know the goal.", "no", 1, 5, "Focus"],
        ]
    )
    response = _upload(client, data, name="Pulse", filename="pulse.xlsx")
    assert "will make a new bank, “Pulse”" in response.content.decode()
    assert "Excel workbook" in response.content.decode()
    client.post(
        reverse("leadership:bank-import-apply"), {"digest": response.context["preview"].digest}
    )
    assert Question.objects.filter(bank__name="Pulse", code="F1").exists()


def test_a_bad_bank_file_names_its_cells_and_keeps_nothing(client, hr_user, bank, tmp_path):
    client.force_login(hr_user)
    response = _upload(client, b"pillar,code,text,reverse,scale_min,scale_max\nfocus,F1,,no,1,5\n")
    assert response.status_code == 400
    assert "Row 2, column “text”: The question has no wording." in response.content.decode()
    assert not (tmp_path / "uploads").exists() or not any((tmp_path / "uploads").rglob("*.bin"))


def test_hr_downloads_the_bank_as_the_file_it_imports(client, hr_user, bank):
    client.force_login(hr_user)
    response = client.get(reverse("leadership:bank-export", args=[bank.pk]))
    assert response["Content-Disposition"] == 'attachment; filename="bank-pillars.csv"'
    spec = bank_parse(data=response.content)
    assert len(spec.questions) == bank.questions.current().count()
