"""Reports on any bank: a pillar's direction (higher or lower is better), its own scale labels
and range, and reverse-worded questions labelled by the answers people gave."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessments.reports import content
from assessments.results.access import report_for_viewer
from assessments.results.report import PillarSummary
from leadership.bank.io import (
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    bank_export,
    bank_import,
    bank_parse,
    translated_columns,
)
from leadership.csvfiles import CsvImportError
from leadership.models import Pillar, QuestionBank
from tests.builders import report_answers_add, report_cycle_make, report_team_make
from tests.pdf_text import pdf_objects, pdf_text

HEADER = "pillar,code,text,reverse,scale_min,scale_max,pillar_name,scale_labels,pillar_direction\n"
AGREE = "Strongly disagree|Disagree|Neither|Agree|Strongly agree"
OFTEN = "Never|Rarely|Sometimes|Often|Always"
BANK = (
    HEADER
    + f"care,C1,My leader listens.,no,1,5,Care,{AGREE},higher\n"
    + f"care,C2,Priorities change so often that I am lost.,yes,1,5,Care,{AGREE},\n"
    + f"hostile,H1,My leader shouts at people.,no,0,4,Hostility,{OFTEN},lower\n"
    + f"hostile,H2,My leader mocks people.,no,0,4,Hostility,{OFTEN},lower\n"
)


def summary(**changes) -> PillarSummary:
    figures = {
        "key": "p",
        "name": "P",
        "description": "",
        "order": 1,
        "scale_min": 1,
        "scale_max": 5,
        "n_items": 2,
        "n": None,
        "mean": None,
        "sd": None,
        "percent": None,
        "favourable_pct": None,
        "org_median": None,
        "org_median_percent": None,
        "alpha": None,
        "item_total": (),
        "icc1": None,
        "icc2": None,
        "scale_labels": tuple(AGREE.split("|")),
    }
    return PillarSummary(**{**figures, **changes})


@pytest.fixture
def scales_bank(db):
    bank_import(name="Scales", spec=bank_parse(data=BANK.encode()))
    return QuestionBank.objects.get(name="Scales")


@pytest.fixture
def scales_cycle(scales_bank):
    cycle = report_cycle_make(scales_bank)
    team = report_team_make(cycle, "Platform")
    # Care high (4–5), hostility low (0–1 of 0–4): both good, hostility the better.
    report_answers_add(cycle, team, values=[1, 1, 1, 1, 1], self_value=1)
    other = report_team_make(cycle, "Data")
    report_answers_add(cycle, other, values=[3, 3, 3, 3, 3])
    return cycle


def test_a_pillar_direction_goes_through_the_bank_file_both_ways(scales_bank):
    assert scales_bank.pillars.get(key="hostile").direction == Pillar.Direction.LOWER
    assert scales_bank.pillars.get(key="care").direction == Pillar.Direction.HIGHER
    exported = bank_export(bank=scales_bank)
    # The last of the bank's own columns (the other languages' columns follow it).
    header = exported.splitlines()[0].split(",")
    assert header[len(REQUIRED_COLUMNS + OPTIONAL_COLUMNS) - 1] == "pillar_direction"
    assert header[len(REQUIRED_COLUMNS + OPTIONAL_COLUMNS) :] == list(translated_columns())
    again = bank_parse(data=exported.encode())
    assert {p.key: p.direction for p in again.pillars} == {"care": "higher", "hostile": "lower"}


def test_a_bank_file_with_an_unknown_direction_names_the_cell_and_imports_nothing(db):
    bad = BANK.replace("Always,lower\nhostile,H2", "Always,down\nhostile,H2")
    with pytest.raises(CsvImportError) as error:
        bank_parse(data=bad.encode())
    assert "pillar_direction" in str(error.value.problems[0].column)
    assert not QuestionBank.objects.filter(name="Scales").exists()


def test_hr_sets_a_pillars_direction_in_the_bank_editor(client, hr_user, scales_bank):
    client.force_login(hr_user)
    pillar = scales_bank.pillars.get(key="care")
    client.post(
        reverse("leadership:pillar-edit", args=[pillar.pk]),
        {"name": "Care", "description": "", "direction": "lower"},
    )
    pillar.refresh_from_db()
    assert pillar.direction == Pillar.Direction.LOWER
    page = client.get(reverse("leadership:bank-detail", args=[scales_bank.pk])).content.decode()
    assert "Lower is better on this pillar." in page


def test_a_reverse_worded_bar_names_each_count_by_the_answer_given():
    agree = summary()
    assert content.bar_labels(agree, reverse_scored=False)[0] == "Strongly disagree"
    # Scored counts start at the raw top for a reverse item: six "Strongly agree" are unfavourable.
    assert content.bar_labels(agree, reverse_scored=True)[0] == "Strongly agree"
    lower = summary(
        direction="lower", scale_min=0, scale_max=4, scale_labels=tuple(OFTEN.split("|"))
    )
    # Lower is better: the bar starts at the least favourable end, "Always".
    assert content.bar_labels(lower, reverse_scored=False) == OFTEN.split("|")[::-1]
    assert content.bar_counts(lower, (5, 1, 0, 0, 0)) == [0, 0, 0, 1, 5]


def test_a_lower_is_better_pillar_with_a_frequency_scale_reads_the_right_way(scales_cycle):
    report = report_for_viewer(cycle=scales_cycle, user=None, detail=True)
    team = next(t for t in report.teams if t.name == "Platform")
    built = content.team_report_build(report=report, team=team)
    strength, growth = built.messages[:2]
    assert strength.title.endswith("Hostility")
    assert growth.title == "Most room to grow: Care"
    hostility = next(page for page in built.pages if page.pillar.key == "hostile")
    assert [key.label for key in hostility.legend] == OFTEN.split("|")[::-1]
    assert next(plan["plan"].pillar_key for plan in built.plans) == "care"
    data = content.team_report_render(report=report, team=team)
    text = pdf_text(data)
    assert "Hostility 0–4" in text
    assert "Care 1–5" in text
    assert "lower is better on Hostility" in text
    assert "scale up to" not in text
    assert "Never" in text
    assert "Always" in text
    objects = pdf_objects(data)
    assert b"/Alt (Answers, least favourable first: Always: 0; Often: 0; Sometimes: 0" in objects
    # The reverse-worded care question: its bar starts with "Strongly agree".
    assert b"/Alt (Answers, least favourable first: Strongly agree: " in objects


UNLABELLED = (
    HEADER
    + "care,C1,My leader listens.,no,1,5,Care,,higher\n"
    + "care,C2,My leader explains.,no,1,5,Care,,\n"
    + "hostile,H1,My leader shouts at people.,no,0,4,Hostility,,lower\n"
    + "hostile,H2,My leader mocks people.,no,0,4,Hostility,,lower\n"
    + "energy,E1,My leader brings energy.,no,1,6,Energy,,higher\n"
    + "energy,E2,My leader lifts the mood.,no,1,6,Energy,,\n"
)


def test_a_scale_without_words_in_the_bank_is_labelled_only_with_what_is_known_of_it():
    # The survey's own 1–5 scale: the agreement words it shows respondents.
    assert content.pillar_labels(summary(scale_labels=())) == [
        "Strongly disagree",
        "Disagree",
        "Neither agree nor disagree",
        "Agree",
        "Strongly agree",
    ]
    # A 0–4 hostility scale has five points too, but nothing says they are agreement.
    hostile = summary(scale_min=0, scale_max=4, scale_labels=(), direction="lower")
    assert content.pillar_labels(hostile) == ["0 (low)", "1", "2", "3", "4 (high)"]
    # Lower is better: the bar starts at the high end.
    assert content.bar_labels(hostile, reverse_scored=False) == [
        "4 (high)",
        "3",
        "2",
        "1",
        "0 (low)",
    ]
    assert content.pillar_labels(summary(scale_min=1, scale_max=6, scale_labels=())) == [
        "1 (low)",
        "2",
        "3",
        "4",
        "5",
        "6 (high)",
    ]


def test_a_pdf_of_an_unlabelled_bank_names_no_agreement_on_other_scales(db):
    bank_import(name="Bare", spec=bank_parse(data=UNLABELLED.encode()))
    bank = QuestionBank.objects.get(name="Bare")
    cycle = report_cycle_make(bank)
    team = report_team_make(cycle, "Platform")
    report_answers_add(cycle, team, values=[1, 2, 1, 2, 1])
    report = report_for_viewer(cycle=cycle, user=None, detail=True)
    labels = {p.key: p.scale_labels for p in report.pillars}
    assert labels["hostile"] == ("0 (low)", "1", "2", "3", "4 (high)")
    assert labels["energy"][0] == "1 (low)"
    assert labels["care"][-1] == "Strongly agree"
    data = content.team_report_render(report=report, team=report.teams[0])
    # The bars' alternative text (parentheses escaped in a PDF string) and the legends.
    alts = [line for line in pdf_objects(data).split(b"\n") if b"/Alt (Answers" in line]
    hostile_alts = [a for a in alts if b"4 \\(high\\)" in a]
    assert hostile_alts
    assert not [a for a in hostile_alts if b"agree" in a.lower()]
    text = " ".join(pdf_text(data).split())
    for label in ("0 (low)", "4 (high)", "1 (low)", "6 (high)"):  # Hostility's, Energy's legend
        assert label in text
