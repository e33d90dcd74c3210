"""Changing a cycle after it was created: editing a draft, moving an open cycle's closing time on
its own clock, deleting a draft, confirming close/release/reopen, and the leaders' release email.
Every change is audited with what it was and what it became."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from assessments.hr.cycle_changes import cycle_update
from assessments.hr.cycles import CycleError, cycle_close, cycle_open, cycle_release
from assessments.hr.email_runs import email_run_send, emails_send_now
from assessments.hr.release_notices import release_notices_needing
from assessments.models import (
    AuditEvent,
    Cycle,
    EmailRun,
    ReleaseNotice,
    Role,
    Submission,
    Team,
)
from tests import email_backends
from tests.builders import draft_cycle_make, roster_team_make, user_make
from tests.email_backends import FlakyBackend

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2027, 3, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


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


def edit_url(cycle):
    return reverse("assessments:hr-cycle-edit", args=[cycle.pk])


def state_url(cycle, to):
    return reverse("assessments:hr-cycle-transition", args=[cycle.pk, to])


def draft_form(bank, chosen, **changes):
    data = {
        "name": "2027 Q1",
        "timezone": "UTC",
        "opens_at": "",
        "closes_at": "",
        "bank": bank.pk,
        "min_group_size": 3,
        "comment_min_group_size": 5,
        "self_assessment": "on",
        "reminder_days": "3, 1",
        "teams": [team.pk for team in chosen],
    }
    data.update(changes)
    return data


# --- Drafts ---------------------------------------------------------------------------------


def test_hr_edits_every_setting_of_a_draft_on_its_own_clock(hr, hr_user, bank, teams):
    cycle = draft_cycle_make(bank, teams[:1])
    form = hr.get(edit_url(cycle)).text
    assert 'value="2027 Q1"' in form
    response = hr.post(
        edit_url(cycle),
        draft_form(
            bank,
            teams,
            name="2027 Spring",
            timezone="America/New_York",
            opens_at="2027-03-08T09:00",
            closes_at="2027-03-22T17:30",
            min_group_size=4,
            comment_min_group_size=6,
            self_assessment="",
            reminder_days="1 7,3",
        ),
        follow=True,
    )
    assert "Draft “2027 Spring” saved." in response.text
    cycle.refresh_from_db()
    assert cycle.name == "2027 Spring"
    assert cycle.slug == "2027-spring"
    assert cycle.timezone == "America/New_York"
    # 9:00 and 17:30 on New York's clock (EST, then EDT after 14 March).
    assert cycle.opens_at == dt.datetime(2027, 3, 8, 14, 0, tzinfo=dt.UTC)
    assert cycle.closes_at == dt.datetime(2027, 3, 22, 21, 30, tzinfo=dt.UTC)
    assert (cycle.min_group_size, cycle.comment_min_group_size) == (4, 6)
    assert cycle.self_assessment is False
    assert cycle.reminder_days == [7, 3, 1]
    assert set(cycle.teams.all()) == set(teams)
    assert "Planned window: 8 Mar 2027, 09:00 EST – 22 Mar 2027, 17:30 EDT" in response.text
    event = AuditEvent.objects.get(action="cycle.update")
    assert event.actor == hr_user
    assert event.detail["name"] == {"before": "2027 Q1", "after": "2027 Spring"}
    assert event.detail["min_group_size"] == {"before": 3, "after": 4}
    assert event.detail["closes_at"] == {"before": None, "after": "2027-03-22T21:30:00+00:00"}
    assert event.detail["teams"] == {"added": ["Beta"], "removed": []}


def test_the_edit_form_shows_the_window_on_the_cycles_clock(hr, bank, teams):
    cycle = draft_cycle_make(
        bank,
        teams,
        timezone="Asia/Tokyo",
        opens_at=dt.datetime(2027, 3, 8, 0, 0, tzinfo=dt.UTC),
        closes_at=dt.datetime(2027, 3, 20, 9, 0, tzinfo=dt.UTC),
    )
    form = hr.get(edit_url(cycle)).text
    assert 'value="2027-03-08T09:00"' in form
    assert 'value="2027-03-20T18:00"' in form


def test_saving_a_draft_freezes_the_banks_current_questions_again(hr, bank, teams):
    cycle = draft_cycle_make(bank, teams)
    question = bank.questions.ratings().first()
    newer = question.revise(text="A reworded statement.")
    assert not cycle.questions.filter(pk=newer.pk).exists()
    hr.post(edit_url(cycle), draft_form(bank, teams))
    assert cycle.questions.filter(pk=newer.pk).exists()
    assert not cycle.questions.filter(pk=question.pk).exists()
    event = AuditEvent.objects.get(action="cycle.update")
    assert "questions" in event.detail


def test_a_draft_saved_unchanged_is_not_audited(hr, bank, teams):
    cycle = draft_cycle_make(bank, teams, reminder_days=[3, 1])
    response = hr.post(edit_url(cycle), draft_form(bank, teams), follow=True)
    assert "Nothing was changed." in response.text
    assert not AuditEvent.objects.filter(action="cycle.update").exists()


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"name": "Other"}, "A cycle with this name already exists."),
        ({"min_group_size": 2}, "greater than or equal to 3"),
        ({"comment_min_group_size": 3, "min_group_size": 4}, "cannot be below k"),
        ({"opens_at": "2027-03-10T09:00", "closes_at": "2027-03-09T09:00"}, "close after it"),
        ({"reminder_days": "3, soon"}, "separated by commas"),
        ({"reminder_days": "90"}, "each from 1 to 60"),
        ({"teams": []}, "This field is required."),
    ],
)
def test_a_bad_draft_edit_is_explained_and_changes_nothing(hr, bank, teams, changes, error):
    draft_cycle_make(bank, teams, name="Other")
    cycle = draft_cycle_make(bank, teams)
    response = hr.post(edit_url(cycle), draft_form(bank, teams, **changes))
    assert response.status_code == 400
    assert error in response.text
    cycle.refresh_from_db()
    assert (cycle.name, cycle.min_group_size, cycle.reminder_days) == ("2027 Q1", 3, [])
    assert not AuditEvent.objects.filter(action="cycle.update").exists()


def test_only_a_draft_can_be_edited_in_every_respect(bank, teams):
    cycle = draft_cycle_make(bank, teams)
    cycle_open(cycle=cycle, actor=None)
    with pytest.raises(CycleError, match="Only a draft"):
        cycle_update(
            cycle=cycle,
            actor=None,
            name="Changed",
            bank=bank,
            teams=teams,
            opens_at=None,
            closes_at=None,
            timezone="UTC",
            min_group_size=5,
            comment_min_group_size=5,
            self_assessment=True,
            reminder_days=[],
        )
    cycle.refresh_from_db()
    assert (cycle.name, cycle.min_group_size) == ("2027 Q1", 3)


def test_hr_deletes_a_draft_after_confirming(hr, hr_user, bank, teams):
    cycle = draft_cycle_make(bank, teams)
    url = reverse("assessments:hr-cycle-delete", args=[cycle.pk])
    page = hr.get(url).text
    assert "Delete the draft “2027 Q1”?" in page
    assert "The teams themselves stay." in page
    assert Cycle.objects.filter(pk=cycle.pk).exists()  # asking changed nothing
    response = hr.post(url, follow=True)
    assert "Draft “2027 Q1” deleted." in response.text
    assert not Cycle.objects.filter(pk=cycle.pk).exists()
    assert Team.objects.filter(pk__in=[team.pk for team in teams]).count() == 2  # teams stay
    event = AuditEvent.objects.get(action="cycle.delete")
    assert (event.actor, event.detail["name"], event.detail["teams"]) == (hr_user, "2027 Q1", 2)


def test_an_opened_cycle_cannot_be_deleted(hr, bank, teams):
    cycle = draft_cycle_make(bank, teams)
    cycle_open(cycle=cycle, actor=None)
    url = reverse("assessments:hr-cycle-delete", args=[cycle.pk])
    assert "Only a draft can be deleted" in hr.get(url).text
    response = hr.post(url, follow=True)
    assert "Only a draft can be changed this way" in response.text
    assert Cycle.objects.filter(pk=cycle.pk).exists()


def test_leaders_cannot_edit_or_delete_cycles(client, leader_a, bank, teams):
    cycle = draft_cycle_make(bank, teams)
    client.force_login(leader_a)
    assert client.get(edit_url(cycle)).status_code == 404
    assert client.post(reverse("assessments:hr-cycle-delete", args=[cycle.pk])).status_code == 404
    assert Cycle.objects.filter(pk=cycle.pk).exists()


# --- An open cycle's closing time -----------------------------------------------------------


@pytest.fixture
def open_cycle(bank, teams):
    cycle = draft_cycle_make(
        bank,
        teams,
        timezone="Europe/Berlin",
        opens_at=NOW - dt.timedelta(days=2),
        closes_at=NOW + dt.timedelta(days=5),  # 6 March, 13:00 in Berlin
    )
    cycle_open(cycle=cycle, actor=None)
    return cycle


def test_hr_extends_an_open_cycle_and_it_takes_answers_longer(hr, hr_user, open_cycle, clock):
    page = hr.get(edit_url(open_cycle)).text
    assert 'value="2027-03-06T13:00"' in page  # on the cycle's clock
    response = hr.post(
        edit_url(open_cycle), {"closes_at": "2027-03-13T18:00", "reminder_days": "2"}, follow=True
    )
    assert "“2027 Q1” saved." in response.text
    open_cycle.refresh_from_db()
    assert open_cycle.closes_at == dt.datetime(2027, 3, 13, 17, 0, tzinfo=dt.UTC)
    assert open_cycle.reminder_days == [2]
    assert "Takes answers until 13 Mar 2027, 18:00 CET" in response.text
    event = AuditEvent.objects.get(action="cycle.window")
    assert event.actor == hr_user
    assert event.detail["closes_at"] == {
        "before": "2027-03-06T12:00:00+00:00",
        "after": "2027-03-13T17:00:00+00:00",
    }
    assert event.detail["remind_now"] is False
    clock.move_to(dt.datetime(2027, 3, 10, tzinfo=dt.UTC))
    assert open_cycle.accepts_answers()


def test_hr_shortens_an_open_cycle_but_not_into_the_past(hr, open_cycle):
    soon = hr.post(edit_url(open_cycle), {"closes_at": "2027-03-02T09:00", "reminder_days": ""})
    assert soon.status_code == 302
    open_cycle.refresh_from_db()
    assert open_cycle.closes_at == dt.datetime(2027, 3, 2, 8, 0, tzinfo=dt.UTC)
    past = hr.post(edit_url(open_cycle), {"closes_at": "2027-03-01T12:59", "reminder_days": ""})
    assert past.status_code == 400
    assert "has already passed on the cycle&#x27;s clock (Europe/Berlin)" in past.text
    open_cycle.refresh_from_db()
    assert open_cycle.closes_at == dt.datetime(2027, 3, 2, 8, 0, tzinfo=dt.UTC)


def test_a_closing_time_before_the_window_opens_is_refused(hr, bank, teams):
    cycle = draft_cycle_make(
        bank,
        teams,
        opens_at=NOW + dt.timedelta(days=3),
        closes_at=NOW + dt.timedelta(days=10),
    )
    cycle_open(cycle=cycle, actor=None)
    response = hr.post(edit_url(cycle), {"closes_at": "2027-03-02T12:00", "reminder_days": ""})
    assert response.status_code == 400
    assert "The window must close after it opens" in response.text


def test_extending_with_a_reminder_starts_a_reminder_run_for_those_who_have_not_answered(
    hr, hr_user, open_cycle, settings, django_capture_on_commit_callbacks, clock
):
    settings.TASKS = {
        **settings.TASKS,
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    }
    from assessments.hr.email_runs import invitations_send

    invitations_send(cycle=open_cycle, actor=None)
    mail.outbox.clear()
    clock.move_to(NOW + dt.timedelta(days=3))  # past the 48-hour interval
    hr.force_login(hr_user)  # a sign-in lasts 8 hours
    with django_capture_on_commit_callbacks(execute=True):
        response = hr.post(
            edit_url(open_cycle),
            {"closes_at": "2027-03-20T18:00", "reminder_days": "", "remind_now": "on"},
            follow=True,
        )
    assert "Reminders are being sent in the background" in response.text
    assert len(mail.outbox) == 9  # seven members and two leaders
    assert "20 Mar 2027, 18:00 CET" in mail.outbox[0].body
    event = AuditEvent.objects.get(action="cycle.window")
    assert event.detail["remind_now"] is True


def test_a_closed_or_released_cycle_is_not_edited_here(hr, open_cycle):
    cycle_close(cycle=open_cycle, actor=None)
    page = hr.get(edit_url(open_cycle)).text
    assert "reopen it with a new closing time" in page
    response = hr.post(edit_url(open_cycle), {"closes_at": "2027-04-01T12:00"})
    open_cycle.refresh_from_db()
    assert response.status_code == 200
    assert open_cycle.closes_at == NOW + dt.timedelta(days=5)


# --- The cycle page's window sentence -------------------------------------------------------


def test_the_cycle_page_says_one_thing_about_the_window_in_each_state(
    hr, hr_user, bank, teams, clock
):
    bare = draft_cycle_make(bank, teams, name="Bare")
    page = hr.get(reverse("assessments:hr-cycle", args=[bare.pk])).text
    assert "No window set: once you open it" in page
    cycle_open(cycle=bare, actor=None)
    page = hr.get(reverse("assessments:hr-cycle", args=[bare.pk])).text
    assert "No window set" not in page
    assert "Takes answers until you close it: no closing time is set." in page
    cycle_close(cycle=bare, actor=None)
    page = hr.get(reverse("assessments:hr-cycle", args=[bare.pk])).text
    assert "Closed by HR: it takes no more answers." in page
    assert "takes answers until" not in page.lower()

    timed = draft_cycle_make(bank, teams, name="Timed", closes_at=NOW + dt.timedelta(days=1))
    cycle_open(cycle=timed, actor=None)
    clock.move_to(NOW + dt.timedelta(days=2))
    hr.force_login(hr_user)
    page = hr.get(reverse("assessments:hr-cycle", args=[timed.pk])).text
    assert "Closed on 2 Mar 2027, 12:00 UTC, when its window ended" in page
    assert "Takes answers" not in page


def test_the_cycle_page_says_when_the_next_automatic_reminder_goes_out(hr, bank, teams):
    cycle = draft_cycle_make(
        bank, teams, closes_at=NOW + dt.timedelta(days=5), reminder_days=[3, 1]
    )
    page = hr.get(reverse("assessments:hr-cycle", args=[cycle.pk])).text
    assert "Automatic reminders 3, 1 days before the close" in page
    assert "Next: 3 Mar 2027, 12:00 UTC." in page


# --- Confirmations --------------------------------------------------------------------------


def test_closing_asks_first_and_says_what_will_happen(hr, bank, teams, open_cycle):
    Submission.objects.create(
        cycle=open_cycle, team=teams[0], role=Role.MEMBER, submitted_on=NOW.date()
    )
    page = hr.get(state_url(open_cycle, "closed")).text
    assert "Close 2027 Q1 now?" in page
    assert "1 of 7 invited team members have answered; 6 have not and can no longer answer." in page
    assert "Nobody sees scores until you release the results." in page
    open_cycle.refresh_from_db()
    assert open_cycle.state == Cycle.State.OPEN  # asking changed nothing
    response = hr.post(state_url(open_cycle, "closed"), follow=True)
    assert "“2027 Q1” is now closed." in response.text
    open_cycle.refresh_from_db()
    assert open_cycle.state == Cycle.State.CLOSED


def test_the_cycle_page_links_to_the_confirmations_rather_than_acting(hr, open_cycle):
    page = hr.get(reverse("assessments:hr-cycle", args=[open_cycle.pk])).text
    assert f'<a class="button button-danger" href="{state_url(open_cycle, "closed")}">' in page
    assert 'method="post" action="' + state_url(open_cycle, "closed") not in page


def test_releasing_says_it_cannot_be_undone_and_how_many_leaders_are_emailed(
    hr, bank, teams, open_cycle
):
    cycle_close(cycle=open_cycle, actor=None)
    for _ in range(3):
        Submission.objects.create(
            cycle=open_cycle, team=teams[0], role=Role.MEMBER, submitted_on=NOW.date()
        )
    page = hr.get(state_url(open_cycle, "released")).text
    assert "Release the results of 2027 Q1?" in page
    assert "Releasing cannot be undone." in page
    assert "2 leaders will be emailed a link to their results." in page
    assert "1 team has fewer than k responses" in page
    assert "Release and email 2 leaders" in page
    open_cycle.refresh_from_db()
    assert not open_cycle.is_released


def test_reopening_an_ended_window_asks_for_a_new_closing_time_on_the_cycles_clock(
    hr, hr_user, open_cycle, clock
):
    clock.move_to(NOW + dt.timedelta(days=6))  # past its closing time
    hr.force_login(hr_user)
    page = hr.get(state_url(open_cycle, "open")).text
    assert "Reopen 2027 Q1?" in page
    assert "New closing time (Europe/Berlin)" in page
    refused = hr.post(state_url(open_cycle, "open"), {"closes_at": ""})
    assert refused.status_code == 400
    assert "Give it a new closing time in the future" in refused.text
    response = hr.post(state_url(open_cycle, "open"), {"closes_at": "2027-03-12T10:00"})
    assert response.status_code == 302
    open_cycle.refresh_from_db()
    assert open_cycle.state == Cycle.State.OPEN
    assert open_cycle.closes_at == dt.datetime(2027, 3, 12, 9, 0, tzinfo=dt.UTC)


def test_a_released_cycle_offers_no_transition_and_refuses_one(hr, open_cycle):
    cycle_close(cycle=open_cycle, actor=None)
    cycle_release(cycle=open_cycle, actor=None)
    response = hr.get(state_url(open_cycle, "open"), follow=True)
    assert "cannot move to" in response.text
    assert hr.post(state_url(open_cycle, "open"), follow=True).status_code == 200
    open_cycle.refresh_from_db()
    assert open_cycle.is_released


# --- Leaders told when results are released -------------------------------------------------

LINK = re.compile(r"https?://\S+/results/([\w-]+)/([\w-]+)/")


def test_releasing_emails_every_leader_a_link_to_each_of_their_teams_results(
    hr, bank, leader_a, leader_b, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {
        **settings.TASKS,
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    }
    alpha = roster_team_make("Alpha", leaders=(leader_a,), members=4)
    small = roster_team_make("Small", leaders=(leader_a,), members=1)
    beta = roster_team_make("Beta", leaders=(leader_b, user_make("co-lead@example.com")), members=3)
    roster_team_make("Elsewhere", leaders=(user_make("other@example.com"),), members=3)
    cycle = draft_cycle_make(bank, [alpha, small, beta])
    cycle_open(cycle=cycle, actor=None)
    cycle_close(cycle=cycle, actor=None)
    with django_capture_on_commit_callbacks(execute=True):
        response = hr.post(state_url(cycle, "released"), follow=True)
    assert "The leaders are being emailed in the background" in response.text
    by_address = {message.to[0]: message for message in mail.outbox}
    assert sorted(by_address) == ["co-lead@example.com", leader_a.email, leader_b.email]
    links = LINK.findall(by_address[leader_a.email].body)
    assert links == [(cycle.slug, "alpha"), (cycle.slug, "small")]  # even the hidden team
    assert "results are ready" in by_address[leader_a.email].subject
    # No figure of any kind: only the cycle's name, the teams and their links.
    words = re.sub(r"https?://\S+", "", by_address[leader_a.email].body).replace("2027 Q1", "")
    assert not re.search(r"\d", words)
    run = EmailRun.objects.get(kind=EmailRun.Kind.RELEASE)
    assert (run.state, run.sent) == (EmailRun.State.DONE, 3)
    assert ReleaseNotice.objects.filter(cycle=cycle).count() == 3
    assert AuditEvent.objects.filter(action="release_notices.send").exists()
    # Every link opens the leader's own results.
    hr.force_login(leader_a)
    for cycle_slug, team_slug in links:
        url = reverse("assessments:team-dashboard", args=[cycle_slug, team_slug])
        assert hr.get(url).status_code == 200


def test_a_leader_a_mail_error_kept_from_the_news_is_told_when_hr_sends_again(
    hr, bank, leader_a, leader_b, settings
):
    settings.EMAIL_BACKEND = email_backends.PATH
    email_backends.reset()
    try:
        alpha = roster_team_make("Alpha", leaders=(leader_a,), members=4)
        beta = roster_team_make("Beta", leaders=(leader_b,), members=3)
        cycle = draft_cycle_make(bank, [alpha, beta])
        cycle_open(cycle=cycle, actor=None)
        cycle_close(cycle=cycle, actor=None)
        cycle_release(cycle=cycle, actor=None)
        FlakyBackend.fail_on = 2
        result = emails_send_now(cycle=cycle, kind=EmailRun.Kind.RELEASE, actor=None)
        assert (result.sent, result.not_sent) == (1, 1)
        assert len(release_notices_needing(cycle=cycle)) == 1
        page = hr.get(reverse("assessments:hr-cycle", args=[cycle.pk])).text
        assert "Email 1 leader not told yet" in page
        assert "They still count as not told" in page
        mail.outbox.clear()
        hr.post(reverse("assessments:hr-cycle-send-release-notices", args=[cycle.pk]))
        email_run_send.call(run_id=EmailRun.objects.order_by("pk").last().pk)
        assert len(mail.outbox) == 1
        assert release_notices_needing(cycle=cycle) == []
        # Nobody is told twice, however often HR sends.
        mail.outbox.clear()
        again = emails_send_now(cycle=cycle, kind=EmailRun.Kind.RELEASE, actor=None)
        assert (again.sent, mail.outbox) == (0, [])
    finally:
        email_backends.reset()


def test_release_notices_go_only_for_a_released_cycle(bank, leader_a):
    alpha = roster_team_make("Alpha", leaders=(leader_a,), members=4)
    cycle = draft_cycle_make(bank, [alpha])
    cycle_open(cycle=cycle, actor=None)
    cycle_close(cycle=cycle, actor=None)
    assert emails_send_now(cycle=cycle, kind=EmailRun.Kind.RELEASE, actor=None).sent == 0
    assert mail.outbox == []


def test_the_confirmation_pages_name_nobody_and_count_no_finer_than_the_cycle_page(
    hr, bank, teams, open_cycle
):
    """An HR admin curious about a named person learns nothing new from asking to close or
    release: no address, and only the cycle-wide counts the cycle page already shows."""
    member = open_cycle.invitations.filter(role=Role.MEMBER).first()
    Submission.objects.create(
        cycle=open_cycle, team=member.team, role=Role.MEMBER, submitted_on=NOW.date()
    )
    cycle_page = hr.get(reverse("assessments:hr-cycle", args=[open_cycle.pk])).text
    close_page = hr.get(state_url(open_cycle, "closed")).text
    cycle_close(cycle=open_cycle, actor=None)
    release_page = hr.get(state_url(open_cycle, "released")).text
    emails = set(open_cycle.invitations.values_list("email", flat=True))
    for page in (close_page, release_page):
        assert not any(email in page for email in emails)
    figures = set(re.findall(r"\b\d+\b", re.sub(r"<[^>]+>", " ", close_page)))
    shown = set(re.findall(r"\b\d+\b", re.sub(r"<[^>]+>", " ", cycle_page)))
    shown.add(str(cycle_page.count('class="badge">pending<')))  # leaders yet to self-assess
    assert figures - {"2027"} <= shown
