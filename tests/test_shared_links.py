"""A team's shared link for real (issue 12, attack 1): one submission per browser, no invitation
counted for a visit, at most the headcount HR gave, and shared-link answers counted apart.

The attack: a leader with one real respondent submitted four times through the team's shared
link from one browser; after release the dashboard gave back the real person's answers.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from assessments.hr.cycles import cycle_counts, shared_link_rotate
from assessments.models import Invitation, SharedLink, Submission
from assessments.survey import flow
from tests.builders import (
    invitation_make,
    led_team_make,
    open_cycle_make,
    roster_team_make,
    step_data,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(bank):
    team = roster_team_make("Platform", members=4)
    cycle = open_cycle_make(bank, teams=[team])
    token = shared_link_rotate(cycle=cycle, team=team, actor=None)
    return cycle, team, token


def answer_everything_and_submit(client: Client, token: str) -> int:
    """Open the shared link, answer every step, submit; the final status."""
    start = client.get(reverse("assessments:shared-start", args=[token]))
    if start.status_code != 302:
        return start.status_code
    key = start["Location"].rstrip("/").split("/")[-1]
    invitation = Invitation.objects.get(pk=client.session["pillars_survey"][key]["invitation"])
    for step in flow.survey_build(invitation=invitation).steps:
        client.post(reverse("assessments:survey-autosave", args=[key]), step_data(step))
    return client.post(reverse("assessments:survey-submit", args=[key])).status_code


def test_a_browser_that_submitted_through_the_shared_link_cannot_submit_again(client, shared):
    cycle, team, token = shared
    assert answer_everything_and_submit(client, token) == 302
    again = client.get(reverse("assessments:shared-start", args=[token]), follow=True)
    assert "already answered" in again.content.decode()
    assert answer_everything_and_submit(client, token) != 302
    assert Submission.objects.filter(cycle=cycle, team=team).count() == 1


def test_the_marker_outlives_the_session_and_survives_a_new_shared_token(client, shared):
    cycle, team, token = shared
    assert answer_everything_and_submit(client, token) == 302
    client.cookies.pop("sessionid", None)  # a new session, the same browser
    replaced = shared_link_rotate(cycle=cycle, team=team, actor=None)
    page = client.get(reverse("assessments:shared-start", args=[replaced]), follow=True)
    assert "already answered" in page.content.decode()
    assert Submission.objects.filter(cycle=cycle).count() == 1


def test_a_forged_marker_is_ignored(client, shared):
    _cycle, _team, token = shared
    link = SharedLink.objects.get()
    client.cookies[f"pillars_t{link.pk}"] = "done"  # not signed by the server
    start = client.get(reverse("assessments:shared-start", args=[token]))
    assert start.status_code == 302


def test_the_link_takes_no_more_answers_than_its_headcount(shared):
    cycle, team, token = shared
    SharedLink.objects.update(headcount=2)
    codes = [answer_everything_and_submit(Client(), token) for _ in range(3)]
    assert codes[:2] == [302, 302]
    assert codes[2] in (403, 409, 410)
    assert Submission.objects.filter(cycle=cycle, team=team).count() == 2
    page = Client().get(reverse("assessments:shared-start", args=[token]), follow=True)
    assert "taken all the answers" in page.content.decode()


def test_a_visit_is_not_counted_as_an_invitation_and_answers_are_counted_apart(client, shared):
    cycle, team, token = shared
    for _ in range(3):
        Client().get(reverse("assessments:shared-start", args=[token]))  # visits, no answers
    assert answer_everything_and_submit(client, token) == 302
    count = cycle_counts(cycle=cycle, teams=[team]).teams[0]
    assert count.invited == 0  # nobody was invited personally
    assert count.in_progress == 0
    assert count.submitted == 1
    assert count.shared_submitted == 1
    link = SharedLink.objects.get()
    assert (link.submitted, link.headcount) == (1, 4)


def test_hr_sets_the_headcount_and_sees_shared_answers_apart(client, hr_user, bank):
    team = roster_team_make("Mobile", members=7)
    cycle = open_cycle_make(bank, teams=[team])
    client.force_login(hr_user)
    url = reverse("assessments:hr-shared-link", args=[cycle.pk, team.pk])
    page = client.post(url, {"headcount": "5"}).content.decode()
    token = re.search(r"/t/([A-Za-z0-9_-]+)/", page)[1]
    assert SharedLink.objects.get().headcount == 5
    assert answer_everything_and_submit(Client(), token) == 302
    team_page = client.get(reverse("assessments:hr-cycle-team", args=[cycle.pk, team.pk]))
    assert "1 of 5 answers through the shared link" in team_page.content.decode()


def test_the_leader_of_the_team_is_turned_away_from_its_shared_link(client, bank, leader_a):
    team = led_team_make(leader=leader_a)
    cycle = open_cycle_make(bank, teams=[team])
    token = shared_link_rotate(cycle=cycle, team=team, actor=None)
    client.force_login(leader_a)
    response = client.get(reverse("assessments:shared-start", args=[token]))
    assert response.status_code == 403
    assert "self-assessment" in response.content.decode()
    assert not Invitation.objects.filter(cycle=cycle).exists()


def test_a_session_planted_before_a_link_is_opened_does_not_reach_the_survey(shared, bank):
    """Attack 9: the attacker gets a session key, plants it in the victim's browser, waits for
    them to open their personal link, then opens the survey with the same key."""
    cycle, team, _token = shared
    _invitation, token = invitation_make(cycle, team)
    attacker = Client()
    attacker.get(reverse("assessments:shared-start", args=[_token]))  # any page with a session
    planted = attacker.cookies["sessionid"].value
    victim = Client()
    victim.cookies["sessionid"] = planted
    start = victim.get(reverse("assessments:survey-start", args=[token]))
    assert start.status_code == 302
    assert victim.cookies["sessionid"].value != planted
    survey_url = start["Location"]
    assert victim.get(survey_url).status_code == 200
    assert attacker.get(survey_url).status_code == 403
