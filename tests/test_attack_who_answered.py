"""Attack 4 of issue 12: HR or a leader tries to learn whether a named person has answered.

HR uses every ordinary action of their role on two people of the same team — Sam, who has
answered, and Kim, who has not — and compares what comes back: the privacy lookup and its
download, erasure, a new link, the team's invitation list, sending invitations. Every answer
must read the same for both. A leader watches the response count while the cycle is open.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from assessments.hr.email_runs import email_run_send, email_run_start
from assessments.models import AuditEvent, EmailRun, Invitation, Submission, TeamMember
from assessments.privacy.subject import subject_erase, subject_export
from assessments.survey import flow as survey
from tests.builders import drafts_fill, invitation_make, led_team_make, open_cycle_make

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"
SAM, KIM = "sam@example.com", "kim@example.com"


@pytest.fixture
def pair(bank, leader_a):
    """An open cycle; Sam has submitted, Kim has saved answers but not submitted."""
    team = led_team_make(leader=leader_a)
    TeamMember.objects.bulk_create([TeamMember(team=team, email=e) for e in (SAM, KIM)])
    cycle = open_cycle_make(bank, teams=[team])
    sam, _ = invitation_make(cycle, team, email=SAM)
    kim, _ = invitation_make(cycle, team, email=KIM)
    drafts_fill(sam)
    survey.submission_create(invitation_id=sam.pk)
    drafts_fill(kim)
    Invitation.objects.filter(pk=kim.pk).update(state=Invitation.State.STARTED)
    return cycle, team, sam, kim


def _same(text: str) -> str:
    """A page or document with the person's address and anything random made equal."""
    for email in (SAM, KIM):
        text = text.replace(email, "PERSON").replace(email.replace("@", "%40"), "PERSON")
    text = re.sub(r"/hr/cycles/\d+/invitations/\d+/", "/hr/cycles/N/invitations/N/", text)
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", text)
    text = re.sub(r'"X-CSRFToken": "[^"]+"', "CSRF", text)
    return re.sub(r"\d{4}-\d\d-\d\dT[\d:.+]+", "TIME", text)


def test_the_privacy_lookup_reads_the_same_for_someone_who_answered_and_someone_who_did_not(
    client, hr_user, pair
):
    client.force_login(hr_user)
    pages = [
        _same(client.get(reverse("assessments:hr-privacy"), {"email": e}).content.decode())
        for e in (SAM, KIM)
    ]
    assert pages[0] == pages[1]
    documents = [
        _same(json.dumps(subject_export(email=e), sort_keys=True, default=str)) for e in (SAM, KIM)
    ]
    assert documents[0] == documents[1]


def test_every_privacy_lookup_is_audited_under_a_pseudonym(client, hr_user, pair):
    client.force_login(hr_user)
    client.get(reverse("assessments:hr-privacy"), {"email": SAM})
    event = AuditEvent.objects.get(action="privacy.lookup")
    assert event.actor == hr_user
    assert SAM not in event.target
    assert event.target.startswith("subject ")


def test_erasure_does_the_same_to_both(hr_user, pair):
    cycle, team, _sam, _kim = pair
    summaries = [subject_erase(email=e, actor=hr_user) for e in (SAM, KIM)]
    assert summaries[0] == summaries[1]
    # Response rates stay right: both invitations remain, without an address.
    assert Invitation.objects.filter(cycle=cycle, team=team, email__isnull=True).count() == 2
    assert Submission.objects.filter(cycle=cycle).count() == 1


def test_a_new_link_is_emailed_to_the_person_and_hr_sees_the_same_page_for_both(
    client, hr_user, pair
):
    cycle, _team, sam, kim = pair
    client.force_login(hr_user)
    pages = []
    for invitation in (sam, kim):
        url = reverse("assessments:hr-invitation-link", args=[cycle.pk, invitation.pk])
        response = client.post(url, follow=True)
        assert response.status_code == 200
        said = [_same(str(m)) for m in response.context["messages"]]
        assert said == [
            "A new link has been emailed to PERSON. Links sent to them before no longer work."
        ]
        pages.append(_same(response.content.decode()))
    assert [m.to for m in mail.outbox] == [[SAM], [KIM]]
    for message in mail.outbox:
        token = re.search(r"/s/([\w-]+)/", message.body)[1]
        assert token not in "".join(pages)  # HR never sees the link itself


def test_the_team_s_invitation_list_shows_the_same_row_for_both(client, hr_user, pair):
    cycle, team, sam, kim = pair
    Invitation.objects.filter(pk__in=[sam.pk, kim.pk]).update(
        sent_at=dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)
    )
    Invitation.objects.filter(pk=kim.pk).update(
        reminder_count=2, reminded_at=dt.datetime(2026, 11, 9, 9, tzinfo=dt.UTC)
    )
    client.force_login(hr_user)
    page = client.get(reverse("assessments:hr-cycle-team", args=[cycle.pk, team.pk]))
    rows = re.findall(r"<tr>.*?</tr>", page.content.decode(), flags=re.S)
    people = [_same(row) for row in rows if SAM in row or KIM in row]
    assert len(people) == 2
    assert people[0] == people[1]


def test_sending_invitations_emails_someone_who_has_already_answered_too(hr_user, pair):
    """Skipping people who answered would show HR who they are ("1 skipped", "not sent")."""
    cycle, _team, _sam, _kim = pair
    run, _ = email_run_start(cycle=cycle, kind=EmailRun.Kind.INVITATION, user=hr_user)
    email_run_send.call(run_id=run.pk)
    assert sorted(m.to[0] for m in mail.outbox) == [KIM, SAM]
    run.refresh_from_db()
    assert run.skipped == 0


CYCLE_DAY = dt.datetime(2027, 3, 10, 12, 0, tzinfo=dt.UTC)


def test_a_leader_s_response_count_changes_at_most_once_a_day_while_hr_s_is_live(
    client, bank, leader_a, hr_user
):
    team = led_team_make(leader=leader_a)
    with time_machine.travel(CYCLE_DAY - dt.timedelta(days=3), tick=False):
        cycle = open_cycle_make(bank, teams=[team])
    invitations = [invitation_make(cycle, team)[0] for _ in range(4)]
    for invitation in invitations:
        drafts_fill(invitation)

    def counts() -> tuple[int, int]:
        client.force_login(leader_a)
        home = client.get(reverse("home")).content.decode()
        leader = int(re.search(r'data-team-count="[^"]+">(\d+)<', home)[1])
        client.force_login(hr_user)
        hr = client.get(reverse("assessments:hr-cycle", args=[cycle.pk])).context["counts"]
        return leader, hr.submitted

    with time_machine.travel(CYCLE_DAY, tick=False) as clock:
        survey.submission_create(invitation_id=invitations[0].pk)
        assert counts() == (0, 1)
        clock.move_to(CYCLE_DAY + dt.timedelta(hours=6))
        survey.submission_create(invitation_id=invitations[1].pk)
        assert counts() == (0, 2)
        clock.move_to(dt.datetime(2027, 3, 11, 0, 0, tzinfo=dt.UTC))  # midnight
        assert counts() == (2, 2)
        survey.submission_create(invitation_id=invitations[2].pk)
        assert counts() == (2, 3)
        # The leader's team dashboard says the same as the home page.
        client.force_login(leader_a)
        page = client.get(reverse("assessments:team-dashboard", args=[cycle.slug, team.slug]))
        assert page.context["result"].n == 2
