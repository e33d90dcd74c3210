"""Attacks 2 and 3 of issue 12: figures of one group over different people, and reopen and
subtract. Each test is the attack as the leader or HR would run it, through the reports they
read; each failed before the rule it pins.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from assessments.hr.cycles import cycle_close, cycle_open
from assessments.hr.teams import team_save
from assessments.models import Cycle, ShownSet
from assessments.results.access import report_for_viewer
from assessments.results.report import REASON_CHANGED
from leadership.bank.io import BankSpec, PillarSpec, QuestionSpec, bank_import
from tests.builders import released_cycle_make, responses_add, tree_team_make

pytestmark = pytest.mark.django_db

K = 3
CODES = ("A1", "A2", "A3", "A4")


def bank_four_items():
    """One pillar "p" of four 1–5 items, none reverse-scored."""
    spec = BankSpec(
        pillars=[PillarSpec(key="p", name="Pillar", description="", order=1)],
        questions=[
            QuestionSpec(
                pillar="p",
                code=code,
                text=f"Statement {code}",
                self_text=f"I {code}",
                help_text="",
                reverse_scored=False,
                scale_min=1,
                scale_max=5,
                scale_labels=[],
                kind="rating",
                order=index,
            )
            for index, code in enumerate(CODES, start=1)
        ],
    )
    return bank_import(name="Four", spec=spec).bank


def full(value: int) -> dict[str, int | None]:
    return dict.fromkeys(CODES, value)


def shown_items(pillar):
    return [item for item in pillar.items if not item.suppressed]


# --- Attack 3: one group's figures over different people -------------------------------------


def test_an_item_never_sits_beside_its_pillar_over_one_person_fewer(hr_user):
    """Three answer everything; a fourth answers A1 and A2 and says "can't say" to A3 and A4.
    With A3 shown over three people beside the pillar over four, item sums minus n × mean gave
    the fourth person's answers."""
    bank = bank_four_items()
    team = tree_team_make("Solo")
    cycle = released_cycle_make("Q", bank, [team])
    responses_add(cycle, team, [full(4), full(2), full(5)])
    responses_add(cycle, team, [{"A1": 1, "A2": 5, "A3": None, "A4": None}])
    pillar = report_for_viewer(cycle=cycle, user=hr_user).team(team.pk).pillar("p")
    assert pillar.n == 4
    for item in shown_items(pillar):
        assert item.n == pillar.n or pillar.n - item.n >= K
    assert [i.code for i in shown_items(pillar)] == ["A1", "A2"]


def test_a_hidden_item_cannot_be_recovered_through_the_pillar_s_favourable_share(hr_user):
    """Five answer A1–A3; only two answer A4 (hidden). The pillar's favourable % over every
    answer, minus the shown items' favourable answers, gave those two people's answers."""
    bank = bank_four_items()
    team = tree_team_make("Five")
    cycle = released_cycle_make("Q", bank, [team])
    rows = [{"A1": 4, "A2": 4, "A3": 4, "A4": None} for _ in range(3)]
    rows += [{"A1": 2, "A2": 2, "A3": 2, "A4": 5}, {"A1": 3, "A2": 3, "A3": 3, "A4": 5}]
    responses_add(cycle, team, rows)
    pillar = report_for_viewer(cycle=cycle, user=hr_user).team(team.pk).pillar("p")
    items = shown_items(pillar)
    assert "A4" not in [item.code for item in items]
    favourable = sum(item.favourable_pct * item.n / 100 for item in items)
    answered = sum(item.n for item in items)
    assert pillar.favourable_pct == pytest.approx(100 * favourable / answered)
    # And the mean is over the shown items' answers too: here every scorer answered them all.
    means = [sum(row[c] for c in ("A1", "A2", "A3")) / 3 for row in rows]
    assert pillar.mean == pytest.approx(sum(means) / len(means))


def test_a_department_s_favourable_share_holds_no_answer_of_someone_who_did_not_score(hr_user):
    """In team X nobody answered enough of the pillar to score it, but one person gave a single
    favourable answer. The department's favourable % counted it, so the department minus its
    two shown teams gave that one answer."""
    bank = bank_four_items()
    dept = tree_team_make("Dept", department=True)
    x, y, z = (tree_team_make(name, parent=dept) for name in ("X", "Y", "Z"))
    cycle = released_cycle_make("Q", bank, [x, y, z])
    responses_add(cycle, x, [{"A1": 5}, {"A2": None}, {"A3": None}])
    responses_add(cycle, y, [full(2)] * 5)
    responses_add(cycle, z, [full(3)] * 5)
    report = report_for_viewer(cycle=cycle, user=hr_user)
    department = next(d for d in report.departments if d.name == "Dept").pillar("p")
    assert not department.suppressed
    assert department.n == 10
    assert department.favourable_pct == 0.0  # Y and Z gave no 4s or 5s; X's lone 5 is left out


# --- Attack 2: reopen and subtract -----------------------------------------------------------

NOW = dt.datetime(2027, 2, 1, 9, 0, tzinfo=dt.UTC)


def figures(report, team_id):
    team = report.team(team_id)
    return [
        (
            p.key,
            p.n,
            p.mean,
            p.sd,
            p.favourable_pct,
            p.rwg,
            [(i.code, i.n, i.mean, i.counts) for i in p.items],
        )
        for p in team.pillars
    ]


