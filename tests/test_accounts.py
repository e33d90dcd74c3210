"""Leaders get in: a new leader is emailed a link to set a password (Django's reset machinery),
anyone can ask for a new link from the sign-in page, and HR can send one from the team's page.

Emails are real messages in ``mail.outbox`` (locmem); the worker's tasks run at once (django-tasks'
immediate backend) once the request's transaction commits.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments.models import AuditEvent
from leadership.accounts import account_welcome_send
from tests.builders import roster_team_make, user_make

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://[^/\s]+(/accounts/password/set/[^/\s]+/[^/\s]+/)")
NEW_PASSWORD = "a-brand-new-long-password"


@pytest.fixture(autouse=True)
def worker_at_once(settings):
    settings.TASKS = {
        **settings.TASKS,
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    }


@pytest.fixture
def hr(client, hr_user):
    client.force_login(hr_user)
    return client


def link_in(message) -> str:
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(1)


def password_set(client, path: str, password: str = NEW_PASSWORD):
    """Follow the emailed link as Django's confirm view wants: it swaps the token for a session
    entry and redirects to a token-free address, where the form is posted."""
    response = client.get(path)
    assert response.status_code == 302, response.status_code
    form_url = response["Location"]
    assert "set-password" in form_url
    return client.post(
        form_url, {"new_password1": password, "new_password2": password}, follow=True
    )


def test_a_leader_added_on_the_team_form_is_emailed_a_link_that_lets_them_in(
    hr, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = hr.post(
            reverse("assessments:hr-team-new"),
            {"name": "Gamma", "department": "", "leaders": "new.lead@example.com", "members": ""},
            follow=True,
        )
    assert "new.lead@example.com" in response.text
    assert "Each is emailed a link to set its password" in response.text
    [message] = mail.outbox
    assert message.to == ["new.lead@example.com"]
    assert "set your password" in message.subject.lower()
    leader = get_user_model().objects.get(email="new.lead@example.com")
    assert not leader.has_usable_password()

    client.logout()
    done = password_set(client, link_in(message))
    assert "Your password is set" in done.text
    leader.refresh_from_db()
    assert leader.check_password(NEW_PASSWORD)
    assert client.login(username="new.lead@example.com", password=NEW_PASSWORD)


def test_the_link_works_once(client, hr, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        hr.post(
            reverse("assessments:hr-team-new"),
            {"name": "Gamma", "department": "", "leaders": "new.lead@example.com", "members": ""},
        )
    path = link_in(mail.outbox[0])
    client.logout()
    password_set(client, path)
    again = client.get(path, follow=True)
    assert "This link no longer works" in again.text


def test_an_existing_leader_added_to_a_team_gets_no_email(
    hr, leader_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        hr.post(
            reverse("assessments:hr-team-new"),
            {"name": "Gamma", "department": "", "leaders": leader_a.email, "members": ""},
        )
    assert mail.outbox == []


def test_a_team_import_emails_each_new_leader_once(
    hr, leader_a, django_capture_on_commit_callbacks
):
    csv = (
        "team,department,leader_email,member_email\n"
        f"Alpha,,{leader_a.email}|one@example.com,m1@example.com\n"
        "Alpha,,one@example.com,m2@example.com\n"
        "Beta,,two@example.com,m3@example.com\n"
    ).encode()
    hr.post(
        reverse("assessments:hr-teams-import"),
        {"file": SimpleUploadedFile("teams.csv", csv, content_type="text/csv")},
    )
    preview = hr.get(reverse("assessments:hr-teams-import-preview")).context["preview"]
    with django_capture_on_commit_callbacks(execute=True):
        hr.post(reverse("assessments:hr-teams-import-apply"), {"digest": preview.digest})
    assert sorted(message.to[0] for message in mail.outbox) == [
        "one@example.com",
        "two@example.com",
    ]


def test_a_welcome_email_is_not_sent_to_someone_who_has_set_a_password_meanwhile(db):
    user = user_make("quick@example.com")  # has a password already
    account_welcome_send.call(user_id=user.pk)
    assert mail.outbox == []


# --- Forgot your password -------------------------------------------------------------------


def reset(client, email: str):
    return client.post(reverse("password_reset"), {"email": email}, follow=True)


def without_csrf(page: str) -> str:
    """The page with its CSRF token (masked afresh on every response) taken out."""
    return re.sub(r'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+', r"\1", page)


def test_the_sign_in_page_offers_a_new_password(client):
    page = client.get(reverse("login")).text
    assert reverse("password_reset") in page


def test_asking_for_a_new_password_emails_a_working_link(client, leader_a):
    response = reset(client, "LEADER-A@example.com")
    assert "Check your email" in response.text
    [message] = mail.outbox
    assert message.to == [leader_a.email]
    done = password_set(client, link_in(message))
    assert done.status_code == 200
    leader_a.refresh_from_db()
    assert leader_a.check_password(NEW_PASSWORD)


def test_a_new_leader_without_a_password_can_ask_too(
    client, hr, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        hr.post(
            reverse("assessments:hr-team-new"),
            {"name": "Gamma", "department": "", "leaders": "new.lead@example.com", "members": ""},
        )
    mail.outbox.clear()
    client.logout()
    reset(client, "new.lead@example.com")
    assert [message.to for message in mail.outbox] == [["new.lead@example.com"]]


def test_the_answer_never_says_whether_an_address_has_an_account(client, leader_a):
    known = client.post(reverse("password_reset"), {"email": leader_a.email})
    unknown = client.post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    known_page = client.get(known["Location"]).text
    unknown_page = client.get(unknown["Location"]).text
    assert without_csrf(known_page) == without_csrf(unknown_page)
    assert [message.to for message in mail.outbox] == [[leader_a.email]]


def test_an_inactive_account_gets_no_email(client, leader_a):
    leader_a.is_active = False
    leader_a.save()
    reset(client, leader_a.email)
    assert mail.outbox == []


def test_one_address_gets_at_most_three_emails_an_hour_and_the_page_does_not_change(
    client, leader_a, settings
):
    settings.PILLARS_RATELIMIT_PASSWORD_RESET = "100/3600"
    pages = [without_csrf(reset(client, leader_a.email).text) for _ in range(5)]
    assert len(mail.outbox) == 3
    assert len(set(pages)) == 1
    # Another address is counted on its own.
    reset(client, "someone-else@example.com")
    assert len(mail.outbox) == 3


def test_one_client_asking_too_often_is_told_to_wait(client, leader_a, settings):
    settings.PILLARS_RATELIMIT_PASSWORD_RESET = "3/3600"
    statuses = [
        client.post(reverse("password_reset"), {"email": f"n{i}@example.com"}).status_code
        for i in range(4)
    ]
    assert statuses == [302, 302, 302, 429]
    refused = client.post(reverse("password_reset"), {"email": leader_a.email})
    assert refused.status_code == 429
    assert "Please wait a moment" in refused.text
    assert "answers are saved" not in refused.text  # the respondents' wording is not for here
    assert mail.outbox == []
    # Showing the form is not counted.
    assert client.get(reverse("password_reset")).status_code == 200


def test_a_link_with_a_wrong_token_is_refused_and_offers_a_new_one(client, leader_a):
    reset(client, leader_a.email)
    path = link_in(mail.outbox[0])
    forged = re.sub(r"/[^/]+/$", "/abc-0123456789abcdef/", path)
    page = client.get(forged, follow=True).text
    assert "This link no longer works" in page
    assert reverse("password_reset") in page
    leader_a.refresh_from_db()
    assert not leader_a.check_password(NEW_PASSWORD)


# --- HR sends a link from the team's page ---------------------------------------------------


def test_hr_sends_a_leader_a_new_link_from_the_team_page(hr, hr_user, client):
    leader = get_user_model().objects.create_user(
        username="late@example.com", email="late@example.com"
    )
    leader.set_unusable_password()
    leader.save()
    team = roster_team_make("Alpha", leaders=(leader,), members=2)
    page = hr.get(reverse("assessments:hr-team-edit", args=[team.pk])).text
    assert "No password yet" in page
    url = reverse("assessments:hr-leader-password-email", args=[team.pk, leader.pk])
    response = hr.post(url, follow=True)
    assert "A link to set a password is on its way to late@example.com" in response.text
    [message] = mail.outbox
    assert message.to == ["late@example.com"]
    event = AuditEvent.objects.get(action="leader.password_email")
    assert (event.actor, event.detail["user"]) == (hr_user, leader.pk)
    client.logout()
    password_set(client, link_in(message))
    leader.refresh_from_db()
    assert leader.has_usable_password()


def test_hr_cannot_email_someone_who_does_not_lead_the_team(hr, leader_a, leader_b):
    team = roster_team_make("Alpha", leaders=(leader_a,), members=2)
    url = reverse("assessments:hr-leader-password-email", args=[team.pk, leader_b.pk])
    assert hr.post(url).status_code == 404
    assert mail.outbox == []


def test_only_hr_can_send_a_leader_a_link(client, leader_a):
    team = roster_team_make("Alpha", leaders=(leader_a,), members=2)
    client.force_login(leader_a)
    url = reverse("assessments:hr-leader-password-email", args=[team.pk, leader_a.pk])
    assert client.post(url).status_code == 404
    assert mail.outbox == []


def test_a_mail_server_failure_is_said_plainly(hr, leader_a, settings):
    from tests import email_backends

    settings.EMAIL_BACKEND = email_backends.PATH
    email_backends.reset()
    email_backends.FlakyBackend.fail_on = 1
    try:
        team = roster_team_make("Alpha", leaders=(leader_a,), members=2)
        url = reverse("assessments:hr-leader-password-email", args=[team.pk, leader_a.pk])
        page = hr.post(url, follow=True).text
    finally:
        email_backends.reset()
    assert "was not sent: SMTPServerDisconnected" in page
    assert not AuditEvent.objects.filter(action="leader.password_email").exists()
