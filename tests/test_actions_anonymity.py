"""Attacks on pulses and plans (issue 15): every anonymity rule of a cycle holds for a pulse —
the minimum group, no figure by subtraction, the memory of what was shown — and a plan's
pages show nothing the dashboard hides."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessments.hr.pulses import pulse_create
from assessments.models import Cycle
from assessments.results.access import report_for_viewer
from assessments.results.stored import cycle_report
from tests.builders import (
    pillar_keys,
    report_answers_add,
    report_cycle_make,
    report_team_make,
    responses_add,
    results_ready,
    roster_add,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def parent(bank):
    return report_cycle_make(bank, name="2026 Q2")


def key(bank, index: int = 1) -> str:
    return pillar_keys(bank)[index]


def release(cycle) -> Cycle:
    Cycle.objects.filter(pk=cycle.pk).update(recorded_state=Cycle.State.RELEASED)
    cycle.refresh_from_db()
    results_ready(cycle)
    return cycle


def test_attack_hr_cannot_read_one_team_of_a_pulse_by_subtracting_it_from_the_total(
    bank, parent, leader_a, leader_b, hr_user
):
    """A pulse to two teams, one of which only two people answered: HR's report hides the small
    team, and hides a second figure too, so organisation − big team ≠ the small team."""
    big = report_team_make(parent, "Big", leader=leader_a)
    small = report_team_make(parent, "Small", leader=leader_b)
    roster_add(big, 6)
    roster_add(small, 4)
    report_answers_add(parent, big, values=[4, 4, 3, 4, 5, 4])
    report_answers_add(parent, small, values=[3, 4, 4, 3])
    pulse = pulse_create(
        actor=hr_user, parent=parent, name="Pulse", pillar_keys=[key(bank)], teams=[big, small]
    )
    report_answers_add(pulse, big, values=[4, 5, 4, 5, 4])
    report_answers_add(pulse, small, values=[1, 5])
    release(pulse)
    report = report_for_viewer(cycle=pulse, user=hr_user, detail=False)
    small_result, big_result = report.team(small.pk), report.team(big.pk)
    assert small_result.suppressed
    organisation = report.organisation.pillar(key(bank))
    big_pillar = big_result.pillar(key(bank))
    assert organisation.mean is None or big_pillar.mean is None


def test_attack_a_late_answer_to_a_pulse_does_not_move_its_shown_figures(
    bank, parent, leader_a, hr_user
):
    """The pulse's figures were shown over five people; one more answer arrives (a reopen, a
    late import): the leader's figures and the change stay as they were, the answer held back."""
    team = report_team_make(parent, "Team", leader=leader_a)
    roster_add(team, 8)
    report_answers_add(parent, team, values=[3, 3, 4, 3, 4, 3])
    pulse = pulse_create(
        actor=hr_user, parent=parent, name="Pulse", pillar_keys=[key(bank)], teams=[team]
    )
    report_answers_add(pulse, team, values=[4, 5, 4, 5, 4])
    release(pulse)
    before = report_for_viewer(cycle=pulse, user=leader_a, team_id=team.pk).team(team.pk)
    responses_add(pulse, team, [{q.code: 1 for q in pulse.questions.ratings()}])
    results_ready(pulse)
    after = report_for_viewer(cycle=pulse, user=leader_a, team_id=team.pk).team(team.pk)
    assert after.n == before.n == 5
    assert after.held_back == 1
    assert after.pillar(key(bank)).mean == before.pillar(key(bank)).mean
    assert after.pillar(key(bank)).change == before.pillar(key(bank)).change


def test_attack_a_pulse_to_a_team_of_three_shows_nothing_until_all_three_answer(
    bank, parent, leader_a, hr_user, client
):
    team = report_team_make(parent, "Three", leader=leader_a)
    roster_add(team, 3)
    report_answers_add(parent, team, values=[3, 4, 4])
    pulse = pulse_create(
        actor=hr_user, parent=parent, name="Pulse", pillar_keys=[key(bank)], teams=[team]
    )
    report_answers_add(pulse, team, values=[5, 5])
    release(pulse)
    client.force_login(leader_a)
    page = client.get(reverse("assessments:team-dashboard", args=[pulse.slug, team.slug])).text
    assert "Since your plan began" not in page
    assert "Fewer responses than the minimum group size" in page
    result = cycle_report(pulse).team(team.pk)
    assert result.suppressed
    assert all(p.mean is None and p.change is None for p in result.pillars)


def test_a_pulse_keeps_its_parents_group_sizes_even_if_the_parent_was_stricter(
    bank, leader_a, hr_user
):
    strict = report_cycle_make(bank, name="Strict")
    Cycle.objects.filter(pk=strict.pk).update(min_group_size=5, comment_min_group_size=7)
    strict.refresh_from_db()
    team = report_team_make(strict, "Team", leader=leader_a)
    roster_add(team, 4)
    with pytest.raises(Exception, match="a pulse needs at least 5"):
        pulse_create(
            actor=hr_user, parent=strict, name="Pulse", pillar_keys=[key(bank)], teams=[team]
        )
