"""The landing page for HR and for leaders, and the leader's own self-assessment door."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.hr.cycles import cycle_close, cycle_open, cycle_release
from assessments.models import Invitation, Role, Submission, token_hash
from tests.builders import draft_cycle_make, roster_team_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def alpha(leader_a):
    return roster_team_make("Alpha", leaders=(leader_a,), members=4)


@pytest.fixture
def beta(leader_b):
    return roster_team_make("Beta", leaders=(leader_b,), members=3)


@pytest.fixture
def open_cycle(bank, alpha, beta):
    cycle = draft_cycle_make(bank, [alpha, beta], name="2027 Q1")
    cycle_open(cycle=cycle, actor=None)
    # Dated yesterday: a leader's count of an open cycle shows the submissions before today.
    for team in (alpha, alpha, beta):
        Submission.objects.create(
            cycle=cycle,
            team=team,
            role=Role.MEMBER,
            submitted_on=timezone.localdate() - dt.timedelta(days=1),
        )
    return cycle


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_hr_sees_the_cycles_with_their_response_rates_and_quick_actions(
    client, hr_user, open_cycle
):
    client.force_login(hr_user)
    page = client.get(reverse("home")).content.decode()
    assert "2027 Q1" in page
    assert "3 of 7" in page
    assert "43%" in page
    assert reverse("assessments:hr-cycle-new") in page
    assert reverse("assessments:hr-cycle", args=[open_cycle.pk]) in page
    assert reverse("assessments:hr-cycles") in page


def test_a_leader_sees_only_their_own_team_and_only_its_response_count(
    client, leader_a, open_cycle
):
    client.force_login(leader_a)
    page = client.get(reverse("home")).content.decode()
    assert "Alpha" in page
    assert "Beta" not in page
    assert re.search(r'data-team-count="alpha">2<', page)
    assert "responses so far in 2027 Q1" in page
    assert "%" not in re.sub(r"<style.*?</style>", "", page.split('id="main"')[1])
    assert reverse("assessments:hr-cycles") not in page


def test_a_leader_sees_released_cycles_of_their_team(client, leader_a, bank, alpha, beta):
    cycle = draft_cycle_make(bank, [alpha], name="2026 Q3")
    other = draft_cycle_make(bank, [beta], name="2026 Q2")
    for each in (cycle, other):
        cycle_open(cycle=each, actor=None)
        cycle_close(cycle=each, actor=None)
        cycle_release(cycle=each, actor=None)
    client.force_login(leader_a)
    page = client.get(reverse("home")).content.decode()
    assert 'data-released-cycle="2026-q3"' in page
    assert "2026 Q2" not in page


def test_a_leader_starts_their_self_assessment_through_the_survey_door(
    client, leader_a, alpha, open_cycle
):
    client.force_login(leader_a)
    page = client.get(reverse("home")).content.decode()
    url = reverse("assessments:self-assessment-start", args=[open_cycle.pk, alpha.pk])
    assert url in page
    assert "Take my self-assessment" in page
    response = client.post(url)
    assert response.status_code == 302
    token = re.fullmatch(r"/s/([A-Za-z0-9_-]+)/", response["Location"]).group(1)
    invitation = Invitation.objects.get(cycle=open_cycle, team=alpha, role=Role.SELF)
    assert invitation.token_hash == token_hash(token)
    assert invitation.email == leader_a.email
    survey = client.get(response["Location"], follow=True)
    assert survey.status_code == 200


def test_a_submitted_self_assessment_is_not_offered_again(client, leader_a, alpha, open_cycle):
    Invitation.objects.filter(cycle=open_cycle, team=alpha, role=Role.SELF).update(
        state=Invitation.State.SUBMITTED
    )
    client.force_login(leader_a)
    page = client.get(reverse("home")).content.decode()
    assert "You have submitted your self-assessment" in page
    url = reverse("assessments:self-assessment-start", args=[open_cycle.pk, alpha.pk])
    response = client.post(url, follow=True)
    assert "already submitted" in response.content.decode()


def test_a_leader_cannot_start_a_self_assessment_for_another_team(
    client, leader_b, alpha, open_cycle
):
    client.force_login(leader_b)
    url = reverse("assessments:self-assessment-start", args=[open_cycle.pk, alpha.pk])
    assert client.post(url).status_code == 404
    assert not Invitation.objects.filter(role=Role.SELF, email=leader_b.email, team=alpha).exists()


def test_no_self_assessment_door_when_the_cycle_has_none(client, leader_a, bank, alpha):
    cycle = draft_cycle_make(bank, [alpha], name="No self", self_assessment=False)
    cycle_open(cycle=cycle, actor=None)
    client.force_login(leader_a)
    assert "self-assessment" not in client.get(reverse("home")).content.decode()
    url = reverse("assessments:self-assessment-start", args=[cycle.pk, alpha.pk])
    assert client.post(url).status_code == 404


def test_a_signed_in_user_without_teams_is_told_so(client, leader_a):
    client.force_login(leader_a)
    assert "You don't lead a team" in client.get(reverse("home")).content.decode()


def test_hr_s_cycle_list_refreshes_itself_while_a_cycle_is_open(client, hr_user, open_cycle):
    client.force_login(hr_user)
    page = client.get(reverse("home")).content.decode()
    assert 'hx-trigger="every 10s"' in page
    Submission.objects.create(
        cycle=open_cycle,
        team=open_cycle.teams.first(),
        role=Role.MEMBER,
        submitted_on=timezone.localdate(),
    )
    partial = client.get(reverse("home"), headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in partial
    assert partial.strip().startswith('<div id="hr-cycles"')
    assert "4 of 7" in partial
