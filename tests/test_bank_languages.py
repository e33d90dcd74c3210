"""Banks in several languages: one column set per language in the bank's CSV, round-tripped;
the browser editor edits them side by side; a cycle does not open while a language its
invitations use lacks a question's wording; a translated question is the same question."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from django.utils import translation

from assessments.hr.cycles import CycleError, cycle_open
from assessments.models import Invitation, Team
from assessments.results.stored import cycle_report
from leadership.bank.io import bank_export, bank_import, bank_parse, translated_columns
from leadership.csvfiles import CsvImportError
from leadership.models import Question
from tests.builders import (
    draft_cycle_make,
    report_cycle_make,
    report_team_make,
    responses_add,
    roster_team_make,
    tiny_bank_make,
)

pytestmark = pytest.mark.django_db


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_bank_file_carries_a_column_set_per_language(bank):
    header = bank_export(bank=bank).splitlines()[0].split(",")
    for column in (
        "text_de",
        "self_text_de",
        "help_text_de",
        "scale_labels_de",
        "pillar_name_de",
        "pillar_description_de",
    ):
        assert column in header
    assert set(translated_columns()) <= set(header)


def test_the_default_bank_is_complete_in_german(bank):
    questions = list(bank.questions.current().select_related("pillar"))
    assert questions
    for question in questions:
        assert question.missing_in("de") == [], question.code
        assert question.pillar.missing_in("de") == [], question.pillar.key
    with translation.override("de"):
        clarity = bank.pillars.get(key="clarity")
        assert clarity.local_name == "Strategische Klarheit"
        cl01 = bank.questions.get(code="CL01", active=True)
        assert cl01.wording_for("member").startswith("Meine Führungskraft erklärt")
        assert cl01.wording_for("self").startswith("Ich erkläre")
        # Default agreement labels come from the catalogue.
        assert cl01.labels()[0] == "Stimme überhaupt nicht zu"


def test_export_then_import_round_trips_every_language_and_changes_nothing(bank):
    exported = bank_export(bank=bank)
    summary = bank_import(name=bank.name, spec=bank_parse(data=exported.encode()))
    assert not summary.changed
    assert bank_export(bank=bank) == exported
    row = next(r for r in _rows(exported) if r["code"] == "CL06")
    assert row["help_text_de"].startswith("Denken Sie an Werte")


def test_a_changed_translation_is_the_same_question_changed_in_place(bank):
    cycle = draft_cycle_make(bank, [roster_team_make("Platform")])
    cycle_open(cycle=cycle, actor=None)
    rows = _rows(bank_export(bank=bank))
    for row in rows:
        if row["code"] == "CL01":
            row["text_de"] = "Meine Führungskraft sagt, wohin wir gehen."
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    summary = bank_import(name=bank.name, spec=bank_parse(data=out.getvalue().encode()))
    assert (summary.updated, summary.versioned) == (1, 0)
    question = Question.objects.get(bank=bank, code="CL01", active=True)
    assert question.version == 1
    assert question.translations["de"]["text"] == "Meine Führungskraft sagt, wohin wir gehen."


def test_an_english_only_file_keeps_the_german_wording(bank):
    rows = _rows(bank_export(bank=bank))
    out = io.StringIO()
    columns = [c for c in rows[0] if c not in translated_columns()]
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    summary = bank_import(name=bank.name, spec=bank_parse(data=out.getvalue().encode()))
    assert not summary.changed
    assert Question.objects.get(bank=bank, code="CL01", active=True).translations["de"]


def test_wrong_translated_labels_are_named_by_cell(bank):
    header = "pillar,code,text,reverse,scale_min,scale_max,scale_labels_de\n"
    data = (header + "p,Q1,Question,no,1,5,Ja|Nein\n").encode()
    with pytest.raises(CsvImportError) as raised:
        bank_parse(data=data)
    assert "scale_labels_de" in str(raised.value.lines())


def test_a_cycle_with_german_invitations_does_not_open_while_a_question_lacks_german():
    bank = tiny_bank_make()
    team = roster_team_make("Platform", members=3)
    Team.objects.filter(pk=team.pk).update(language="de")
    cycle = draft_cycle_make(bank, [team])
    with pytest.raises(CycleError) as refused:
        cycle_open(cycle=cycle, actor=None)
    message = str(refused.value)
    assert "German" in message
    assert "Q1" in message
    assert "p1" in message
    assert not Invitation.objects.filter(cycle=cycle).exists()
    cycle.refresh_from_db()
    assert cycle.recorded_state == "draft"
    # Translated, it opens; English teams never needed it.
    for question in bank.questions.all():
        question.translations = {"de": {"text": f"Frage {question.code}", "self_text": "Ich"}}
        question.save()
    for pillar in bank.pillars.all():
        pillar.translations = {"de": {"name": f"Säule {pillar.key}"}}
        pillar.save()
    assert cycle_open(cycle=cycle, actor=None) == 3
    assert set(Invitation.objects.filter(cycle=cycle).values_list("language", flat=True)) == {"de"}


def test_a_person_gets_their_own_language_before_their_teams(bank):
    team = roster_team_make("Platform", members=["a@example.com", "b@example.com"])
    team.members.filter(email="a@example.com").update(language="de")
    cycle = draft_cycle_make(bank, [team])
    cycle_open(cycle=cycle, actor=None)
    languages = dict(Invitation.objects.filter(cycle=cycle).values_list("email", "language"))
    assert languages == {"a@example.com": "de", "b@example.com": "en"}


def test_scores_pool_across_languages_and_read_in_the_readers_language(bank):
    cycle = report_cycle_make(bank)
    team = report_team_make(cycle, "Platform")
    codes = list(cycle.questions.ratings().values_list("code", flat=True))
    # Five people answered in English, five in German: the answers are the same questions.
    responses_add(cycle, team, [dict.fromkeys(codes, 4) for _ in range(5)])
    responses_add(cycle, team, [dict.fromkeys(codes, 2) for _ in range(5)])
    english = cycle_report(cycle)
    with translation.override("de"):
        german = cycle_report(cycle)
    team_en, team_de = english.teams[0], german.teams[0]
    assert team_en.n == team_de.n == 10
    assert [p.mean for p in team_en.pillars] == [p.mean for p in team_de.pillars]
    assert team_en.pillars[0].name == "Strategic Clarity"
    assert team_de.pillars[0].name == "Strategische Klarheit"
    assert team_de.pillars[0].items[0].text.startswith("Meine Führungskraft")


def test_the_editor_shows_and_saves_the_german_wording_beside_the_english(client, hr_user, bank):
    client.force_login(hr_user)
    question = Question.objects.get(bank=bank, code="CL02", active=True)
    url = reverse("leadership:question-edit", args=[question.pk])
    page = client.get(url).content.decode()
    assert 'name="text_de"' in page
    assert 'lang="de"' in page
    assert "Ich verstehe, warum die Arbeit" in page
    data = {
        "pillar": question.pillar_id,
        "kind": question.kind,
        "text": question.text,
        "self_text": question.self_text,
        "help_text": "",
        "scale_min": 1,
        "scale_max": 5,
        "scale_labels": "",
        "text_de": "Mir ist klar, warum unsere Arbeit zählt.",
        "self_text_de": question.translations["de"]["self_text"],
        "help_text_de": "",
        "scale_labels_de": "",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.version == 1
    assert question.active
    assert question.translations["de"]["text"] == "Mir ist klar, warum unsere Arbeit zählt."
    pillar = question.pillar
    page = client.get(reverse("leadership:pillar-edit", args=[pillar.pk])).content.decode()
    assert 'name="name_de"' in page
    assert "Strategische Klarheit" in page
