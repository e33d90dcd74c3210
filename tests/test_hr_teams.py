"""HR's team pages: list, create, edit, with leaders as accounts and members as emails."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from assessments.models import AuditEvent, Team
from tests.builders import roster_team_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def hr(client, hr_user):
    client.force_login(hr_user)
    return client


def test_the_team_list_shows_department_leaders_and_member_count(hr, leader_a):
    department = Team.objects.create(name="Engineering", slug="engineering", is_department=True)
    roster_team_make("Alpha", leaders=(leader_a,), members=4, department=department)
    page = hr.get(reverse("assessments:hr-teams")).content.decode()
    assert "Alpha" in page
    assert "Engineering" in page
    assert "leader-a" in page
    assert ">4<" in page.replace(" ", "")


def test_hr_creates_a_team_with_a_new_department_leader_and_members(hr):
    response = hr.post(
        reverse("assessments:hr-team-new"),
        {
            "name": "Gamma",
            "department": "Research",
            "leaders": "New.Leader@example.com",
            "members": "a@example.com\nb@example.com, c@example.com\n\na@example.com",
        },
        follow=True,
    )
    team = Team.objects.get(name="Gamma")
    assert team.parent.name == "Research"
    assert team.parent.is_department
    assert sorted(team.members.values_list("email", flat=True)) == [
        "a@example.com",
        "b@example.com",
        "c@example.com",
    ]
    leader = team.leaders.get()
    assert leader.email == "new.leader@example.com"
    assert not leader.has_usable_password()
    assert "Each is emailed a link to set its password" in response.content.decode()
    assert AuditEvent.objects.filter(action="team.create").exists()


def test_hr_edits_a_team_and_its_members_become_what_the_form_says(hr, leader_a, leader_b):
    team = roster_team_make(
        "Alpha", leaders=(leader_a,), members=["x@example.com", "y@example.com"]
    )
    form = hr.get(reverse("assessments:hr-team-edit", args=[team.pk])).content.decode()
    assert "x@example.com\ny@example.com" in form
    hr.post(
        reverse("assessments:hr-team-edit", args=[team.pk]),
        {
            "name": "Alpha One",
            "department": "",
            "leaders": leader_b.email,
            "members": "y@example.com",
        },
    )
    team.refresh_from_db()
    assert team.name == "Alpha One"
    assert list(team.leaders.all()) == [leader_b]
    assert list(team.members.values_list("email", flat=True)) == ["y@example.com"]
    assert get_user_model().objects.count() == 3  # hr, leader a, leader b: nobody new


def test_bad_emails_are_named_and_nothing_is_saved(hr):
    response = hr.post(
        reverse("assessments:hr-team-new"),
        {"name": "Gamma", "department": "", "leaders": "", "members": "ok@example.com\nnope"},
    )
    assert response.status_code == 200
    assert "Not valid email addresses: “nope”" in response.content.decode()
    assert not Team.objects.exists()


def test_two_teams_cannot_share_a_name(hr):
    roster_team_make("Alpha")
    response = hr.post(
        reverse("assessments:hr-team-new"),
        {"name": "alpha", "department": "", "leaders": "", "members": ""},
    )
    assert "already exists" in response.content.decode()
    assert Team.objects.count() == 1


def test_a_department_cannot_be_named_like_a_team(hr):
    roster_team_make("Alpha")
    response = hr.post(
        reverse("assessments:hr-team-new"),
        {"name": "Beta", "department": "Alpha", "leaders": "", "members": ""},
    )
    assert "is a team, not a department" in response.content.decode()


def test_a_department_has_no_edit_page(hr):
    department = Team.objects.create(name="Ops", slug="ops", is_department=True)
    assert hr.get(reverse("assessments:hr-team-edit", args=[department.pk])).status_code == 404
