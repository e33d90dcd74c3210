"""HR edits the question bank in the browser: a used question changes by a new version, never in
place; drafts follow the bank; every edit is audited; only HR may edit."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessments.hr.cycles import cycle_open
from assessments.models import AuditEvent, Cycle
from leadership.models import Pillar, Question
from tests.builders import draft_cycle_make, roster_team_make

pytestmark = pytest.mark.django_db


def _question(bank, code: str) -> Question:
    return bank.questions.get(code=code, active=True)


def _form(question: Question, **changes) -> dict:
    data = {
        "pillar": question.pillar_id,
        "kind": question.kind,
        "text": question.text,
        "self_text": question.self_text,
        "help_text": question.help_text,
        "scale_min": question.scale_min,
        "scale_max": question.scale_max,
        "scale_labels": "\n".join(question.scale_labels),
    }
    if question.reverse_scored:
        data["reverse_scored"] = "on"
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def _edit(client, question: Question, **changes):
    return client.post(
        reverse("leadership:question-edit", args=[question.pk]), _form(question, **changes)
    )


def _open_cycle(bank) -> Cycle:
    cycle = draft_cycle_make(bank, [roster_team_make("Platform")], name="2027 Q1")
    cycle_open(cycle=cycle, actor=None)
    return cycle


def test_editing_an_unused_question_changes_it_in_place(client, hr_user, bank):
    client.force_login(hr_user)
    question = _question(bank, "CL02")
    response = _edit(client, question, text="Why our work matters is clear to me.")
    assert response.status_code == 302
    question.refresh_from_db()
    assert (question.text, question.version, question.active) == (
        "Why our work matters is clear to me.",
        1,
        True,
    )
    event = AuditEvent.objects.get(action="bank.question.edit")
    assert event.detail["fields"] == ["text"]
    assert event.actor == hr_user


def test_editing_a_used_question_makes_a_version_and_the_cycle_keeps_the_old_one(
    client, hr_user, bank
):
    cycle = _open_cycle(bank)
    old = _question(bank, "CL02")
    client.force_login(hr_user)
    page = client.get(reverse("leadership:question-edit", args=[old.pk])).content.decode()
    assert "Used by 1 cycle" in page
    assert "2027 Q1 (open)" in page
    assert "Cycles that used the old wording keep it" in page
    response = _edit(client, old, text="Why our work matters is clear to me.", reverse_scored="on")
    follow = client.get(response.url).content.decode()
    assert "Saved as version 2 of CL02. Cycles that used version 1 keep its wording" in follow
    new = _question(bank, "CL02")
    assert (new.version, new.text, new.reverse_scored) == (
        2,
        "Why our work matters is clear to me.",
        True,
    )
    old.refresh_from_db()
    assert (old.text, old.active, old.reverse_scored) == (
        "I understand why our team's work matters to the wider organisation.",
        False,
        False,
    )
    assert cycle.questions.filter(pk=old.pk).exists()
    assert not cycle.questions.filter(pk=new.pk).exists()
    event = AuditEvent.objects.get(action="bank.question.version")
    assert (event.detail["version"], event.detail["previous_version"]) == (2, 1)
    assert event.detail["fields"] == ["reverse_scored", "text"]


def test_a_draft_cycle_follows_the_bank(client, hr_user, bank):
    draft = draft_cycle_make(bank, [roster_team_make("Platform")], name="2027 Q2")
    old = _question(bank, "CL02")
    client.force_login(hr_user)
    _edit(client, old, text="Reworded before anyone answered.")
    current = _question(bank, "CL02")
    assert draft.questions.filter(pk=current.pk).exists()
    assert not draft.questions.filter(pk=old.pk).exists() or old.pk == current.pk
    client.post(reverse("leadership:question-retire", args=[current.pk]))
    assert not draft.questions.filter(code="CL02").exists()
    assert set(draft.questions.values_list("pk", flat=True)) == set(
        bank.questions.current().values_list("pk", flat=True)
    )


def test_hr_adds_a_question_with_its_own_scale_and_labels(client, hr_user, bank):
    client.force_login(hr_user)
    pillar = bank.pillars.get(key="trust")
    page = client.get(reverse("leadership:question-new", args=[bank.pk]), {"pillar": pillar.pk})
    assert page.context["form"].initial["code"].startswith("TR")
    response = client.post(
        reverse("leadership:question-new", args=[bank.pk]),
        {
            "pillar": pillar.pk,
            "kind": "rating",
            "code": "TR99",
            "text": "I can admit a mistake in front of my leader.",
            "self_text": "People can admit a mistake in front of me.",
            "help_text": "",
            "scale_min": 0,
            "scale_max": 3,
            "scale_labels": "Never\nSometimes\nOften\nAlways",
        },
    )
    assert response.status_code == 302
    question = _question(bank, "TR99")
    assert (question.scale_min, question.scale_max) == (0, 3)
    assert question.labels() == ["Never", "Sometimes", "Often", "Always"]
    assert question.order > pillar.questions.current().exclude(pk=question.pk).first().order
    assert AuditEvent.objects.filter(action="bank.question.add", detail__code="TR99").exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"scale_min": 5, "scale_max": 5}, "scale_max", "The highest point must be above"),
        ({"scale_min": 0, "scale_max": 12}, "scale_max", "at most 11 points"),
        ({"scale_labels": "Low\nHigh"}, "scale_labels", "one label per point of the scale (5)"),
        ({"text": ""}, "text", "This field is required."),
    ],
)
def test_a_bad_question_is_refused_with_the_field_named_and_nothing_changes(
    client, hr_user, bank, changes, field, message
):
    client.force_login(hr_user)
    question = _question(bank, "CL02")
    response = _edit(client, question, **changes)
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert bank.questions.filter(code="CL02").count() == 1
    assert not AuditEvent.objects.exists()


def test_a_taken_code_is_refused(client, hr_user, bank):
    client.force_login(hr_user)
    response = client.post(
        reverse("leadership:question-new", args=[bank.pk]),
        {
            "pillar": bank.pillars.first().pk,
            "kind": "rating",
            "code": "cl01",
            "text": "x",
            "scale_min": 1,
            "scale_max": 5,
        },
    )
    assert response.status_code == 400
    assert "has the code “cl01”" in response.content.decode()


def test_saving_unchanged_is_nothing_and_records_nothing(client, hr_user, bank):
    client.force_login(hr_user)
    question = _question(bank, "CL07")
    _edit(client, question)
    assert bank.questions.filter(code="CL07").count() == 1
    assert not AuditEvent.objects.exists()


def test_moving_a_question_reorders_its_pillar_and_htmx_gets_only_the_card(client, hr_user, bank):
    client.force_login(hr_user)
    second = _question(bank, "CL02")
    response = client.post(
        reverse("leadership:question-move", args=[second.pk, "up"]), headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section class="card pillar-card')
    assert html.index('id="q-CL02"') < html.index('id="q-CL01"')
    codes = list(
        bank.pillars.get(key="clarity")
        .questions.current()
        .order_by("order")
        .values_list("code", flat=True)
    )
    assert codes[:3] == ["CL02", "CL01", "CL03"]
    assert AuditEvent.objects.get(action="bank.question.move").detail["position"] == 1


def test_moving_the_first_question_up_changes_nothing(client, hr_user, bank):
    client.force_login(hr_user)
    first = _question(bank, "CL01")
    response = client.post(reverse("leadership:question-move", args=[first.pk, "up"]))
    assert response.status_code == 302
    assert not AuditEvent.objects.exists()


def test_retiring_keeps_the_question_for_cycles_that_used_it_and_restoring_brings_it_back(
    client, hr_user, bank
):
    cycle = _open_cycle(bank)
    question = _question(bank, "CL03")
    client.force_login(hr_user)
    client.post(reverse("leadership:question-retire", args=[question.pk]))
    assert not bank.questions.current().filter(code="CL03").exists()
    assert cycle.questions.filter(pk=question.pk).exists()
    page = client.get(reverse("leadership:bank")).content.decode()
    assert "1 retired question" in page
    client.post(reverse("leadership:question-restore", args=[question.pk]))
    assert bank.questions.current().filter(code="CL03").exists()
    bank_events = AuditEvent.objects.filter(action__startswith="bank.").order_by("pk")
    assert [e.action for e in bank_events] == ["bank.question.retire", "bank.question.restore"]


def test_hr_adds_renames_and_moves_a_pillar(client, hr_user, bank):
    client.force_login(hr_user)
    client.post(
        reverse("leadership:pillar-new", args=[bank.pk]),
        {"name": "Psychological Safety", "description": "Speaking up without fear."},
    )
    pillar = bank.pillars.get(key="psychological_safety")
    assert pillar.order == 6
    client.post(
        reverse("leadership:pillar-edit", args=[pillar.pk]),
        {"name": "Safety to speak up", "description": "Speaking up without fear."},
    )
    client.post(reverse("leadership:pillar-move", args=[pillar.pk, "up"]))
    assert list(bank.pillars.order_by("order").values_list("name", flat=True))[-2:] == [
        "Safety to speak up",
        "Continuous Learning",
    ]
    assert [e.action for e in AuditEvent.objects.order_by("created_at", "pk")] == [
        "bank.pillar.add",
        "bank.pillar.edit",
        "bank.pillar.move",
    ]


def test_a_pillar_named_like_another_is_refused(client, hr_user, bank):
    client.force_login(hr_user)
    response = client.post(reverse("leadership:pillar-new", args=[bank.pk]), {"name": "Trust"})
    assert response.status_code == 400
    assert Pillar.objects.filter(bank=bank, key="trust").count() == 1


def test_a_leader_reads_the_bank_without_edit_controls_and_cannot_edit(client, leader_a, bank):
    client.force_login(leader_a)
    page = client.get(reverse("leadership:bank")).content.decode()
    assert "Strategic Clarity" in page
    assert "Retire" not in page
    assert "Add a pillar" not in page
    question = _question(bank, "CL02")
    assert client.get(reverse("leadership:question-edit", args=[question.pk])).status_code == 404
    assert client.post(reverse("leadership:question-retire", args=[question.pk])).status_code == 404
    assert _question(bank, "CL02").pk == question.pk
