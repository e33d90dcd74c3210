"""Subject access and erasure (command and HR page), and the HR audit log page."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from axes.models import AccessAttempt, AccessLog
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from assessments.models import (
    Answer,
    AuditEvent,
    DraftAnswer,
    Invitation,
    Submission,
    TeamMember,
)
from assessments.privacy.retention import PURGED_TOKEN_PREFIX
from assessments.privacy.subject import (
    ERASED_LABEL,
    ERROR_SELF_ERASURE,
    ErasureRefused,
    subject_erase,
    subject_export,
    subject_pseudonym,
)
from tests.builders import (
    answers_add,
    cycle_ended,
    invitation_with_drafts,
    team_with_members,
    user_make,
)

SAM = "sam@example.com"


@pytest.fixture
def sam_everywhere(bank):
    """Sam: a member of two teams, invited twice (one submitted, one half done), and a leader."""
    platform = team_with_members("Platform", [SAM, "kim@example.com"])
    data = team_with_members("Data", ["Sam@Example.com"])
    cycle = cycle_ended(bank, [platform, data], days_ago=2)
    answers_add(cycle, platform, count=3)
    submitted = Invitation.objects.filter(cycle=cycle, state=Invitation.State.SUBMITTED).first()
    submitted.email = SAM
    submitted.save()
    invitation_with_drafts(cycle, data, SAM)
    user = user_make(SAM)
    data.leaders.add(user)
    AccessAttempt.objects.create(
        username=SAM, ip_address="203.0.113.5", user_agent="Firefox", failures_since_start=2
    )
    AccessLog.objects.create(username=SAM, ip_address="203.0.113.5", user_agent="Firefox")
    AuditEvent.record(actor=user, action="team.update", target=data)
    return {"cycle": cycle, "platform": platform, "data": data, "user": user}


@pytest.mark.django_db
def test_the_export_lists_what_is_held_about_an_address_in_any_letter_case(sam_everywhere):
    data = subject_export(email="SAM@example.com")
    assert [a["username"] for a in data["accounts"]] == [SAM]
    assert data["accounts"][0]["teams_led"] == ["Data"]
    assert sorted(m["team"] for m in data["team_memberships"]) == ["Data", "Platform"]
    assert len(data["invitations"]) == 2
    # Nothing that would tell whether Sam has answered: no state, reminders or saved answers.
    assert {key for i in data["invitations"] for key in i} == {
        "cycle",
        "team",
        "role",
        "created",
        "sent",
    }
    assert {r["kind"] for r in data["sign_in_records"]} == {"failed attempts", "signed in"}
    assert [e["action"] for e in data["audit_events_as_actor"]] == ["team.update"]


@pytest.mark.django_db
def test_the_export_never_contains_anyones_answers(sam_everywhere):
    text = json.dumps(subject_export(email=SAM))
    assert "value" not in text
    assert "Clear." not in text  # the comment text of the submissions
    assert "anonymous" in subject_export(email=SAM)["about"]


@pytest.mark.django_db
def test_erasure_deletes_the_person_and_keeps_anonymous_answers_and_response_rates(
    sam_everywhere, hr_user
):
    cycle = sam_everywhere["cycle"]
    invited_before = Invitation.objects.filter(cycle=cycle, state="submitted").count()
    answers_before = Answer.objects.count()

    summary = subject_erase(email=SAM, actor=hr_user)

    assert summary.accounts == 1
    assert summary.memberships == 2
    assert summary.invitations_anonymised == 2
    assert summary.sign_in_records == 2
    assert not get_user_model().objects.filter(username=SAM).exists()
    assert not TeamMember.objects.filter(email__iexact=SAM).exists()
    assert not Invitation.objects.filter(email__iexact=SAM).exists()
    assert not DraftAnswer.objects.exists()
    assert not AccessAttempt.objects.exists()
    assert not AccessLog.objects.exists()
    # Both invitations stay, stripped (response rates stay right); every anonymous answer stays.
    assert Invitation.objects.filter(cycle=cycle, state="submitted").count() == invited_before
    stripped = Invitation.objects.filter(token_hash__startswith=PURGED_TOKEN_PREFIX)
    assert stripped.count() == 2
    assert Answer.objects.count() == answers_before
    assert Submission.objects.count() == 3
    # Nothing is left to export.
    left = subject_export(email=SAM)
    assert not any(left[k] for k in ("accounts", "team_memberships", "invitations"))


@pytest.mark.django_db
def test_erasure_is_audited_under_a_pseudonym_and_earlier_actions_lose_the_name(
    sam_everywhere, hr_user
):
    subject_erase(email=SAM, actor=hr_user)
    event = AuditEvent.objects.get(action="privacy.erase")
    assert event.actor_label == hr_user.username
    assert event.target == subject_pseudonym(SAM)
    assert SAM not in json.dumps(event.detail)
    assert SAM not in event.target
    assert AuditEvent.objects.get(action="team.update").actor_label == ERASED_LABEL


@pytest.mark.django_db
def test_nobody_can_erase_their_own_account(hr_user):
    with pytest.raises(ErasureRefused) as caught:
        subject_erase(email=hr_user.email, actor=hr_user)
    assert str(caught.value) == str(ERROR_SELF_ERASURE)
    assert get_user_model().objects.filter(pk=hr_user.pk).exists()


@pytest.mark.django_db
def test_the_command_prints_json_and_erases_with_confirmation(sam_everywhere):
    out = StringIO()
    call_command("subject_data", SAM, stdout=out)
    assert json.loads(out.getvalue())["email"] == SAM
    assert AuditEvent.objects.filter(action="privacy.export").count() == 1

    out = StringIO()
    call_command("subject_data", SAM, "--erase", "--yes", stdout=out)
    assert "1 accounts, 2 team memberships" in out.getvalue()
    assert not TeamMember.objects.filter(email__iexact=SAM).exists()


@pytest.mark.django_db
def test_the_command_refuses_something_that_is_not_an_address():
    with pytest.raises(CommandError, match="is not an email address"):
        call_command("subject_data", "sam")


@pytest.mark.django_db
def test_the_privacy_page_is_for_hr_only(client, leader_a):
    client.force_login(leader_a)
    assert client.get(reverse("assessments:hr-privacy")).status_code == 404
    assert client.get(reverse("assessments:hr-audit")).status_code == 404
    client.logout()
    assert client.get(reverse("assessments:hr-privacy")).status_code == 302


@pytest.mark.django_db
def test_hr_looks_up_an_address_and_sees_counts_only(client, hr_user, sam_everywhere):
    client.force_login(hr_user)
    response = client.get(reverse("assessments:hr-privacy"), {"email": SAM})
    page = response.content.decode()
    assert response.status_code == 200
    assert f"Held about {SAM}" in page
    assert "Download everything (JSON)" in page
    assert "203.0.113.5" not in page  # details only in the audited download
    assert not AuditEvent.objects.filter(action="privacy.export").exists()


@pytest.mark.django_db
def test_hr_downloads_the_json_and_the_download_is_audited(client, hr_user, sam_everywhere):
    client.force_login(hr_user)
    response = client.get(reverse("assessments:hr-privacy-export"), {"email": SAM})
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith("attachment;")
    assert json.loads(response.content)["email"] == SAM
    event = AuditEvent.objects.get(action="privacy.export")
    assert event.actor == hr_user
    assert event.target == subject_pseudonym(SAM)


@pytest.mark.django_db
def test_hr_erases_only_after_typing_the_address_again(client, hr_user, sam_everywhere):
    client.force_login(hr_user)
    url = reverse("assessments:hr-privacy-erase")
    response = client.post(url, {"email": SAM, "confirm": "someone@example.com"})
    assert response.status_code == 400
    assert "Type the same address again" in response.content.decode()
    assert TeamMember.objects.filter(email__iexact=SAM).exists()

    response = client.post(url, {"email": SAM, "confirm": SAM.upper()}, follow=True)
    assert "Erased everything held about" in response.content.decode()
    assert not TeamMember.objects.filter(email__iexact=SAM).exists()


@pytest.mark.django_db
def test_an_address_with_nothing_held_says_so(client, hr_user):
    client.force_login(hr_user)
    response = client.get(reverse("assessments:hr-privacy"), {"email": "nobody@example.com"})
    page = response.content.decode()
    assert "Nothing is held about this address." in page
    assert "Erase everything" not in page


@pytest.mark.django_db
def test_the_audit_log_lists_who_did_what_and_filters_by_action_person_and_date(client, hr_user):
    other = user_make("other-hr@example.com", hr=True)
    AuditEvent.record(actor=hr_user, action="cycle.open", target="2027 Q1")
    AuditEvent.record(actor=other, action="cycle.release", target="2026 Q4")
    old = AuditEvent.record(actor=other, action="cycle.close", target="2025 Q4")
    AuditEvent.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timezone.timedelta(days=40)
    )
    client.force_login(hr_user)
    url = reverse("assessments:hr-audit")

    page = client.get(url).content.decode()
    assert "cycle.open" in page
    assert "cycle.release" in page
    assert "cycle.close" in page
    page = client.get(url, {"action": "cycle.release"}).content.decode()
    assert "2026 Q4" in page
    assert "2027 Q1" not in page
    page = client.get(url, {"actor": "other-hr"}).content.decode()
    assert "2027 Q1" not in page
    assert "2026 Q4" in page
    since = (timezone.now() - timezone.timedelta(days=7)).date().isoformat()
    page = client.get(url, {"since": since}).content.decode()
    assert "2025 Q4" not in page
    assert "2026 Q4" in page


@pytest.mark.django_db
def test_the_audit_log_pages_through_many_events(client, hr_user):
    AuditEvent.objects.bulk_create(
        AuditEvent(actor_label="system", action="bulk", target=f"t{n}") for n in range(60)
    )
    client.force_login(hr_user)
    page = client.get(reverse("assessments:hr-audit"), {"action": "bulk"}).content.decode()
    assert "Page 1 of 2" in page
    second = client.get(reverse("assessments:hr-audit"), {"action": "bulk", "page": 2})
    assert "Page 2 of 2" in second.content.decode()