@pytest.fixture
def closed_round(hr_user):
    bank = bank_four_items()
    team = tree_team_make("Four")
    other = tree_team_make("Other")
    with time_machine.travel(NOW - dt.timedelta(days=20), tick=False):
        cycle = released_cycle_make("Q", bank, [team, other], state=Cycle.State.OPEN)
        Cycle.objects.filter(pk=cycle.pk).update(closes_at=NOW - dt.timedelta(days=1))
    responses_add(cycle, team, [full(4), full(2), full(5), full(3)])
    responses_add(cycle, other, [full(3)] * 6)
    cycle.refresh_from_db()
    return cycle, team


@pytest.mark.time_machine(NOW, tick=False)
def test_reopening_and_closing_again_never_shows_the_difference_one_person_made(
    hr_user, closed_round
):
    cycle, team = closed_round
    before = report_for_viewer(cycle=cycle, user=hr_user)  # HR reads the closed cycle
    assert ShownSet.objects.filter(cycle=cycle, key=f"team:{team.pk}").exists()

    cycle_open(cycle=cycle, actor=hr_user, closes_at=NOW + dt.timedelta(days=2))
    responses_add(cycle, team, [full(1)])  # the named person answers
    cycle_close(cycle=cycle, actor=hr_user)
    after = report_for_viewer(cycle=cycle, user=hr_user)
    assert figures(after, team.pk) == figures(before, team.pk)
    assert after.team(team.pk).n == 4
    assert after.team(team.pk).held_back == 1
    assert after.organisation.pillar("p").mean == before.organisation.pillar("p").mean

    # Two more answers: three new people in all, a group of k — now the figures move.
    cycle_open(cycle=cycle, actor=hr_user, closes_at=NOW + dt.timedelta(days=2))
    responses_add(cycle, team, [full(5), full(5)])
    cycle_close(cycle=cycle, actor=hr_user)
    later = report_for_viewer(cycle=cycle, user=hr_user)
    assert later.team(team.pk).n == 7
    assert later.team(team.pk).held_back == 0
    assert figures(later, team.pk) != figures(before, team.pk)


@pytest.mark.time_machine(NOW, tick=False)
def test_k_new_people_of_whom_only_one_scores_a_pillar_still_change_nothing(hr_user, closed_round):
    cycle, team = closed_round
    before = report_for_viewer(cycle=cycle, user=hr_user)
    cycle_open(cycle=cycle, actor=hr_user, closes_at=NOW + dt.timedelta(days=2))
    # Three new people, but two answer a single item: only one of them scores the pillar.
    responses_add(cycle, team, [full(1), {"A1": 1}, {"A2": 1}])
    cycle_close(cycle=cycle, actor=hr_user)
    after = report_for_viewer(cycle=cycle, user=hr_user)
    assert figures(after, team.pk) == figures(before, team.pk)
    assert after.team(team.pk).held_back == 3


@pytest.mark.time_machine(NOW, tick=False)
def test_moving_a_small_hidden_team_between_departments_hides_both_departments_instead(
    hr_user,
):
    bank = bank_four_items()
    a, b = (tree_team_make(n, department=True) for n in ("Dept A", "Dept B"))
    small = tree_team_make("Small", parent=a)
    x = tree_team_make("X", parent=a)
    y, z = tree_team_make("Y", parent=b), tree_team_make("Z", parent=b)
    with time_machine.travel(NOW - dt.timedelta(days=20), tick=False):
        cycle = released_cycle_make("Q", bank, [small, x, y, z], state=Cycle.State.OPEN)
        Cycle.objects.filter(pk=cycle.pk).update(closes_at=NOW - dt.timedelta(days=1))
    responses_add(cycle, small, [full(1), full(5)])
    for team, value in ((x, 4), (y, 3), (z, 2)):
        responses_add(cycle, team, [full(value)] * 5)
    cycle.refresh_from_db()
    before = report_for_viewer(cycle=cycle, user=hr_user)
    shown_before = {d.name: d.pillar("p").mean for d in before.departments}

    cycle_open(cycle=cycle, actor=hr_user, closes_at=NOW + dt.timedelta(days=2))
    # HR restructures while it is open: the cycle takes the move.
    team_save(
        actor=hr_user,
        team=small,
        name=small.name,
        department=b.name,
        leader_emails=[],
        member_emails=[],
    )
    cycle_close(cycle=cycle, actor=hr_user)
    after = report_for_viewer(cycle=cycle, user=hr_user)
    for department in after.departments:
        pillar = department.pillar("p")
        if pillar.suppressed:
            assert pillar.suppressed_reason == REASON_CHANGED
        else:  # shown: the same people as before, so the same figure
            assert pillar.mean == shown_before[department.name]
    assert any(d.pillar("p").suppressed for d in after.departments)


def test_figures_are_remembered_only_once_someone_may_see_them(hr_user, closed_round):
    cycle, _team = closed_round
    Cycle.objects.filter(pk=cycle.pk).update(closes_at=timezone.now() + dt.timedelta(days=1))
    cycle.refresh_from_db()
    report_for_viewer(cycle=cycle, user=hr_user)  # open: counts only
    assert not ShownSet.objects.filter(cycle=cycle).exists()
