"""HR's cycle pages: create, open/close/release, send, copy links, watch counts live."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from assessments.hr.cycles import cycle_open
from assessments.hr.email_runs import email_run_send
from assessments.models import (
    AuditEvent,
    Cycle,
    EmailRun,
    Invitation,
    Role,
    SharedLink,
    Submission,
    token_hash,
)
from tests.builders import draft_cycle_make, roster_team_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def hr(client, hr_user):
    client.force_login(hr_user)
    return client


@pytest.fixture
def teams(leader_a, leader_b):
    return [
        roster_team_make("Alpha", leaders=(leader_a,), members=4),
        roster_team_make("Beta", leaders=(leader_b,), members=3),
    ]


def _form(bank, chosen, **changes):
    data = {
        "name": "2027 Q1",
        "timezone": "UTC",
        "opens_at": "2027-01-11T08:00",
        "closes_at": "2027-02-05T18:00",
        "bank": bank.pk,
        "min_group_size": 3,
        "comment_min_group_size": 5,
        "self_assessment": "on",
        "teams": [team.pk for team in chosen],
    }
    data.update(changes)
    return data


def test_hr_creates_a_draft_cycle_with_the_bank_s_questions(hr, bank, teams):
    response = hr.post(reverse("assessments:hr-cycle-new"), _form(bank, teams))
    cycle = Cycle.objects.get(name="2027 Q1")
    assert response.status_code == 302
    assert response["Location"] == reverse("assessments:hr-cycle", args=[cycle.pk])
    assert cycle.state == Cycle.State.DRAFT
    assert cycle.questions.count() == bank.questions.current().count()
    assert set(cycle.teams.all()) == set(teams)
    assert cycle.self_assessment
    assert not Invitation.objects.exists()


def test_the_new_cycle_form_starts_with_k_3_and_comments_from_5(hr, bank, teams):
    page = hr.get(reverse("assessments:hr-cycle-new")).content.decode()
    assert re.search(r'name="min_group_size"[^>]*value="3"', page)
    assert re.search(r'name="comment_min_group_size"[^>]*value="5"', page)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"min_group_size": 2}, "greater than or equal to 3"),
        ({"min_group_size": 6, "comment_min_group_size": 5}, "cannot be below k"),
        ({"closes_at": "2027-01-01T08:00"}, "must close after it opens"),
        ({"teams": []}, "This field is required"),
        ({"name": ""}, "This field is required"),
    ],
)
def test_a_bad_cycle_form_says_what_is_wrong_and_creates_nothing(hr, bank, teams, changes, message):
    response = hr.post(reverse("assessments:hr-cycle-new"), _form(bank, teams, **changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Cycle.objects.exists()


def test_a_cycle_name_is_unique(hr, bank, teams):
    draft_cycle_make(bank, teams, name="2027 Q1")
    response = hr.post(reverse("assessments:hr-cycle-new"), _form(bank, teams))
    assert "already exists" in response.content.decode()


def test_hr_opens_closes_and_releases_a_cycle_from_its_page(hr, bank, teams, hr_user):
    cycle = draft_cycle_make(bank, teams)
    page = hr.get(reverse("assessments:hr-cycle", args=[cycle.pk])).content.decode()
    assert "Open cycle" in page
    for to, label in (
        ("open", "Close cycle…"),
        ("closed", "Release results…"),
        ("released", "The leaders are being emailed in the background"),
    ):
        url = reverse("assessments:hr-cycle-transition", args=[cycle.pk, to])
        response = hr.post(url, follow=True)
        cycle.refresh_from_db()
        assert cycle.state == to
        assert label in response.content.decode()
    assert Invitation.objects.filter(cycle=cycle).count() == 4 + 3 + 2
    assert AuditEvent.objects.filter(actor=hr_user, action="cycle.release").exists()


def test_a_refused_transition_is_explained_and_changes_nothing(hr, bank, teams):
    cycle = draft_cycle_make(bank, teams)
    url = reverse("assessments:hr-cycle-transition", args=[cycle.pk, "released"])
    response = hr.post(url, follow=True)
    cycle.refresh_from_db()
    assert cycle.state == Cycle.State.DRAFT
    assert "cannot move to" in response.content.decode()


def test_a_transition_asked_for_with_a_get_only_asks_to_confirm(hr, bank, teams):
    cycle = draft_cycle_make(bank, teams)
    url = reverse("assessments:hr-cycle-transition", args=[cycle.pk, "open"])
    response = hr.get(url)
    assert response.status_code == 200
    assert "Open the cycle" in response.content.decode()
    cycle.refresh_from_db()
    assert cycle.state == Cycle.State.DRAFT


def test_hr_sends_invitations_and_reminders_from_the_cycle_page(hr, bank, teams):
    cycle = draft_cycle_make(bank, teams)
    cycle_open(cycle=cycle, actor=None)
    url = reverse("assessments:hr-cycle", args=[cycle.pk])
    assert "Send 9 invitations" in hr.get(url).content.decode()
    response = hr.post(
        reverse("assessments:hr-cycle-send-invitations", args=[cycle.pk]), follow=True
    )
    page = response.content.decode()
    assert "Invitations are being sent in the background" in page
    assert "Waiting for the background worker" in page
    assert mail.outbox == []  # the web request sends nothing: the worker does
    run = EmailRun.objects.get(cycle=cycle)
    email_run_send.call(run_id=run.pk)  # what the worker does
    assert len(mail.outbox) == 9
    assert "9 invitations sent." in hr.get(url).content.decode()
    hr.post(reverse("assessments:hr-cycle-send-reminders", args=[cycle.pk]), follow=True)
    email_run_send.call(run_id=EmailRun.objects.get(kind=EmailRun.Kind.REMINDER).pk)
    assert "0 reminders sent." in hr.get(url).content.decode()


def test_the_cycle_page_polls_its_counts_while_open_and_serves_the_partial_to_htmx(hr, bank, teams):
    cycle = draft_cycle_make(bank, teams)
    cycle_open(cycle=cycle, actor=None)
    url = reverse("assessments:hr-cycle", args=[cycle.pk])
    page = hr.get(url).content.decode()
    assert 'hx-trigger="every 5s"' in page
    Submission.objects.create(
        cycle=cycle, team=teams[0], role=Role.MEMBER, submitted_on=timezone.localdate()
    )
    partial = hr.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in partial
    assert partial.strip().startswith('<section class="card" id="counts"')
    assert re.search(r'id="total-submitted">1<', partial)
    assert re.search(r'id="total-invited">7<', partial)


def test_a_closed_cycle_page_does_not_poll(hr, bank, teams):
    cycle = draft_cycle_make(bank, teams)
    page = hr.get(reverse("assessments:hr-cycle", args=[cycle.pk])).content.decode()
    assert "hx-trigger" not in page


def test_hr_emails_a_person_a_fresh_personal_link_that_hr_never_sees(hr, bank, teams):
    cycle = draft_cycle_make(bank, teams)
    cycle_open(cycle=cycle, actor=None)
    invitation = Invitation.objects.filter(cycle=cycle, role=Role.MEMBER).first()
    team_page = hr.get(reverse("assessments:hr-cycle-team", args=[cycle.pk, invitation.team_id]))
    assert invitation.email in team_page.content.decode()
    url = reverse("assessments:hr-invitation-link", args=[cycle.pk, invitation.pk])
    response = hr.post(url, follow=True)
    assert response.status_code == 200
    [message] = mail.outbox
    assert message.to == [invitation.email]
    token = re.search(r"/s/([A-Za-z0-9_-]+)/", message.body).group(1)
    assert token not in response.content.decode()
    assert "replaces any link you were sent before" in message.body
    invitation.refresh_from_db()
    assert invitation.token_hash == token_hash(token)
    assert invitation.sent_at is not None


def test_hr_creates_a_team_s_shared_link(hr, bank, teams):
    cycle = draft_cycle_make(bank, teams)
    cycle_open(cycle=cycle, actor=None)
    response = hr.post(reverse("assessments:hr-shared-link", args=[cycle.pk, teams[1].pk]))
    assert "no-store" in response["Cache-Control"]
    # The link is in the page, not its address: the site's same-origin policy keeps that address
    # from other origins, and the page's own forms (sign out) post with their Origin.
    assert response["Referrer-Policy"] == "same-origin"
    token = re.search(r"/t/([A-Za-z0-9_-]+)/", response.content.decode()).group(1)
    assert SharedLink.objects.get(cycle=cycle, team=teams[1]).token_hash == token_hash(token)


def test_a_team_not_in_the_cycle_has_no_page_in_it(hr, bank, teams):
    cycle = draft_cycle_make(bank, teams[:1])
    url = reverse("assessments:hr-cycle-team", args=[cycle.pk, teams[1].pk])
    assert hr.get(url).status_code == 404
    url = reverse("assessments:hr-shared-link", args=[cycle.pk, teams[1].pk])
    assert hr.post(url).status_code == 404


def test_the_cycle_list_shows_each_cycle_with_its_response_rate(hr, bank, teams):
    cycle = draft_cycle_make(bank, teams)
    cycle_open(cycle=cycle, actor=None)
    for _ in range(2):
        Submission.objects.create(
            cycle=cycle, team=teams[0], role=Role.MEMBER, submitted_on=timezone.localdate()
        )
    page = hr.get(reverse("assessments:hr-cycles")).content.decode()
    assert "2027 Q1" in page
    assert "2 / 7" in page
    assert "29%" in page
